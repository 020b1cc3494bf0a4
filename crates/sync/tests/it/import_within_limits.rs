//! The first import against the emulator over HTTP, for issue #18's sync goals:
//! - no chained sub-call runs past the end of the data (chains sized from the probed ends; the client counts every
//!   list sub-call whose page was thrown away);
//! - call statistics cost their request bound (a counting batch, then the windows' pages 50 per request);
//! - under a server-time budget that the import must exceed (the emulator's per-method budget shrunk, so waiting
//!   for the window to reopen is unavoidable), the first import completes in one cycle, equal to the emulator, and
//!   the `sync` lease stays held by the sync throughout the waits (another holder never gets it);
//! - progress only moves forward per source and has a total for every source from the start.
//!   SQLite and PostgreSQL.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{ActivityKind, CompanyConfig, Limits, Size};
use b24a_store::{Backend, Store};
use b24a_sync::lease::{self, LeaseGuard};
use b24a_sync::{portal, PortalSync, Progress, SyncOptions};

use crate::common;

async fn store_for(backend: Backend) -> (Store, common::DbGuard) {
    let (store, _url, guard) = common::store_on(backend).await;
    (store, guard)
}

async fn no_subcall_past_the_end(backend: Backend) {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(77, Size::Tiny), common::no_limits()).await;
    let (store, _dir) = store_for(backend).await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client.clone(), pid, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    common::assert_same(&store, pid, &p.snapshot()).await;
    assert_eq!(
        client.wasted_subcall_count(),
        0,
        "sub-calls past the end of the data in a first import"
    );
    // A second (incremental) cycle of an unchanged portal: growing chains start at one page, nothing wasted.
    sync.run_cycle().await.unwrap();
    assert_eq!(
        client.wasted_subcall_count(),
        0,
        "after an incremental cycle"
    );
}

b24a_store::store_test!(no_subcall_runs_past_the_end, |backend: Backend| {
    no_subcall_past_the_end(backend).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_statistics_cost_their_request_bound() {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(78, Size::Small), common::no_limits()).await;
    let calls = p
        .snapshot()
        .activities
        .iter()
        .filter(|a| a.kind == ActivityKind::Call && a.completed)
        .count();
    assert!(
        calls > 2_500,
        "{calls} calls: more than one request's worth"
    );
    let (store, _dir) = store_for(Backend::Sqlite).await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client.clone(), pid, SyncOptions::default());
    let before = p.request_count();
    let n = sync.sync_calls().await.unwrap();
    let requests = p.request_count() - before;
    assert_eq!(n as usize, calls);
    // 26 windows: one counting batch (their first pages included), then at most one partly filled batch more
    // than the rows need (each window's last page is short).
    let bound = calls.div_ceil(2_500) as u64;
    assert!(
        requests <= bound + 2,
        "{requests} requests for {calls} calls (bound {bound})"
    );
    assert_eq!(client.wasted_subcall_count(), 0);
}

/// A budget the Tiny portal's import must exceed: the emulator charges 0.02 s + 0.0006 s per row per page, so its
/// 900 activities cost about 0.9 s; a limit of 0.3 s per 3 s window is spent by one activity request, so the import
/// has to wait for the window to reopen several times.
fn tight_budget() -> Limits {
    Limits {
        rate_enabled: true,
        drain_per_sec: 20.0,
        burst: 50.0,
        operating_enabled: true,
        operating_limit_secs: 0.3,
        operating_window_secs: 3.0,
        min_fix_secs: 0.01,
        ..Limits::default()
    }
}

async fn one_cycle_under_budget(backend: Backend) {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(79, Size::Tiny), tight_budget()).await;
    let (store, _dir) = store_for(backend).await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let config = ClientConfig {
        operating_limit_seconds: 0.3,
        ..ClientConfig::default()
    };
    let client = Client::webhook(&hook, config).unwrap();
    client.set_rate_limits(b24a_client::RateLimits {
        per_second: 20.0,
        burst: 50.0,
    });
    // A lease much shorter than the waits: only the heartbeat keeps it.
    let ttl = 2;
    let guard = LeaseGuard::acquire(&store, pid, lease::KIND_SYNC, "sync-a", ttl)
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let opts = SyncOptions {
        adopt_license_limits: false,
        lease_ttl_secs: ttl,
        progress: Some({
            let seen = seen.clone();
            Arc::new(move |p: &Progress| seen.lock().unwrap().push(p.clone()))
        }),
        ..SyncOptions::default()
    };
    let sync = PortalSync::new(store.clone(), client.clone(), pid, opts).with_lease(guard.clone());

    // Another process trying to take the portal's lease all along.
    let stop = Arc::new(AtomicBool::new(false));
    let stolen = Arc::new(AtomicU64::new(0));
    let intruder = {
        let (store, stop, stolen) = (store.clone(), stop.clone(), stolen.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if lease::try_acquire(&store, pid, lease::KIND_SYNC, "sync-b", ttl)
                    .await
                    .unwrap()
                {
                    stolen.fetch_add(1, Ordering::Relaxed);
                    lease::release(&store, pid, lease::KIND_SYNC, "sync-b")
                        .await
                        .unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
        })
    };
    let started = std::time::Instant::now();
    let report = sync.run_cycle().await.unwrap();
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    intruder.await.unwrap();
    assert!(
        report.failed.is_empty(),
        "first import failed under the budget: {:?}",
        report.failed
    );
    common::assert_same(&store, pid, &p.snapshot()).await;
    assert!(
        client.budget_wait_count() > 0,
        "the budget never bound: the test proves nothing"
    );
    assert!(
        took.as_secs_f64() > 3.0,
        "the import outlived a budget window ({took:?})"
    );
    assert_eq!(
        stolen.load(Ordering::Relaxed),
        0,
        "another holder took the lease while the sync waited"
    );
    guard.release().await.unwrap();

    // Per source, progress never goes backwards and a full pass always reports a total.
    let seen = seen.lock().unwrap();
    let mut last: std::collections::HashMap<_, (i64, i64)> = Default::default();
    for p in seen.iter() {
        let total = p.estimated.unwrap_or(p.done);
        let prev = last.entry(p.entity).or_insert((0, 0));
        assert!(p.done >= prev.0, "{:?} went back: {p:?}", p.entity);
        prev.0 = p.done;
        prev.1 = total;
    }
    let states = b24a_sync::state::load_all(&store, pid).await.unwrap();
    assert!(
        states.iter().all(|s| s.full_finished_at.is_some()),
        "{states:?}"
    );
}

b24a_store::store_test!(
    first_import_completes_in_one_cycle_under_the_budget,
    |backend: Backend| {
        one_cycle_under_budget(backend).await;
    }
);
