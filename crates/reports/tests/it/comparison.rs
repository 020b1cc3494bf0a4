//! Comparisons say the right thing (issue 13, item 7), on SQLite and PostgreSQL: "this month" on the 4th compares
//! with the 1st–4th of the previous month; a comparison beyond the tier gives no delta and a note; a conversion's
//! delta is in percentage points; buckets reaching outside the period are marked partial and labelled by their days
//! inside it. Expected numbers are worked out by hand in the comments.
use crate::common;

use b24a_reports::answer::Unit;
use b24a_reports::comparison::CompareRule;
use b24a_reports::{run_report, Group, ReportId};
use common::*;

/// Deals created (in work) on 2 December, 3 November (two), 28 November; one won and one lost deal closed
/// on 2 December and one won on 3 November.
async fn seed(store: &b24a_store::Store) {
    seed_portal(store).await;
    let created = [
        (1, msk(2026, 12, 2, 10, 0)),
        (2, msk(2026, 11, 3, 10, 0)),
        (3, msk(2026, 11, 3, 11, 0)),
        (4, msk(2026, 11, 28, 10, 0)),
    ];
    for (id, t) in created {
        deal(
            store,
            D {
                id,
                created: t,
                ..D::default()
            },
        )
        .await;
    }
    for (id, stage, sem, close) in [
        (5, "WON", "S", "2026-12-02"),
        (6, "LOSE", "F", "2026-12-02"),
        (7, "WON", "S", "2026-11-03"),
    ] {
        deal(
            store,
            D {
                id,
                stage,
                sem,
                created: msk(2026, 10, 1, 10, 0),
                closedate: Some(close),
                ..D::default()
            },
        )
        .await;
    }
}

#[tokio::test]
async fn this_month_on_the_4th_compares_the_1st_to_4th_of_last_month() {
    for db in both().await {
        let s = &db.store;
        let l = db.label;
        seed(s).await;
        // 4 December 2026, 12:00 Moscow.
        let ctx = ctx(s, msk(2026, 12, 4, 12, 0), 24).await;
        let f = filter(r#"{"period": {"preset": "this_month"}, "compare": "previous"}"#);
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        let c = a.meta.comparison.unwrap();
        assert_eq!(
            (c.from, c.to),
            (day("2026-11-01"), day("2026-11-04")),
            "{l}"
        );
        assert_eq!(
            a.meta.comparison_rule,
            Some(CompareRule::SameDaysPreviousMonth),
            "{l}"
        );
        // Created 1–4 December: deal 1; 1–4 November: deals 2 and 3 (not 28 November's deal 4).
        let t = a.tile("deal_created").unwrap();
        assert_eq!(
            (t.value, t.previous, t.delta),
            (Some(1.0), Some(2.0), Some(-1.0)),
            "{l}"
        );
        // Win conversion: December 1 won of 2 closed = 50 %; 1–4 November 1 of 1 = 100 %: −50 percentage points.
        let conv = a.tile("conversion").unwrap();
        assert_eq!(
            (conv.value, conv.previous),
            (Some(50.0), Some(100.0)),
            "{l}"
        );
        assert_eq!(conv.delta, Some(-50.0), "{l}");
        assert_eq!(conv.delta_unit, Unit::Points, "{l}");
        assert_eq!(t.delta_unit, Unit::Count, "{l}");

        // A year ago is said as such.
        let f = filter(r#"{"period": {"preset": "this_month"}, "compare": "year_ago"}"#);
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(a.meta.comparison_rule, Some(CompareRule::YearAgo), "{l}");
        let c = a.meta.comparison.unwrap();
        assert_eq!(
            (c.from, c.to),
            (day("2025-12-01"), day("2025-12-04")),
            "{l}"
        );
    }
}

#[tokio::test]
async fn a_comparison_beyond_the_tier_has_no_delta_and_says_so() {
    for db in both().await {
        let s = &db.store;
        let l = db.label;
        seed(s).await;
        // Free tier (3 months back from 4 December: from 4 September); a year ago is locked.
        let ctx = ctx(s, msk(2026, 12, 4, 12, 0), 3).await;
        let f = filter(r#"{"period": {"preset": "this_month"}, "compare": "year_ago"}"#);
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert!(a.meta.comparison.is_none(), "{l}");
        assert!(
            a.meta.comparison_clamp.as_ref().is_some_and(|c| c.locked),
            "{l}"
        );
        let t = a.tile("deal_created").unwrap();
        assert_eq!(
            (t.value, t.previous, t.delta),
            (Some(1.0), None, None),
            "{l}"
        );
        let note = a
            .meta
            .notes
            .iter()
            .find(|(k, _)| k == "comparison_beyond_tier");
        assert_eq!(note.map(|(_, v)| v.as_str()), Some("2026-09-04"), "{l}");
        // The other reports with comparisons too (R2, R4, R5 tiles).
        for r in [ReportId::Managers, ReportId::Marketing, ReportId::Tasks] {
            let a = run_report(s, &ctx, r, &f).await.unwrap();
            assert!(a.tiles.iter().all(|t| t.delta.is_none()), "{l} {r:?}");
        }
    }
}

#[tokio::test]
async fn buckets_reaching_outside_the_period_are_marked_partial() {
    for db in both().await {
        let s = &db.store;
        let l = db.label;
        seed(s).await;
        let ctx = ctx(s, msk(2026, 12, 20, 12, 0), 24).await;
        let f = filter(
            r#"{"period": {"preset": "custom", "from": "2026-12-01", "to": "2026-12-31"}, "compare": "none", "bucket": "week"}"#,
        );
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        let t = a.table("dynamics").unwrap();
        // Weeks of 30.11 (1–6 Dec inside), 7, 14, 21 Dec (whole), 28.12 (28–31 Dec inside).
        let rows: Vec<(&str, Option<&str>)> =
            t.rows.iter().map(|r| (r.label.as_str(), r.note)).collect();
        assert_eq!(
            rows,
            vec![
                ("2026-12-01..2026-12-06", Some("partial")),
                ("2026-12-07", None),
                ("2026-12-14", None),
                ("2026-12-21", None),
                ("2026-12-28..2026-12-31", Some("partial")),
            ],
            "{l}"
        );
        // The first row keeps its bucket (drill) and counts deal 1 (created 2 December).
        assert_eq!(t.rows[0].group, Group::Bucket(day("2026-11-30")), "{l}");
        assert_eq!(t.rows[0].cells[0].value, Some(1.0), "{l}");
    }
}
