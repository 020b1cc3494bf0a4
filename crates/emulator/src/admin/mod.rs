//! Admin HTTP API under `/_emulator/...` on each portal listener (JSON in, JSON out): the same
//! operations as `PortalHandle` — mutations, installs, webhooks, iframe launches, app status,
//! limits, faults, token expiry, counters — as axum routes, one file per concern (`records`,
//! `apps`, `controls`; shared extractors and errors in `extract`).
//!
//! Every answer is JSON: `{"result": ...}`, or `{error, error_description}` with 400 (malformed
//! body or id), 404 (unknown path or refused operation), 405 (known path, wrong method).
//!
//! Unauthenticated by design (local test tool); it must never be exposed beyond 127.0.0.1, and
//! must never hold operation logic of its own (that is `PortalHandle`).

mod apps;
mod controls;
mod extract;
mod records;

use std::sync::Arc;

use axum::handler::Handler;
use axum::http::{Method, Uri};
use axum::routing::{post, MethodRouter};
use axum::Router;
use tower_http::normalize_path::NormalizePath;

use crate::state::PortalState;
pub use extract::AdminError;

/// The admin API as a service to nest at `/_emulator` (paths here are relative to it).
///
/// Trailing slashes are trimmed before routing: the hand-written router this replaced accepted
/// `info/` as `info`, and scripts may rely on it.
pub fn service(portal: Arc<PortalState>) -> NormalizePath<Router> {
    let router = Router::new()
        .merge(records::routes())
        .merge(apps::routes())
        .merge(controls::routes())
        .method_not_allowed_fallback(wrong_method)
        .fallback(no_operation)
        .with_state(portal);
    NormalizePath::trim_trailing_slash(router)
}

/// A route that changes something: POST, and PUT / PATCH as synonyms (the API always took all
/// three).
fn write<H, T>(handler: H) -> MethodRouter<Arc<PortalState>>
where
    H: Handler<T, Arc<PortalState>>,
    T: 'static,
{
    post(handler.clone()).put(handler.clone()).patch(handler)
}

/// The path without its leading slash, as the error texts name it (`/_emulator/<path>`).
fn relative(uri: &Uri) -> String {
    uri.path().trim_start_matches('/').to_string()
}

async fn no_operation(method: Method, uri: Uri) -> AdminError {
    AdminError::NoOperation {
        method: method.to_string(),
        path: relative(&uri),
    }
}

async fn wrong_method(method: Method, uri: Uri) -> AdminError {
    AdminError::WrongMethod {
        method: method.to_string(),
        path: relative(&uri),
    }
}
