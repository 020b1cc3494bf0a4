//! The router and the state every handler shares. Routes are grouped by concern in their own modules; this file
//! only wires them together.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::{AppConfig, Config};
use crate::session::Signer;

/// Shared, cheaply clonable state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: b24a_store::Store,
    /// What the reports read: the store and this process's report cache (one value, sized by `Config`).
    pub reports: b24a_reports::ReportSource,
    /// This process's whole-answer cache (`answer_cache`), sized by `Config`.
    pub answers: crate::answer_cache::AnswerCache,
    pub config: Arc<Config>,
    pub apps: Arc<Vec<AppConfig>>,
    pub signer: Signer,
    pub http: reqwest::Client,
    /// Users' own portal tokens for the tidy-up actions (in the database, shared by replicas; `user_grants`).
    pub grants: crate::user_grants::UserGrants,
    /// This state's own name among the replicas (several states may share one process in tests): the holder of
    /// its weekly-digest claims.
    pub instance: String,
}

impl AppState {
    /// State with the app registrations already parsed (see [`Config::parse_apps`]).
    pub fn new(store: b24a_store::Store, config: Config, apps: Vec<AppConfig>) -> AppState {
        let signer = Signer::new(&config.session_secret);
        let cache = b24a_reports::ReportCache::new(config.report_cache());
        AppState {
            reports: b24a_reports::ReportSource::new(store.clone(), cache),
            answers: crate::answer_cache::AnswerCache::new(config.answer_cache_mb),
            grants: crate::user_grants::UserGrants::new(store.clone()),
            store,
            config: Arc::new(config),
            apps: Arc::new(apps),
            signer,
            http: crate::verify::http_client(),
            instance: format!("{:08x}", rand::random::<u32>()),
        }
    }

    /// The registration of `client_id`, if this backend serves it.
    pub fn app(&self, client_id: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }
}

/// All routes of the app.
pub fn router(state: AppState) -> Router {
    let assets = ServeDir::new(&state.config.assets_dir);
    Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/install/{client_id}", post(crate::install::install_post))
        .route(
            "/app/{client_id}/",
            post(crate::launch::launch).get(crate::launch::launch_get),
        )
        .route(
            "/app/{client_id}",
            post(crate::launch::launch).get(crate::launch::launch_get),
        )
        .route("/events/{client_id}", post(crate::events::intake))
        .route("/api/reports/{id}", post(crate::api::reports::report))
        .route(
            "/api/reports/{id}/export",
            post(crate::api::reports::export),
        )
        .route("/api/reports/{id}/drill", post(crate::api::lists::page))
        .route("/api/reports/{id}/list", post(crate::api::lists::page))
        .route(
            "/api/reports/{id}/list/export",
            post(crate::api::lists::export),
        )
        .route(
            "/api/linked/sales/{id}",
            get(crate::api::linked_sale::sale),
        )
        .route("/api/definitions", get(crate::api::reports::definitions))
        .route("/api/dictionaries", get(crate::api::reports::dictionaries))
        .route(
            "/api/plans",
            get(crate::api::plans::list).post(crate::api::plans::add),
        )
        .route(
            "/api/plans/{id}",
            axum::routing::delete(crate::api::plans::remove),
        )
        .route("/api/progress", get(crate::api::progress::progress))
        .route("/api/tidy/groups", get(crate::api::tidy::groups))
        .route("/api/tidy/preview", post(crate::api::tidy::preview))
        .route("/api/tidy/runs", get(crate::api::tidy::runs).post(crate::api::tidy::start))
        .route("/api/tidy/runs/{id}", get(crate::api::tidy::run))
        .route("/api/tidy/runs/{id}/undo", post(crate::api::tidy::undo))
        .route("/api/session/renew", post(crate::api::session_renew::renew))
        .route("/api/settings", get(crate::api::settings::get_settings))
        .route(
            "/api/settings/linked",
            get(crate::api::linked_settings::get_linked).put(crate::api::linked_settings::put_linked),
        )
        .route(
            "/api/settings/forget-me-not",
            put(crate::api::settings::put_forget_me_not),
        )
        .route(
            "/api/settings/access",
            put(crate::api::settings::put_access),
        )
        .route(
            "/api/settings/digest",
            put(crate::api::settings::put_digest),
        )
        .route(
            "/api/settings/tidy-users",
            put(crate::api::settings::put_tidy_users),
        )
        .route(
            "/api/presets/plan/bonus",
            get(crate::api::plan_presets::get_bonus).put(crate::api::plan_presets::put_bonus),
        )
        .route(
            "/api/presets/{report}",
            get(crate::api::settings::get_preset).put(crate::api::settings::put_preset),
        )
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        // Error messages in the caller's language (error.rs decides the error, error_words.rs words it).
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::error_words::localize,
        ))
        .nest_service("/assets", assets)
        // Browsers must not guess a type: a JSON answer or an export is never run as a script or page.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // The span names the path, never the query string: launches and events carry portal facts there.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}
