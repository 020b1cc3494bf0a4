//! Admin routes that look at or steer the portal as a whole: `info` (endpoints, counters,
//! record counts), `snapshot`, the notification `inbox`, the cards' `timeline-comments`, REST limits, fault injection and the REST on/off switch.
//!
//! Must never change CRM records or app installs (see `records` and `apps`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ok, AdminError, Body};
use super::write;
use crate::state::PortalState;
use crate::{Faults, Limits, PortalHandle};

type Portal = State<Arc<PortalState>>;

#[derive(Deserialize)]
struct EnabledReq {
    enabled: bool,
}

/// The portal-wide routes, relative to `/_emulator`.
pub fn routes() -> Router<Arc<PortalState>> {
    Router::new()
        .route("/info", get(info))
        .route("/snapshot", get(snapshot))
        .route("/inbox", get(inbox))
        .route("/timeline-comments", get(timeline_comments))
        .route("/limits", write(limits))
        .route("/faults", write(faults))
        .route("/rest_access", write(rest_access))
}

async fn info(State(s): Portal) -> Response {
    let server_endpoint = s.shared.server_endpoint();
    let h = PortalHandle::from_state(s);
    // `null` only if the data lock is poisoned; the rest of `info` still helps then.
    let counts = h
        .with_data(|d| {
            json!({"users": d.users.len(), "deals": d.deals.len(), "leads": d.leads.len(),
                "activities": d.activities.len(), "tasks": d.tasks.len(),
                "companies": d.companies.len(), "contacts": d.contacts.len(),
                "deal_history": d.deal_history.len(), "lead_history": d.lead_history.len()})
        })
        .unwrap_or(Value::Null);
    ok(json!({"member_id": h.member_id(), "domain": h.domain(),
        "client_endpoint": h.client_endpoint(), "server_endpoint": server_endpoint,
        "request_count": h.request_count(), "clock": h.clock(),
        "offline_queue": h.offline_queue_len(), "counts": counts}))
}

/// The notifications the portal delivered (`im.notify.*.add`), oldest first.
async fn inbox(State(s): Portal) -> Response {
    ok(json!(PortalHandle::from_state(s).inbox()))
}

async fn timeline_comments(State(s): Portal) -> Response {
    ok(json!(PortalHandle::from_state(s).timeline_comments()))
}

async fn snapshot(State(s): Portal) -> Result<Response, AdminError> {
    match PortalHandle::from_state(s).with_data(|d| serde_json::to_value(d)) {
        Some(Ok(v)) => Ok(ok(v)),
        _ => Err(AdminError::Internal("snapshot failed")),
    }
}

async fn limits(State(s): Portal, Body(l): Body<Limits>) -> Response {
    PortalHandle::from_state(s).set_limits(l);
    ok(true)
}

async fn faults(State(s): Portal, Body(f): Body<Faults>) -> Response {
    PortalHandle::from_state(s).set_faults(f);
    ok(true)
}

async fn rest_access(State(s): Portal, Body(r): Body<EnabledReq>) -> Response {
    PortalHandle::from_state(s).set_rest_enabled(r.enabled);
    ok(true)
}
