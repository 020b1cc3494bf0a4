//! Admin routes around an app's life on the portal: install / uninstall, iframe launches,
//! incoming webhooks, the marketplace status and access-token expiry.
//!
//! Must never change CRM records, limits or faults (see `records` and `controls`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::extract::{ok, AdminError, Body};
use super::write;
use crate::state::{AppStatus, PortalState};
use crate::PortalHandle;

type Portal = State<Arc<PortalState>>;

/// `install`, `uninstall` and `iframe` all name the app; the other fields matter to some only.
#[derive(Deserialize)]
struct ClientReq {
    client_id: String,
    #[serde(default)]
    clean: bool,
    #[serde(default = "one")]
    user_id: i64,
    #[serde(default = "ru")]
    lang: String,
}

fn one() -> i64 {
    1
}
fn ru() -> String {
    "ru".into()
}

#[derive(Deserialize)]
struct UserReq {
    #[serde(default = "one")]
    user_id: i64,
}

#[derive(Deserialize)]
struct StatusReq {
    client_id: String,
    status: String,
    #[serde(default)]
    payment_expired: bool,
    #[serde(default)]
    days: Option<i64>,
}

/// The app routes, relative to `/_emulator`.
pub fn routes() -> Router<Arc<PortalState>> {
    Router::new()
        .route("/install", write(install))
        .route("/uninstall", write(uninstall))
        .route("/iframe", write(iframe))
        .route("/webhook", write(webhook))
        .route("/app_status", write(app_status))
        .route("/expire_tokens", write(expire_tokens))
}

async fn install(State(s): Portal, Body(r): Body<ClientReq>) -> Result<Response, AdminError> {
    let grant = PortalHandle::from_state(s)
        .install_app(&r.client_id)
        .await?;
    Ok(ok(grant))
}

async fn uninstall(State(s): Portal, Body(r): Body<ClientReq>) -> Response {
    PortalHandle::from_state(s)
        .uninstall_app(&r.client_id, r.clean)
        .await;
    ok(true)
}

async fn iframe(State(s): Portal, Body(r): Body<ClientReq>) -> Response {
    ok(PortalHandle::from_state(s).iframe_launch(&r.client_id, r.user_id, &r.lang))
}

async fn webhook(State(s): Portal, Body(r): Body<UserReq>) -> Response {
    ok(json!({"url": PortalHandle::from_state(s).create_webhook(r.user_id)}))
}

async fn app_status(State(s): Portal, Body(r): Body<StatusReq>) -> Response {
    let status = AppStatus::new(&r.status, r.payment_expired, r.days);
    PortalHandle::from_state(s).set_app_status(&r.client_id, status);
    ok(true)
}

async fn expire_tokens(State(s): Portal) -> Response {
    PortalHandle::from_state(s).expire_tokens();
    ok(true)
}
