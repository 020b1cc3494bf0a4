//! Dictionary refresh makes the stored set exactly the portal's: a stage, a source, a currency and a pipeline
//! deleted in the portal (admin API of the emulator over HTTP) disappear from the store on the next cycle, while
//! the deals, stage history and leads that carry those codes keep them. Added rows appear. Both backends.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, NewStatus, Size};
use b24a_store::{with_pool, Store};
use b24a_sync::{portal, PortalSync, SyncOptions};

async fn count(store: &Store, sql: &str, portal_id: i64) -> i64 {
    with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>(sql).bind(portal_id).fetch_one(p).await.unwrap()
    })
}

async fn run(store: Store, seed: u64) {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), common::no_limits()).await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, pid, SyncOptions::default());
    assert!(sync.run_cycle().await.unwrap().failed.is_empty());

    // Added in the portal: a stage of the default pipeline and a whole pipeline with three stages.
    p.add_status(NewStatus {
        entity_id: "DEAL_STAGE".into(),
        status_id: "TMP".into(),
        name: "Временная".into(),
        sort: 15,
        semantics: None,
    })
    .unwrap();
    let cat = p.create_category("Тендеры").unwrap();
    assert!(sync.run_cycle().await.unwrap().failed.is_empty());
    common::assert_same(&store, pid, &p.snapshot()).await;
    let tmp_sql = "SELECT COUNT(*) FROM crm_statuses WHERE portal_id = $1 AND status_id = 'TMP'";
    assert_eq!(count(&store, tmp_sql, pid).await, 1);
    let cat_stages = format!(
        "SELECT COUNT(*) FROM crm_statuses WHERE portal_id = $1 AND entity_id = 'DEAL_STAGE_{cat}'"
    );
    assert_eq!(count(&store, &cat_stages, pid).await, 3);

    // A deal passes through the new stage (its history keeps the code), then the stage is deleted; so are the
    // new pipeline, a source deals use, and the USD currency (through the admin HTTP API).
    let data = p.snapshot();
    let deal = data
        .deals
        .iter()
        .find(|d| !d.closed && d.category_id == 0)
        .unwrap();
    p.move_deal_stage(deal.id, "TMP").await.unwrap();
    p.move_deal_stage(deal.id, &deal.stage_id).await.unwrap();
    common::emulator_admin(
        &p,
        reqwest::Method::POST,
        "statuses/delete",
        serde_json::json!({"entity_id": "DEAL_STAGE", "status_id": "TMP"}),
    )
    .await;
    common::emulator_admin(
        &p,
        reqwest::Method::DELETE,
        &format!("categories/{cat}"),
        serde_json::json!({}),
    )
    .await;
    let source = data.deals.iter().find_map(|d| d.source_id.clone()).unwrap();
    common::emulator_admin(
        &p,
        reqwest::Method::POST,
        "statuses/delete",
        serde_json::json!({"entity_id": "SOURCE", "status_id": source}),
    )
    .await;
    common::emulator_admin(
        &p,
        reqwest::Method::DELETE,
        "currencies/USD",
        serde_json::json!({}),
    )
    .await;
    // The portal refuses to delete the base currency or a stage deals sit in; the store is untouched by those.
    assert!(p.delete_currency("RUB").is_err());
    assert!(p.delete_status("DEAL_STAGE", &deal.stage_id).is_err());

    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let after = p.snapshot();
    common::assert_same(&store, pid, &after).await;
    assert_eq!(count(&store, tmp_sql, pid).await, 0);
    assert_eq!(count(&store, &cat_stages, pid).await, 0);
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM pipelines WHERE portal_id = $1 AND id = {cat}"),
            pid
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM currencies WHERE portal_id = $1",
            pid
        )
        .await,
        1
    );
    // The records keep the codes: history through the deleted stage, deals in USD and from the deleted source.
    let history_tmp = count(
        &store,
        "SELECT COUNT(*) FROM stage_history WHERE portal_id = $1 AND stage_id = 'TMP'",
        pid,
    )
    .await;
    assert_eq!(history_tmp, 1);
    let usd = after
        .deals
        .iter()
        .filter(|d| d.currency_id == "USD")
        .count() as i64;
    assert!(usd > 0);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM deals WHERE portal_id = $1 AND currency_id = 'USD'",
            pid
        )
        .await,
        usd
    );
    let from_source = after
        .deals
        .iter()
        .filter(|d| d.source_id.as_deref() == Some(source.as_str()))
        .count() as i64;
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM deals WHERE portal_id = $1 AND source_id = '{source}'"),
            pid
        )
        .await,
        from_source
    );
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM crm_statuses WHERE portal_id = $1 AND entity_id = 'SOURCE' AND status_id = '{source}'"),
            pid
        )
        .await,
        0
    );
}

b24a_store::store_test!(deleted_dictionary_rows_disappear, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    run(store, common::by_backend(backend, 71, 72)).await;
});

/// The first batch's currencies sub-call refused by the method's time budget (twice: the batch and the first
/// retry): the cycle asks again and the first import still has every currency, so no amount is ever converted at
/// a rate the portal did not give.
async fn refused_currencies_are_read_again_within_the_cycle(store: Store, seed: u64) {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), common::no_limits()).await;
    p.block_method("crm.currency.list", 2);
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, pid, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let expected = p.with_data(|d| d.currencies.len() as i64).unwrap();
    assert!(expected >= 2, "the generated portal has foreign currencies");
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM currencies WHERE portal_id = $1",
            pid
        )
        .await,
        expected
    );
    common::assert_same(&store, pid, &p.snapshot()).await;
}

b24a_store::store_test!(refused_currencies_are_read_again, |backend: Backend| {
    let (store, _url, _db) = common::store_on(backend).await;
    refused_currencies_are_read_again_within_the_cycle(store, common::by_backend(backend, 73, 74))
        .await;
});
