//! Portals as the sync sees them: reading a portal's connection data, registering a webhook portal or an
//! installed app's tokens (for the CLI and tests), flagging a portal that needs a human, and building the client
//! for a portal. Never deletes portal data: a revoked or unpaid portal is only flagged.

use std::sync::Arc;

use b24a_client::{Client, ClientConfig, OAuthApp};
use b24a_store::{with_pool, Store};

use crate::error::SyncError;
use crate::sink::{self, Stmt};
use crate::tokens::DbTokenStore;

/// A portal's connection data.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PortalRow {
    pub id: i64,
    pub member_id: String,
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: Option<String>,
    pub webhook_url: Option<String>,
    pub status: String,
    pub attention_reason: Option<String>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub async fn load(store: &Store, portal_id: i64) -> Result<PortalRow, SyncError> {
    let row: Option<PortalRow> = with_pool!(store.pool(), p => {
        sqlx::query_as::<_, PortalRow>(
            "SELECT id, member_id, domain, client_endpoint, server_endpoint, webhook_url, status, attention_reason \
             FROM portals WHERE id = $1",
        )
        .bind(portal_id)
        .fetch_optional(p)
        .await?
    });
    row.ok_or_else(|| SyncError::Config(format!("portal {portal_id} not found")))
}

/// Portals that are active (candidates for a sync cycle), by id.
pub async fn active_ids(store: &Store) -> Result<Vec<i64>, SyncError> {
    let ids: Vec<i64> = with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>("SELECT id FROM portals WHERE status = 'active' ORDER BY id").fetch_all(p).await?
    });
    Ok(ids)
}

async fn upsert_portal(
    store: &Store,
    member_id: &str,
    domain: &str,
    client_endpoint: &str,
    server_endpoint: Option<&str>,
    webhook_url: Option<&str>,
) -> Result<i64, SyncError> {
    let t = now();
    let id: i64 = with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO portals (member_id, domain, client_endpoint, server_endpoint, webhook_url, installed_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (member_id) DO UPDATE SET domain = excluded.domain, \
             client_endpoint = excluded.client_endpoint, server_endpoint = excluded.server_endpoint, \
             webhook_url = excluded.webhook_url, updated_at = excluded.updated_at RETURNING id",
        )
        .bind(member_id)
        .bind(domain)
        .bind(client_endpoint)
        .bind(server_endpoint)
        .bind(webhook_url)
        .bind(t)
        .fetch_one(p)
        .await?
    });
    Ok(id)
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
    let t = now();
    sink::exec(
        store,
        Stmt {
            sql: "INSERT INTO portal_apps (portal_id, client_id, access_token, refresh_token, access_expires_at, \
                  application_token, installed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                  ON CONFLICT (portal_id, client_id) DO UPDATE SET access_token = excluded.access_token, \
                  refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, \
                  application_token = excluded.application_token, token_version = portal_apps.token_version + 1"
                .into(),
            vals: vec![
                id.into(),
                (&i.client_id).into(),
                (&i.access_token).into(),
                (&i.refresh_token).into(),
                i.expires_at.into(),
                (&i.application_token).into(),
                t.into(),
            ],
        },
    )
    .await?;
    sink::exec(
        store,
        Stmt {
            sql: "UPDATE portals SET status = 'active', attention_reason = NULL WHERE id = $1"
                .into(),
            vals: vec![id.into()],
        },
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
