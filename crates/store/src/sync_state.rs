//! Sync bookkeeping per (portal, entity): phase, ID cursor of the full pass, portal-clock watermark, progress and
//! the last outcome. The UI reads it for progress and honest freshness. The store only keeps what the sync engine
//! decides; it never advances a cursor or watermark by itself.

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::exec::Tx;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// The phases a sync state may be in.
pub mod phase {
    pub const PENDING: &str = "pending";
    pub const FULL: &str = "full";
    pub const INCREMENTAL: &str = "incremental";
    pub const FAILED: &str = "failed";
    pub const ALL: [&str; 4] = [PENDING, FULL, INCREMENTAL, FAILED];
}

/// One `sync_state` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SyncState {
    /// deals, leads, deal_stage_history … (see [`crate::Entity::name`]); free text for other kinds of work.
    pub entity: String,
    /// One of [`phase::ALL`].
    pub phase: String,
    /// Full pass: the last id stored (0 = not started).
    pub cursor_id: i64,
    /// Portal-clock modified-since instant (or, for append-only kinds, the highest id) of the last pass.
    pub watermark: Option<i64>,
    pub done_count: i64,
    pub estimated_total: Option<i64>,
    pub full_started_at: Option<i64>,
    pub full_finished_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    /// Last deletion reconciliation by id.
    pub reconciled_at: Option<i64>,
    /// Set by the store on every save; ignored when saving.
    pub updated_at: i64,
}

impl SyncState {
    /// A fresh, pending state for `entity`.
    pub fn new(entity: &str) -> SyncState {
        SyncState {
            entity: entity.to_string(),
            phase: phase::PENDING.to_string(),
            cursor_id: 0,
            watermark: None,
            done_count: 0,
            estimated_total: None,
            full_started_at: None,
            full_finished_at: None,
            last_success_at: None,
            last_error: None,
            last_error_at: None,
            reconciled_at: None,
            updated_at: 0,
        }
    }
}

const COLUMNS: &str =
    "entity, phase, cursor_id, watermark, done_count, estimated_total, full_started_at, \
    full_finished_at, last_success_at, last_error, last_error_at, reconciled_at, updated_at";

fn check(s: &SyncState) -> Result<(), StoreError> {
    crate::validate::not_empty("sync_state", "entity", &s.entity)?;
    if !phase::ALL.contains(&s.phase.as_str()) {
        return Err(StoreError::invalid(
            "sync_state",
            "phase",
            format!("must be one of {:?}, got {:?}", phase::ALL, s.phase),
        ));
    }
    if s.cursor_id < 0 || s.done_count < 0 {
        return Err(StoreError::invalid(
            "sync_state",
            "cursor_id",
            "cursor_id and done_count must not be negative",
        ));
    }
    Ok(())
}

/// Saves the whole row inside `tx` (used by the batched writes, so rows and their cursor commit together).
pub(crate) async fn save_sync_state_in(
    tx: &mut Tx,
    portal: PortalId,
    s: &SyncState,
    now: i64,
) -> Result<(), StoreError> {
    check(s)?;
    tx.execute(
        "INSERT INTO sync_state (portal_id, entity, phase, cursor_id, watermark, done_count, estimated_total, \
         full_started_at, full_finished_at, last_success_at, last_error, last_error_at, reconciled_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (portal_id, entity) DO UPDATE SET phase = excluded.phase, cursor_id = excluded.cursor_id, \
         watermark = excluded.watermark, done_count = excluded.done_count, estimated_total = excluded.estimated_total, \
         full_started_at = excluded.full_started_at, full_finished_at = excluded.full_finished_at, \
         last_success_at = excluded.last_success_at, last_error = excluded.last_error, \
         last_error_at = excluded.last_error_at, reconciled_at = excluded.reconciled_at, updated_at = excluded.updated_at",
        &[
            Val::I64(portal.0),
            Val::Str(&s.entity),
            Val::Str(&s.phase),
            Val::I64(s.cursor_id),
            Val::OptI64(s.watermark),
            Val::I64(s.done_count),
            Val::OptI64(s.estimated_total),
            Val::OptI64(s.full_started_at),
            Val::OptI64(s.full_finished_at),
            Val::OptI64(s.last_success_at),
            Val::OptStr(s.last_error.as_deref()),
            Val::OptI64(s.last_error_at),
            Val::OptI64(s.reconciled_at),
            Val::I64(now),
        ],
    )
    .await?;
    Ok(())
}

impl Store {
    /// The stored state of one entity, if any.
    pub async fn sync_state(
        &self,
        portal: PortalId,
        entity: &str,
    ) -> Result<Option<SyncState>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM sync_state WHERE portal_id = $1 AND entity = $2");
        self.fetch_optional(&sql, &[Val::I64(portal.0), Val::Str(entity)])
            .await
    }

    /// The stored state of one entity, or a fresh pending one.
    pub async fn sync_state_or_new(
        &self,
        portal: PortalId,
        entity: &str,
    ) -> Result<SyncState, StoreError> {
        Ok(self
            .sync_state(portal, entity)
            .await?
            .unwrap_or_else(|| SyncState::new(entity)))
    }

    /// Every entity's state of a portal, by entity name (progress and freshness in the UI).
    pub async fn sync_states(&self, portal: PortalId) -> Result<Vec<SyncState>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM sync_state WHERE portal_id = $1 ORDER BY entity");
        self.fetch_all(&sql, &[Val::I64(portal.0)]).await
    }

    /// Saves the whole row (insert or replace); `updated_at` is set to now.
    pub async fn put_sync_state(
        &self,
        portal: PortalId,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        save_sync_state_in(&mut tx, portal, state, now()).await?;
        tx.commit().await
    }

    /// Records a failure of `entity` (truncated to 1000 characters) without touching cursor, watermark or phase.
    pub async fn record_sync_error(
        &self,
        portal: PortalId,
        entity: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        let t = now();
        let error: String = error.chars().take(1000).collect();
        self.execute(
            "INSERT INTO sync_state (portal_id, entity, last_error, last_error_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (portal_id, entity) DO UPDATE SET last_error = excluded.last_error, \
             last_error_at = excluded.last_error_at, updated_at = excluded.updated_at",
            &[Val::I64(portal.0), Val::Str(entity), Val::Str(&error), Val::I64(t)],
        )
        .await?;
        Ok(())
    }
}
