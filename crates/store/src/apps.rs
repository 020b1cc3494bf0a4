//! A portal's app registrations (portal × client_id): the OAuth token pair with its compare-and-swap version,
//! the application token that verifies events, and the app's paid status. Never logs or prints tokens, and never
//! lets two concurrent refreshes both win (refresh tokens rotate: docs/SYNC.md).

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// A token pair as the OAuth server issued it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds.
    pub access_expires_at: i64,
    pub scope: Option<String>,
}

impl std::fmt::Debug for AppTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppTokens")
            .field("access_token", &"<hidden>")
            .field("refresh_token", &"<hidden>")
            .field("access_expires_at", &self.access_expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The stored token pair and its version (pass the version to [`Store::replace_tokens_if_version`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    pub tokens: AppTokens,
    pub version: i64,
}

/// The app's status from `app.info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// F free, D demo, T trial, P paid, L local, S subscription.
    pub status: String,
    pub payment_expired: bool,
    pub days_left: Option<i64>,
    /// Unix seconds of the check.
    pub checked_at: i64,
}

/// One app registration of a portal (without tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct PortalApp {
    pub portal_id: PortalId,
    pub client_id: String,
    pub application_token: Option<String>,
    pub status: Option<AppStatus>,
    pub token_version: i64,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
}

// The application token authenticates the portal's event calls: it must never reach a log through `{:?}`.
impl std::fmt::Debug for PortalApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalApp")
            .field("portal_id", &self.portal_id)
            .field("client_id", &self.client_id)
            .field(
                "application_token",
                &self.application_token.as_ref().map(|_| "<hidden>"),
            )
            .field("status", &self.status)
            .field("token_version", &self.token_version)
            .field("installed_at", &self.installed_at)
            .field("uninstalled_at", &self.uninstalled_at)
            .finish()
    }
}

/// An update of one portal × app row: no row touched means the app registration does not exist.
pub(crate) fn one_app_row(n: u64, portal: PortalId, client_id: &str) -> Result<(), StoreError> {
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "portal {portal} app {client_id}"
        )));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AppRow {
    portal_id: i64,
    client_id: String,
    application_token: Option<String>,
    app_status: Option<String>,
    payment_expired: Option<bool>,
    days_left: Option<i64>,
    status_checked_at: Option<i64>,
    token_version: i64,
    installed_at: i64,
    uninstalled_at: Option<i64>,
}

impl From<AppRow> for PortalApp {
    fn from(r: AppRow) -> PortalApp {
        let status = match (r.app_status, r.status_checked_at) {
            (Some(status), Some(checked_at)) => Some(AppStatus {
                status,
                payment_expired: r.payment_expired.unwrap_or(false),
                days_left: r.days_left,
                checked_at,
            }),
            _ => None,
        };
        PortalApp {
            portal_id: PortalId(r.portal_id),
            client_id: r.client_id,
            application_token: r.application_token,
            status,
            token_version: r.token_version,
            installed_at: r.installed_at,
            uninstalled_at: r.uninstalled_at,
        }
    }
}

const APP_COLUMNS: &str =
    "portal_id, client_id, application_token, app_status, payment_expired, days_left, \
    status_checked_at, token_version, installed_at, uninstalled_at";

fn check_tokens(t: &AppTokens) -> Result<(), StoreError> {
    validate::not_empty("app_tokens", "access_token", &t.access_token)?;
    validate::not_empty("app_tokens", "refresh_token", &t.refresh_token)
}

impl Store {
    /// Stores the tokens of an install (or re-install) of app `client_id` on the portal and returns the new
    /// token version. A re-install replaces the pair unconditionally and bumps the version, so any refresh
    /// started with the old pair loses its compare-and-swap.
    pub async fn save_app_install(
        &self,
        portal: PortalId,
        client_id: &str,
        tokens: &AppTokens,
        application_token: Option<&str>,
    ) -> Result<i64, StoreError> {
        validate::not_empty("portal_app", "client_id", client_id)?;
        check_tokens(tokens)?;
        let row: Option<(i64,)> = self
            .fetch_optional(
                "INSERT INTO portal_apps (portal_id, client_id, access_token, refresh_token, access_expires_at, scope, \
                 application_token, installed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (portal_id, client_id) DO UPDATE SET access_token = excluded.access_token, \
                 refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, \
                 scope = excluded.scope, \
                 application_token = COALESCE(excluded.application_token, portal_apps.application_token), \
                 uninstalled_at = NULL, token_version = portal_apps.token_version + 1 \
                 RETURNING token_version",
                &[
                    Val::I64(portal.0),
                    Val::Str(client_id),
                    Val::Str(&tokens.access_token),
                    Val::Str(&tokens.refresh_token),
                    Val::I64(tokens.access_expires_at),
                    Val::OptStr(tokens.scope.as_deref()),
                    Val::OptStr(application_token),
                    Val::I64(now()),
                ],
            )
            .await?;
        row.map(|(v,)| v)
            .ok_or_else(|| StoreError::NotFound(format!("portal {portal} app {client_id}")))
    }

    /// The stored token pair of app `client_id` on the portal, with its version.
    pub async fn tokens(
        &self,
        portal: PortalId,
        client_id: &str,
    ) -> Result<Option<StoredTokens>, StoreError> {
        let row: Option<(String, String, i64, Option<String>, i64)> = self
            .fetch_optional(
                "SELECT access_token, refresh_token, access_expires_at, scope, token_version FROM portal_apps \
                 WHERE portal_id = $1 AND client_id = $2",
                &[Val::I64(portal.0), Val::Str(client_id)],
            )
            .await?;
        Ok(row.map(
            |(access_token, refresh_token, access_expires_at, scope, version)| StoredTokens {
                tokens: AppTokens {
                    access_token,
                    refresh_token,
                    access_expires_at,
                    scope,
                },
                version,
            },
        ))
    }

    /// Compare-and-swap: stores `new` only if the stored version is still `expected_version`, bumping it.
    /// Of several processes that refreshed from the same pair, exactly one gets `true`; the others must re-read
    /// the stored pair instead of using their own.
    pub async fn replace_tokens_if_version(
        &self,
        portal: PortalId,
        client_id: &str,
        expected_version: i64,
        new: &AppTokens,
    ) -> Result<bool, StoreError> {
        check_tokens(new)?;
        let n = self
            .execute(
                "UPDATE portal_apps SET access_token = $1, refresh_token = $2, access_expires_at = $3, \
                 scope = COALESCE($4, scope), token_version = token_version + 1 \
                 WHERE portal_id = $5 AND client_id = $6 AND token_version = $7",
                &[
                    Val::Str(&new.access_token),
                    Val::Str(&new.refresh_token),
                    Val::I64(new.access_expires_at),
                    Val::OptStr(new.scope.as_deref()),
                    Val::I64(portal.0),
                    Val::Str(client_id),
                    Val::I64(expected_version),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// Replaces the application token that verifies the portal's events (ONAPPUPDATE may bring a new one). The
    /// caller must have verified the event that carries it.
    pub async fn set_application_token(
        &self,
        portal: PortalId,
        client_id: &str,
        application_token: &str,
    ) -> Result<(), StoreError> {
        validate::not_empty("portal_app", "application_token", application_token)?;
        let n = self
            .execute(
                "UPDATE portal_apps SET application_token = $1 WHERE portal_id = $2 AND client_id = $3",
                &[
                    Val::Str(application_token),
                    Val::I64(portal.0),
                    Val::Str(client_id),
                ],
            )
            .await?;
        one_app_row(n, portal, client_id)
    }

    /// Records the app's status from `app.info`.
    pub async fn set_app_status(
        &self,
        portal: PortalId,
        client_id: &str,
        status: &AppStatus,
    ) -> Result<(), StoreError> {
        validate::not_empty("app_status", "status", &status.status)?;
        let n = self
            .execute(
                "UPDATE portal_apps SET app_status = $1, payment_expired = $2, days_left = $3, status_checked_at = $4 \
                 WHERE portal_id = $5 AND client_id = $6",
                &[
                    Val::Str(&status.status),
                    Val::Bool(status.payment_expired),
                    Val::OptI64(status.days_left),
                    Val::I64(status.checked_at),
                    Val::I64(portal.0),
                    Val::Str(client_id),
                ],
            )
            .await?;
        one_app_row(n, portal, client_id)
    }

    /// One app registration of the portal.
    pub async fn portal_app(
        &self,
        portal: PortalId,
        client_id: &str,
    ) -> Result<Option<PortalApp>, StoreError> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM portal_apps WHERE portal_id = $1 AND client_id = $2"
        );
        Ok(self
            .fetch_optional::<AppRow>(&sql, &[Val::I64(portal.0), Val::Str(client_id)])
            .await?
            .map(PortalApp::from))
    }

    /// Every app registration of the portal, by client id.
    pub async fn portal_apps(&self, portal: PortalId) -> Result<Vec<PortalApp>, StoreError> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM portal_apps WHERE portal_id = $1 ORDER BY client_id"
        );
        Ok(self
            .fetch_all::<AppRow>(&sql, &[Val::I64(portal.0)])
            .await?
            .into_iter()
            .map(PortalApp::from)
            .collect())
    }

    /// Records that app `client_id` was removed from the portal (its tokens stay until the portal is deleted).
    pub async fn mark_app_uninstalled(
        &self,
        portal: PortalId,
        client_id: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE portal_apps SET uninstalled_at = $1 WHERE portal_id = $2 AND client_id = $3",
            &[Val::I64(now()), Val::I64(portal.0), Val::Str(client_id)],
        )
        .await?;
        Ok(())
    }
}
