//! Smart-process items read in chained batches and as part of the first import, on both backends; and the live
//! office's revised estimates reaching R7's "how much the check grew" through an ordinary sync cycle.
//!
//! Requests are counted by the emulator (`request_count`: one per HTTP request, a batch is one).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common;
use crate::smart_items::assert_same;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, Faults, LiveOffice, PortalData, Size};
use b24a_store::{Backend, PortalId, Store};
use b24a_sync::linked::LINKED;
use b24a_sync::{portal, CycleReport, PortalSync, SyncOptions};

/// Every source's state finished: what the page reads as "the first import is finished".
async fn first_import_finished(store: &Store, portal_id: i64) -> bool {
    let s = store.sync_states(PortalId(portal_id)).await.unwrap();
    !s.is_empty() && s.iter().all(|x| x.full_finished_at.is_some())
}

async fn items_in_chains(backend: Backend) {
    let (store, _url, _db) = common::store_on(backend).await;
    let cfg = CompanyConfig::new(7, Size::Tiny);
    let (_emu, p) = common::emulator_with(&cfg, common::no_limits()).await;
    // 160 more items of one type: with the generated ones, more than three pages of 50.
    for k in 0..160 {
        p.create_item(1032, None, 100.0 + k as f64).unwrap();
    }
    let data = p.snapshot();
    let per_type: BTreeMap<i64, usize> = data.crm_items.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.entity_type_id).or_default() += 1;
        m
    });
    assert_eq!(per_type.len(), 2);
    let pages: usize = per_type.values().map(|n| n.div_ceil(50)).sum();
    assert!(per_type[&1032].div_ceil(50) >= 4, "{per_type:?}");
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    sync.refresh_dictionaries(&mut CycleReport::default())
        .await
        .unwrap();
    let r0 = p.request_count();
    let written = sync.sync_linked().await.unwrap();
    let requests = p.request_count() - r0;
    // crm.type.list, one batch of probes, then one chained batch per type: 4 requests for 5 pages or more (the
    // old plain calls took one per page plus the type list, a second apart).
    assert_eq!(requests, 2 + per_type.len() as u64, "requests");
    assert!(
        requests < pages as u64,
        "{requests} requests for {pages} pages"
    );
    assert_eq!(written, data.crm_items.len());
    assert_same(&store, portal_id, &data).await;

    // Incremental: a moved item and a deleted one, read in chains too.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let last = data
        .crm_items
        .iter()
        .filter(|i| i.entity_type_id == 1032)
        .last()
        .unwrap()
        .id;
    p.move_item_stage(1032, last, "DT1032_1:SUCCESS").unwrap();
    p.delete_item(1032, 3).unwrap();
    let r1 = p.request_count();
    sync.sync_linked().await.unwrap();
    // Types and probes, then per type an incremental read and an id-only read of one batch each; the incremental
    // read of 1032 re-reads the items created in the watermark's second (up to all 160, when they were made within
    // one second), and more than a page of them grows its chain once (1, then 4 pages): one request more.
    let n = p.request_count() - r1;
    let base = 2 + 2 * per_type.len() as u64;
    assert!(n == base || n == base + 1, "{n} requests");
    assert_same(&store, portal_id, &p.snapshot()).await;
}

b24a_store::store_test!(smart_items_read_in_chained_batches, |backend: Backend| {
    items_in_chains(backend).await;
});

async fn first_import_waits_for_items(backend: Backend) {
    let (store, _url, _db) = common::store_on(backend).await;
    let cfg = CompanyConfig::new(7, Size::Tiny).with_linked_deals();
    let (_emu, p) = common::emulator_with(&cfg, common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    // The items cannot be read this cycle: everything else is imported, the import is not finished.
    p.set_faults(Faults {
        failing_methods: vec!["crm.item.list".into()],
        ..Faults::default()
    });
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.contains_key(LINKED), "{:?}", report.failed);
    let states = store.sync_states(PortalId(portal_id)).await.unwrap();
    let linked = states
        .iter()
        .find(|s| s.entity == LINKED)
        .expect("held open");
    assert!(linked.full_finished_at.is_none() && linked.last_error.is_some());
    assert!(
        states
            .iter()
            .filter(|s| s.entity != LINKED)
            .all(|s| s.full_finished_at.is_some()),
        "the other sources are done"
    );
    assert!(!first_import_finished(&store, portal_id).await);
    assert!(store
        .crm_items(PortalId(portal_id))
        .await
        .unwrap()
        .is_empty());

    p.set_faults(Faults::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(first_import_finished(&store, portal_id).await);
    let data = p.snapshot();
    assert_same(&store, portal_id, &data).await;
    // The progress bar's share: the items stored, out of as many.
    let st = store
        .sync_state_or_new(PortalId(portal_id), LINKED)
        .await
        .unwrap();
    let n = data.crm_items.len() as i64;
    assert_eq!((st.done_count, st.estimated_total), (n, Some(n)));
    assert!(st.last_error.is_none());
}

b24a_store::store_test!(first_import_includes_smart_items, |backend: Backend| {
    first_import_waits_for_items(backend).await;
});

/// R7's growth tile over every sale created from `from_days` ago to today (pipeline 0), and the period's bounds.
async fn r7_growth(store: &Store, portal_id: i64) -> (Option<f64>, i64, i64) {
    let now = chrono::Utc::now().timestamp();
    let ctx = b24a_reports::PortalContext::load(store, portal_id, 24, now)
        .await
        .unwrap();
    let today = ctx.today();
    let from = today - chrono::Days::new(700);
    let f = b24a_reports::Filter::from_json(&format!(
        r#"{{"period": {{"preset": "custom", "from": "{from}", "to": "{today}"}}, "pipelines": [0]}}"#
    ))
    .unwrap();
    let range = f.resolve(&ctx).unwrap().period;
    let src = b24a_reports::ReportSource::new(
        store.clone(),
        b24a_reports::ReportCache::new(b24a_reports::CacheConfig {
            megabytes: 0,
            ..Default::default()
        }),
    );
    let a = b24a_reports::run_report(&src, &ctx, b24a_reports::ReportId::Linked, &f)
        .await
        .unwrap();
    let growth = a.tile("sale_growth").and_then(|t| t.value);
    (growth, range.from_ts, range.to_ts)
}

/// A deal amount in the base currency, by the emulator's own rates.
fn base(data: &PortalData, currency: &str, amount: f64) -> f64 {
    let c = data.currencies.iter().find(|c| c.code == currency).unwrap();
    amount * c.amount / c.amount_cnt as f64
}

async fn live_office_growth(backend: Backend) {
    let (store, _url, _db) = common::store_on(backend).await;
    let cfg = CompanyConfig::new(7, Size::Tiny).with_linked_deals();
    let (_emu, p) = common::emulator_with(&cfg, common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let (before, from_ts, to_ts) = r7_growth(&store, portal_id).await;
    // Nothing changed an amount yet: every sale is as the app first stored it.
    assert_eq!(before.unwrap_or(0.0), 0.0);
    let generated = p.snapshot();

    let office = p.start_live_office(LiveOffice::new(Duration::from_millis(20), 3));
    while office.ticks() < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    office.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reports: Vec<_> = office
        .reports()
        .into_iter()
        .map(|r| r.expect("a tick"))
        .collect();
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    // By hand: each revised sale of the period grew from its generated amount to its last revised one.
    let mut last: BTreeMap<i64, f64> = BTreeMap::new();
    for r in &reports {
        for (id, _, after) in &r.revised {
            last.insert(*id, *after);
        }
    }
    assert!(!last.is_empty());
    let mut want = 0.0;
    let mut counted = 0;
    for (id, after) in &last {
        let d = generated.deals.iter().find(|d| d.id == *id).unwrap();
        if d.date_create >= from_ts && d.date_create < to_ts {
            want += base(&generated, &d.currency_id, after - d.opportunity);
            counted += 1;
        }
    }
    assert!(counted > 0, "revised sales of the period");
    let (after, _, _) = r7_growth(&store, portal_id).await;
    let got = after.expect("a growth");
    assert!(got != 0.0);
    assert!(
        (got - want).abs() < 0.02 * counted as f64,
        "growth {got}, by hand {want}"
    );
}

b24a_store::store_test!(live_office_makes_sales_grow_in_r7, |backend: Backend| {
    live_office_growth(backend).await;
});
