//! The two passes over a bulk kind: the resumable full export by ID cursor (newest first, each chunk committed with
//! its cursor and progress) and the incremental pass (modified-since watermark on the portal clock with overlap;
//! append-only stage history by `>ID`). Never deletes anything.

use b24a_client::{Direction, IdCursorExport};
use serde_json::{json, Map, Value};

use crate::engine::{now, PortalSync};
use crate::entity::{Entity, SyncKind};
use crate::error::SyncError;
use crate::state::{self, SyncState, PHASE_FULL, PHASE_INCREMENTAL};
use crate::write;

impl PortalSync {
    /// The full export of a bulk kind by ID cursor, resumed from the stored cursor.
    pub(crate) async fn full(
        &self,
        e: Entity,
        mut st: SyncState,
        probe: Option<Option<(i64, i64)>>,
    ) -> Result<i64, SyncError> {
        let Some(spec) = e.list_spec() else {
            return Ok(0);
        };
        let dir = e.full_direction();
        let t = now();
        if st.phase != PHASE_FULL {
            st = SyncState::new(e.name());
            st.phase = PHASE_FULL.into();
            st.full_started_at = Some(t);
            st.watermark = if e.append_only() {
                Some(probe.flatten().map(|p| p.1).unwrap_or(0))
            } else {
                Some(self.client.portal_now().unwrap_or(t))
            };
            st.estimated_total = probe.map(|p| p.map(|(lo, hi)| hi - lo + 1).unwrap_or(0));
            state::save(&self.store, self.portal_id, &st).await?;
        }
        let far_end = probe
            .flatten()
            .map(|(lo, hi)| if dir == Direction::Desc { lo } else { hi });
        let cursor = (st.cursor_id != 0).then_some(st.cursor_id);
        let near_end = probe
            .flatten()
            .map(|(lo, hi)| if dir == Direction::Desc { hi } else { lo });
        let mut export = IdCursorExport::new(self.client.clone(), spec, dir, cursor, far_end)
            .with_near_end(near_end)
            .with_max_chain(self.opts.max_chain);
        let mut written = 0i64;
        let mut skipped: Vec<String> = Vec::new();
        if probe == Some(None) {
            // The portal has none of this kind: nothing to walk.
        } else {
            while let Some(chunk) = export.next_chunk().await? {
                self.keep_alive().await?;
                if let Some(c) = chunk.cursor {
                    st.cursor_id = c;
                }
                st.done_count += chunk.rows.len() as i64;
                written += chunk.rows.len() as i64;
                if let Some(est) = st.estimated_total {
                    st.estimated_total = Some(est.max(st.done_count));
                }
                let bad =
                    write::store_chunk(&self.store, e, self.portal_id, &chunk.rows, Some(&st))
                        .await?;
                skipped.extend(bad);
                self.report(e, PHASE_FULL, st.done_count, st.estimated_total);
            }
        }
        let t = now();
        st.phase = PHASE_INCREMENTAL.into();
        st.full_finished_at = Some(t);
        st.last_success_at = Some(t);
        st.estimated_total = Some(st.done_count);
        st.last_error = skipped_summary(&skipped);
        state::save(&self.store, self.portal_id, &st).await?;
        self.report(e, PHASE_INCREMENTAL, st.done_count, st.estimated_total);
        Ok(written)
    }

    // ------------------------------------------------------------------------------------------ incremental pass

    /// Records modified since the watermark (minus the overlap), or appended since the highest stored id.
    pub(crate) async fn incremental(&self, e: Entity, mut st: SyncState) -> Result<i64, SyncError> {
        let Some(mut spec) = e.list_spec() else {
            return Ok(0);
        };
        let mut written = 0i64;
        let mut skipped: Vec<String> = Vec::new();
        if e.append_only() {
            let mut export = IdCursorExport::new(
                self.client.clone(),
                spec,
                Direction::Asc,
                st.watermark,
                None,
            )
            .with_max_chain(self.opts.max_chain);
            while let Some(chunk) = export.next_chunk().await? {
                self.keep_alive().await?;
                if chunk.cursor.is_some() {
                    st.watermark = chunk.cursor;
                }
                st.done_count += chunk.rows.len() as i64;
                written += chunk.rows.len() as i64;
                let bad =
                    write::store_chunk(&self.store, e, self.portal_id, &chunk.rows, Some(&st))
                        .await?;
                skipped.extend(bad);
            }
        } else if let Some(field) = e.modified_field() {
            // Taken before the first query: changes made while we read are caught next time.
            let pass_start = self.client.portal_now().unwrap_or_else(now);
            let since = st.watermark.unwrap_or(0) - self.opts.overlap_secs;
            if let Value::Object(params) = &mut spec.params {
                let mut filter = match params.remove(&spec.filter_key) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                filter.insert(
                    format!(">={field}"),
                    json!(b24a_client::value::format_filter_instant(since)),
                );
                params.insert(spec.filter_key.clone(), Value::Object(filter));
            }
            let mut export =
                IdCursorExport::new(self.client.clone(), spec, Direction::Asc, None, None)
                    .with_max_chain(self.opts.max_chain);
            while let Some(chunk) = export.next_chunk().await? {
                self.keep_alive().await?;
                let bad =
                    write::store_chunk(&self.store, e, self.portal_id, &chunk.rows, None).await?;
                skipped.extend(bad);
                written += chunk.rows.len() as i64;
            }
            st.watermark = Some(pass_start);
        }
        let t = now();
        st.last_success_at = Some(t);
        st.last_error = skipped_summary(&skipped);
        state::save(&self.store, self.portal_id, &st).await?;
        Ok(written)
    }
}

/// What to show as the entity's last error when rows were skipped (`None`: all rows were stored).
fn skipped_summary(skipped: &[String]) -> Option<String> {
    let first = skipped.first()?;
    Some(format!(
        "{} unreadable row(s) skipped; first: {first}",
        skipped.len()
    ))
}
