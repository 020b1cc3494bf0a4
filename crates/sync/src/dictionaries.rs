//! Dictionaries of a portal, re-read whole every cycle in one batch together with the ID probes of the bulk kinds
//! (and `app.info` for the licence, the custom-field definitions of `custom_fields`, and `event.get` for the
//! binding check of `bindings`), further pages by offset
//! batches; each refresh makes the stored set exactly
//! the portal's (rows no longer listed are removed; deals and leads keep the codes they carry).
//! Never touches bulk kinds.

use b24a_client::export::{ListSpec, PAGE_SIZE};
use b24a_client::{ApiError, Batch, Direction, Row};
use serde_json::{json, Value};

use crate::custom_fields;
use crate::engine::{now, CycleReport, PortalSync, Probes};
use crate::entity::{dictionary_query, Entity, SyncKind};
use crate::error::SyncError;
use crate::state::{self, PHASE_INCREMENTAL};
use crate::write;

/// The name custom-field definitions go by in a cycle's report.
pub const CUSTOM_FIELDS: &str = "custom_fields";

/// The batch key of the binding check's `event.get`.
const EVENT_GET: &str = "event_get";

/// An `event.get` answer taken in the dictionary batch (`None`: not asked, a webhook client).
pub(crate) type EventListing = Option<Result<Value, ApiError>>;

impl PortalSync {
    /// Re-reads every dictionary (first pages of all of them plus the bulk probes in one batch; further pages by
    /// offset batches) and replaces what changed; dictionary rows the portal no longer has are removed.
    pub async fn refresh_dictionaries(
        &self,
        report: &mut CycleReport,
    ) -> Result<Probes, SyncError> {
        Ok(self.refresh_dictionaries_with_bindings(report).await?.0)
    }

    /// [`Self::refresh_dictionaries`], with `event.get` in the same batch for an app client (the cycle's binding
    /// check costs no request of its own). The listing is `None` for a webhook client.
    pub(crate) async fn refresh_dictionaries_with_bindings(
        &self,
        report: &mut CycleReport,
    ) -> Result<(Probes, EventListing), SyncError> {
        let mut batch = Batch::new();
        let with_events = self.client.app_client_id().is_some();
        if with_events {
            batch.push(EVENT_GET, "event.get", json!({}))?;
        }
        for e in Entity::DICTIONARIES {
            if let Some((method, params, _)) = dictionary_query(e) {
                batch.push(format!("d_{}", e.name()), method, params)?;
            }
        }
        for e in Entity::BULK {
            let Some(spec) = e.list_spec() else { continue };
            for (suffix, dir) in [("lo", Direction::Asc), ("hi", Direction::Desc)] {
                let mut p = spec.probe_params(dir);
                if let Value::Object(m) = &mut p {
                    m.insert("select".into(), json!([spec.cursor_field.clone()]));
                }
                batch.push(format!("p_{}_{suffix}", e.name()), spec.method.clone(), p)?;
            }
        }
        batch.push("app_info", "app.info", json!({}))?;
        custom_fields::push_first_pages(&mut batch)?;
        crate::locale::push_probes(&mut batch, now())?;
        let resp = self.client.batch(&batch).await?;
        // Every day boundary of the reports is drawn in the portal's zone: re-learned each cycle (summer time).
        let users_key = format!("d_{}", Entity::Users.name());
        if let Err(err) = self.learn_time_zone(&resp, &users_key).await {
            tracing::warn!(portal = self.portal_id, error = %err, "learning the time zone failed");
        }
        if self.opts.adopt_license_limits {
            // The plan decides the request bucket (enterprise: 5/s, burst 250).
            if let Some(license) = resp
                .results
                .get("app_info")
                .and_then(|r| r.get("LICENSE"))
                .and_then(Value::as_str)
            {
                self.client
                    .set_rate_limits(b24a_client::RateLimits::for_license(license));
            }
        }
        let t = now();
        for e in Entity::DICTIONARIES {
            let Some((method, params, path)) = dictionary_query(e) else {
                continue;
            };
            let key = format!("d_{}", e.name());
            let outcome = async {
                // A sub-call refused by a limit is read again within the cycle: a first import without the
                // currencies would convert every foreign amount at a rate the portal never gave.
                let (first, next, total) = match resp.errors.get(&key) {
                    None => (
                        resp.results.get(&key).cloned().unwrap_or(Value::Null),
                        resp.nexts.get(&key).copied(),
                        resp.totals.get(&key).copied(),
                    ),
                    Some(err) if err.is_retryable() => {
                        let env = self.first_page_again(method, &params, err).await?;
                        (env.result, env.next, env.total)
                    }
                    Some(err) => return Err(SyncError::Api(err.clone())),
                };
                let spec = ListSpec {
                    rows_path: path.map(str::to_string),
                    ..ListSpec::crm(method, Value::Null)
                };
                let mut rows = spec.rows_of(&first)?;
                if let Some(next) = next {
                    let next = &next;
                    let total = total.unwrap_or(*next);
                    rows.extend(
                        self.fetch_offsets(method, &params, path, *next, total)
                            .await?,
                    );
                }
                self.store_dictionary(e, &rows, t).await
            }
            .await;
            match outcome {
                Ok(n) => {
                    report.written.insert(e.name().into(), n);
                    self.report(e, PHASE_INCREMENTAL, n, Some(n));
                }
                Err(err) if err.needs_attention() => return Err(err),
                Err(err) => {
                    tracing::warn!(portal = self.portal_id, entity = e.name(), error = %err, "dictionary failed");
                    state::record_error(&self.store, self.portal_id, e.name(), &err.to_string())
                        .await?;
                    report.failed.insert(e.name().into(), err.to_string());
                }
            }
        }
        // Custom-field definitions are labels for the page: a failure is reported and the stored ones stay.
        match self.store_custom_fields(&resp).await {
            Ok(n) => {
                report.written.insert(CUSTOM_FIELDS.into(), n);
            }
            Err(err) if err.needs_attention() => return Err(err),
            Err(err) => {
                tracing::warn!(portal = self.portal_id, error = %err, "custom field definitions failed");
                report.failed.insert(CUSTOM_FIELDS.into(), err.to_string());
            }
        }
        let mut probes = Probes::new();
        for e in Entity::BULK {
            let Some(spec) = e.list_spec() else { continue };
            let first_id = |suffix: &str| -> Result<Option<i64>, ApiError> {
                let key = format!("p_{}_{suffix}", e.name());
                if let Some(err) = resp.errors.get(&key) {
                    return Err(err.clone());
                }
                let rows = spec.rows_of(resp.results.get(&key).unwrap_or(&Value::Null))?;
                rows.first().map(|r| spec.id_of(r)).transpose()
            };
            match (first_id("lo"), first_id("hi")) {
                (Ok(Some(lo)), Ok(Some(hi))) => {
                    probes.insert(e, Some((lo, hi)));
                }
                (Ok(None), Ok(None)) => {
                    probes.insert(e, None);
                }
                // A failed probe only costs the far-end shortcut; the export finds the end by a short page.
                _ => {}
            }
        }
        let listing = with_events.then(|| match resp.errors.get(EVENT_GET) {
            Some(e) => Err(e.clone()),
            None => Ok(resp.results.get(EVENT_GET).cloned().unwrap_or(Value::Null)),
        });
        Ok((probes, listing))
    }

    /// The first page of a dictionary whose batch sub-call was refused by a limit (rate, operation time, 5xx):
    /// asked again alone after a pause that grows (1, 2, 4, 8 s, or until the method's budget reopens if that is
    /// sooner), so the cycle does not go on without it. The last refusal is returned if all four fail.
    async fn first_page_again(
        &self,
        method: &str,
        params: &Value,
        first_error: &ApiError,
    ) -> Result<b24a_client::Envelope, SyncError> {
        let mut last = first_error.clone();
        for attempt in 0..4u32 {
            let mut pause = std::time::Duration::from_secs(1 << attempt);
            if let ApiError::OperationTimeLimit {
                reset_at: Some(at), ..
            } = &last
            {
                let until = (*at - now()).max(0) as u64;
                pause = pause.min(std::time::Duration::from_secs(until.max(1)));
            }
            tokio::time::sleep(pause).await;
            match self.client.call(method, params.clone()).await {
                Ok(env) => return Ok(env),
                Err(e) if e.is_retryable() => last = e,
                Err(e) => return Err(e.into()),
            }
        }
        Err(SyncError::Api(last))
    }

    async fn fetch_offsets(
        &self,
        method: &str,
        params: &Value,
        path: Option<&str>,
        next: i64,
        total: i64,
    ) -> Result<Vec<Row>, SyncError> {
        let spec = ListSpec {
            rows_path: path.map(str::to_string),
            ..ListSpec::crm(method, Value::Null)
        };
        let mut rows = Vec::new();
        let mut start = next;
        // `total` may be absent or wrong (crm.currency.list reports 0): keep going while pages come back full.
        loop {
            let mut batch = Batch::new();
            let pages = ((total.max(start + 1) - start) as usize)
                .div_ceil(PAGE_SIZE)
                .clamp(1, 50);
            for i in 0..pages {
                let mut p = params.as_object().cloned().unwrap_or_default();
                p.insert("start".into(), json!(start + (i * PAGE_SIZE) as i64));
                batch.push(format!("o{i}"), method, Value::Object(p))?;
            }
            let resp = self.client.batch(&batch).await?;
            let mut last_full = false;
            for i in 0..pages {
                let key = format!("o{i}");
                if let Some(e) = resp.errors.get(&key) {
                    return Err(SyncError::Api(e.clone()));
                }
                let page = spec.rows_of(resp.results.get(&key).unwrap_or(&Value::Null))?;
                last_full = page.len() == PAGE_SIZE && resp.nexts.contains_key(&key);
                rows.extend(page);
            }
            start += (pages * PAGE_SIZE) as i64;
            if !last_full {
                return Ok(rows);
            }
        }
    }

    /// Stores a dictionary's complete set with its sync state in one store batch. All or nothing: a row that
    /// cannot be read or that the store refuses fails the dictionary (a set without it would delete it).
    async fn store_dictionary(&self, e: Entity, rows: &[Row], t: i64) -> Result<i64, SyncError> {
        let (mapped, bad) = write::map_rows(e, rows);
        if let Some(first) = bad.into_iter().next() {
            return Err(first);
        }
        let Some(mapped) = mapped else {
            return Ok(0);
        };
        let mut batch = mapped.upsert_batch();
        // Whole-set refresh: rows no longer listed are gone from the portal. Statuses and currencies are keyed by
        // codes; a portal always has stages and a base currency, so an empty answer is not taken as "everything
        // was deleted". Deals and leads keep the codes they carry.
        let whole = !rows.is_empty() || !matches!(e, Entity::Statuses | Entity::Currencies);
        if let (true, Some(set)) = (whole, mapped.dictionary()) {
            batch.records.clear();
            batch.dictionaries.push(set);
        }
        let mut st = state::load(&self.store, self.portal_id, e.name()).await?;
        st.phase = PHASE_INCREMENTAL.into();
        st.done_count = rows.len() as i64;
        st.estimated_total = Some(rows.len() as i64);
        st.full_finished_at.get_or_insert(t);
        st.last_success_at = Some(t);
        st.last_error = None;
        batch.state = Some(&st);
        self.store
            .write_batch(b24a_store::PortalId(self.portal_id), &batch)
            .await?;
        Ok(rows.len() as i64)
    }
}
