//! Leases on both backends: one holder at a time, renewal by the holder, takeover only after expiry, and a holder
//! that lost its lease finds out on its next renewal. Two portals under one scheduler pass are both synced.

use crate::common;

use std::collections::HashMap;

use b24a_client::ClientConfig;
use b24a_emulator::{CompanyConfig, Size};
use b24a_store::Store;
use b24a_sync::lease::{self, LeaseGuard};
use b24a_sync::scheduler::{sync_all_once, PortalOutcome};
use b24a_sync::{portal, SyncError, SyncOptions};

async fn exercise(store: Store) {
    let pid = portal::register_webhook(&store, "http://127.0.0.1:1/rest/1/abc/")
        .await
        .unwrap();
    assert!(lease::try_acquire(&store, pid, "sync", "a", 2)
        .await
        .unwrap());
    assert!(
        !lease::try_acquire(&store, pid, "sync", "b", 2)
            .await
            .unwrap(),
        "held by a"
    );
    assert!(
        lease::try_acquire(&store, pid, "sync", "a", 2)
            .await
            .unwrap(),
        "renewal by the holder"
    );
    // Other kinds are independent.
    assert!(lease::try_acquire(&store, pid, "token_refresh", "b", 2)
        .await
        .unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert!(
        lease::try_acquire(&store, pid, "sync", "b", 60)
            .await
            .unwrap(),
        "expired: b takes over"
    );
    assert!(!lease::try_acquire(&store, pid, "sync", "a", 2)
        .await
        .unwrap());
    lease::release(&store, pid, "sync", "a").await.unwrap(); // not a's any more: no effect
    assert!(!lease::try_acquire(&store, pid, "sync", "c", 2)
        .await
        .unwrap());
    lease::release(&store, pid, "sync", "b").await.unwrap();
    assert!(lease::try_acquire(&store, pid, "sync", "c", 1)
        .await
        .unwrap());

    // A guard notices it lost the lease.
    let g = LeaseGuard::acquire(&store, pid, "other", "x", 1)
        .await
        .unwrap();
    assert!(matches!(
        LeaseGuard::acquire(&store, pid, "other", "y", 1).await,
        Err(SyncError::Busy(_))
    ));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(lease::try_acquire(&store, pid, "other", "y", 60)
        .await
        .unwrap());
    assert!(matches!(g.keep_alive().await, Err(SyncError::Busy(_))));
}

b24a_store::store_test!(leases, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    exercise(store).await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_syncs_every_free_portal_and_skips_leased_ones() {
    let (store, _url, _db) = common::postgres_store("sched").await;
    let (_e1, p1) =
        common::emulator_with(&CompanyConfig::new(61, Size::Tiny), common::no_limits()).await;
    let (_e2, p2) =
        common::emulator_with(&CompanyConfig::new(62, Size::Tiny), common::no_limits()).await;
    let (_e3, p3) =
        common::emulator_with(&CompanyConfig::new(63, Size::Tiny), common::no_limits()).await;
    let id1 = portal::register_webhook(&store, &p1.create_webhook(1))
        .await
        .unwrap();
    let id2 = portal::register_webhook(&store, &p2.create_webhook(1))
        .await
        .unwrap();
    let id3 = portal::register_webhook(&store, &p3.create_webhook(1))
        .await
        .unwrap();
    // Another process is working on portal 3.
    assert!(lease::try_acquire(&store, id3, "sync", "other-process", 60)
        .await
        .unwrap());
    let out = sync_all_once(
        &store,
        &HashMap::new(),
        "me",
        &ClientConfig::default(),
        &SyncOptions::default(),
    )
    .await
    .unwrap();
    let by_id: HashMap<i64, &PortalOutcome> = out.iter().map(|(id, o)| (*id, o)).collect();
    assert!(matches!(by_id[&id1], PortalOutcome::Synced(_)));
    assert!(matches!(by_id[&id2], PortalOutcome::Synced(_)));
    assert!(matches!(by_id[&id3], PortalOutcome::Busy));
    common::assert_same(&store, id1, &p1.snapshot()).await;
    common::assert_same(&store, id2, &p2.snapshot()).await;
    assert_eq!(p3.request_count(), 0, "a leased portal is not touched");
}
