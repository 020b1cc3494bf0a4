//! The sync of one portal: dictionaries first (plus one-page ID probes of every bulk kind and the event binding
//! check, all in one batch; missing bindings are bound again), then the bulk kinds in parallel — a resumable full
//! pass by ID cursor (newest first), afterwards incremental passes by modified-since watermark on the portal's
//! clock with an overlap (append-only logs by `>ID`) and periodic ID reconciliation for deletions — then call
//! statistics by date windows, then the offline event queue and the queued events. Every chunk of rows is stored
//! in one transaction with its cursor.
//! It must never delete anything because of an auth failure, and never run without the portal's lease when given one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use b24a_client::Client;
use b24a_store::Store;
use futures::StreamExt;

use crate::entity::Entity;
use crate::error::SyncError;
use crate::lease::LeaseGuard;
use crate::state::{self, PHASE_INCREMENTAL};

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
    /// Pull call statistics (`voximplant.statistic.get`, windows by date) after the bulk kinds.
    pub call_statistics: bool,
    /// Where the app's online event handlers live: an app's handler is `{base}/{client_id}` (the server passes
    /// its `PUBLIC_URL/events`). `None` (the CLI): change events only through the offline queue, app events not
    /// bound. See `bindings.rs`.
    pub event_handler_base: Option<String>,
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
            call_statistics: true,
            event_handler_base: None,
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
            .field("event_handler_base", &self.event_handler_base)
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
    /// Event bindings found missing and restored this cycle (see `bindings.rs`).
    pub bindings_restored: usize,
    /// Events moved from the portal's offline queue into `pending_events` this cycle.
    pub offline_events: usize,
    /// Entities that failed this cycle, with the error (the others went on).
    pub failed: BTreeMap<String, String>,
}

/// The name a failed binding check goes by in a cycle's `failed`.
pub const EVENT_BINDINGS: &str = "event_bindings";
/// The name a failed pull of the offline event queue goes by in a cycle's `failed`.
pub const OFFLINE_QUEUE: &str = "offline_events";

/// A bulk kind and what its pass did: (rows written, rows deleted) or the error.
type BulkOutcome = (Entity, Result<(i64, i64), SyncError>);

/// Lowest and highest id of a bulk kind at the start of a cycle (`None`: the portal has none).
pub type Probes = HashMap<Entity, Option<(i64, i64)>>;

pub(crate) fn now() -> i64 {
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

    pub(crate) async fn keep_alive(&self) -> Result<(), SyncError> {
        match &self.lease {
            Some(l) => l.keep_alive().await,
            None => Ok(()),
        }
    }

    pub(crate) fn report(
        &self,
        entity: Entity,
        phase: &'static str,
        done: i64,
        estimated: Option<i64>,
    ) {
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
        // Waiting for a spent budget can take minutes: the lease is renewed meanwhile, not only between chunks.
        let _heartbeat = self.lease.as_ref().map(|l| l.heartbeat());
        let mut report = CycleReport::default();
        self.hold_first_import_open().await?;
        let (probes, listing) = self.refresh_dictionaries_with_bindings(&mut report).await?;
        // Bindings before the bulk passes: a deletion during this cycle is then queued, not lost.
        if listing.is_some() {
            match self.ensure_bindings(listing).await {
                Ok(b) => {
                    report.bindings_restored = b.bound.len();
                    if let Some((first, err)) = b.failed.first() {
                        report.failed.insert(
                            EVENT_BINDINGS.into(),
                            format!(
                                "{} binding(s) failed; first: {first}: {err}",
                                b.failed.len()
                            ),
                        );
                    }
                }
                Err(err) if err.needs_attention() => {
                    return Err(SyncError::NeedsAttention(err.to_string()))
                }
                Err(err) => {
                    tracing::warn!(portal = self.portal_id, error = %err, "event binding check failed");
                    report.failed.insert(EVENT_BINDINGS.into(), err.to_string());
                }
            }
        }
        self.keep_alive().await?;
        self.seed_first_import_progress(&probes).await?;
        let mut order: Vec<Entity> = Entity::BULK.to_vec();
        // Deals first: the first reports need dictionaries and recent deals. Then the kinds with most rows left
        // (by the probes' id span): each kind has its own server-time budget, and the one that must wait for its
        // window to reopen is the import's critical path, so it starts as early as possible.
        let span = |e: &Entity| -> i64 {
            probes
                .get(e)
                .and_then(|p| *p)
                .map(|(lo, hi)| hi - lo + 1)
                .unwrap_or(0)
        };
        order.sort_by_key(|e| (if *e == Entity::Deals { 0 } else { 1 }, -span(e)));
        let results: Vec<BulkOutcome> = futures::stream::iter(order)
            .map(|e| {
                let probe = probes.get(&e).cloned();
                async move { (e, self.sync_bulk_retrying_deadlocks(e, probe).await) }
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
                    state::record_error(&self.store, self.portal_id, e.name(), &err.to_string())
                        .await?;
                    report.failed.insert(e.name().into(), err.to_string());
                }
            }
        }
        if self.opts.call_statistics {
            match self.sync_calls().await {
                Ok(n) => {
                    report.written.insert(crate::calls::CALLS.into(), n);
                }
                Err(err) if err.needs_attention() => {
                    return Err(SyncError::NeedsAttention(err.to_string()))
                }
                Err(err) => {
                    state::record_error(
                        &self.store,
                        self.portal_id,
                        crate::calls::CALLS,
                        &err.to_string(),
                    )
                    .await?;
                    report
                        .failed
                        .insert(crate::calls::CALLS.into(), err.to_string());
                }
            }
        }
        // Smart processes (R7): read after the bulk kinds, in chained batches like them; part of the first import (its
        // state row was held open before the dictionaries). A failure is reported, never fatal to the cycle.
        match self.sync_linked().await {
            Ok(n) => {
                report.written.insert(
                    crate::linked::LINKED.into(),
                    i64::try_from(n).unwrap_or(i64::MAX),
                );
            }
            Err(err) if err.needs_attention() => {
                return Err(SyncError::NeedsAttention(err.to_string()))
            }
            Err(err) => {
                tracing::warn!(portal = self.portal_id, error = %err, "smart processes failed");
                state::record_error(
                    &self.store,
                    self.portal_id,
                    crate::linked::LINKED,
                    &err.to_string(),
                )
                .await?;
                report
                    .failed
                    .insert(crate::linked::LINKED.into(), err.to_string());
            }
        }
        if self.client.app_client_id().is_some() {
            // Every cycle: deletions reach the store within one cycle even when no online event got through.
            match self.pull_offline_events().await {
                Ok(n) => report.offline_events = n,
                Err(err) if err.needs_attention() => {
                    return Err(SyncError::NeedsAttention(err.to_string()))
                }
                Err(err) => {
                    tracing::warn!(portal = self.portal_id, error = %err, "pulling the offline event queue failed");
                    report.failed.insert(OFFLINE_QUEUE.into(), err.to_string());
                }
            }
        }
        report.events_applied = self.apply_events().await?;
        Ok(report)
    }

    /// Before anything of a first import is stored: every bulk source gets its (pending) state row, so "the first
    /// import is finished" (every source's state finished) cannot read true in the moment after the dictionaries'
    /// rows are written and before the bulk kinds have rows of their own.
    async fn hold_first_import_open(&self) -> Result<(), SyncError> {
        for e in Entity::BULK {
            let st = state::load(&self.store, self.portal_id, e.name()).await?;
            if st.phase == state::PHASE_PENDING && st.full_started_at.is_none() {
                state::save(&self.store, self.portal_id, &st).await?;
            }
        }
        // Smart-process items are part of the first import too (R7 reads them from its first report).
        let deals = state::load(&self.store, self.portal_id, Entity::Deals.name()).await?;
        self.hold_linked_open(deals.full_finished_at.is_none())
            .await?;
        Ok(())
    }

    /// Before the first import's passes start: every source gets its state row with the probes' estimate, so the
    /// progress bar's total is known from the start and does not grow (the bar going backwards) as kinds wait for
    /// their turn; call statistics get a row without a total until their count arrives.
    async fn seed_first_import_progress(&self, probes: &Probes) -> Result<(), SyncError> {
        for e in Entity::BULK {
            let mut st = state::load(&self.store, self.portal_id, e.name()).await?;
            if st.phase != state::PHASE_PENDING || st.estimated_total.is_some() {
                continue;
            }
            if let Some(p) = probes.get(&e) {
                st.estimated_total = Some(p.map(|(lo, hi)| hi - lo + 1).unwrap_or(0));
                state::save(&self.store, self.portal_id, &st).await?;
            }
        }
        if self.opts.call_statistics {
            let st = state::load(&self.store, self.portal_id, crate::calls::CALLS).await?;
            if st.phase == state::PHASE_PENDING && st.last_success_at.is_none() {
                state::save(&self.store, self.portal_id, &st).await?;
            }
        }
        Ok(())
    }

    /// [`Self::sync_bulk`], run again (up to twice) when PostgreSQL broke a deadlock by aborting this kind's
    /// transaction: kinds run in parallel, and a reconciliation deleting a lead's stage history can cross the
    /// history kind's own upserts. The passes resume from their stored state, so a repeat loses and doubles nothing.
    async fn sync_bulk_retrying_deadlocks(
        &self,
        e: Entity,
        probe: Option<Option<(i64, i64)>>,
    ) -> Result<(i64, i64), SyncError> {
        let mut tries = 0;
        loop {
            match self.sync_bulk(e, probe).await {
                Err(err) if tries < 2 && is_deadlock(&err) => {
                    tries += 1;
                    tracing::warn!(
                        portal = self.portal_id,
                        entity = e.name(),
                        "deadlock broken by the database; pass repeated"
                    );
                }
                other => return other,
            }
        }
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
}

/// PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01).
fn is_deadlock(e: &SyncError) -> bool {
    matches!(e, SyncError::Store(s) if s.is_deadlock())
}
