//! The router and the state every handler shares. Routes are grouped by concern in their own modules; this file
//! only wires them together.

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::config::Config;

/// Shared, cheaply clonable state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: b24a_store::Store,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(store: b24a_store::Store, config: Config) -> AppState {
        AppState { store, config: Arc::new(config) }
    }
}

/// All routes of the app.
pub fn router(state: AppState) -> Router {
    let assets = ServeDir::new(&state.config.assets_dir);
    Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .nest_service("/assets", assets)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
