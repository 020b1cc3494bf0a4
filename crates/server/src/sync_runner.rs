//! Runs the sync in this process, in the background: the scheduler ([`spawn_scheduler`]) that shares every active
//! portal with the other replicas through leases (one cycle per portal per `SYNC_INTERVAL_SECS` slot, see
//! `b24a_sync::scheduler`), and, when no scheduler runs (tests, the demo), the first import of a fresh install.
//! Never blocks a request on a sync; a failing cycle is logged and retried later, never crashes the server. After a
//! cycle it refreshes the report cache parts the portal already holds, so readers rarely meet a cold answer.
//! On shutdown it takes no new portal, lets the running cycle finish within the grace period or cuts it (every
//! batch is one transaction, so nothing is half-written) and releases the lease.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use b24a_sync::scheduler::{due_portals, sync_if_due, DueOutcome};
use tokio::sync::{watch, Notify};

use crate::app::AppState;
use crate::shutdown::stopped;

static SCHEDULER_RUNNING: AtomicBool = AtomicBool::new(false);
static WAKE: Notify = Notify::const_new();

/// Starts the scheduler loop; it returns once `stop` fires and its leases are released.
pub fn spawn_scheduler(
    state: AppState,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    SCHEDULER_RUNNING.store(true, Ordering::SeqCst);
    tokio::spawn(async move {
        run_scheduler(state, stop).await;
        SCHEDULER_RUNNING.store(false, Ordering::SeqCst);
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn run_scheduler(state: AppState, mut stop: watch::Receiver<bool>) {
    let cfg = state.config.clone();
    let interval = cfg.sync_interval_secs.max(1) as i64;
    let ttl = cfg.sync_lease_ttl_secs.max(1);
    let grace = Duration::from_secs(cfg.shutdown_grace_secs);
    let holder = format!(
        "server-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    let apps: HashMap<String, b24a_client::OAuthApp> = state
        .apps
        .iter()
        .map(|a| {
            (
                a.client_id.clone(),
                b24a_client::OAuthApp {
                    client_id: a.client_id.clone(),
                    client_secret: a.client_secret.clone(),
                },
            )
        })
        .collect();
    let opts = b24a_sync::SyncOptions {
        lease_ttl_secs: ttl,
        ..sync_options(&cfg)
    };
    let client_cfg = b24a_client::ClientConfig::default();
    // Often enough to take over a dead replica's portals soon after its lease expires.
    let poll = Duration::from_secs((interval / 4).min(ttl / 2).max(1) as u64);
    let metrics = crate::metrics::get();
    // Portals whose cycle failed in a slot wait for the next slot (no tight retry loop against a failing portal).
    let mut failed: HashMap<i64, i64> = HashMap::new();
    tracing::info!(%holder, interval, lease_ttl = ttl, "sync scheduler started");
    'outer: loop {
        if *stop.borrow() {
            break;
        }
        let slot = now() / interval;
        let due = match due_portals(&state.store, slot).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "sync scheduler: listing due portals failed");
                Vec::new()
            }
        };
        for portal_id in due {
            if *stop.borrow() {
                break 'outer;
            }
            if failed.get(&portal_id) == Some(&slot) {
                continue;
            }
            let started = Instant::now();
            let fut = sync_if_due(
                &state.store,
                portal_id,
                &apps,
                &holder,
                &client_cfg,
                &opts,
                slot,
            );
            // Boxed so that a cut really drops it (rolling back its open transaction) before the lease goes.
            let mut fut = Box::pin(fut);
            let outcome = tokio::select! {
                o = &mut fut => Some(o),
                _ = stopped(&mut stop) => {
                    tracing::info!(portal_id, "stopping: letting the running sync cycle finish");
                    tokio::time::timeout(grace, &mut fut).await.ok()
                }
            };
            let Some(outcome) = outcome else {
                // Cut mid-cycle: the open batch transaction rolls back with the dropped future; give the lease up
                // so another replica continues at once instead of after the lease expires.
                drop(fut);
                release_after_cut(&state, portal_id, &holder).await;
                break 'outer;
            };
            match outcome {
                DueOutcome::Synced(report, rec) => {
                    metrics.sync_ok(portal_id, started.elapsed().as_secs_f64());
                    refresh_report_cache(&state.reports, portal_id).await;
                    tracing::info!(
                        portal_id,
                        slot,
                        cycle = rec.count,
                        holder = %holder,
                        written = report.written.values().sum::<i64>(),
                        "sync cycle done"
                    );
                }
                DueOutcome::NotDue | DueOutcome::Busy => {}
                DueOutcome::NeedsAttention(m) => {
                    metrics.sync_failed(portal_id, "needs_attention");
                    tracing::warn!(portal_id, reason = %m, "sync stopped: portal needs attention");
                }
                DueOutcome::Failed(e) => {
                    metrics.sync_failed(portal_id, "failed");
                    failed.insert(portal_id, slot);
                    tracing::warn!(portal_id, error = %e, "sync cycle failed; retried next cycle");
                }
            }
        }
        failed.retain(|_, s| *s >= slot);
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = WAKE.notified() => {}
            _ = stopped(&mut stop) => break,
        }
    }
    tracing::info!(%holder, "sync scheduler stopped");
}

/// New data landed: the report parts this process holds for the portal are rebuilt in the background now, so the
/// next page load is answered from memory instead of a cold read (see `b24a_reports::ReportCache::refresh_held`).
async fn refresh_report_cache(reports: &b24a_reports::ReportSource, portal_id: i64) {
    let store = reports.store();
    // The tier's depth does not change what the cache holds; 24 months is only a placeholder of the context.
    let ctx = match b24a_reports::PortalContext::load(store, portal_id, 24, now()).await {
        Ok(ctx) => ctx,
        Err(e) => {
            tracing::warn!(portal_id, error = %e, "report cache refresh: portal context not loaded");
            return;
        }
    };
    match reports.cache().refresh_held(store, &ctx).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(portal_id, parts = n, "report cache refresh started"),
        Err(e) => tracing::warn!(portal_id, error = %e, "report cache refresh failed"),
    }
}

async fn release_after_cut(state: &AppState, portal_id: i64, holder: &str) {
    for kind in [
        b24a_sync::lease::KIND_SYNC,
        b24a_sync::lease::KIND_TOKEN_REFRESH,
    ] {
        match b24a_sync::lease::release(&state.store, portal_id, kind, holder).await {
            Ok(()) => {
                if kind == b24a_sync::lease::KIND_SYNC {
                    crate::metrics::get().leases_released_on_shutdown.inc();
                }
            }
            Err(e) => tracing::warn!(portal_id, kind, error = %e, "releasing a lease failed"),
        }
    }
    tracing::info!(portal_id, "sync cycle cut by shutdown; lease released");
}

/// The sync options of this server: the online event handlers are `PUBLIC_URL/events/{client_id}` (the route of
/// `events::intake`), which every cycle checks are bound.
pub fn sync_options(config: &crate::config::Config) -> b24a_sync::SyncOptions {
    b24a_sync::SyncOptions {
        event_handler_base: Some(format!(
            "{}/events",
            config.public_url.trim_end_matches('/')
        )),
        ..Default::default()
    }
}

/// Binds the portal's events right after an install, with the stored tokens (app events and change events to
/// `PUBLIC_URL/events/{client_id}`, change events to the offline queue). Every sync cycle checks the bindings
/// again and repairs what is missing, so a failure here is only logged.
pub async fn bind_events(state: &AppState, portal: b24a_store::PortalId, client_id: &str) {
    let Some(app) = state.app(client_id) else {
        return;
    };
    let oauth = b24a_client::OAuthApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
    };
    let res = b24a_sync::bindings::ensure_now(
        &state.store,
        portal.0,
        Some(&oauth),
        &format!("server-{}", std::process::id()),
        // The portal's install call waits for this: few retries, short timeouts; the cycle repairs the rest.
        b24a_client::ClientConfig {
            max_attempts: 2,
            timeout: Duration::from_secs(10),
            ..Default::default()
        },
        sync_options(&state.config).event_handler_base,
    )
    .await;
    match res {
        Ok(r) if r.failed.is_empty() => {}
        Ok(r) => {
            tracing::warn!(
                portal = portal.0,
                failed = r.failed.len(),
                "some event bindings failed at install; the next sync cycle retries"
            )
        }
        Err(e) => {
            tracing::warn!(portal = portal.0, error = %e, "binding events at install failed; the next sync cycle retries")
        }
    }
}

/// Spawns import cycles for the portal until one completes without error, then incremental cycles every minute.
pub fn start_first_import(state: &AppState, portal: b24a_store::PortalId, client_id: &str) {
    if !state.config.sync_in_process {
        return;
    }
    if SCHEDULER_RUNNING.load(Ordering::SeqCst) {
        // The new portal has no cycle yet, so it is due: the scheduler takes it on its next pass, which starts now.
        WAKE.notify_one();
        return;
    }
    let Some(app) = state.app(client_id) else {
        return;
    };
    let store = state.store.clone();
    let reports = state.reports.clone();
    let opts = sync_options(&state.config);
    let oauth = b24a_client::OAuthApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
    };
    tokio::spawn(async move {
        let holder = format!("server-{}", std::process::id());
        loop {
            let res = b24a_sync::sync_portal(
                &store,
                portal.0,
                Some(&oauth),
                &holder,
                b24a_client::ClientConfig::default(),
                opts.clone(),
            )
            .await;
            match res {
                Ok(_) => {
                    tracing::info!(portal = portal.0, "sync cycle done");
                    refresh_report_cache(&reports, portal.0).await;
                }
                Err(b24a_sync::SyncError::NeedsAttention(m)) => {
                    tracing::warn!(portal = portal.0, reason = %m, "sync stopped: portal needs attention");
                    return;
                }
                Err(e) => tracing::warn!(portal = portal.0, error = %e, "sync cycle failed"),
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
            match store.portal(portal).await {
                Ok(Some(p)) if p.status == b24a_store::PortalStatus::Active => {}
                _ => return,
            }
        }
    });
}
