//! `DbTokenStore`: the client's `TokenStore` on top of `portal_apps` (token pair + `token_version` compare-and-swap)
//! and the `token_refresh` lease (serialises refreshes across processes). Never logs tokens.

use std::time::Duration;

use b24a_client::{TokenPair, TokenStore, TokenStoreError};
use b24a_store::{with_pool, Store};
use futures::future::BoxFuture;

use crate::lease;
use crate::sink::{self, Stmt};

/// How long one refresh may hold the lock before others may take over.
const REFRESH_LEASE_SECS: i64 = 30;
/// How long a refresh waits for the lock.
const REFRESH_WAIT: Duration = Duration::from_secs(90);

/// A portal × app's tokens in the database.
#[derive(Debug, Clone)]
pub struct DbTokenStore {
    pub store: Store,
    pub portal_id: i64,
    pub client_id: String,
    /// Identifies this process (and task) as the refresh lease holder.
    pub holder: String,
}

fn e<T: std::fmt::Display>(x: T) -> TokenStoreError {
    TokenStoreError(x.to_string())
}

impl TokenStore for DbTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<TokenPair, TokenStoreError>> {
        Box::pin(async move {
            let row: Option<(String, String, i64, i64)> = with_pool!(self.store.pool(), p => {
                sqlx::query_as(
                    "SELECT access_token, refresh_token, access_expires_at, token_version FROM portal_apps \
                     WHERE portal_id = $1 AND client_id = $2",
                )
                .bind(self.portal_id)
                .bind(&self.client_id)
                .fetch_optional(p)
                .await
                .map_err(e)?
            });
            let (access_token, refresh_token, expires_at, version) = row.ok_or_else(|| {
                TokenStoreError(format!(
                    "no tokens for portal {} app {}",
                    self.portal_id, self.client_id
                ))
            })?;
            Ok(TokenPair {
                access_token,
                refresh_token,
                expires_at,
                version,
            })
        })
    }

    fn lock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            loop {
                if lease::try_acquire(
                    &self.store,
                    self.portal_id,
                    lease::KIND_TOKEN_REFRESH,
                    &self.holder,
                    REFRESH_LEASE_SECS,
                )
                .await
                .map_err(e)?
                {
                    return Ok(());
                }
                if started.elapsed() > REFRESH_WAIT {
                    return Err(TokenStoreError(
                        "timed out waiting for the token refresh lock".into(),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }

    fn unlock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        Box::pin(async move {
            lease::release(
                &self.store,
                self.portal_id,
                lease::KIND_TOKEN_REFRESH,
                &self.holder,
            )
            .await
            .map_err(e)
        })
    }

    fn replace(
        &self,
        expected_version: i64,
        new: &TokenPair,
    ) -> BoxFuture<'_, Result<Option<i64>, TokenStoreError>> {
        let new = new.clone();
        Box::pin(async move {
            let n = sink::exec(
                &self.store,
                Stmt {
                    sql: "UPDATE portal_apps SET access_token = $1, refresh_token = $2, access_expires_at = $3, \
                          token_version = token_version + 1 WHERE portal_id = $4 AND client_id = $5 AND token_version = $6"
                        .into(),
                    vals: vec![
                        (&new.access_token).into(),
                        (&new.refresh_token).into(),
                        new.expires_at.into(),
                        self.portal_id.into(),
                        (&self.client_id).into(),
                        expected_version.into(),
                    ],
                },
            )
            .await
            .map_err(e)?;
            Ok((n == 1).then_some(expected_version + 1))
        })
    }

    fn mark_needs_attention(&self, reason: &str) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        let reason = reason.to_string();
        Box::pin(async move {
            crate::portal::mark_needs_attention(&self.store, self.portal_id, &reason)
                .await
                .map_err(e)
        })
    }
}
