//! Who is calling: webhook (`/rest/<uid>/<code>/...`) or OAuth token (`auth`, `access_token`, or
//! `Authorization: Bearer`), with the portal's auth errors (NO_AUTH_FOUND, invalid_token,
//! expired_token, INVALID_CREDENTIALS, ACCESS_DENIED, PAYMENT_REQUIRED, insufficient_scope).
//!
//! Never runs methods.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::error::RestError;
use crate::php::as_str;
use crate::state::{wall_now, Caller, PortalState};

/// Every scope a webhook gets.
pub const ALL_SCOPES: &[&str] = &[
    "crm",
    "telephony",
    "task",
    "user",
    "department",
    "sonet_group",
    "placement",
    "im",
    "basic",
];

/// Takes the token out of the params (the method never sees `auth`).
pub fn take_token(params: &mut Value, headers: &HeaderMap) -> Option<String> {
    let mut token = None;
    if let Value::Object(m) = params {
        for key in ["auth", "access_token"] {
            if let Some(v) = m.remove(key) {
                if token.is_none() {
                    token = as_str(&v).filter(|s| !s.is_empty());
                }
            }
        }
    }
    token.or_else(|| {
        headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    })
}

pub fn webhook(portal: &PortalState, user_id: i64, code: &str) -> Result<Caller, RestError> {
    let owner = portal
        .webhooks
        .lock()
        .ok()
        .and_then(|w| w.get(code).copied());
    match owner {
        Some(uid) if uid == user_id => {}
        _ => {
            return Err(RestError::new(
                401,
                "INVALID_CREDENTIALS",
                "Invalid request credentials",
            ))
        }
    }
    let is_admin = portal
        .data
        .read()
        .ok()
        .and_then(|d| d.user(user_id).map(|u| u.is_admin))
        .unwrap_or(false);
    Ok(Caller {
        user_id,
        client_id: None,
        webhook: Some(code.to_string()),
        is_admin,
        scope: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
    })
}

pub fn oauth(portal: &PortalState, token: Option<String>) -> Result<Caller, RestError> {
    let token = token.ok_or_else(RestError::no_auth)?;
    let info = portal
        .shared
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.access.get(&token).cloned())
        .ok_or_else(RestError::invalid_token)?;
    if info.member_id != portal.member_id {
        return Err(RestError::invalid_token());
    }
    if info.expires <= wall_now() {
        return Err(RestError::expired_token());
    }
    let status = portal
        .installs
        .lock()
        .ok()
        .and_then(|i| i.get(&info.client_id).map(|x| x.status.clone()))
        .ok_or_else(RestError::invalid_token)?;
    if !status.payment_allowed() {
        return Err(RestError::new(
            401,
            "PAYMENT_REQUIRED",
            "Subscription has been ended",
        ));
    }
    let scope = portal
        .shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(&info.client_id).map(|r| r.scope.clone()))
        .unwrap_or_default();
    let is_admin = portal
        .data
        .read()
        .ok()
        .and_then(|d| d.user(info.user_id).map(|u| u.is_admin))
        .unwrap_or(false);
    Ok(Caller {
        user_id: info.user_id,
        client_id: Some(info.client_id),
        webhook: None,
        is_admin,
        scope,
    })
}

/// Scope check: `basic` is implicit.
pub fn check_scope(caller: &Caller, needed: &str) -> Result<(), RestError> {
    if needed == "basic" || caller.scope.iter().any(|s| s == needed) {
        Ok(())
    } else {
        Err(RestError::new(
            401,
            "insufficient_scope",
            "The request requires higher privileges than provided by the access token",
        ))
    }
}
