//! Liveness and readiness probes: `/healthz` answers while the process runs; `/readyz` only when the store answers.

use axum::extract::State;
use axum::http::StatusCode;

use crate::app::AppState;

/// Liveness: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers a trivial query.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.store.answers().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
