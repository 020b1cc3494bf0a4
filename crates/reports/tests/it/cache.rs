//! The in-memory cache of the reports never answers from stale data and never mixes portals, on SQLite and
//! PostgreSQL: answer, write through the store (upsert, update, delete) or plain SQL, answer again — the write is
//! counted. Expected numbers are counted by hand in the comments.
use crate::common;

use b24a_reports::{run_report, Group, ReportId};
use b24a_store::PortalId;
use common::*;

/// Period 2026-03-01..10 (Moscow), now 2026-03-15 12:00 MSK.
const F: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "compare": "none"}"#;

/// Waits until the parts the last answers started building are in the cache.
async fn settle(cache: &b24a_reports::ReportCache) {
    common::settle_cache(cache).await;
}

/// Answers R1 twice: once as it comes (from the database when the cache has no current copy), then, after the
/// cache is built, from the cache (checked by the hit counter); both answers must agree.
async fn r1_twice(
    store: &b24a_reports::ReportSource,
    ctx: &b24a_reports::PortalContext,
    f: &b24a_reports::Filter,
) -> b24a_reports::Answer {
    twice(store, ctx, ReportId::SalesDynamics, f).await
}

async fn twice(
    store: &b24a_reports::ReportSource,
    ctx: &b24a_reports::PortalContext,
    report: ReportId,
    f: &b24a_reports::Filter,
) -> b24a_reports::Answer {
    let first = run_report(store, ctx, report, f).await.unwrap();
    settle(store.cache()).await;
    let hits = store.cache().hits();
    let second = run_report(store, ctx, report, f).await.unwrap();
    if store.cache().enabled() {
        assert!(
            store.cache().hits() > hits,
            "the second answer used the cache"
        );
    }
    assert_eq!(first.tiles, second.tiles);
    assert_eq!(first.tables, second.tables);
    second
}

fn count(a: &b24a_reports::Answer, metric: &str) -> f64 {
    a.tile(metric)
        .and_then(|t| t.value)
        .unwrap_or_else(|| panic!("no tile {metric}"))
}

/// After a sync writes, the server calls `refresh_held`: the parts the portal holds are rebuilt at the new version
/// before anyone asks, and a portal nobody opened gets nothing built.
#[tokio::test]
async fn held_parts_are_rebuilt_after_new_data() {
    for db in both().await {
        let store = &db.store;
        if !store.cache().enabled() {
            return;
        }
        seed_portal(store).await;
        let ctx = ctx(store, msk(2026, 3, 15, 12, 0), 24).await;
        store.cache().clear();
        // Nobody opened a report: nothing is held, nothing is built.
        assert_eq!(store.cache().refresh_held(store, &ctx).await.unwrap(), 0);
        settle(store.cache()).await;
        assert_eq!(store.cache().stats().0, 0, "{}", db.label);

        deal(
            store,
            D {
                id: 1,
                cents: 10_000,
                created: msk(2026, 3, 2, 10, 0),
                ..D::default()
            },
        )
        .await;
        let f = filter(F);
        r1_twice(store, &ctx, &f).await;
        let held = store.cache().stats().0;
        assert!(held > 0, "{}", db.label);
        // Up to date: nothing to rebuild.
        assert_eq!(store.cache().refresh_held(store, &ctx).await.unwrap(), 0);
        // A sync writes a deal: the deals part is behind and gets rebuilt.
        deal(
            store,
            D {
                id: 2,
                cents: 25_000,
                created: msk(2026, 3, 5, 10, 0),
                ..D::default()
            },
        )
        .await;
        let behind = store.cache().refresh_held(store, &ctx).await.unwrap();
        assert!(behind >= 1, "{}: the deals part is behind", db.label);
        settle(store.cache()).await;
        assert_eq!(
            store.cache().refresh_held(store, &ctx).await.unwrap(),
            0,
            "{}: every held part is current again",
            db.label
        );
        assert_eq!(store.cache().stats().0, held, "{}", db.label);
        // The next answer comes from the rebuilt parts and counts the new deal.
        let hits = store.cache().hits();
        let a = run_report(store, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert!(store.cache().hits() > hits, "{}", db.label);
        assert_eq!(count(&a, "deal_created"), 2.0, "{}", db.label);
    }
}

#[tokio::test]
async fn a_write_through_the_store_is_counted_by_the_next_answer() {
    for db in both().await {
        let store = &db.store;
        seed_portal(store).await;
        // Deal 1: created 03-02, in work, 100.00 RUB, manager 10.
        deal(
            store,
            D {
                id: 1,
                cents: 10_000,
                created: msk(2026, 3, 2, 10, 0),
                ..D::default()
            },
        )
        .await;
        let ctx = ctx(store, msk(2026, 3, 15, 12, 0), 24).await;
        let f = filter(F);
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(count(&a, "deal_created"), 1.0, "{}", db.label);
        // The same answer again comes from the cache and is the same.
        let again = r1_twice(store, &ctx, &f).await;
        assert_eq!(count(&again, "deal_created"), 1.0, "{}", db.label);

        // Upsert deal 2 through the store (as the sync does): created 03-05, 250.00 RUB.
        let mut d2 = store.deal(PortalId(PORTAL), 1).await.unwrap().unwrap();
        d2.id = 2;
        d2.opportunity_cents = 25_000;
        d2.date_create = msk(2026, 3, 5, 10, 0);
        d2.date_modify = d2.date_create;
        store
            .upsert_deals(PortalId(PORTAL), &[d2.clone()])
            .await
            .unwrap();
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(
            count(&a, "deal_created"),
            2.0,
            "{}: the new deal is counted",
            db.label
        );
        assert_eq!(
            a.tile("deal_created").unwrap().amount,
            Some(350.0),
            "{}: 100 + 250",
            db.label
        );
        assert_eq!(count(&a, "deal_won"), 0.0, "{}", db.label);

        // The sync updates deal 2: won, closed 03-06. Now 1 won (250.00) and 1 in work.
        let mut won = d2.clone();
        won.stage_id = "WON".into();
        won.stage_semantic_id = "S".into();
        won.closed = true;
        won.closedate = Some("2026-03-06".into());
        store.upsert_deals(PortalId(PORTAL), &[won]).await.unwrap();
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(count(&a, "deal_won"), 1.0, "{}", db.label);
        assert_eq!(count(&a, "deal_in_work"), 1.0, "{}", db.label);
        // R2 (another report over the same cached deals) sees it too: manager 10 won 1.
        let r2 = run_report(store, &ctx, ReportId::Managers, &f)
            .await
            .unwrap();
        let row = r2
            .table("employees")
            .unwrap()
            .rows
            .iter()
            .find(|r| r.group == Group::User(10))
            .unwrap();
        let won_col = r2
            .table("employees")
            .unwrap()
            .columns
            .iter()
            .position(|c| c.metric == "deal_won")
            .unwrap();
        assert_eq!(row.cells[won_col].value, Some(1.0), "{}", db.label);

        // Deleted on the portal: back to deal 1 alone.
        store.delete_deals(PortalId(PORTAL), &[2]).await.unwrap();
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(count(&a, "deal_created"), 1.0, "{}", db.label);
        assert_eq!(count(&a, "deal_won"), 0.0, "{}", db.label);

        // A lead and a stage-history row written with plain SQL are seen as well.
        lead(
            store,
            L {
                id: 7,
                created: msk(2026, 3, 3, 10, 0),
                ..L::default()
            },
        )
        .await;
        hist(store, 501, 1, 2, msk(2026, 3, 3, 10, 0), 0, "WORK", "P").await;
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(count(&a, "lead_created"), 1.0, "{}", db.label);
        let stages = a.table("stages_0").unwrap();
        let work = stages
            .rows
            .iter()
            .find(|r| r.group == Group::Stage("WORK".into()))
            .unwrap();
        let reached = stages
            .columns
            .iter()
            .position(|c| c.metric == "stage_reached")
            .unwrap();
        assert_eq!(
            work.cells[reached].value,
            Some(1.0),
            "{}: deal 1 reached WORK by the new history row",
            db.label
        );

        // Activities: none completed in the period yet; a completed to-do of user 10 on 03-03 is counted, and no
        // longer once it is reopened.
        let r2 = twice(store, &ctx, ReportId::Managers, &f).await;
        assert_eq!(count(&r2, "act_completed"), 0.0, "{}", db.label);
        activity(
            store,
            A {
                id: 900,
                owner: 1,
                created: msk(2026, 3, 3, 9, 0),
                start: Some(msk(2026, 3, 3, 10, 0)),
                ..A::default()
            },
        )
        .await;
        let r2 = twice(store, &ctx, ReportId::Managers, &f).await;
        assert_eq!(count(&r2, "act_completed"), 1.0, "{}", db.label);
        exec(
            store,
            "UPDATE activities SET completed = FALSE WHERE portal_id = 1 AND id = 900",
        )
        .await;
        let r2 = twice(store, &ctx, ReportId::Managers, &f).await;
        assert_eq!(count(&r2, "act_completed"), 0.0, "{}", db.label);

        // A new rate changes amounts in base currency (the context is part of the key): deal 3, 10.00 USD at 90,
        // then at 100.
        deal(
            store,
            D {
                id: 3,
                cents: 1_000,
                currency: "USD",
                created: msk(2026, 3, 4, 10, 0),
                ..D::default()
            },
        )
        .await;
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(a.tile("deal_created").unwrap().amount, Some(100.0 + 900.0));
        exec(
            store,
            "UPDATE currencies SET amount = 100 WHERE portal_id = 1 AND currency = 'USD'",
        )
        .await;
        let ctx = common::ctx(store, msk(2026, 3, 15, 12, 0), 24).await;
        let a = r1_twice(store, &ctx, &f).await;
        assert_eq!(
            a.tile("deal_created").unwrap().amount,
            Some(100.0 + 1000.0),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn portals_never_share_cached_records() {
    for db in both().await {
        let store = &db.store;
        seed_portal(store).await;
        // Portal 2 names its base currency (without one, its RUB deals would have no rate and no sum).
        exec(
            store,
            "UPDATE portals SET base_currency = 'RUB' WHERE id = 2",
        )
        .await;
        // Portal 1: one deal created 03-02. Portal 2 (UTC clock): two deals created 03-02 and 03-03.
        deal(
            store,
            D {
                id: 1,
                cents: 10_000,
                created: msk(2026, 3, 2, 10, 0),
                ..D::default()
            },
        )
        .await;
        for id in [1, 2] {
            deal(
                store,
                D {
                    id,
                    portal: 2,
                    cents: 70_000,
                    manager: None,
                    created: msk(2026, 3, 1 + id as u32, 10, 0),
                    ..D::default()
                },
            )
            .await;
        }
        let now = msk(2026, 3, 15, 12, 0);
        let f = filter(F);
        let c1 = ctx(store, now, 24).await;
        let c2 = b24a_reports::PortalContext::load(store, 2, 24, now)
            .await
            .unwrap();
        for _ in 0..2 {
            let a1 = r1_twice(store, &c1, &f).await;
            let a2 = r1_twice(store, &c2, &f).await;
            assert_eq!(count(&a1, "deal_created"), 1.0, "{}", db.label);
            assert_eq!(a1.tile("deal_created").unwrap().amount, Some(100.0));
            assert_eq!(count(&a2, "deal_created"), 2.0, "{}", db.label);
            assert_eq!(a2.tile("deal_created").unwrap().amount, Some(1400.0));
        }
        // A write on portal 2 leaves portal 1's answer as it was, and is counted on portal 2.
        store.delete_deals(PortalId(2), &[1]).await.unwrap();
        let a1 = r1_twice(store, &c1, &f).await;
        let a2 = r1_twice(store, &c2, &f).await;
        assert_eq!(count(&a1, "deal_created"), 1.0, "{}", db.label);
        assert_eq!(count(&a2, "deal_created"), 1.0, "{}", db.label);
    }
}

/// The cache is a value: two sources over the same database each hold their own parts and count their own hits, and
/// a cache of 0 MB holds nothing and answers the same numbers from SQL.
#[tokio::test]
async fn each_cache_value_is_its_own() {
    use b24a_reports::{CacheConfig, ReportCache, ReportSource};
    let db = sqlite().await;
    let store = &db.store;
    seed_portal(store).await;
    deal(
        store,
        D {
            id: 1,
            cents: 10_000,
            created: msk(2026, 3, 2, 10, 0),
            ..D::default()
        },
    )
    .await;
    let ctx = ctx(store, msk(2026, 3, 15, 12, 0), 24).await;
    let f = filter(F);
    let inline = ReportSource::new(
        store.store().clone(),
        ReportCache::new(CacheConfig {
            megabytes: 64,
            inline_builds: true,
            persist: true,
        }),
    );
    let off = ReportSource::new(store.store().clone(), ReportCache::off());
    // Inline builds: the first answer builds the parts and answers from them.
    let a = run_report(&inline, &ctx, ReportId::SalesDynamics, &f)
        .await
        .unwrap();
    assert!(inline.cache().stats().0 > 0);
    let hits = inline.cache().hits();
    let b = run_report(&inline, &ctx, ReportId::SalesDynamics, &f)
        .await
        .unwrap();
    assert!(inline.cache().hits() > hits);
    // The other values saw none of it.
    assert_eq!(store.cache().stats(), (0, 0));
    assert_eq!(store.cache().hits(), 0);
    let c = run_report(&off, &ctx, ReportId::SalesDynamics, &f)
        .await
        .unwrap();
    assert!(!off.cache().enabled());
    assert_eq!(off.cache().stats(), (0, 0));
    assert_eq!(off.cache().hits(), 0);
    // 1 deal created in the period, from the cache and from SQL alike.
    for x in [&a, &b, &c] {
        assert_eq!(count(x, "deal_created"), 1.0);
        assert_eq!(x.tiles, a.tiles);
        assert_eq!(x.tables, a.tables);
    }
}
