//! HTTP requests of a first import, counted by the emulator: the deals export costs ceil(N / 2500) requests
//! (50 chained pages of 50 rows per batch) within 10 %, plus the dictionaries' single batch. The small case runs
//! with the other tests; the 100k-deal benchmark is ignored by default and prints the figure for docs/SYNC.md:
//! `cargo test --release -p b24a-sync --test request_count -- --ignored --nocapture`.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::generator::Volumes;
use b24a_emulator::{CompanyConfig, Limits, PortalSpec, Size};
use b24a_sync::{portal, CycleReport, Entity, PortalSync, SyncOptions};

async fn measure(deals: usize, limits: Limits) {
    let cfg = CompanyConfig {
        linked_deals: false,
        volumes: Some(Volumes {
            managers: 10,
            deals,
            leads: 200,
            activities: 500,
            tasks: 100,
            projects: 3,
        }),
        ..CompanyConfig::new(41, Size::Tiny)
    };
    let emulator = b24a_emulator::start(Default::default()).await.unwrap();
    let p = emulator
        .add_portal(PortalSpec::generated(&cfg).with_limits(limits))
        .await
        .unwrap();
    let n = p.snapshot().deals.len();
    let (store, _url, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(
        store.clone(),
        client.clone(),
        portal_id,
        SyncOptions::default(),
    );

    let started = std::time::Instant::now();
    let r0 = p.request_count();
    let probes = sync
        .refresh_dictionaries(&mut CycleReport::default())
        .await
        .unwrap();
    let dict_requests = p.request_count() - r0;
    let r1 = p.request_count();
    sync.sync_bulk(Entity::Deals, probes.get(&Entity::Deals).cloned())
        .await
        .unwrap();
    let deal_requests = p.request_count() - r1;
    let elapsed = started.elapsed();
    let ideal = n.div_ceil(2500) as u64;
    println!(
        "deals={n} deal_requests={deal_requests} ideal=ceil(N/2500)={ideal} dictionary_requests={dict_requests} \
         client_retries={} wall={:.1}s",
        client.retry_count(),
        elapsed.as_secs_f64()
    );
    assert!(
        deal_requests as f64 <= ideal as f64 * 1.1 + 0.999,
        "{deal_requests} requests for {n} deals (ideal {ideal})"
    );
    assert!(deal_requests >= ideal);
    assert_eq!(dict_requests, 1, "dictionaries and probes share one batch");
    let stored = b24a_sync::write::stored_ids(&store, Entity::Deals, portal_id)
        .await
        .unwrap();
    assert_eq!(stored.len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_twelve_thousand_deals() {
    measure(12_345, common::no_limits()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn bench_requests_for_100k_deals_with_portal_limits() {
    measure(100_000, Limits::default()).await;
}
