//! Prometheus metrics (`GET /metrics`, OpenMetrics text): HTTP requests and latency by route and status, portal
//! REST calls and errors (through the client crate's call hook), sync runs and errors per portal, and the sync lag
//! per portal (seconds since its last completed cycle, read from the store at scrape time so every replica reports
//! the same). Labels are bounded (route templates, method names, portal ids); they must never carry tokens, URLs
//! with secrets or user input.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::app::AppState;

type Labels = Vec<(&'static str, String)>;

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<Labels, Counter>,
    pub http_latency: Family<Labels, Histogram, fn() -> Histogram>,
    pub api_calls: Family<Labels, Counter>,
    pub api_errors: Family<Labels, Counter>,
    pub sync_runs: Family<Labels, Counter>,
    pub sync_errors: Family<Labels, Counter>,
    pub sync_duration: Family<Labels, Histogram, fn() -> Histogram>,
    pub sync_lag: Family<Labels, Gauge>,
    pub leases_released_on_shutdown: Counter,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

fn sync_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.1, 2.0, 14))
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// The process's metrics, created (and the client hook installed) on first use.
pub fn get() -> &'static Metrics {
    METRICS.get_or_init(|| {
        let m = Metrics::new();
        b24a_client::observe::set_call_hook(Box::new(|method, error| {
            let m = get();
            let outcome = if error.is_some() { "error" } else { "ok" };
            m.api_calls
                .get_or_create(&vec![
                    ("method", method.to_string()),
                    ("outcome", outcome.to_string()),
                ])
                .inc();
            if let Some(code) = error {
                m.api_errors
                    .get_or_create(&vec![
                        ("method", method.to_string()),
                        ("code", code.to_string()),
                    ])
                    .inc();
            }
        }));
        m
    })
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::default();
        let http_requests = Family::<Labels, Counter>::default();
        let http_latency =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let api_calls = Family::<Labels, Counter>::default();
        let api_errors = Family::<Labels, Counter>::default();
        let sync_runs = Family::<Labels, Counter>::default();
        let sync_errors = Family::<Labels, Counter>::default();
        let sync_duration =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(sync_histogram);
        let sync_lag = Family::<Labels, Gauge>::default();
        let leases_released_on_shutdown = Counter::default();
        registry.register(
            "b24a_http_requests",
            "HTTP requests served, by method, route template and status",
            http_requests.clone(),
        );
        registry.register(
            "b24a_http_request_duration_seconds",
            "HTTP request latency, by method and route template",
            http_latency.clone(),
        );
        registry.register(
            "b24a_portal_api_calls",
            "REST requests sent to portals, by method and outcome",
            api_calls.clone(),
        );
        registry.register(
            "b24a_portal_api_errors",
            "REST requests to portals that failed, by method and error kind",
            api_errors.clone(),
        );
        registry.register(
            "b24a_sync_runs",
            "Sync cycles completed by this process, by portal",
            sync_runs.clone(),
        );
        registry.register(
            "b24a_sync_errors",
            "Sync cycles that failed in this process, by portal and kind",
            sync_errors.clone(),
        );
        registry.register(
            "b24a_sync_duration_seconds",
            "Duration of completed sync cycles in this process",
            sync_duration.clone(),
        );
        registry.register(
            "b24a_sync_lag_seconds",
            "Seconds since the portal's last completed sync cycle (any process; from the store)",
            sync_lag.clone(),
        );
        registry.register(
            "b24a_leases_released_on_shutdown",
            "Sync leases given up by a stopping process",
            leases_released_on_shutdown.clone(),
        );
        Metrics {
            registry,
            http_requests,
            http_latency,
            api_calls,
            api_errors,
            sync_runs,
            sync_errors,
            sync_duration,
            sync_lag,
            leases_released_on_shutdown,
        }
    }

    /// Counts a completed cycle of a portal.
    pub fn sync_ok(&self, portal_id: i64, seconds: f64) {
        self.sync_runs
            .get_or_create(&vec![("portal_id", portal_id.to_string())])
            .inc();
        self.sync_duration.get_or_create(&vec![]).observe(seconds);
    }

    /// Counts a failed cycle of a portal (`kind`: `failed` or `needs_attention`).
    pub fn sync_failed(&self, portal_id: i64, kind: &str) {
        self.sync_errors
            .get_or_create(&vec![
                ("portal_id", portal_id.to_string()),
                ("kind", kind.to_string()),
            ])
            .inc();
    }
}

/// Middleware: counts every request and its latency by the matched route template (never the raw path).
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let resp = next.run(req).await;
    let m = get();
    m.http_requests
        .get_or_create(&vec![
            ("method", method.clone()),
            ("route", route.clone()),
            ("status", resp.status().as_u16().to_string()),
        ])
        .inc();
    m.http_latency
        .get_or_create(&vec![("method", method), ("route", route)])
        .observe(start.elapsed().as_secs_f64());
    resp
}

/// Whether the request carries the configured metrics token (constant-time compare; an empty token opens nothing).
fn authorized(headers: &axum::http::HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    !token.is_empty()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_bytes(),
            token.as_bytes(),
        ))
}

/// `GET /metrics`: refreshes the lag gauges from the store, then encodes everything. Off (404) without a
/// configured `METRICS_TOKEN`, 401 without that token.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if state.config.metrics_token.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    if !authorized(&headers, &state.config.metrics_token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    let m = get();
    match b24a_sync::scheduler::sync_lag(&state.store).await {
        Ok(lags) => {
            m.sync_lag.clear();
            for (portal_id, lag) in lags {
                m.sync_lag
                    .get_or_create(&vec![("portal_id", portal_id.to_string())])
                    .set(lag);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading sync lag failed"),
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
