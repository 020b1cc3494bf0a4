//! Portals as the sync sees them: reading a portal's connection data, registering a webhook portal or an
//! installed app's tokens (for the CLI and tests), flagging a portal that needs a human, and building the client
//! for a portal. Never deletes portal data: a revoked or unpaid portal is only flagged.

use std::sync::Arc;

use b24a_client::{Client, ClientConfig, OAuthApp};
use b24a_store::{AppTokens, NewPortal, Portal, PortalId, Store};

use crate::error::SyncError;
use crate::tokens::DbTokenStore;

/// A stored portal's connection data and status.
pub async fn load(store: &Store, portal_id: i64) -> Result<Portal, SyncError> {
    store
        .portal(PortalId(portal_id))
        .await?
        .ok_or_else(|| SyncError::Config(format!("portal {portal_id} not found")))
}

/// Portals that are active (candidates for a sync cycle), by id.
pub async fn active_ids(store: &Store) -> Result<Vec<i64>, SyncError> {
    Ok(store
        .active_portals()
        .await?
        .into_iter()
        .map(|p| p.id.0)
        .collect())
}

async fn upsert_portal(
    store: &Store,
    member_id: &str,
    domain: &str,
    client_endpoint: &str,
    server_endpoint: Option<&str>,
    webhook_url: Option<&str>,
) -> Result<i64, SyncError> {
    let id = store
        .upsert_portal(&NewPortal {
            member_id: member_id.to_string(),
            domain: domain.to_string(),
            client_endpoint: client_endpoint.to_string(),
            server_endpoint: server_endpoint.map(str::to_string),
            webhook_url: webhook_url.map(str::to_string),
            ..NewPortal::default()
        })
        .await?;
    Ok(id.0)
}

/// Registers (or updates) a portal reached through an incoming webhook; the member id is derived from the URL.
pub async fn register_webhook(store: &Store, webhook_url: &str) -> Result<i64, SyncError> {
    let url = url_parts(webhook_url)?;
    let member_id = format!("webhook:{}", webhook_url.trim_end_matches('/'));
    upsert_portal(store, &member_id, &url.0, &url.1, None, Some(webhook_url)).await
}

fn url_parts(webhook_url: &str) -> Result<(String, String), SyncError> {
    let rest = webhook_url
        .split_once("://")
        .ok_or_else(|| SyncError::Config(format!("not a URL: {webhook_url}")))?;
    let host = rest.1.split('/').next().unwrap_or_default().to_string();
    if host.is_empty() {
        return Err(SyncError::Config(format!("no host in {webhook_url}")));
    }
    Ok((host.clone(), format!("{}://{}/rest/", rest.0, host)))
}

/// What an install (or the install callback) gives us.
#[derive(Clone)]
pub struct AppInstall {
    pub member_id: String,
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: String,
    pub client_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
    pub application_token: Option<String>,
}

/// Registers a portal and stores an app's tokens (replacing older ones, bumping the version).
pub async fn register_install(store: &Store, i: &AppInstall) -> Result<i64, SyncError> {
    let id = upsert_portal(
        store,
        &i.member_id,
        &i.domain,
        &i.client_endpoint,
        Some(&i.server_endpoint),
        None,
    )
    .await?;
    // A (re-)install replaces the pair and bumps the token version; the portal upsert made it active again.
    store
        .save_app_install(
            PortalId(id),
            &i.client_id,
            &AppTokens {
                access_token: i.access_token.clone(),
                refresh_token: i.refresh_token.clone(),
                access_expires_at: i.expires_at,
                scope: None,
            },
            i.application_token.as_deref(),
        )
        .await?;
    Ok(id)
}

/// Flags a portal for a human (revoked, unpaid, deleted). Sync skips it; its data stays.
pub async fn mark_needs_attention(
    store: &Store,
    portal_id: i64,
    reason: &str,
) -> Result<(), SyncError> {
    store
        .mark_portal_needs_attention(b24a_store::PortalId(portal_id), reason)
        .await?;
    Ok(())
}

/// The client for a stored portal: its webhook, or the given app's tokens from `portal_apps`.
pub async fn client_for(
    store: &Store,
    portal_id: i64,
    app: Option<&OAuthApp>,
    holder: &str,
    config: ClientConfig,
) -> Result<Client, SyncError> {
    let p = load(store, portal_id).await?;
    if let Some(hook) = &p.webhook_url {
        return Ok(Client::webhook(hook, config)?);
    }
    let app = app.ok_or_else(|| {
        SyncError::Config(format!(
            "portal {portal_id} uses OAuth: the app's client id/secret are needed"
        ))
    })?;
    let server = p
        .server_endpoint
        .clone()
        .ok_or_else(|| SyncError::Config(format!("portal {portal_id} has no server_endpoint")))?;
    let tokens = DbTokenStore {
        store: store.clone(),
        portal_id,
        client_id: app.client_id.clone(),
        holder: holder.to_string(),
    };
    Ok(Client::oauth(
        &p.client_endpoint,
        &server,
        app.clone(),
        Arc::new(tokens),
        config,
    )?)
}
