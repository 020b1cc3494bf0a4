//! The OAuth server (one listener for all portals): `/oauth/token/` with `grant_type=refresh_token`
//! (GET query or POST form) rotating refresh tokens (a used one answers `invalid_grant`), and
//! `/rest/app.info?auth=` in the OAuth-server shape. Also issues token pairs for installs/iframes.
//!
//! Never serves portal REST methods.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::envelope::json_response;
use crate::php::as_str;
use crate::server::request_params;
use crate::state::{random_token, wall_now, AccessToken, PortalState, RefreshToken, Shared};

/// A token pair as the OAuth server hands it out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires: i64,
    pub expires_in: i64,
    pub user_id: i64,
}

/// Issues a fresh access/refresh pair for (portal, app, user).
pub fn issue(shared: &Shared, member_id: &str, client_id: &str, user_id: i64) -> TokenPair {
    let ttl = shared.token_ttl.as_secs() as i64;
    let pair = TokenPair {
        access_token: random_token(70),
        refresh_token: random_token(70),
        expires: wall_now() + ttl,
        expires_in: ttl,
        user_id,
    };
    if let Ok(mut t) = shared.tokens.lock() {
        t.access.insert(
            pair.access_token.clone(),
            AccessToken {
                member_id: member_id.into(),
                client_id: client_id.into(),
                user_id,
                expires: pair.expires,
            },
        );
        t.refresh.insert(
            pair.refresh_token.clone(),
            RefreshToken {
                member_id: member_id.into(),
                client_id: client_id.into(),
                user_id,
            },
        );
    }
    pair
}

/// The token answer body (`domain` is the OAuth server's, not the portal's).
pub fn token_body(
    shared: &Shared,
    portal: &PortalState,
    client_id: &str,
    pair: &TokenPair,
) -> Value {
    let (scope, status) = scope_status(shared, portal, client_id);
    json!({
        "access_token": pair.access_token,
        "expires": pair.expires,
        "expires_in": pair.expires_in,
        "scope": scope,
        "domain": shared.oauth_domain(),
        "server_endpoint": shared.server_endpoint(),
        "status": status,
        "client_endpoint": portal.client_endpoint(),
        "member_id": portal.member_id,
        "user_id": pair.user_id,
        "refresh_token": pair.refresh_token,
    })
}

fn scope_status(shared: &Shared, portal: &PortalState, client_id: &str) -> (String, String) {
    let scope = shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(client_id).map(|r| r.scope.join(",")))
        .unwrap_or_default();
    let status = portal
        .installs
        .lock()
        .ok()
        .and_then(|i| i.get(client_id).map(|x| x.status.status.clone()))
        .unwrap_or_else(|| "L".into());
    (scope, status)
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/token/", any(token))
        .route("/oauth/token", any(token))
        .route("/rest/app.info", any(app_info))
        .route("/rest/app.info.json", any(app_info))
        .with_state(shared)
}

fn err(status: u16, code: &str, text: &str) -> Response {
    json_response(status, json!({"error": code, "error_description": text}))
}

async fn token(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = request_params(&uri, &headers, &body);
    let get = |k: &str| params.get(k).and_then(as_str).unwrap_or_default();
    let grant = get("grant_type");
    if grant != "refresh_token" {
        return err(
            400,
            "invalid_request",
            "Only grant_type=refresh_token is emulated",
        );
    }
    let (client_id, secret, refresh) =
        (get("client_id"), get("client_secret"), get("refresh_token"));
    let registered = shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(&client_id).cloned());
    let Some(app) = registered else {
        return err(401, "invalid_client", "Invalid client");
    };
    if app.client_secret != secret {
        return err(401, "invalid_client", "Invalid client secret");
    }
    // Rotation: the refresh token is consumed; a second use answers invalid_grant.
    let info = shared
        .tokens
        .lock()
        .ok()
        .and_then(|mut t| t.refresh.remove(&refresh));
    let Some(info) = info else {
        return err(400, "invalid_grant", "Invalid grant");
    };
    if info.client_id != client_id {
        return err(400, "invalid_grant", "Invalid grant");
    }
    let portal = shared
        .portals
        .lock()
        .ok()
        .and_then(|p| p.get(&info.member_id).cloned());
    let Some(portal) = portal else {
        return err(400, "invalid_grant", "Portal not found");
    };
    let status = portal
        .installs
        .lock()
        .ok()
        .and_then(|i| i.get(&client_id).map(|x| x.status.clone()));
    match status {
        None => return err(400, "invalid_grant", "Application not installed"),
        Some(s) if !s.payment_allowed() => return err(400, "PAYMENT_REQUIRED", "Payment required"),
        _ => {}
    }
    let pair = issue(&shared, &info.member_id, &client_id, info.user_id);
    json_response(200, token_body(&shared, &portal, &client_id, &pair))
}

async fn app_info(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = request_params(&uri, &headers, &body);
    let Some(token) = crate::auth::take_token(&mut params, &headers) else {
        return err(401, "NO_AUTH_FOUND", "Wrong authorization data");
    };
    let info = shared
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.access.get(&token).cloned());
    let Some(info) = info else {
        return err(401, "invalid_token", "Unable to get application by token");
    };
    if info.expires <= wall_now() {
        return err(
            401,
            "expired_token",
            "The access token provided has expired.",
        );
    }
    let portal = shared
        .portals
        .lock()
        .ok()
        .and_then(|p| p.get(&info.member_id).cloned());
    let Some(portal) = portal else {
        return err(401, "invalid_token", "Unable to get application by token");
    };
    let install = portal
        .installs
        .lock()
        .ok()
        .and_then(|i| i.get(&info.client_id).cloned());
    let Some(install) = install else {
        return err(401, "invalid_token", "Unable to get application by token");
    };
    let app = shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(&info.client_id).cloned());
    let scope = app.as_ref().map(|a| a.scope.join(",")).unwrap_or_default();
    let now = crate::state::wall_now_f64();
    json_response(
        200,
        json!({
            "result": {
                "scope": scope,
                "client_id": info.client_id,
                "expires": info.expires,
                "install": {
                    "installed": install.installed,
                    "version": app.as_ref().map(|a| a.version).unwrap_or(1),
                    "status": install.status.status,
                    "payment_expired": if install.status.payment_expired {"Y"} else {"N"},
                    "days": install.status.days,
                    "scope": scope,
                    "domain": portal.domain(),
                    "uri": portal.base_url(),
                    "client_endpoint": portal.client_endpoint(),
                    "member_id": portal.member_id,
                    "member_type": "PORTAL",
                },
                "user_id": info.user_id,
            },
            "time": crate::envelope::time_obj(now, now, 0.0, portal.zone(), None),
        }),
    )
}
