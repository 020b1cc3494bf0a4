//! Sharing many portals between server processes: each pass walks the active portals, takes each portal's `sync`
//! lease if free (a portal held by a live process is skipped; a dead process's lease expires and is taken over),
//! runs one cycle, and releases it. Several processes can run this loop against one database.
//!
//! Cycles are numbered time slots (`unix time / interval`): [`sync_if_due`] runs a portal at most once per slot,
//! checking the portal's `sync_cycle` record *after* taking its lease, so two processes walking the same portals
//! never sync one twice in a slot. It must never run a portal without its lease.

use std::collections::HashMap;

use b24a_client::{ClientConfig, OAuthApp};
use b24a_store::{PortalId, Store};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::engine::{CycleReport, SyncOptions};
use crate::error::SyncError;
use crate::portal;

/// The outcome for one portal in a pass.
#[derive(Debug)]
pub enum PortalOutcome {
    Synced(CycleReport),
    /// Another process holds the portal's lease.
    Busy,
    /// The portal needs a human (revoked, unpaid, deleted); flagged, data kept.
    NeedsAttention(String),
    Failed(SyncError),
}

/// The app registration whose tokens to use for a portal: the first of the portal's installed apps we know.
async fn app_for(
    store: &Store,
    portal_id: i64,
    apps: &HashMap<String, OAuthApp>,
) -> Result<Option<OAuthApp>, SyncError> {
    let mut ids: Vec<String> = store
        .portal_apps(PortalId(portal_id))
        .await?
        .into_iter()
        .filter(|a| a.uninstalled_at.is_none())
        .map(|a| a.client_id)
        .collect();
    ids.sort();
    Ok(ids.into_iter().find_map(|id| apps.get(&id).cloned()))
}

/// One pass over every active portal. `apps` maps client ids to the app registrations this backend serves.
pub async fn sync_all_once(
    store: &Store,
    apps: &HashMap<String, OAuthApp>,
    holder: &str,
    config: &ClientConfig,
    opts: &SyncOptions,
) -> Result<Vec<(i64, PortalOutcome)>, SyncError> {
    let mut out = Vec::new();
    for portal_id in portal::active_ids(store).await? {
        let app = app_for(store, portal_id, apps).await?;
        let outcome = match crate::sync_portal(
            store,
            portal_id,
            app.as_ref(),
            holder,
            config.clone(),
            opts.clone(),
        )
        .await
        {
            Ok(r) => PortalOutcome::Synced(r),
            Err(SyncError::Busy(_)) => PortalOutcome::Busy,
            Err(e) if e.needs_attention() => PortalOutcome::NeedsAttention(e.to_string()),
            Err(e) => {
                tracing::warn!(portal_id, error = %e, "portal sync failed; retried next pass");
                PortalOutcome::Failed(e)
            }
        };
        out.push((portal_id, outcome));
    }
    Ok(out)
}

/// The portal setting that records the last completed cycle (slot number, count, who ran it).
pub const CYCLE_KEY: &str = "sync_cycle";

/// A portal's record of completed cycles, written under its lease right after a successful cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleRecord {
    /// The slot (`finished time / interval`) of the last completed cycle.
    pub slot: i64,
    /// How many cycles have completed, ever.
    pub count: i64,
    pub holder: String,
    pub finished_at: i64,
}

/// The outcome of [`sync_if_due`].
#[derive(Debug)]
pub enum DueOutcome {
    Synced(CycleReport, CycleRecord),
    /// Already synced in this slot (by this or another process).
    NotDue,
    /// Another process holds the portal's lease.
    Busy,
    NeedsAttention(String),
    Failed(SyncError),
}

/// The stored cycle record of a portal (a corrupt one reads as none: the portal is simply due).
pub async fn cycle_record(store: &Store, portal_id: i64) -> Result<Option<CycleRecord>, SyncError> {
    match store
        .setting::<CycleRecord>(PortalId(portal_id), CYCLE_KEY)
        .await
    {
        Ok(r) => Ok(r),
        Err(b24a_store::StoreError::Corrupt { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Active portals not yet synced in `slot`, least recently synced first (candidates: [`sync_if_due`] re-checks).
pub async fn due_portals(store: &Store, slot: i64) -> Result<Vec<i64>, SyncError> {
    let rows = store.active_portals_setting(CYCLE_KEY).await?;
    let mut due: Vec<(i64, i64)> = rows
        .into_iter()
        .filter_map(|(id, _, v)| {
            let id = id.0;
            let last = v
                .and_then(|t| serde_json::from_value::<CycleRecord>(t).ok())
                .map(|r| r.slot)
                .unwrap_or(i64::MIN);
            (last < slot).then_some((last, id))
        })
        .collect();
    due.sort();
    Ok(due.into_iter().map(|(_, id)| id).collect())
}

/// Runs one cycle of the portal under its `sync` lease unless it already completed a cycle in `slot`.
/// The check happens after the lease is taken, so of several processes exactly one runs the portal per slot.
pub async fn sync_if_due(
    store: &Store,
    portal_id: i64,
    apps: &HashMap<String, OAuthApp>,
    holder: &str,
    config: &ClientConfig,
    opts: &SyncOptions,
    slot: i64,
) -> DueOutcome {
    let span = tracing::info_span!("portal_sync", portal_id, slot);
    async move {
        match sync_if_due_inner(store, portal_id, apps, holder, config, opts, slot).await {
            Ok(o) => o,
            Err(SyncError::Busy(_)) => DueOutcome::Busy,
            Err(e) if e.needs_attention() => DueOutcome::NeedsAttention(e.to_string()),
            Err(e) => DueOutcome::Failed(e),
        }
    }
    .instrument(span)
    .await
}

async fn sync_if_due_inner(
    store: &Store,
    portal_id: i64,
    apps: &HashMap<String, OAuthApp>,
    holder: &str,
    config: &ClientConfig,
    opts: &SyncOptions,
    slot: i64,
) -> Result<DueOutcome, SyncError> {
    let p = portal::load(store, portal_id).await?;
    if p.status != b24a_store::PortalStatus::Active {
        return Err(SyncError::NeedsAttention(format!(
            "portal {portal_id} is {}: {}",
            p.status.as_str(),
            p.attention_reason.unwrap_or_default()
        )));
    }
    let lease = crate::lease::LeaseGuard::acquire(
        store,
        portal_id,
        crate::lease::KIND_SYNC,
        holder,
        opts.lease_ttl_secs,
    )
    .await?;
    let prev = cycle_record(store, portal_id).await?;
    if prev.as_ref().is_some_and(|r| r.slot >= slot) {
        lease.release().await?;
        return Ok(DueOutcome::NotDue);
    }
    let app = app_for(store, portal_id, apps).await?;
    let result = async {
        let client =
            portal::client_for(store, portal_id, app.as_ref(), holder, config.clone()).await?;
        crate::PortalSync::new(store.clone(), client, portal_id, opts.clone())
            .with_lease(lease.clone())
            .run_cycle()
            .await
    }
    .await;
    let out = match result {
        Ok(report) => {
            let rec = CycleRecord {
                slot,
                count: prev.map(|r| r.count).unwrap_or(0) + 1,
                holder: holder.to_string(),
                finished_at: chrono::Utc::now().timestamp(),
            };
            store
                .set_setting(PortalId(portal_id), CYCLE_KEY, &rec, None)
                .await?;
            Ok(DueOutcome::Synced(report, rec))
        }
        Err(e) => {
            if e.needs_attention() {
                portal::mark_needs_attention(store, portal_id, &e.to_string()).await?;
            }
            Err(e)
        }
    };
    lease.release().await?;
    out
}

/// Seconds since each active portal's last completed cycle (since its install when it never completed one).
pub async fn sync_lag(store: &Store) -> Result<Vec<(i64, i64)>, SyncError> {
    let rows = store.active_portals_setting(CYCLE_KEY).await?;
    let now = chrono::Utc::now().timestamp();
    Ok(rows
        .into_iter()
        .map(|(id, installed, v)| {
            let id = id.0;
            let last = v
                .and_then(|t| serde_json::from_value::<CycleRecord>(t).ok())
                .map(|r| r.finished_at)
                .unwrap_or(installed);
            (id, (now - last).max(0))
        })
        .collect())
}
