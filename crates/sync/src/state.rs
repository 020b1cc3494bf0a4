//! Per-portal, per-entity sync bookkeeping in `sync_state`: phase, ID cursor of the full pass, modified-since
//! watermark (portal clock), progress (done / estimated) and the last outcome. Saved in the same transaction as the
//! rows it describes, so a resumed pass never skips or repeats work it did not store.

use b24a_store::{with_pool, Store};

use crate::error::SyncError;
use crate::sink::{Stmt, Val};

pub const PHASE_PENDING: &str = "pending";
pub const PHASE_FULL: &str = "full";
pub const PHASE_INCREMENTAL: &str = "incremental";
pub const PHASE_FAILED: &str = "failed";

/// One `sync_state` row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncState {
    pub entity: String,
    pub phase: String,
    /// Full pass: the last id stored (0 = not started).
    pub cursor_id: i64,
    /// Incremental: portal-clock instant of the last completed pass (append-only kinds: the highest id stored).
    pub watermark: Option<i64>,
    pub done_count: i64,
    pub estimated_total: Option<i64>,
    pub full_started_at: Option<i64>,
    pub full_finished_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub reconciled_at: Option<i64>,
}

impl SyncState {
    pub fn new(entity: &str) -> SyncState {
        SyncState {
            entity: entity.to_string(),
            phase: PHASE_PENDING.into(),
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
        }
    }

    /// The statement saving this row.
    pub fn save_stmt(&self, portal_id: i64, now: i64) -> Stmt {
        Stmt {
            sql: "INSERT INTO sync_state (portal_id, entity, phase, cursor_id, watermark, done_count, estimated_total, \
                  full_started_at, full_finished_at, last_success_at, last_error, last_error_at, reconciled_at, updated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                  ON CONFLICT (portal_id, entity) DO UPDATE SET phase = excluded.phase, cursor_id = excluded.cursor_id, \
                  watermark = excluded.watermark, done_count = excluded.done_count, estimated_total = excluded.estimated_total, \
                  full_started_at = excluded.full_started_at, full_finished_at = excluded.full_finished_at, \
                  last_success_at = excluded.last_success_at, last_error = excluded.last_error, \
                  last_error_at = excluded.last_error_at, reconciled_at = excluded.reconciled_at, updated_at = excluded.updated_at"
                .into(),
            vals: vec![
                portal_id.into(),
                (&self.entity).into(),
                (&self.phase).into(),
                self.cursor_id.into(),
                self.watermark.into(),
                self.done_count.into(),
                self.estimated_total.into(),
                self.full_started_at.into(),
                self.full_finished_at.into(),
                self.last_success_at.into(),
                Val::T(self.last_error.clone()),
                self.last_error_at.into(),
                self.reconciled_at.into(),
                now.into(),
            ],
        }
    }
}

const COLUMNS: &str =
    "entity, phase, cursor_id, watermark, done_count, estimated_total, full_started_at, \
    full_finished_at, last_success_at, last_error, last_error_at, reconciled_at";

/// The stored state of one entity, or a fresh pending one.
pub async fn load(store: &Store, portal_id: i64, entity: &str) -> Result<SyncState, SyncError> {
    let sql = format!("SELECT {COLUMNS} FROM sync_state WHERE portal_id = $1 AND entity = $2");
    let row: Option<SyncState> = with_pool!(store.pool(), p => {
        sqlx::query_as::<_, SyncState>(&sql).bind(portal_id).bind(entity).fetch_optional(p).await?
    });
    Ok(row.unwrap_or_else(|| SyncState::new(entity)))
}

/// Every entity's state of a portal (for progress display).
pub async fn load_all(store: &Store, portal_id: i64) -> Result<Vec<SyncState>, SyncError> {
    let sql = format!("SELECT {COLUMNS} FROM sync_state WHERE portal_id = $1 ORDER BY entity");
    let rows: Vec<SyncState> = with_pool!(store.pool(), p => {
        sqlx::query_as::<_, SyncState>(&sql).bind(portal_id).fetch_all(p).await?
    });
    Ok(rows)
}

/// Records a failure without touching cursor or watermark.
pub async fn record_error(
    store: &Store,
    portal_id: i64,
    entity: &str,
    error: &str,
    now: i64,
) -> Result<(), SyncError> {
    let mut s = load(store, portal_id, entity).await?;
    s.last_error = Some(error.chars().take(500).collect());
    s.last_error_at = Some(now);
    crate::sink::run(store, vec![s.save_stmt(portal_id, now)]).await
}
