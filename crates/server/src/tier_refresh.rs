//! The daily tier refresh: a background task that re-reads the OAuth server's `app.info` for every installed
//! portal × app whose last successful check is older than 24 hours (page opens refresh it too, see `launch`).
//! An expired access token is refreshed first under the portal's `token_refresh` lease with compare-and-swap,
//! like the sync does.
//!
//! A failed check (no tokens, refused refresh, server unreachable, odd answer) is recorded apart and changes
//! nothing: the last known tier stays — never upgraded, and no data is ever deleted here. Only the clock can
//! lower it (the end of a grace period, see `tier`). It must never log tokens and never mark a portal as needing
//! attention (that is the sync's call).

use std::time::Duration;

use b24a_client::TokenStore;
use b24a_store::PortalId;

use crate::app::AppState;
use crate::verify::VerifyError;

/// A tier older than this is re-read.
pub const CHECK_EVERY_SECS: i64 = 24 * 3600;
/// A failed check is retried after this long (not in a tight loop).
pub const RETRY_FAILED_AFTER_SECS: i64 = 3600;
/// How often the task looks for due checks.
const LOOP_EVERY: Duration = Duration::from_secs(600);
/// At most this many checks per pass (the rest wait for the next pass).
const PER_PASS: i64 = 500;

/// Why one check failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("app {0} is not configured on this backend")]
    UnknownApp(String),
    #[error("portal not found")]
    UnknownPortal,
    #[error("no stored tokens")]
    NoTokens,
    #[error("token refresh failed: {0}")]
    TokenRefresh(String),
    #[error("app.info failed: {0}")]
    AppInfo(#[from] VerifyError),
    #[error("app.info answered for another app or portal")]
    Mismatch,
    #[error("app.info gave no status")]
    NoStatus,
    #[error(transparent)]
    Store(#[from] b24a_store::StoreError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub checked: usize,
    pub failed: usize,
}

/// Starts the daily refresh loop in the background (the server's `run`; tests call [`refresh_due`] directly).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = chrono::Utc::now().timestamp();
            match refresh_due(&state, now).await {
                Ok(r) if r.checked + r.failed > 0 => {
                    tracing::info!(checked = r.checked, failed = r.failed, "tier refresh pass")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "tier refresh pass failed"),
            }
            tokio::time::sleep(LOOP_EVERY).await;
        }
    })
}

/// Re-reads the tier of every portal × app due at `now`; failures are recorded per pair and do not stop the pass.
pub async fn refresh_due(state: &AppState, now: i64) -> Result<PassReport, b24a_store::StoreError> {
    let due = state
        .store
        .tiers_due(
            now - CHECK_EVERY_SECS,
            now - RETRY_FAILED_AFTER_SECS,
            PER_PASS,
        )
        .await?;
    let mut report = PassReport::default();
    for (portal, client_id) in due {
        if check_and_record(state, portal, &client_id, now).await? {
            report.checked += 1;
        } else {
            report.failed += 1;
        }
    }
    Ok(report)
}

/// One check whose failure is recorded (and retried later) instead of returned: `true` when the tier was read.
pub async fn check_and_record(
    state: &AppState,
    portal: PortalId,
    client_id: &str,
    now: i64,
) -> Result<bool, b24a_store::StoreError> {
    match refresh_one(state, portal, client_id, now).await {
        Ok(()) => Ok(true),
        Err(e) => {
            tracing::warn!(portal = portal.0, client_id = %client_id, error = %e, "tier check failed; last known tier kept");
            state
                .store
                .record_tier_failure(portal, client_id, now, &e.to_string())
                .await?;
            Ok(false)
        }
    }
}

/// Re-reads one portal × app's tier from the OAuth server and stores it.
pub async fn refresh_one(
    state: &AppState,
    portal: PortalId,
    client_id: &str,
    now: i64,
) -> Result<(), RefreshError> {
    let app = state
        .app(client_id)
        .ok_or_else(|| RefreshError::UnknownApp(client_id.to_string()))?;
    let p = state
        .store
        .portal(portal)
        .await?
        .ok_or(RefreshError::UnknownPortal)?;
    let server = p
        .server_endpoint
        .clone()
        .unwrap_or_else(|| state.config.oauth_server.clone());
    let stored = state
        .store
        .tokens(portal, client_id)
        .await?
        .ok_or(RefreshError::NoTokens)?;
    let tokens = token_store(state, portal, client_id);
    let mut refreshed = false;
    let mut access = stored.tokens.access_token.clone();
    if stored.tokens.access_expires_at <= now + 60 {
        access = fresh_access(state, &tokens, app, &server, stored.version, now).await?;
        refreshed = true;
    }
    let v = match crate::verify::app_info(&state.http, &server, &access).await {
        Ok(v) => v,
        // A token that died early (revoked, expired by the server's clock): refresh once and ask again.
        Err(VerifyError::Rejected) if !refreshed => {
            let access = fresh_access(state, &tokens, app, &server, stored.version, now).await?;
            crate::verify::app_info(&state.http, &server, &access).await?
        }
        Err(e) => return Err(e.into()),
    };
    if v.client_id != client_id || v.member_id != p.member_id {
        return Err(RefreshError::Mismatch);
    }
    let letter = v.status.trim();
    if letter.is_empty() {
        return Err(RefreshError::NoStatus);
    }
    state
        .store
        .record_tier(portal, client_id, letter, v.payment_expired, v.days, now)
        .await?;
    Ok(())
}

fn token_store(
    state: &AppState,
    portal: PortalId,
    client_id: &str,
) -> b24a_sync::tokens::DbTokenStore {
    b24a_sync::tokens::DbTokenStore {
        store: state.store.clone(),
        portal_id: portal.0,
        client_id: client_id.to_string(),
        holder: format!("tier-refresh-{}", std::process::id()),
    }
}

/// A live access token: refreshed under the portal's refresh lease unless someone else already replaced the pair
/// we saw (version `seen_version`) with a live one.
async fn fresh_access(
    state: &AppState,
    tokens: &b24a_sync::tokens::DbTokenStore,
    app: &crate::config::AppConfig,
    server: &str,
    seen_version: i64,
    now: i64,
) -> Result<String, RefreshError> {
    let te = |e: b24a_client::TokenStoreError| RefreshError::TokenRefresh(e.0);
    tokens.lock_refresh().await.map_err(te)?;
    let result = async {
        let current = tokens.load().await.map_err(te)?;
        if current.version != seen_version && current.expires_at > now + 60 {
            return Ok(current.access_token);
        }
        let oauth = b24a_client::OAuthApp {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
        };
        let pair =
            b24a_client::oauth::refresh(&state.http, &oauth, server, &current.refresh_token, now)
                .await
                .map_err(|e| RefreshError::TokenRefresh(e.to_string()))?;
        match tokens.replace(current.version, &pair).await.map_err(te)? {
            Some(_) => Ok(pair.access_token),
            // Replaced meanwhile (a re-install): use the stored pair, not ours.
            None => Ok(tokens.load().await.map_err(te)?.access_token),
        }
    }
    .await;
    if let Err(e) = tokens.unlock_refresh().await {
        tracing::warn!(error = %e, "releasing the token refresh lease failed");
    }
    result
}
