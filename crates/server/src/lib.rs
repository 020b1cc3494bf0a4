//! The web server of the app: install and iframe handlers, verified sessions, report pages, the JSON API and
//! event intake. It maps every library error to an HTTP answer in one place (`error`), and must never compute
//! metrics or talk SQL itself: reports come from `b24a-reports`, data from `b24a-store`.

pub mod access;
pub mod answer_cache;
pub mod answer_words;
pub mod api;
pub mod app;
pub mod chart_series;
pub mod charts;
pub mod config;
pub mod csp;
pub mod digest;
pub mod digest_content;
pub mod digest_words;
pub mod error;
pub mod error_words;
pub mod events;
pub mod export;
pub mod export_cover;
pub mod form;
pub mod health;
pub mod i18n;
pub mod install;
pub mod labels;
pub mod launch;
pub mod linked_words;
pub mod list_words;
pub mod memory;
pub mod metrics;
pub mod page_words;
pub mod pages;
pub mod session;
pub mod shutdown;
pub mod sync_runner;
pub mod telemetry;
pub mod tidy_runner;
pub mod tidy_words;
pub mod tier;
pub mod tier_refresh;
pub mod user_calls;
pub mod user_grants;
pub mod verify;
pub mod zone_label;

use anyhow::Context;

/// Serves the app on an already bound listener until the future `stop` resolves (tests, the demo).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: app::AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app::router(state))
        .with_graceful_shutdown(stop)
        .await
}

/// Opens the store from the configuration and serves until Ctrl-C / SIGTERM.
pub async fn run(config: config::Config) -> anyhow::Result<()> {
    let store = b24a_store::Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the store at {}", config.redacted_database_url()))?;
    let apps = config.parse_apps().map_err(anyhow::Error::msg)?;
    if apps.is_empty() {
        tracing::warn!("no apps configured (APPS is empty): every launch will be refused");
    }
    let state = app::AppState::new(store, config.clone(), apps);
    metrics::get();
    tier_refresh::spawn(state.clone());
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let stop = shutdown::Shutdown::new();
    let scheduler = config
        .sync_in_process
        .then(|| sync_runner::spawn_scheduler(state.clone(), stop.subscribe()));
    let digest = config
        .digest_in_process
        .then(|| digest::spawn(state.clone(), stop.subscribe()));
    tracing::info!(%addr, "serving");
    println!("b24a-server listening on http://{addr}/");
    let store = state.store.clone();
    let trigger = stop.clone();
    let served = axum::serve(listener, app::router(state))
        .with_graceful_shutdown(async move {
            shutdown::os_signal().await;
            tracing::info!("stop signal received: draining requests and stopping the sync");
            trigger.trigger();
        })
        .await;
    // The HTTP server may also end on an error: stop the scheduler either way and wait for its leases.
    stop.trigger();
    if let Some(s) = scheduler {
        let _ = s.await;
    }
    if let Some(d) = digest {
        let _ = d.await;
    }
    store.close().await;
    tracing::info!("stopped");
    served?;
    Ok(())
}
