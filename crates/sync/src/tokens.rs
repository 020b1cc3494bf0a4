//! `DbTokenStore`: the client's `TokenStore` on top of the store's app tokens (pair + `token_version`
//! compare-and-swap) and its `token_refresh` lease (serialises refreshes across processes). Never logs tokens.

use std::time::Duration;

use b24a_client::{TokenPair, TokenStore, TokenStoreError};
use b24a_store::{AppTokens, PortalId, Store};
use futures::future::BoxFuture;

use crate::lease;

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
            let stored = self
                .store
                .tokens(PortalId(self.portal_id), &self.client_id)
                .await
                .map_err(e)?
                .ok_or_else(|| {
                    TokenStoreError(format!(
                        "no tokens for portal {} app {}",
                        self.portal_id, self.client_id
                    ))
                })?;
            Ok(TokenPair {
                access_token: stored.tokens.access_token,
                refresh_token: stored.tokens.refresh_token,
                expires_at: stored.tokens.access_expires_at,
                version: stored.version,
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
        let tokens = AppTokens {
            access_token: new.access_token.clone(),
            refresh_token: new.refresh_token.clone(),
            access_expires_at: new.expires_at,
            scope: None,
        };
        Box::pin(async move {
            let swapped = self
                .store
                .replace_tokens_if_version(
                    PortalId(self.portal_id),
                    &self.client_id,
                    expected_version,
                    &tokens,
                )
                .await
                .map_err(e)?;
            Ok(swapped.then_some(expected_version + 1))
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
