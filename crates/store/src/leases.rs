//! Leases: a (portal, kind) is worked by one holder at a time across processes; a lease not renewed before it
//! expires (its process died) may be taken over. Acquisition is one atomic upsert on both backends, so two
//! processes can never both believe they hold it. Never waits or sleeps: callers decide how to retry.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// Lease kinds used by the app.
pub mod kind {
    /// A portal's sync.
    pub const SYNC: &str = "sync";
    /// Serialises OAuth refreshes of a portal across processes.
    pub const TOKEN_REFRESH: &str = "token_refresh";
}

/// A lease row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Lease {
    pub kind: String,
    pub holder: String,
    pub acquired_at: i64,
    pub expires_at: i64,
}

/// Whole seconds, rounded up, at least 1: a lease always outlives the call that took it.
fn ttl_secs(ttl: Duration) -> i64 {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    i64::try_from(secs.max(1)).unwrap_or(i64::MAX / 2)
}

impl Store {
    /// Takes the lease `kind` of the portal for `holder` until now + `ttl` when it is free, expired or already
    /// held by `holder` (then it is renewed). `true` when `holder` holds it afterwards.
    pub async fn try_acquire_lease(
        &self,
        portal: PortalId,
        kind: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        validate::not_empty("lease", "kind", kind)?;
        validate::not_empty("lease", "holder", holder)?;
        let t = now();
        // The WHERE of DO UPDATE makes the takeover conditional inside the one atomic statement; a row that
        // stays untouched counts 0 on both backends.
        let n = self
            .execute(
                "INSERT INTO leases (portal_id, kind, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (portal_id, kind) DO UPDATE SET holder = excluded.holder, \
                 acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END, \
                 expires_at = excluded.expires_at \
                 WHERE leases.expires_at < $4 OR leases.holder = excluded.holder",
                &[Val::I64(portal.0), Val::Str(kind), Val::Str(holder), Val::I64(t), Val::I64(t + ttl_secs(ttl))],
            )
            .await?;
        Ok(n == 1)
    }

    /// Extends a lease `holder` holds to now + `ttl`. `false` when someone else holds it (or nobody does).
    pub async fn renew_lease(
        &self,
        portal: PortalId,
        kind: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "UPDATE leases SET expires_at = $1 WHERE portal_id = $2 AND kind = $3 AND holder = $4",
                &[Val::I64(now() + ttl_secs(ttl)), Val::I64(portal.0), Val::Str(kind), Val::Str(holder)],
            )
            .await?;
        Ok(n == 1)
    }

    /// Gives the lease up; `false` when `holder` did not hold it (nothing is changed then).
    pub async fn release_lease(
        &self,
        portal: PortalId,
        kind: &str,
        holder: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "DELETE FROM leases WHERE portal_id = $1 AND kind = $2 AND holder = $3",
                &[Val::I64(portal.0), Val::Str(kind), Val::Str(holder)],
            )
            .await?;
        Ok(n == 1)
    }

    /// The lease row, expired or not.
    pub async fn lease(&self, portal: PortalId, kind: &str) -> Result<Option<Lease>, StoreError> {
        self.fetch_optional(
            "SELECT kind, holder, acquired_at, expires_at FROM leases WHERE portal_id = $1 AND kind = $2",
            &[Val::I64(portal.0), Val::Str(kind)],
        )
        .await
    }

    /// Up to `limit` active portals whose `sync` lease is free or expired, least recently synced first
    /// (by the newest `sync_state.updated_at`). Candidates only: take the lease before syncing.
    pub async fn portals_needing_sync(&self, limit: i64) -> Result<Vec<PortalId>, StoreError> {
        let rows: Vec<(i64,)> = self
            .fetch_all(
                "SELECT p.id FROM portals p \
                 LEFT JOIN leases l ON l.portal_id = p.id AND l.kind = $1 \
                 WHERE p.status = 'active' AND (l.portal_id IS NULL OR l.expires_at < $2) \
                 ORDER BY COALESCE((SELECT MAX(s.updated_at) FROM sync_state s WHERE s.portal_id = p.id), 0), p.id \
                 LIMIT $3",
                &[Val::Str(kind::SYNC), Val::I64(now()), Val::I64(limit.max(0))],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| PortalId(id)).collect())
    }
}
