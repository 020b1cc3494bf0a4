//! A first import of a generated portal over HTTP stores exactly the emulator's records (per entity: the same
//! count and the same key fields line by line), on SQLite and on PostgreSQL; a second run adds no duplicates.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::Size;
use b24a_sync::{portal, state, PortalSync, SyncOptions};

async fn import_and_compare(store: b24a_store::Store, seed: u64) {
    let (_emu, p) = common::emulator_with(
        &b24a_emulator::CompanyConfig::new(seed, Size::Tiny),
        common::no_limits(),
    )
    .await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(
        store.clone(),
        client.clone(),
        portal_id,
        SyncOptions::default(),
    );
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let data = p.snapshot();
    common::assert_same(&store, portal_id, &data).await;

    // Custom fields: every non-empty UF value of every deal is kept.
    let expected_uf: i64 = data
        .deals
        .iter()
        .map(|d| {
            d.uf.iter()
                .filter(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
                .count() as i64
        })
        .sum();
    assert_eq!(
        common::custom_field_count(&store, portal_id, "DEAL").await,
        expected_uf
    );

    // Progress: every bulk entity finished with done == its count.
    let states = state::load_all(&store, portal_id).await.unwrap();
    let deals = states.iter().find(|s| s.entity == "deals").unwrap();
    assert_eq!(deals.phase, "incremental");
    assert_eq!(deals.done_count, data.deals.len() as i64);
    assert_eq!(deals.estimated_total, Some(data.deals.len() as i64));

    // A second cycle (incremental) changes nothing and duplicates nothing.
    let again = sync.run_cycle().await.unwrap();
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    common::assert_same(&store, portal_id, &p.snapshot()).await;
}

b24a_store::store_test!(full_import_matches_emulator, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    import_and_compare(store, common::by_backend(backend, 11, 12)).await;
});
