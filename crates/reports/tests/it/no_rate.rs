//! Money is never computed with a missing rate, on SQLite and PostgreSQL, cold and warm (cache): a deal in a currency
//! the portal has no rate for counts in every count, stays out of every sum and average, and the answer names the
//! currency (note `no_rate`); a portal without a base currency is told so, never assumed to be in roubles.
//! Expected numbers are worked out by hand in the comments.
use crate::common;

use b24a_reports::{drill_down, run_report, Answer, Group, ListQuery, PortalContext, ReportId};
use b24a_store::Store;
use common::*;

/// Period 2026-03-01..10 (Moscow), now 2026-03-15 12:00 MSK.
const F: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "compare": "none"}"#;

/// Three deals won by user 10, created 03-02 and closed 03-05: 1000.00 RUB; 100.00 USD (rate 90: 9000.00 RUB);
/// 500.00 KZT — the portal has no KZT rate.
async fn seed(store: &Store) {
    seed_portal(store).await;
    for (id, cents, currency) in [(1, 100_000, "RUB"), (2, 10_000, "USD"), (3, 50_000, "KZT")] {
        deal(
            store,
            D {
                id,
                stage: "WON",
                sem: "S",
                cents,
                currency,
                created: msk(2026, 3, 2, 10, 0),
                closedate: Some("2026-03-05"),
                ..D::default()
            },
        )
        .await;
    }
}

async fn settle(cache: &b24a_reports::ReportCache) {
    common::settle_cache(cache).await;
}

/// Answers twice: cold, then (after the cache is built) warm; both must be the same answer.
async fn twice(
    store: &b24a_reports::ReportSource,
    ctx: &PortalContext,
    report: ReportId,
) -> Answer {
    let f = filter(F);
    let first = run_report(store, ctx, report, &f).await.unwrap();
    settle(store.cache()).await;
    let hits = store.cache().hits();
    let second = run_report(store, ctx, report, &f).await.unwrap();
    if store.cache().enabled() {
        assert!(
            store.cache().hits() > hits,
            "the second answer used the cache"
        );
    }
    assert_eq!(first.tiles, second.tiles);
    assert_eq!(first.tables, second.tables);
    assert_eq!(first.meta.notes, second.meta.notes);
    second
}

fn note<'a>(a: &'a Answer, key: &str) -> Option<&'a str> {
    a.meta
        .notes
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn a_missing_rate_counts_but_never_sums() {
    for db in both().await {
        let s = &db.store;
        let l = db.label;
        seed(s).await;
        s.cache().clear();
        let ctx = ctx(s, msk(2026, 3, 15, 12, 0), 24).await;
        assert_eq!(ctx.base_currency, "RUB");

        // R1: 3 won, sum 1000 + 9000 = 10000.00 (the KZT deal adds nothing), average check 10000 / 2 = 5000.
        let a = twice(s, &ctx, ReportId::SalesDynamics).await;
        let won = a.tile("deal_won").unwrap();
        assert_eq!(won.value, Some(3.0), "{l}");
        assert!(approx(won.amount, 10_000.0), "{l}: {:?}", won.amount);
        let created = a.tile("deal_created").unwrap();
        assert_eq!(created.value, Some(3.0), "{l}");
        assert!(approx(created.amount, 10_000.0), "{l}");
        assert!(approx(a.tile("avg_check").unwrap().value, 5_000.0), "{l}");
        assert_eq!(note(&a, "no_rate"), Some("KZT"), "{l}");
        assert_eq!(note(&a, "base_currency_unknown"), None, "{l}");

        // The list behind "won" has the three deals; the KZT one shows no amount.
        let list = drill_down(
            s,
            &ctx,
            ReportId::SalesDynamics,
            &filter(F),
            won.drill.as_ref().unwrap(),
            &ListQuery::default(),
        )
        .await
        .unwrap();
        assert_eq!(list.counted, 3, "{l}");
        let kzt = list.rows.iter().find(|r| r.id == 3).unwrap();
        assert_eq!(
            kzt.columns.get("amount"),
            Some(&serde_json::Value::Null),
            "{l}"
        );

        // R2: user 10's row — 3 won, 10000.00, average check 5000.00; the note is there too.
        let a = twice(s, &ctx, ReportId::Managers).await;
        let t = &a.tables[0];
        let g = Group::User(10);
        assert_eq!(t.cell(&g, "deal_won").unwrap().value, Some(3.0), "{l}");
        assert!(
            approx(t.cell(&g, "avg_check").unwrap().value, 5_000.0),
            "{l}"
        );
        assert_eq!(note(&a, "no_rate"), Some("KZT"), "{l}");

        // R4: the "no source" row — 3 won, average check 5000.00, revenue share 100 %.
        let a = twice(s, &ctx, ReportId::Marketing).await;
        let t = a.table("by_source").unwrap();
        assert_eq!(
            t.cell(&Group::Total, "deal_won").unwrap().value,
            Some(3.0),
            "{l}"
        );
        assert!(
            approx(t.cell(&Group::Total, "avg_check").unwrap().value, 5_000.0),
            "{l}"
        );
        assert_eq!(note(&a, "no_rate"), Some("KZT"), "{l}");

        // R5 sums no money: no note.
        let a = run_report(s, &ctx, ReportId::Tasks, &filter(F))
            .await
            .unwrap();
        assert_eq!(note(&a, "no_rate"), None, "{l}");
    }
}

/// A portal that named no base currency: the answer says so and names no currency (it was "RUB" by assumption).
#[tokio::test]
async fn an_unknown_base_currency_is_said_not_assumed() {
    for db in both().await {
        let s = &db.store;
        let l = db.label;
        seed(s).await;
        exec(
            s,
            "UPDATE portals SET base_currency = NULL WHERE id = 1; UPDATE currencies SET is_base = FALSE WHERE portal_id = 1",
        )
        .await;
        let ctx = ctx(s, msk(2026, 3, 15, 12, 0), 24).await;
        assert_eq!(ctx.base_currency, "", "{l}");
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &filter(F))
            .await
            .unwrap();
        assert_eq!(a.meta.currency, "", "{l}");
        assert_eq!(note(&a, "base_currency_unknown"), Some(""), "{l}");
        // The portal's rates still convert (RUB 1, USD 90): 1000 + 9000; KZT has none.
        assert!(approx(a.tile("deal_won").unwrap().amount, 10_000.0), "{l}");
        assert_eq!(note(&a, "no_rate"), Some("KZT"), "{l}");
    }
}
