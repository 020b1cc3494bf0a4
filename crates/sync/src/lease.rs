//! Leases in the store: a (portal, kind) is worked by one holder at a time; a lease not renewed before it expires
//! (its process died) may be taken over. Kinds: `sync` (a portal's sync) and `token_refresh` (OAuth refreshes).
//! Thin layer over the store's leases (one atomic upsert, same on SQLite and PostgreSQL) plus a guard that renews
//! as work goes on and notices a lost lease.

use std::time::Duration;

use b24a_store::{PortalId, Store};

use crate::error::SyncError;

pub const KIND_SYNC: &str = b24a_store::leases::kind::SYNC;
pub const KIND_TOKEN_REFRESH: &str = b24a_store::leases::kind::TOKEN_REFRESH;

fn ttl(secs: i64) -> Duration {
    Duration::from_secs(secs.max(1) as u64)
}

/// Takes or renews the lease; `true` when `holder` now holds it until now + `ttl_secs`.
pub async fn try_acquire(
    store: &Store,
    portal_id: i64,
    kind: &str,
    holder: &str,
    ttl_secs: i64,
) -> Result<bool, SyncError> {
    Ok(store
        .try_acquire_lease(PortalId(portal_id), kind, holder, ttl(ttl_secs))
        .await?)
}

/// Gives the lease up (no-op if someone else holds it).
pub async fn release(
    store: &Store,
    portal_id: i64,
    kind: &str,
    holder: &str,
) -> Result<(), SyncError> {
    store
        .release_lease(PortalId(portal_id), kind, holder)
        .await?;
    Ok(())
}

/// A held lease renewed as work goes on.
#[derive(Debug, Clone)]
pub struct LeaseGuard {
    pub store: Store,
    pub portal_id: i64,
    pub kind: String,
    pub holder: String,
    pub ttl_secs: i64,
    renewed_at: std::sync::Arc<std::sync::Mutex<std::time::Instant>>,
}

impl LeaseGuard {
    /// Takes the lease or answers `Busy`.
    pub async fn acquire(
        store: &Store,
        portal_id: i64,
        kind: &str,
        holder: &str,
        ttl_secs: i64,
    ) -> Result<LeaseGuard, SyncError> {
        if !try_acquire(store, portal_id, kind, holder, ttl_secs).await? {
            return Err(SyncError::Busy(portal_id));
        }
        Ok(LeaseGuard {
            store: store.clone(),
            portal_id,
            kind: kind.into(),
            holder: holder.into(),
            ttl_secs,
            renewed_at: std::sync::Arc::new(std::sync::Mutex::new(std::time::Instant::now())),
        })
    }

    /// Renews when a third of the lease has passed; `Busy` if another holder took it meanwhile.
    pub async fn keep_alive(&self) -> Result<(), SyncError> {
        let due = self
            .renewed_at
            .lock()
            .map(|t| t.elapsed().as_secs() as i64 * 3 >= self.ttl_secs)
            .unwrap_or(true);
        if !due {
            return Ok(());
        }
        if !try_acquire(
            &self.store,
            self.portal_id,
            &self.kind,
            &self.holder,
            self.ttl_secs,
        )
        .await?
        {
            return Err(SyncError::Busy(self.portal_id));
        }
        if let Ok(mut t) = self.renewed_at.lock() {
            *t = std::time::Instant::now();
        }
        Ok(())
    }

    /// Renews the lease every third of its lifetime in the background until the returned guard is dropped: work
    /// that waits (a spent server-time budget reopens only after minutes) must not lose its lease meanwhile.
    /// A renewal that finds another holder stops; the work notices at its next [`Self::keep_alive`].
    pub fn heartbeat(&self) -> Heartbeat {
        let guard = self.clone();
        let every = Duration::from_secs_f64((self.ttl_secs.max(1) as f64 / 3.0).max(0.2));
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let renewed = try_acquire(
                    &guard.store,
                    guard.portal_id,
                    &guard.kind,
                    &guard.holder,
                    guard.ttl_secs,
                )
                .await;
                match renewed {
                    Ok(true) => {
                        if let Ok(mut t) = guard.renewed_at.lock() {
                            *t = std::time::Instant::now();
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(portal = guard.portal_id, error = %e, "lease renewal failed")
                    }
                }
            }
        });
        Heartbeat(task)
    }

    pub async fn release(self) -> Result<(), SyncError> {
        release(&self.store, self.portal_id, &self.kind, &self.holder).await
    }
}

/// Background renewal of a lease; stops when dropped.
#[derive(Debug)]
pub struct Heartbeat(tokio::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}
