//! Call statistics (`voximplant.statistic.get`) into the `calls` table: talk minutes for the managers' report.
//! The portal may truncate long date ranges, so calls are read in windows of CALL_START_DATE (30 days), each
//! window walked by ID cursor; rows are keyed by ID, so overlapping windows and re-reads leave one row per call.
//! The first pass starts at the history horizon; each finished window advances the `calls` watermark (so a killed
//! pass resumes there); later passes re-read from a day before the watermark, because a call is recorded when it
//! ends. A portal without telephony (scope, access, method missing) is recorded as "not available", not failed.
//! Never deletes calls (the portal does not delete call records).

use b24a_client::export::OrderStyle;
use b24a_client::{ApiError, ListSpec, Row, WindowedExport};
use b24a_store::records::Call;
use serde_json::json;

use crate::engine::{now, PortalSync};
use crate::error::SyncError;
use crate::map::bad;
use crate::state::{self, PHASE_FULL, PHASE_INCREMENTAL};
use b24a_store::{Entity, PortalId, Records, Validate};

/// The `sync_state.entity` of call statistics.
pub const CALLS: &str = "calls";
/// Width of one date window.
pub const WINDOW_SECS: i64 = 30 * 86_400;
/// How far back the first pass reads (a little over the paid tier's 24 months).
pub const HISTORY_SECS: i64 = 760 * 86_400;
/// Re-read before the watermark on later passes (calls are recorded when they end).
const LATE_SECS: i64 = 86_400;

pub fn call(r: &Row) -> Result<Call, SyncError> {
    (|| {
        Ok(Call {
            id: r.int("ID")?,
            user_id: r.opt_ref("PORTAL_USER_ID")?,
            call_type: r.opt_int("CALL_TYPE")?,
            duration_seconds: r.opt_int("CALL_DURATION")?.unwrap_or(0).max(0),
            start_time: r.instant("CALL_START_DATE")?,
            failed_code: r.opt_text("CALL_FAILED_CODE")?,
            crm_activity_id: r.opt_ref("CRM_ACTIVITY_ID")?,
        })
    })()
    .map_err(bad("call", r))
}

/// The list of one window `[from, to)` by ID cursor (UPPER_CASE FILTER/SORT/ORDER as the method takes them).
pub fn window_spec(from: i64, to: i64) -> ListSpec {
    ListSpec {
        filter_key: "FILTER".into(),
        order: OrderStyle::SortOrder,
        ..ListSpec::crm(
            "voximplant.statistic.get",
            json!({
                "FILTER": {
                    ">=CALL_START_DATE": b24a_client::value::format_filter_instant(from),
                    "<CALL_START_DATE": b24a_client::value::format_filter_instant(to),
                },
                "SORT": "ID",
                "ORDER": "ASC",
            }),
        )
    }
}

/// Errors meaning the portal has no call statistics for us (no telephony scope, no access, no module).
fn unavailable(e: &SyncError) -> bool {
    matches!(e, SyncError::Api(ApiError::Method { code, .. })
        if matches!(code.as_str(), "insufficient_scope" | "ACCESS_DENIED" | "ERROR_METHOD_NOT_FOUND"))
}

impl PortalSync {
    /// Reads the call statistics due (see the module doc); returns the rows written.
    pub async fn sync_calls(&self) -> Result<i64, SyncError> {
        match self.calls_pass().await {
            Err(e) if unavailable(&e) => {
                let t = now();
                let mut st = state::load(&self.store, self.portal_id, CALLS).await?;
                st.last_error = Some(format!("call statistics not available: {e}"));
                st.last_error_at = Some(t);
                state::save(&self.store, self.portal_id, &st).await?;
                Ok(0)
            }
            other => other,
        }
    }

    async fn calls_pass(&self) -> Result<i64, SyncError> {
        let mut st = state::load(&self.store, self.portal_id, CALLS).await?;
        let pass_start = self.client.portal_now().unwrap_or_else(now);
        let mut from = match st.watermark {
            Some(w) => w - LATE_SECS,
            None => pass_start - HISTORY_SECS,
        };
        let mut written = 0i64;
        let mut skipped = 0usize;
        // Every window due, then one windowed export over all of them: a counting batch, then the windows'
        // remaining pages packed 50 per request (about ceil(rows / 2,500) + 1 requests in all).
        let mut bounds: Vec<(i64, i64)> = Vec::new();
        while from <= pass_start {
            // The last window is open-ended a minute past now, so calls starting this second are not cut off.
            let to = (from + WINDOW_SECS).min(pass_start + 60);
            bounds.push((from, to));
            from = to;
        }
        let specs = bounds.iter().map(|(f, t)| window_spec(*f, *t)).collect();
        let mut export =
            WindowedExport::new(self.client.clone(), specs).with_max_chain(self.opts.max_chain);
        let mut done_windows = 0usize;
        let base = st.done_count;
        while let Some(chunk) = export.next_chunk().await? {
            self.keep_alive().await?;
            let mut records = Vec::with_capacity(chunk.rows.len());
            for r in &chunk.rows {
                // Unreadable or refused by the store's checks: left out and counted, never the whole chunk.
                match call(r) {
                    Ok(c) if c.validate().is_ok() => records.push(c),
                    _ => skipped += 1,
                }
            }
            written += records.len() as i64;
            st.done_count += records.len() as i64;
            // Windows read completely move the watermark (a killed pass resumes at the first open window).
            if chunk.finished_prefix > done_windows {
                done_windows = chunk.finished_prefix;
                st.watermark = Some(bounds[done_windows - 1].1.min(pass_start));
            }
            self.store
                .write_records(PortalId(self.portal_id), Records::Calls(&records), None)
                .await?;
            state::save(&self.store, self.portal_id, &st).await?;
            if let Some(n) = export.counted_rows() {
                st.estimated_total = Some((base + n).max(st.done_count));
            }
            self.report(Entity::Calls, PHASE_FULL, st.done_count, st.estimated_total);
        }
        let t = now();
        st.phase = PHASE_INCREMENTAL.into();
        st.full_finished_at.get_or_insert(t);
        st.last_success_at = Some(t);
        st.done_count = self
            .store
            .count(PortalId(self.portal_id), Entity::Calls)
            .await?;
        st.estimated_total = Some(st.done_count);
        st.last_error =
            (skipped > 0).then(|| format!("{skipped} unreadable call record(s) skipped"));
        state::save(&self.store, self.portal_id, &st).await?;
        Ok(written)
    }
}
