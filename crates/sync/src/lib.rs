//! The sync engine: pulls a Bitrix24 portal's data into the store — first import (resumable, newest first, with
//! progress), incremental passes, events, deletion reconciliation — under a per-portal lease so several processes
//! can share many portals. Entry points: [`sync_portal`] (one cycle of one portal under its lease),
//! [`PortalSync`] (the pieces), [`events::enqueue`] (feed an event from the server's handler).
//! It must never delete portal data because of an authorization failure.

pub mod bindings;
pub mod calls;
pub mod custom_fields;
mod dictionaries;
pub mod engine;
pub mod entity;
pub mod error;
pub mod events;
pub mod lease;
pub mod linked;
pub mod locale;
pub mod map;
mod parties;
mod passes;
pub mod portal;
pub mod reconcile;
mod refresh;
pub mod scheduler;
pub mod state;
pub mod tokens;
pub mod write;

pub use bindings::SYNC_EVENTS;
pub use engine::{CycleReport, PortalSync, Progress, ProgressFn, SyncOptions};
pub use entity::Entity;
pub use error::SyncError;

use b24a_client::{ClientConfig, OAuthApp};
use b24a_store::Store;

/// Runs one sync cycle of a stored portal under its `sync` lease (answers `Busy` if another process holds it).
/// The first cycle of a portal is its first import; later ones are incremental. A portal that needs attention
/// is skipped with `NeedsAttention` and left as it is.
pub async fn sync_portal(
    store: &Store,
    portal_id: i64,
    app: Option<&OAuthApp>,
    holder: &str,
    config: ClientConfig,
    opts: SyncOptions,
) -> Result<CycleReport, SyncError> {
    let p = portal::load(store, portal_id).await?;
    if p.status != b24a_store::PortalStatus::Active {
        return Err(SyncError::NeedsAttention(format!(
            "portal {portal_id} is {}: {}",
            p.status.as_str(),
            p.attention_reason.unwrap_or_default()
        )));
    }
    let lease = lease::LeaseGuard::acquire(
        store,
        portal_id,
        lease::KIND_SYNC,
        holder,
        opts.lease_ttl_secs,
    )
    .await?;
    let client = portal::client_for(store, portal_id, app, holder, config).await?;
    let sync = PortalSync::new(store.clone(), client, portal_id, opts).with_lease(lease.clone());
    let result = sync.run_cycle().await;
    if let Err(e) = &result {
        if e.needs_attention() {
            portal::mark_needs_attention(store, portal_id, &e.to_string()).await?;
        }
    }
    lease.release().await?;
    result
}

/// Applies a portal's queued events right away (the server calls this after [`events::enqueue`] for a
/// near-immediate refresh). Safe next to a running cycle: re-reads by id and idempotent writes, no lease needed.
pub async fn apply_events_now(
    store: &Store,
    portal_id: i64,
    app: Option<&OAuthApp>,
    holder: &str,
    config: ClientConfig,
) -> Result<usize, SyncError> {
    let client = portal::client_for(store, portal_id, app, holder, config).await?;
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    let result = sync.apply_events().await;
    if let Err(e) = &result {
        if e.needs_attention() {
            portal::mark_needs_attention(store, portal_id, &e.to_string()).await?;
        }
    }
    result
}
