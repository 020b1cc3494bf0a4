//! Persisted cache parts (`report_parts`, migration 0011), on SQLite and PostgreSQL: a new cache value (a restarted
//! server, another replica) answers its first request from the parts another value built and persisted, with the
//! same numbers as SQL alone; a write makes the persisted part of that table unusable (never a stale answer); a
//! damaged part is rebuilt, never used. Expected numbers are counted by hand in the comments.
use crate::common;

use b24a_reports::{run_report, Answer, CacheConfig, ReportCache, ReportId, ReportSource};
use b24a_store::{Backend, PortalId};
use common::*;

/// Period 2026-03-01..10 (Moscow), now 2026-03-15 12:00 MSK.
const F: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "compare": "none"}"#;

const CACHED: [ReportId; 4] = [
    ReportId::SalesDynamics,
    ReportId::Managers,
    ReportId::Marketing,
    ReportId::ForgetMeNot,
];

/// A cache value of its own over the same database (as a new process would have), persisting.
fn fresh(src: &ReportSource, inline_builds: bool) -> ReportSource {
    ReportSource::new(
        src.store().clone(),
        ReportCache::new(CacheConfig {
            megabytes: 64,
            inline_builds,
            persist: true,
        }),
    )
}

/// Deals of every kind the parts keep (in work, won, lost, USD, company, UTM), their history, leads and activities.
async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    let mar = |d: u32| msk(2026, 3, d, 10, 0);
    // d1: created 03-02, in work, 100.00 RUB, manager 10.
    deal(
        s,
        D {
            id: 1,
            cents: 10_000,
            created: mar(2),
            ..D::default()
        },
    )
    .await;
    // d2: created 03-03, won 03-06, 20.00 USD = 1800.00 RUB, manager 11, source WEB, UTM google.
    deal(
        s,
        D {
            id: 2,
            stage: "WON",
            sem: "S",
            cents: 2_000,
            currency: "USD",
            manager: Some(11),
            created: mar(3),
            closedate: Some("2026-03-06"),
            source: Some("WEB"),
            utm_source: Some("google"),
            company: Some(7),
            ..D::default()
        },
    )
    .await;
    // d3: created 02-01, lost 03-04, 50.00 RUB.
    deal(
        s,
        D {
            id: 3,
            stage: "LOSE",
            sem: "F",
            cents: 5_000,
            created: msk(2026, 2, 1, 10, 0),
            closedate: Some("2026-03-04"),
            ..D::default()
        },
    )
    .await;
    hist(s, 1, 2, 1, mar(3), 0, "NEW", "P").await;
    hist(s, 2, 2, 3, mar(6), 0, "WON", "S").await;
    lead(
        s,
        L {
            id: 1,
            created: mar(2),
            ..L::default()
        },
    )
    .await;
    // Activities: done 03-04 by 10 on d1; open and overdue (deadline 03-05) by 11 on d1; open without deadline on d2.
    activity(
        s,
        A {
            id: 1,
            owner: 1,
            created: mar(4),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 2,
            owner: 1,
            completed: false,
            responsible: Some(11),
            created: mar(1),
            deadline: Some(mar(5)),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 3,
            owner: 2,
            completed: false,
            created: mar(1),
            ..A::default()
        },
    )
    .await;
}

async fn answers(src: &ReportSource, ctx: &b24a_reports::PortalContext) -> Vec<Answer> {
    let f = filter(F);
    let mut out = vec![];
    for r in CACHED {
        out.push(run_report(src, ctx, r, &f).await.unwrap());
    }
    out
}

fn same(a: &[Answer], b: &[Answer], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.tiles, y.tiles, "{what}");
        assert_eq!(x.tables, y.tables, "{what}");
    }
}

fn tile(a: &Answer, metric: &str) -> (Option<f64>, Option<f64>) {
    let t = a.tile(metric).unwrap_or_else(|| panic!("no tile {metric}"));
    (t.value, t.amount)
}

#[tokio::test]
async fn a_new_cache_answers_cold_from_the_persisted_parts() {
    for db in both().await {
        let src = &db.store;
        seed(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = answers(&sql, &ctx).await;
        // By hand: created 03-02 and 03-03 → 2 deals, 100 + 1800 = 1900.00; won 1 (1800.00); lost 1 (d3).
        assert_eq!(
            tile(&expected[0], "deal_created"),
            (Some(2.0), Some(1900.0)),
            "{}",
            db.label
        );
        assert_eq!(
            tile(&expected[0], "deal_won"),
            (Some(1.0), Some(1800.0)),
            "{}",
            db.label
        );
        assert_eq!(tile(&expected[0], "deal_lost").0, Some(1.0), "{}", db.label);

        // The first process builds every part (inline) and persists it; nothing was there to load.
        let first = fresh(src, true);
        same(&answers(&first, &ctx).await, &expected, db.label);
        assert_eq!(first.cache().loads(), 0, "{}", db.label);

        // A second process (background builds, as the server runs): its very first answers come from the
        // persisted parts — nothing is built — and agree with SQL.
        let second = fresh(src, false);
        same(&answers(&second, &ctx).await, &expected, db.label);
        assert!(
            second.cache().loads() >= 5,
            "{}: all five parts loaded",
            db.label
        );
        assert_eq!(
            second.cache().builds_in_flight(),
            0,
            "{}: nothing to build",
            db.label
        );

        // A deal written after the parts were persisted: the persisted deals part is of an older version and never
        // used; the new deal (created 03-08, 10.00 RUB) is counted by a third process from its first answer.
        deal(
            src,
            D {
                id: 4,
                cents: 1_000,
                created: msk(2026, 3, 8, 10, 0),
                ..D::default()
            },
        )
        .await;
        let third = fresh(src, true);
        let now = answers(&third, &ctx).await;
        assert_eq!(
            tile(&now[0], "deal_created"),
            (Some(3.0), Some(1910.0)),
            "{}",
            db.label
        );
        same(&now, &answers(&sql, &ctx).await, db.label);
        // Leads, history, companies and activities were still current and loaded; deals were rebuilt.
        assert_eq!(third.cache().loads(), 4, "{}", db.label);

        // Uninstalling with cleaning removes the portal's persisted parts with its data.
        assert!(src.delete_portal(PortalId(PORTAL)).await.unwrap());
        let left: Vec<(i64,)> = b24a_store::with_pool!(src.pool(), p => {
            sqlx::query_as("SELECT COUNT(*) FROM report_parts").fetch_all(p).await.unwrap()
        });
        assert_eq!(left, vec![(0,)], "{}", db.label);
    }
}

#[tokio::test]
async fn a_damaged_persisted_part_is_rebuilt_never_used() {
    for db in both().await {
        let src = &db.store;
        seed(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = answers(&sql, &ctx).await;
        answers(&fresh(src, true), &ctx).await;
        // Every persisted part cut short by its last byte (each is one chunk here), then every
        // part replaced by a header of another layout version (same magic).
        let damage = match src.backend() {
            Backend::Sqlite => [
                "UPDATE report_parts SET data = substr(data, 1, length(data) - 1)",
                "UPDATE report_parts SET data = X'42323450FF000000'",
            ],
            Backend::Postgres => [
                "UPDATE report_parts SET data = substring(data from 1 for length(data) - 1)",
                "UPDATE report_parts SET data = decode('42323450FF000000', 'hex')",
            ],
        };
        for sql in damage {
            exec(src, sql).await;
            let next = fresh(src, true);
            same(&answers(&next, &ctx).await, &expected, db.label);
            assert_eq!(
                next.cache().loads(),
                0,
                "{}: nothing damaged was used ({sql})",
                db.label
            );
        }
        // The rebuilds replaced the damaged parts: a later process loads them again.
        let later = fresh(src, false);
        same(&answers(&later, &ctx).await, &expected, db.label);
        assert!(later.cache().loads() >= 5, "{}", db.label);
    }
}
