//! Per-portal, per-entity sync bookkeeping, kept by the store (`b24a_store::sync_state`): phase, ID cursor of the
//! full pass, modified-since watermark (portal clock), progress and the last outcome. The sync saves a chunk's
//! state in the same store batch as its rows (`write::store_chunk`), so a resumed pass never skips or repeats work
//! it did not store. Here only the sync's shorthands; no SQL.

use b24a_store::{PortalId, Store};

use crate::error::SyncError;

pub use b24a_store::sync_state::phase::{
    FAILED as PHASE_FAILED, FULL as PHASE_FULL, INCREMENTAL as PHASE_INCREMENTAL,
    PENDING as PHASE_PENDING,
};
pub use b24a_store::SyncState;

/// The stored state of one entity, or a fresh pending one.
pub async fn load(store: &Store, portal_id: i64, entity: &str) -> Result<SyncState, SyncError> {
    Ok(store.sync_state_or_new(PortalId(portal_id), entity).await?)
}

/// Every entity's state of a portal (for progress display).
pub async fn load_all(store: &Store, portal_id: i64) -> Result<Vec<SyncState>, SyncError> {
    Ok(store.sync_states(PortalId(portal_id)).await?)
}

/// Saves the whole row.
pub async fn save(store: &Store, portal_id: i64, st: &SyncState) -> Result<(), SyncError> {
    Ok(store.put_sync_state(PortalId(portal_id), st).await?)
}

/// Records a failure without touching cursor, watermark or phase.
pub async fn record_error(
    store: &Store,
    portal_id: i64,
    entity: &str,
    error: &str,
) -> Result<(), SyncError> {
    Ok(store
        .record_sync_error(PortalId(portal_id), entity, error)
        .await?)
}
