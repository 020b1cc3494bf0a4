//! Reconciliation of a large id set by range counts, over HTTP: an unchanged portal costs one request (50 counted
//! ranges in one batch) instead of walking every id; deletions in the portal and a record the store never got are
//! found by walking only the ranges whose counts differ, and the store ends equal to the emulator.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::generator::Volumes;
use b24a_emulator::{CompanyConfig, PortalSpec, Size};
use b24a_store::with_pool;
use b24a_sync::{portal, Entity, PortalSync, SyncOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_counts_find_deletions_and_gaps_with_few_requests() {
    let cfg = CompanyConfig {
        linked_deals: false,
        volumes: Some(Volumes {
            managers: 10,
            deals: 15_000,
            leads: 300,
            activities: 500,
            tasks: 100,
            projects: 3,
        }),
        ..CompanyConfig::new(81, Size::Tiny)
    };
    let emulator = b24a_emulator::start(Default::default()).await.unwrap();
    let p = emulator
        .add_portal(PortalSpec::generated(&cfg).with_limits(common::no_limits()))
        .await
        .unwrap();
    let (store, _url, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, pid, SyncOptions::default());
    assert!(sync.run_cycle().await.unwrap().failed.is_empty());
    let n = p.snapshot().deals.len();
    assert!(n > b24a_sync::reconcile::WALK_BELOW);
    let full_walk = n.div_ceil(2500) as u64;

    // Nothing changed: one request.
    let before = p.request_count();
    assert_eq!(sync.reconcile(Entity::Deals).await.unwrap(), (0, 0));
    assert_eq!(
        p.request_count() - before,
        1,
        "one batch of 50 range counts"
    );

    // Two deals deleted in the portal (far apart), one deal missing from the store.
    let ids: Vec<i64> = p.snapshot().deals.iter().map(|d| d.id).collect();
    let (a, b, lost) = (ids[100], ids[n - 50], ids[n / 2]);
    p.delete_deal(a).await.unwrap();
    p.delete_deal(b).await.unwrap();
    with_pool!(store.pool(), pool => {
        sqlx::query("DELETE FROM deals WHERE portal_id = $1 AND id = $2").bind(pid).bind(lost)
            .execute(pool).await.unwrap();
    });
    let before = p.request_count();
    assert_eq!(sync.reconcile(Entity::Deals).await.unwrap(), (2, 1));
    let used = p.request_count() - before;
    // 1 count batch + one walk per mismatching range (3) + 1 re-read of the missing deal.
    assert!(
        used <= 5 && used < full_walk,
        "{used} requests (a full walk is {full_walk})"
    );
    common::assert_same(&store, pid, &p.snapshot()).await;

    // Stage history (another list method and wrapper) reconciles the same way.
    let before = p.request_count();
    assert_eq!(
        sync.reconcile(Entity::DealStageHistory).await.unwrap(),
        (0, 0)
    );
    assert_eq!(p.request_count() - before, 1);
}
