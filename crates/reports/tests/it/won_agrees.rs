//! "How much did we sell" has one answer: for several filters, the won count and sum of the period (won deals closed
//! in the period, by close day, docs/METRICS.md) read through every report's public answer — the R1 tile, the R1
//! chart's won buckets, the R2 team total, the R3 team fact (every manager has a plan row for the month) and the R4
//! tile — are the same, and equal the numbers computed by hand. On SQLite and PostgreSQL.
use crate::common;

use b24a_reports::r3_plan::PlanOptions;
use b24a_reports::{run_plan_report, run_report, Answer, Group, ReportId};
use common::*;

/// The period's won (count, sum in currency units) as each report states it.
fn won_of(r1: &Answer, r2: &Answer, r3: &Answer, r4: &Answer) -> Vec<(&'static str, f64, f64)> {
    let tile = |a: &Answer, m: &str| {
        let t = a.tile(m).unwrap_or_else(|| panic!("tile {m}"));
        (t.value.unwrap_or(-1.0), t.amount.unwrap_or(-1.0))
    };
    let dynamics = r1.table("dynamics").unwrap();
    let chart = dynamics.rows.iter().fold((0.0, 0.0), |(n, s), r| {
        (
            n + r.cells[1].value.unwrap_or(0.0),
            s + r.cells[2].value.unwrap_or(0.0),
        )
    });
    let team = r2.table("employees").unwrap().total.as_ref().unwrap();
    let col = |m: &str, nth: usize| {
        r2.table("employees")
            .unwrap()
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.metric == m)
            .nth(nth)
            .unwrap()
            .0
    };
    let r2_won = (
        team.cells[col("deal_won", 0)].value.unwrap_or(-1.0),
        team.cells[col("deal_won", 1)].value.unwrap_or(-1.0),
    );
    let fact = r3
        .table("by_employee")
        .unwrap()
        .cell(&Group::Total, "plan_fact")
        .unwrap()
        .value
        .unwrap_or(-1.0);
    let r3_won = (fact, r3.tile("plan_fact").unwrap().value.unwrap_or(-1.0));
    let (a, b) = tile(r1, "deal_won");
    let (c, d) = tile(r4, "deal_won");
    vec![
        ("R1 tile", a, b),
        ("R1 chart", chart.0, chart.1),
        ("R2 total", r2_won.0, r2_won.1),
        ("R3 fact", r3_won.0, r3_won.1),
        ("R4 tile", c, d),
    ]
}

#[tokio::test]
async fn won_in_the_period_is_one_number_in_every_report() {
    for db in both().await {
        let s = &db.store;
        seed_portal(s).await;
        // Won: d1 created Oct, closed 5 Nov (10, 1000); d2 created and closed Nov (11, 2000, pipeline 1); d3 created
        // Nov, closed 2 Dec (10, 4000); d4 created Nov, still in work; d5 created Nov, lost 20 Nov (11); d6 created
        // and won 3 Dec (12, 500); d7 created Oct, won 30 Oct (10, 9000); d8 created Nov, lost 1 Dec (10).
        let won = |id, manager, pipeline, stage, cents, created, close| D {
            id,
            manager: Some(manager),
            pipeline,
            stage,
            sem: "S",
            cents,
            created,
            closedate: Some(close),
            ..D::default()
        };
        deal(
            s,
            won(
                1,
                10,
                0,
                "WON",
                100_000,
                msk(2026, 10, 20, 10, 0),
                "2026-11-05",
            ),
        )
        .await;
        deal(
            s,
            won(
                2,
                11,
                1,
                "C1:WON",
                200_000,
                msk(2026, 11, 2, 10, 0),
                "2026-11-10",
            ),
        )
        .await;
        deal(
            s,
            won(
                3,
                10,
                0,
                "WON",
                400_000,
                msk(2026, 11, 12, 10, 0),
                "2026-12-02",
            ),
        )
        .await;
        deal(
            s,
            D {
                id: 4,
                cents: 300_000,
                created: msk(2026, 11, 3, 10, 0),
                ..D::default()
            },
        )
        .await;
        let lost = |id, manager, created, close| D {
            id,
            manager: Some(manager),
            stage: "LOSE",
            sem: "F",
            cents: 70_000,
            created,
            closedate: Some(close),
            ..D::default()
        };
        deal(s, lost(5, 11, msk(2026, 11, 4, 10, 0), "2026-11-20")).await;
        deal(
            s,
            won(
                6,
                12,
                0,
                "WON",
                50_000,
                msk(2026, 12, 1, 10, 0),
                "2026-12-03",
            ),
        )
        .await;
        deal(
            s,
            won(
                7,
                10,
                0,
                "WON",
                900_000,
                msk(2026, 10, 1, 10, 0),
                "2026-10-30",
            ),
        )
        .await;
        deal(s, lost(8, 10, msk(2026, 11, 5, 10, 0), "2026-12-01")).await;
        for (id, user, start) in [
            (1, 10, "2026-11-01"),
            (2, 11, "2026-11-01"),
            (3, 12, "2026-11-01"),
            (4, 10, "2026-12-01"),
            (5, 11, "2026-12-01"),
            (6, 12, "2026-12-01"),
        ] {
            exec(s, &format!(
                "INSERT INTO sales_plans (id, portal_id, user_id, category_id, period_kind, period_start, amount_cents, bonus_cents, updated_at) \
                 VALUES ({id}, 1, {user}, NULL, 'month', '{start}', 1000000, 0, 0)"
            ))
            .await;
        }
        let ctx = ctx(s, msk(2026, 12, 4, 12, 0), 24).await;
        let nov = r#""period": {"preset": "custom", "from": "2026-11-01", "to": "2026-11-30"}"#;
        // (filter, won count, won sum) by hand.
        let cases = [
            // This month on 4 Dec: d3 (4000) + d6 (500), whatever the cohort switch says.
            (r#"{}"#.to_string(), 2.0, 4500.0),
            (r#"{"cohort": "created"}"#.to_string(), 2.0, 4500.0),
            // November: d1 (created in October) + d2; d3 closed in December does not count.
            (format!("{{{nov}}}"), 2.0, 3000.0),
            (
                format!("{{{nov}, \"cohort\": \"closed\", \"bucket\": \"week\"}}"),
                2.0,
                3000.0,
            ),
            (format!("{{{nov}, \"pipelines\": [0]}}"), 1.0, 1000.0),
            (format!("{{{nov}, \"employees\": [11]}}"), 1.0, 2000.0),
            (format!("{{{nov}, \"departments\": [1]}}"), 2.0, 3000.0),
        ];
        for (json, n, sum) in cases {
            let f = filter(&json);
            let r1 = run_report(s, &ctx, ReportId::SalesDynamics, &f)
                .await
                .unwrap();
            let r2 = run_report(s, &ctx, ReportId::Managers, &f).await.unwrap();
            let r3 = run_plan_report(s, &ctx, &f, &PlanOptions::default())
                .await
                .unwrap();
            let r4 = run_report(s, &ctx, ReportId::Marketing, &f).await.unwrap();
            for (who, count, amount) in won_of(&r1, &r2, &r3, &r4) {
                assert!(
                    approx(Some(count), n) && approx(Some(amount), sum),
                    "{} {json}: {who} says {count} won / {amount}, by hand {n} / {sum}",
                    db.label
                );
            }
        }
        // The created cohort under its own name: of November's created deals (d2, d3, d4, d5, d8), won by now d2, d3.
        let f = filter(&format!("{{{nov}}}"));
        let r1 = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(
            r1.tile("cohort_won").unwrap().value,
            Some(2.0),
            "{}",
            db.label
        );
        assert!(approx(r1.tile("cohort_conversion").unwrap().value, 40.0));
        // Win rate: won 2 ÷ (won 2 + lost d5) closed in November.
        assert!(approx(r1.tile("conversion").unwrap().value, 200.0 / 3.0));
    }
}
