//! The acting user's own portal tokens (AUTH_ID / REFRESH_ID of a verified iframe launch), kept for the tidy-up
//! actions (docs/ACTIONS.md) so they run with his CRM permissions. Stored in the database (`user_grants`, shared by
//! every replica) under the SHA-256 of a random key that only the signed session carries (`Session::grant`); a grant
//! answers only to a session of the same portal, user and app, and expires with the session's renewal window. The
//! REST endpoint is the one the OAuth server named at launch. A refresh during a run writes the new pair back
//! (compare-and-swap, one refresh at a time per user across replicas through a database lease).
//!
//! Must never send the tokens to the page, store the key itself, or log either (`Debug` hides the tokens).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use b24a_client::{TokenPair, TokenStore, TokenStoreError};
use b24a_store::{PortalId, Store, StoredGrant};
use sha2::{Digest, Sha256};

use crate::session::Session;

/// One user's tokens for one portal and app.
#[derive(Clone)]
pub struct UserGrant {
    pub portal_id: i64,
    pub user_id: i64,
    pub client_id: String,
    /// The verified `client_endpoint` of the portal.
    pub endpoint: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds; the grant is dropped after this.
    pub expires_at: i64,
    /// The hash the grant is stored under (empty until stored).
    pub key_hash: String,
    /// The stored pair's compare-and-swap version.
    pub version: i64,
}

impl std::fmt::Debug for UserGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserGrant")
            .field("portal_id", &self.portal_id)
            .field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .field("tokens", &"<hidden>")
            .finish()
    }
}

/// The hex SHA-256 of a session's grant key: what the database knows of the key.
pub fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How many times (100 ms apart) a session's grant is looked for before the caller is asked to open the app again.
const GRANT_WAIT_TRIES: usize = 30;

/// The grants of every replica, in the database.
#[derive(Clone)]
pub struct UserGrants {
    store: Store,
}

impl UserGrants {
    pub fn new(store: Store) -> UserGrants {
        UserGrants { store }
    }

    /// Keeps a grant; its key for the session (a fresh random 192-bit key; the database gets only its hash). The
    /// write runs in the background, so a launch never waits for an import's write lock (issue #18); expired grants
    /// are deleted on the way. A failed write is logged: the actions then ask to open the app again.
    pub fn put(&self, grant: UserGrant) -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let hash = key_hash(&key);
        let store = self.store.clone();
        let row = StoredGrant {
            portal_id: grant.portal_id,
            user_id: grant.user_id,
            client_id: grant.client_id,
            endpoint: grant.endpoint,
            access_token: grant.access_token,
            refresh_token: grant.refresh_token,
            token_version: 0,
            expires_at: grant.expires_at,
        };
        tokio::spawn(async move {
            if let Err(e) = store.put_user_grant(&hash, &row).await {
                tracing::warn!(error = %e, portal = row.portal_id, "user grant not stored");
            }
        });
        key
    }

    /// The grant of a session: same portal, user and app, not expired. `None` also when the database cannot be
    /// read (the page then asks to open the app again).
    pub async fn for_session(&self, session: &Session, now: i64) -> Option<UserGrant> {
        if session.grant.is_empty() {
            return None;
        }
        let hash = key_hash(&session.grant);
        // The launch's background write may still be landing (an import holding the write lock): wait a little.
        let mut found = None;
        for _ in 0..GRANT_WAIT_TRIES {
            match self.store.user_grant(&hash, now).await {
                Ok(Some(g)) => {
                    found = Some(g);
                    break;
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "user grant not readable");
                    return None;
                }
            }
        }
        let g = found?;
        (g.portal_id == session.portal_id
            && g.user_id == session.user_id
            && g.client_id == session.client_id)
            .then(|| UserGrant {
                portal_id: g.portal_id,
                user_id: g.user_id,
                client_id: g.client_id,
                endpoint: g.endpoint,
                access_token: g.access_token,
                refresh_token: g.refresh_token,
                expires_at: g.expires_at,
                key_hash: hash,
                version: g.token_version,
            })
    }
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, TokenStoreError>> + Send + 'a>>;

/// How long one refresh may hold the user's refresh lease, and how long another waits for it.
const REFRESH_LEASE: Duration = Duration::from_secs(30);
const REFRESH_WAIT: Duration = Duration::from_secs(60);

/// The client's token store over one stored grant: a refresh during a run updates the row, so the next run (on any
/// replica) starts from the new pair.
pub struct GrantTokenStore {
    pub store: Store,
    pub grant: UserGrant,
    /// This process and run as the refresh lease holder.
    pub holder: String,
}

fn err<T: std::fmt::Display>(x: T) -> TokenStoreError {
    TokenStoreError(x.to_string())
}

impl GrantTokenStore {
    fn lease_kind(&self) -> String {
        format!("user_grant_refresh:{}", self.grant.user_id)
    }
}

impl TokenStore for GrantTokenStore {
    fn load(&self) -> Fut<'_, TokenPair> {
        Box::pin(async move {
            let now = chrono::Utc::now().timestamp();
            let g = self
                .store
                .user_grant(&self.grant.key_hash, now)
                .await
                .map_err(err)?
                .ok_or_else(|| TokenStoreError("the user's grant has expired".into()))?;
            Ok(TokenPair {
                access_token: g.access_token,
                refresh_token: g.refresh_token,
                expires_at: g.expires_at,
                version: g.token_version,
            })
        })
    }

    fn lock_refresh(&self) -> Fut<'_, ()> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            let kind = self.lease_kind();
            loop {
                if self
                    .store
                    .try_acquire_lease(
                        PortalId(self.grant.portal_id),
                        &kind,
                        &self.holder,
                        REFRESH_LEASE,
                    )
                    .await
                    .map_err(err)?
                {
                    return Ok(());
                }
                if started.elapsed() > REFRESH_WAIT {
                    return Err(TokenStoreError(
                        "timed out waiting for the user's token refresh".into(),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }

    fn unlock_refresh(&self) -> Fut<'_, ()> {
        Box::pin(async move {
            self.store
                .release_lease(
                    PortalId(self.grant.portal_id),
                    &self.lease_kind(),
                    &self.holder,
                )
                .await
                .map(|_| ())
                .map_err(err)
        })
    }

    fn replace(&self, expected_version: i64, new: &TokenPair) -> Fut<'_, Option<i64>> {
        let (access, refresh) = (new.access_token.clone(), new.refresh_token.clone());
        Box::pin(async move {
            let swapped = self
                .store
                .replace_user_grant_tokens(
                    &self.grant.key_hash,
                    expected_version,
                    &access,
                    &refresh,
                )
                .await
                .map_err(err)?;
            Ok(swapped.then_some(expected_version + 1))
        })
    }

    fn mark_needs_attention(&self, reason: &str) -> Fut<'_, ()> {
        // A user's own token refused for good concerns his grant only, never the portal's sync: the run reports
        // the failure and the page asks him to open the app again.
        tracing::warn!(
            portal = self.grant.portal_id,
            user = self.grant.user_id,
            reason,
            "a user's grant was refused by the portal"
        );
        Box::pin(async { Ok(()) })
    }
}
