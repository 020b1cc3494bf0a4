//! How the client authenticates: an incoming-webhook URL (self-hosted / single company) or a marketplace app's OAuth
//! token pair kept in a `TokenStore` (implemented by the sync on top of the database, so this crate never depends on
//! it). This module must never log or print tokens.

use std::sync::Mutex;

use futures::future::BoxFuture;

/// An access/refresh token pair as stored, with the version the store bumps on every replacement.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds when the access token expires (informational; refresh happens on `expired_token`).
    pub expires_at: i64,
    /// The store's compare-and-swap version of this pair.
    pub version: i64,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<hidden>")
            .field("refresh_token", &"<hidden>")
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .finish()
    }
}

/// A failure of the token store (database down ...). Carried as text: the client cannot act on its details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenStoreError(pub String);

/// Where a portal's tokens live. Implementations must make `replace` atomic (compare-and-swap on `version`) and
/// `lock_refresh` exclusive across processes (a database lease), because refresh tokens rotate: two concurrent
/// refreshes with the same refresh token log the portal out.
pub trait TokenStore: Send + Sync {
    /// The current pair.
    fn load(&self) -> BoxFuture<'_, Result<TokenPair, TokenStoreError>>;
    /// Waits until this process holds the portal's refresh lock (bounded by the implementation's own timeout).
    fn lock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>>;
    /// Releases the refresh lock (must be harmless when not held).
    fn unlock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>>;
    /// Stores `new` if the stored version is still `expected_version`; returns the stored pair's new version, or
    /// `None` when someone else replaced the pair first.
    fn replace(
        &self,
        expected_version: i64,
        new: &TokenPair,
    ) -> BoxFuture<'_, Result<Option<i64>, TokenStoreError>>;
    /// The portal refused us for good (`invalid_grant`, payment, deleted): flag it for a human; delete nothing.
    fn mark_needs_attention(&self, reason: &str) -> BoxFuture<'_, Result<(), TokenStoreError>>;
}

/// A token store in memory, for tests and one-off tools. Its lock is process-local only.
#[derive(Debug)]
pub struct MemoryTokenStore {
    pair: Mutex<TokenPair>,
    attention: Mutex<Option<String>>,
    lock: tokio::sync::Semaphore,
}

impl MemoryTokenStore {
    pub fn new(pair: TokenPair) -> MemoryTokenStore {
        MemoryTokenStore {
            pair: Mutex::new(pair),
            attention: Mutex::new(None),
            lock: tokio::sync::Semaphore::new(1),
        }
    }

    /// The reason given to `mark_needs_attention`, if any.
    pub fn attention(&self) -> Option<String> {
        self.attention.lock().ok().and_then(|a| a.clone())
    }

    pub fn current(&self) -> Option<TokenPair> {
        self.pair.lock().ok().map(|p| p.clone())
    }
}

fn poisoned<T>(_: T) -> TokenStoreError {
    TokenStoreError("memory token store poisoned".into())
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<TokenPair, TokenStoreError>> {
        Box::pin(async move { self.pair.lock().map(|p| p.clone()).map_err(poisoned) })
    }
    fn lock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        Box::pin(async move {
            let permit = self
                .lock
                .acquire()
                .await
                .map_err(|_| TokenStoreError("lock closed".into()))?;
            permit.forget();
            Ok(())
        })
    }
    fn unlock_refresh(&self) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        Box::pin(async move {
            if self.lock.available_permits() == 0 {
                self.lock.add_permits(1);
            }
            Ok(())
        })
    }
    fn replace(
        &self,
        expected_version: i64,
        new: &TokenPair,
    ) -> BoxFuture<'_, Result<Option<i64>, TokenStoreError>> {
        let new = new.clone();
        Box::pin(async move {
            let mut p = self.pair.lock().map_err(poisoned)?;
            if p.version != expected_version {
                return Ok(None);
            }
            *p = TokenPair {
                version: expected_version + 1,
                ..new
            };
            Ok(Some(expected_version + 1))
        })
    }
    fn mark_needs_attention(&self, reason: &str) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        let reason = reason.to_string();
        Box::pin(async move {
            *self.attention.lock().map_err(poisoned)? = Some(reason);
            Ok(())
        })
    }
}

/// The OAuth application (marketplace registration) a portal's tokens belong to.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .finish()
    }
}

/// The token endpoint for a `server_endpoint` such as `https://oauth.bitrix.info/rest/`.
pub fn token_url_for(server_endpoint: &str) -> String {
    let base = server_endpoint.trim_end_matches('/');
    let base = base.strip_suffix("/rest").unwrap_or(base);
    format!("{base}/oauth/token/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_from_server_endpoint() {
        assert_eq!(
            token_url_for("https://oauth.bitrix.info/rest/"),
            "https://oauth.bitrix.info/oauth/token/"
        );
        assert_eq!(
            token_url_for("http://127.0.0.1:4000/rest"),
            "http://127.0.0.1:4000/oauth/token/"
        );
    }

    #[tokio::test]
    async fn memory_store_compare_and_swap() {
        let p = TokenPair {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at: 0,
            version: 0,
        };
        let s = MemoryTokenStore::new(p.clone());
        assert_eq!(s.replace(0, &p).await.unwrap(), Some(1));
        assert_eq!(s.replace(0, &p).await.unwrap(), None);
        assert_eq!(s.load().await.unwrap().version, 1);
        let shown = format!(
            "{:?}",
            TokenPair {
                access_token: "secret-a".into(),
                ..p
            }
        );
        assert!(shown.contains("<hidden>") && !shown.contains("secret-a"));
    }
}
