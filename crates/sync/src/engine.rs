//! The sync of one portal: dictionaries first (plus one-page ID probes of every bulk kind, all in one batch), then
//! the bulk kinds in parallel — a resumable full pass by ID cursor (newest first), afterwards incremental passes by
//! modified-since watermark on the portal's clock with an overlap (append-only logs by `>ID`) — then queued events,
//! then periodic ID reconciliation for deletions. Every chunk of rows is stored in one transaction with its cursor.
//! It must never delete anything because of an auth failure, and never run without the portal's lease when given one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use b24a_client::export::{ListSpec, PAGE_SIZE};
use b24a_client::{ApiError, Batch, Client, Direction, IdCursorExport, Row};
use b24a_store::Store;
use futures::StreamExt;
use serde_json::{json, Map, Value};

use crate::entity::{by_ids_params, dictionary_query, Entity};
use crate::error::SyncError;
use crate::lease::LeaseGuard;
use crate::sink;
use crate::state::{self, SyncState, PHASE_FULL, PHASE_INCREMENTAL};
use crate::write;

/// The events whose offline queue feeds the sync.
pub const OFFLINE_EVENTS: &[&str] = &[
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMDEALDELETE",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMLEADDELETE",
    "ONCRMACTIVITYADD",
    "ONCRMACTIVITYUPDATE",
    "ONCRMACTIVITYDELETE",
    "ONTASKADD",
    "ONTASKUPDATE",
    "ONTASKDELETE",
];

/// Progress of one entity, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub entity: Entity,
    pub phase: &'static str,
    pub done: i64,
    pub estimated: Option<i64>,
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Tunables of a portal sync.
#[derive(Clone)]
pub struct SyncOptions {
    /// Bulk kinds exported at once (each has its own server-time budget; the request bucket is shared).
    pub parallelism: usize,
    /// Re-read records modified this long before the watermark (late commits, clock granularity).
    pub overlap_secs: i64,
    /// Compare id sets this often per kind (deletions that no event reported).
    pub reconcile_every_secs: i64,
    /// Pages chained per batch (≤ 50).
    pub max_chain: usize,
    /// Set the client's request bucket from the portal's licence (`app.info` `LICENSE`); off when the operator
    /// configured the limits explicitly.
    pub adopt_license_limits: bool,
    /// Seconds a `sync` lease lives without renewal (a killed process's portal is taken over after this).
    pub lease_ttl_secs: i64,
    pub progress: Option<ProgressFn>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            parallelism: 3,
            overlap_secs: 300,
            reconcile_every_secs: 24 * 3600,
            max_chain: 50,
            adopt_license_limits: true,
            lease_ttl_secs: 120,
            progress: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("parallelism", &self.parallelism)
            .field("overlap_secs", &self.overlap_secs)
            .field("reconcile_every_secs", &self.reconcile_every_secs)
            .field("max_chain", &self.max_chain)
            .finish()
    }
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Rows written per entity name.
    pub written: BTreeMap<String, i64>,
    pub deleted: BTreeMap<String, i64>,
    pub events_applied: usize,
    /// Entities that failed this cycle, with the error (the others went on).
    pub failed: BTreeMap<String, String>,
}

/// Lowest and highest id of a bulk kind at the start of a cycle (`None`: the portal has none).
/// A bulk kind and what its pass did: (rows written, rows deleted) or the error.
type BulkOutcome = (Entity, Result<(i64, i64), SyncError>);

pub type Probes = HashMap<Entity, Option<(i64, i64)>>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The sync of one portal through one client.
#[derive(Debug, Clone)]
pub struct PortalSync {
    pub store: Store,
    pub client: Client,
    pub portal_id: i64,
    pub opts: SyncOptions,
    pub lease: Option<LeaseGuard>,
}

impl PortalSync {
    pub fn new(store: Store, client: Client, portal_id: i64, opts: SyncOptions) -> PortalSync {
        PortalSync {
            store,
            client,
            portal_id,
            opts,
            lease: None,
        }
    }

    /// Keeps the lease alive while working under it.
    pub fn with_lease(mut self, lease: LeaseGuard) -> PortalSync {
        self.lease = Some(lease);
        self
    }

    async fn keep_alive(&self) -> Result<(), SyncError> {
        match &self.lease {
            Some(l) => l.keep_alive().await,
            None => Ok(()),
        }
    }

    fn report(&self, entity: Entity, phase: &'static str, done: i64, estimated: Option<i64>) {
        if let Some(p) = &self.opts.progress {
            p(&Progress {
                entity,
                phase,
                done,
                estimated,
            });
        }
    }

    /// One full cycle: dictionaries, bulk kinds (full or incremental as their state says), queued events, due
    /// reconciliations. The first cycle of a portal is its first import; a killed cycle resumes where it stopped.
    pub async fn run_cycle(&self) -> Result<CycleReport, SyncError> {
        let mut report = CycleReport::default();
        let probes = self.refresh_dictionaries(&mut report).await?;
        self.keep_alive().await?;
        let mut order: Vec<Entity> = Entity::BULK.to_vec();
        // Deals first: the first reports need dictionaries and recent deals.
        order.sort_by_key(|e| if *e == Entity::Deals { 0 } else { 1 });
        let results: Vec<BulkOutcome> = futures::stream::iter(order)
            .map(|e| {
                let probe = probes.get(&e).cloned();
                async move { (e, self.sync_bulk(e, probe).await) }
            })
            .buffer_unordered(self.opts.parallelism.max(1))
            .collect()
            .await;
        for (e, r) in results {
            match r {
                Ok((written, deleted)) => {
                    report.written.insert(e.name().into(), written);
                    if deleted > 0 {
                        report.deleted.insert(e.name().into(), deleted);
                    }
                }
                Err(err) if err.needs_attention() => {
                    return Err(SyncError::NeedsAttention(err.to_string()))
                }
                Err(SyncError::Busy(p)) => return Err(SyncError::Busy(p)),
                Err(err) => {
                    state::record_error(
                        &self.store,
                        self.portal_id,
                        e.name(),
                        &err.to_string(),
                        now(),
                    )
                    .await?;
                    report.failed.insert(e.name().into(), err.to_string());
                }
            }
        }
        report.events_applied = self.apply_events().await?;
        Ok(report)
    }

    /// One bulk kind: its full pass (resumed) or its incremental pass, and a reconciliation when due. `probe` is
    /// the kind's (lowest, highest) id from [`Self::refresh_dictionaries`] (`Some(None)`: the portal has none).
    /// Returns (rows written, rows deleted).
    pub async fn sync_bulk(
        &self,
        e: Entity,
        probe: Option<Option<(i64, i64)>>,
    ) -> Result<(i64, i64), SyncError> {
        let st = state::load(&self.store, self.portal_id, e.name()).await?;
        let written = if st.phase == PHASE_INCREMENTAL {
            self.incremental(e, st).await?
        } else {
            self.full(e, st, probe).await?
        };
        let st = state::load(&self.store, self.portal_id, e.name()).await?;
        let due = st.phase == PHASE_INCREMENTAL
            && st
                .reconciled_at
                .is_none_or(|t| now() - t >= self.opts.reconcile_every_secs);
        let deleted = if due
            && st.full_finished_at.is_some_and(|f| {
                st.reconciled_at.is_some() || now() - f >= self.opts.reconcile_every_secs
            }) {
            self.reconcile(e).await?.0
        } else {
            0
        };
        Ok((written, deleted))
    }

    // ---------------------------------------------------------------------------------------------- dictionaries

    /// Re-reads every dictionary (first pages of all of them plus the bulk probes in one batch; further pages by
    /// offset batches) and replaces what changed; dictionary rows the portal no longer has are removed.
    pub async fn refresh_dictionaries(
        &self,
        report: &mut CycleReport,
    ) -> Result<Probes, SyncError> {
        let mut batch = Batch::new();
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
        let resp = self.client.batch(&batch).await?;
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
                if let Some(err) = resp.errors.get(&key) {
                    return Err(SyncError::Api(err.clone()));
                }
                let first = resp.results.get(&key).cloned().unwrap_or(Value::Null);
                let spec = ListSpec {
                    rows_path: path.map(str::to_string),
                    ..ListSpec::crm(method, Value::Null)
                };
                let mut rows = spec.rows_of(&first)?;
                if let Some(next) = resp.nexts.get(&key) {
                    let total = resp.totals.get(&key).copied().unwrap_or(*next);
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
                    state::record_error(&self.store, self.portal_id, e.name(), &err.to_string(), t)
                        .await?;
                    report.failed.insert(e.name().into(), err.to_string());
                }
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
        Ok(probes)
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

    async fn store_dictionary(&self, e: Entity, rows: &[Row], t: i64) -> Result<i64, SyncError> {
        let mut stmts = write::upsert_rows(e, self.portal_id, rows, t)?;
        // Whole-set refresh: rows no longer listed are gone from the portal.
        if matches!(
            e,
            Entity::Users | Entity::Departments | Entity::Pipelines | Entity::Projects
        ) {
            let id_field = if e == Entity::Pipelines { "id" } else { "ID" };
            let fresh: HashSet<i64> = rows
                .iter()
                .filter_map(|r| r.opt_int(id_field).ok().flatten())
                .collect();
            let stored = write::stored_ids(&self.store, e, self.portal_id).await?;
            let gone: Vec<i64> = stored
                .into_iter()
                .filter(|id| !fresh.contains(id))
                .collect();
            stmts.extend(write::delete_ids(e, self.portal_id, &gone));
        }
        let mut st = state::load(&self.store, self.portal_id, e.name()).await?;
        st.phase = PHASE_INCREMENTAL.into();
        st.done_count = rows.len() as i64;
        st.estimated_total = Some(rows.len() as i64);
        st.full_finished_at.get_or_insert(t);
        st.last_success_at = Some(t);
        st.last_error = None;
        stmts.push(st.save_stmt(self.portal_id, t));
        sink::run(&self.store, stmts).await?;
        Ok(rows.len() as i64)
    }

    // ------------------------------------------------------------------------------------------------- full pass

    /// The full export of a bulk kind by ID cursor, resumed from the stored cursor.
    async fn full(
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
            sink::run(&self.store, vec![st.save_stmt(self.portal_id, t)]).await?;
        }
        let far_end = probe
            .flatten()
            .map(|(lo, hi)| if dir == Direction::Desc { lo } else { hi });
        let cursor = (st.cursor_id != 0).then_some(st.cursor_id);
        let mut export = IdCursorExport::new(self.client.clone(), spec, dir, cursor, far_end)
            .with_max_chain(self.opts.max_chain);
        let mut written = 0i64;
        let mut skipped: Vec<String> = Vec::new();
        if probe == Some(None) {
            // The portal has none of this kind: nothing to walk.
        } else {
            while let Some(chunk) = export.next_chunk().await? {
                self.keep_alive().await?;
                let t = now();
                let (mut stmts, bad) =
                    write::upsert_rows_skipping_bad(e, self.portal_id, &chunk.rows, t)?;
                skipped.extend(bad);
                if let Some(c) = chunk.cursor {
                    st.cursor_id = c;
                }
                st.done_count += chunk.rows.len() as i64;
                written += chunk.rows.len() as i64;
                if let Some(est) = st.estimated_total {
                    st.estimated_total = Some(est.max(st.done_count));
                }
                stmts.push(st.save_stmt(self.portal_id, t));
                sink::run(&self.store, stmts).await?;
                self.report(e, PHASE_FULL, st.done_count, st.estimated_total);
            }
        }
        let t = now();
        st.phase = PHASE_INCREMENTAL.into();
        st.full_finished_at = Some(t);
        st.last_success_at = Some(t);
        st.estimated_total = Some(st.done_count);
        st.last_error = skipped_summary(&skipped);
        sink::run(&self.store, vec![st.save_stmt(self.portal_id, t)]).await?;
        self.report(e, PHASE_INCREMENTAL, st.done_count, st.estimated_total);
        Ok(written)
    }

    // ------------------------------------------------------------------------------------------ incremental pass

    /// Records modified since the watermark (minus the overlap), or appended since the highest stored id.
    async fn incremental(&self, e: Entity, mut st: SyncState) -> Result<i64, SyncError> {
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
                let t = now();
                let (mut stmts, bad) =
                    write::upsert_rows_skipping_bad(e, self.portal_id, &chunk.rows, t)?;
                skipped.extend(bad);
                if chunk.cursor.is_some() {
                    st.watermark = chunk.cursor;
                }
                st.done_count += chunk.rows.len() as i64;
                written += chunk.rows.len() as i64;
                stmts.push(st.save_stmt(self.portal_id, t));
                sink::run(&self.store, stmts).await?;
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
                let t = now();
                let (stmts, bad) =
                    write::upsert_rows_skipping_bad(e, self.portal_id, &chunk.rows, t)?;
                skipped.extend(bad);
                sink::run(&self.store, stmts).await?;
                written += chunk.rows.len() as i64;
            }
            st.watermark = Some(pass_start);
        }
        let t = now();
        st.last_success_at = Some(t);
        st.last_error = skipped_summary(&skipped);
        sink::run(&self.store, vec![st.save_stmt(self.portal_id, t)]).await?;
        Ok(written)
    }

    // ------------------------------------------------------------------------------------------- by-id refresh

    /// Re-reads the given records of one kind (50 ids per sub-call, 50 sub-calls per request); stores those the
    /// portal returns and deletes those it no longer has. Returns (stored, deleted).
    pub async fn refresh_ids(
        &self,
        e: Entity,
        ids: &[i64],
        extra: Vec<sink::Stmt>,
    ) -> Result<(i64, i64), SyncError> {
        let mut ids: Vec<i64> = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let Some(spec) = e.list_spec() else {
            return Ok((0, 0));
        };
        let mut stored = 0;
        let mut deleted = 0;
        let mut extra = Some(extra);
        let chunks: Vec<&[i64]> = ids.chunks(PAGE_SIZE).collect();
        for group in chunks.chunks(50) {
            let mut batch = Batch::new();
            for (i, chunk) in group.iter().enumerate() {
                if let Some((method, params)) = by_ids_params(e, chunk) {
                    batch.push(format!("i{i}"), method, params)?;
                }
            }
            let resp = self.client.batch(&batch).await?;
            let mut rows = Vec::new();
            let mut missing = Vec::new();
            for (i, chunk) in group.iter().enumerate() {
                let key = format!("i{i}");
                if let Some(err) = resp.errors.get(&key) {
                    return Err(SyncError::Api(err.clone()));
                }
                let page = spec.rows_of(resp.results.get(&key).unwrap_or(&Value::Null))?;
                let found: HashSet<i64> = page.iter().filter_map(|r| spec.id_of(r).ok()).collect();
                missing.extend(chunk.iter().copied().filter(|id| !found.contains(id)));
                // Only rows we asked for: a method that ignored the filter must not write strangers.
                rows.extend(
                    page.into_iter()
                        .filter(|r| spec.id_of(r).is_ok_and(|id| chunk.contains(&id))),
                );
            }
            let t = now();
            let mut stmts = write::upsert_rows(e, self.portal_id, &rows, t)?;
            stmts.extend(write::delete_ids(e, self.portal_id, &missing));
            stmts.extend(extra.take().unwrap_or_default());
            sink::run(&self.store, stmts).await?;
            stored += rows.len() as i64;
            deleted += missing.len() as i64;
        }
        if let Some(rest) = extra.take() {
            sink::run(&self.store, rest).await?;
        }
        Ok((stored, deleted))
    }

    // -------------------------------------------------------------------------------------------------- events

    /// Applies queued events (online handler or offline queue): re-reads the touched records, deletes those gone.
    pub async fn apply_events(&self) -> Result<usize, SyncError> {
        let mut applied = 0;
        loop {
            let open = crate::events::open_events(&self.store, self.portal_id, 1000).await?;
            if open.is_empty() {
                return Ok(applied);
            }
            let mut by_entity: BTreeMap<Entity, Vec<i64>> = BTreeMap::new();
            let mut unknown = Vec::new();
            for ev in &open {
                match Entity::from_name(&ev.entity) {
                    Some(e) if e.list_spec().is_some() => {
                        by_entity.entry(e).or_default().push(ev.entity_id)
                    }
                    _ => unknown.push(ev.id),
                }
            }
            let t = now();
            let mut follow_up = Vec::new();
            for (e, ids) in by_entity {
                let done: Vec<i64> = open
                    .iter()
                    .filter(|ev| ev.entity == e.name())
                    .map(|ev| ev.id)
                    .collect();
                self.refresh_ids(
                    e,
                    &ids,
                    crate::events::mark_processed(self.portal_id, &done, t),
                )
                .await?;
                // A stage move appends to the stage history, which has no events of its own.
                match e {
                    Entity::Deals => follow_up.push(Entity::DealStageHistory),
                    Entity::Leads => follow_up.push(Entity::LeadStageHistory),
                    _ => {}
                }
            }
            for e in follow_up {
                let st = state::load(&self.store, self.portal_id, e.name()).await?;
                if st.phase == PHASE_INCREMENTAL {
                    self.incremental(e, st).await?;
                }
            }
            sink::run(
                &self.store,
                crate::events::mark_processed(self.portal_id, &unknown, t),
            )
            .await?;
            applied += open.len();
        }
    }

    /// Binds the offline events the sync consumes (app context, admin token). Already bound events are fine.
    pub async fn bind_offline_events(&self) -> Result<(), SyncError> {
        let mut batch = Batch::new();
        for (i, ev) in OFFLINE_EVENTS.iter().enumerate() {
            batch.push(
                format!("b{i}"),
                "event.bind",
                json!({ "event": ev, "event_type": "offline" }),
            )?;
        }
        let resp = self.client.batch(&batch).await?;
        for (key, err) in &resp.errors {
            match err {
                ApiError::Method { code, .. } if code == "ERROR_HANDLER_ALREADY_EXIST" => {}
                other => {
                    tracing::warn!(portal = self.portal_id, key = key.as_str(), error = %other, "event.bind failed");
                    return Err(SyncError::Api(other.clone()));
                }
            }
        }
        Ok(())
    }

    /// Moves the portal's offline event queue (`event.offline.get`) into `pending_events`, confirming each batch
    /// only after it is stored (at-least-once). Returns how many events were queued.
    pub async fn pull_offline_events(&self) -> Result<usize, SyncError> {
        let mut queued = 0;
        loop {
            let env = self
                .client
                .call("event.offline.get", json!({ "clear": 0, "limit": 50 }))
                .await?;
            let process_id = env.result.get("process_id").cloned().unwrap_or(Value::Null);
            let events = env
                .result
                .get("events")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if events.is_empty() {
                return Ok(queued);
            }
            for ev in &events {
                let name = ev
                    .get("EVENT_NAME")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some(id) =
                    crate::events::entity_id_of(ev.get("EVENT_DATA").unwrap_or(&Value::Null))
                {
                    crate::events::enqueue(&self.store, self.portal_id, name, id).await?;
                    queued += 1;
                }
            }
            if !process_id.is_null() {
                self.client
                    .call("event.offline.clear", json!({ "process_id": process_id }))
                    .await?;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ reconciliation

    /// Compares the portal's id set of a kind with the store's: deletes what the portal no longer has, fetches what
    /// the store lacks. Returns (deleted, added).
    pub async fn reconcile(&self, e: Entity) -> Result<(i64, i64), SyncError> {
        let Some(mut spec) = e.list_spec() else {
            return Ok((0, 0));
        };
        if let Value::Object(m) = &mut spec.params {
            m.insert("select".into(), json!([spec.cursor_field.clone()]));
        }
        let mut export = IdCursorExport::new(
            self.client.clone(),
            spec.clone(),
            Direction::Asc,
            None,
            None,
        )
        .with_max_chain(self.opts.max_chain);
        let mut portal_ids = HashSet::new();
        while let Some(chunk) = export.next_chunk().await? {
            self.keep_alive().await?;
            for r in &chunk.rows {
                portal_ids.insert(spec.id_of(r)?);
            }
        }
        let stored = write::stored_ids(&self.store, e, self.portal_id).await?;
        let stored_set: HashSet<i64> = stored.iter().copied().collect();
        let gone: Vec<i64> = stored
            .into_iter()
            .filter(|id| !portal_ids.contains(id))
            .collect();
        let mut missing: Vec<i64> = portal_ids
            .into_iter()
            .filter(|id| !stored_set.contains(id))
            .collect();
        missing.sort_unstable();
        let t = now();
        let mut st = state::load(&self.store, self.portal_id, e.name()).await?;
        st.reconciled_at = Some(t);
        let mut stmts = write::delete_ids(e, self.portal_id, &gone);
        stmts.push(st.save_stmt(self.portal_id, t));
        sink::run(&self.store, stmts).await?;
        let (added, _) = if missing.is_empty() {
            (0, 0)
        } else {
            self.refresh_ids(e, &missing, vec![]).await?
        };
        Ok((gone.len() as i64, added))
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
