//! Pending events: changes reported by the portal (online handler or offline queue) waiting for the sync to
//! re-read the record. Enqueueing is idempotent while a copy is unprocessed. Never applies an event itself:
//! the payload carries only an id, the sync re-reads the current state.

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::exec::Tx;
use crate::sql::{Ph, Val, MAX_BINDS};
use crate::{validate, PortalId, Store, StoreError};

/// A queued event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PendingEvent {
    pub id: i64,
    /// ONCRMDEALUPDATE …
    pub event: String,
    /// deals | leads | activities | tasks …
    pub entity: String,
    pub entity_id: i64,
    pub received_at: i64,
}

/// Marks events processed at `t` inside `tx` (also part of a [`crate::Batch`]); the number marked.
pub(crate) async fn mark_processed_in(
    tx: &mut Tx,
    portal: PortalId,
    ids: &[i64],
    t: i64,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in ids.chunks(MAX_BINDS - 2) {
        let mut ph = Ph::new(tx.backend());
        let mut sql = format!(
            "UPDATE pending_events SET processed_at = {} WHERE portal_id = {} AND processed_at IS NULL AND id IN (",
            ph.next(),
            ph.next()
        );
        ph.list(&mut sql, chunk.len());
        sql.push(')');
        let mut vals = vec![Val::I64(t), Val::I64(portal.0)];
        vals.extend(chunk.iter().map(|id| Val::I64(*id)));
        n += tx.execute(&sql, &vals).await?;
    }
    Ok(n)
}

impl Store {
    /// Queues an event; `false` when the same (event, entity, entity_id) already waits unprocessed.
    pub async fn enqueue_event(
        &self,
        portal: PortalId,
        event: &str,
        entity: &str,
        entity_id: i64,
    ) -> Result<bool, StoreError> {
        validate::not_empty("pending_event", "event", event)?;
        validate::not_empty("pending_event", "entity", entity)?;
        validate::positive_id("pending_event", "entity_id", entity_id)?;
        let n = self
            .execute(
                "INSERT INTO pending_events (portal_id, event, entity, entity_id, received_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (portal_id, event, entity, entity_id) WHERE processed_at IS NULL DO NOTHING",
                &[Val::I64(portal.0), Val::Str(event), Val::Str(entity), Val::I64(entity_id), Val::I64(now())],
            )
            .await?;
        Ok(n == 1)
    }

    /// Up to `limit` unprocessed events of the portal, oldest first. Not a claim: the portal's `sync` lease
    /// makes its holder the only consumer.
    pub async fn take_events(
        &self,
        portal: PortalId,
        limit: i64,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        self.fetch_all(
            "SELECT id, event, entity, entity_id, received_at FROM pending_events \
             WHERE portal_id = $1 AND processed_at IS NULL ORDER BY id LIMIT $2",
            &[Val::I64(portal.0), Val::I64(limit.max(0))],
        )
        .await
    }

    /// Marks events processed (ids of other portals are ignored); the number marked.
    pub async fn mark_events_processed(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = mark_processed_in(&mut tx, portal, ids, now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Deletes processed events older than `before` (unix seconds); the number deleted.
    pub async fn purge_processed_events(
        &self,
        portal: PortalId,
        before: i64,
    ) -> Result<u64, StoreError> {
        self.execute(
            "DELETE FROM pending_events WHERE portal_id = $1 AND processed_at IS NOT NULL AND processed_at < $2",
            &[Val::I64(portal.0), Val::I64(before)],
        )
        .await
    }
}
