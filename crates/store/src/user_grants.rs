//! The acting users' own portal tokens for the tidy-up actions (migration 0012, docs/ACTIONS.md): one row per
//! verified iframe launch, keyed by the hash of the random key the signed session carries, so every server replica
//! can run an action a launch on another one prepared. A refresh of the tokens during a run replaces the pair with
//! a compare-and-swap on `token_version`; expired grants are deleted whenever a grant is written; deleting a portal
//! deletes its grants.
//!
//! Must never see the session's key itself (only its hash), log or print tokens (`Debug` hides them), or hand out
//! an expired grant.

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// One user's tokens for one portal and app, as stored.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredGrant {
    pub portal_id: i64,
    pub user_id: i64,
    pub client_id: String,
    /// The verified `client_endpoint` of the portal.
    pub endpoint: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Bumped by every token replacement.
    pub token_version: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for StoredGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredGrant")
            .field("portal_id", &self.portal_id)
            .field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .field("tokens", &"<hidden>")
            .field("token_version", &self.token_version)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

const COLUMNS: &str =
    "portal_id, user_id, client_id, endpoint, access_token, refresh_token, token_version, expires_at";

impl Store {
    /// Stores a grant under `key_hash` (a hash of the session's key, never the key) and deletes the expired ones.
    pub async fn put_user_grant(
        &self,
        key_hash: &str,
        grant: &StoredGrant,
    ) -> Result<(), StoreError> {
        validate::not_empty("user_grant", "key_hash", key_hash)?;
        let t = now();
        self.delete_expired_user_grants(t).await?;
        self.execute(
            "INSERT INTO user_grants (key_hash, portal_id, user_id, client_id, endpoint, access_token, \
             refresh_token, token_version, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) \
             ON CONFLICT (key_hash) DO UPDATE SET portal_id = excluded.portal_id, user_id = excluded.user_id, \
             client_id = excluded.client_id, endpoint = excluded.endpoint, access_token = excluded.access_token, \
             refresh_token = excluded.refresh_token, token_version = 0, expires_at = excluded.expires_at, \
             created_at = excluded.created_at",
            &[
                Val::Str(key_hash),
                Val::I64(grant.portal_id),
                Val::I64(grant.user_id),
                Val::Str(&grant.client_id),
                Val::Str(&grant.endpoint),
                Val::Str(&grant.access_token),
                Val::Str(&grant.refresh_token),
                Val::I64(grant.expires_at),
                Val::I64(t),
            ],
        )
        .await?;
        Ok(())
    }

    /// The grant stored under `key_hash`, unless it has expired by `at` (unix seconds).
    pub async fn user_grant(
        &self,
        key_hash: &str,
        at: i64,
    ) -> Result<Option<StoredGrant>, StoreError> {
        self.fetch_optional(
            &format!("SELECT {COLUMNS} FROM user_grants WHERE key_hash = $1 AND expires_at > $2"),
            &[Val::Str(key_hash), Val::I64(at)],
        )
        .await
    }

    /// Replaces a grant's tokens if its version is still `expected_version` (a refresh during a run); false when
    /// another refresh won or the grant is gone.
    pub async fn replace_user_grant_tokens(
        &self,
        key_hash: &str,
        expected_version: i64,
        access_token: &str,
        refresh_token: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "UPDATE user_grants SET access_token = $1, refresh_token = $2, token_version = token_version + 1 \
                 WHERE key_hash = $3 AND token_version = $4",
                &[
                    Val::Str(access_token),
                    Val::Str(refresh_token),
                    Val::Str(key_hash),
                    Val::I64(expected_version),
                ],
            )
            .await?;
        Ok(n > 0)
    }

    /// Deletes the grants expired by `at`; how many.
    pub async fn delete_expired_user_grants(&self, at: i64) -> Result<u64, StoreError> {
        self.execute(
            "DELETE FROM user_grants WHERE expires_at <= $1",
            &[Val::I64(at)],
        )
        .await
    }

    /// How many grants a portal holds (tests and diagnostics; never their contents).
    pub async fn user_grant_count(&self, portal: PortalId) -> Result<i64, StoreError> {
        let row: Option<(i64,)> = self
            .fetch_optional(
                "SELECT COUNT(*) FROM user_grants WHERE portal_id = $1",
                &[Val::I64(portal.0)],
            )
            .await?;
        Ok(row.map(|(n,)| n).unwrap_or(0))
    }
}
