//! R3 totals after the period: a finished period's forecast is its fact, the team's remainder is the sum of the
//! employees' remainders, a quarter row in a month view counts the month's part (prorated by days), and the team's
//! fact equals R1's won in the period. On SQLite and PostgreSQL; every number worked out in the comments.
use crate::common;

use b24a_reports::r3_plan::PlanOptions;
use b24a_reports::{run_plan_report, run_report, Group, ReportId};
use common::*;

#[tokio::test]
async fn r3_finished_period_totals_and_prorated_quarter() {
    for db in both().await {
        let s = &db.store;
        seed_portal(s).await;
        // A: 10, March, all pipelines, 5000.00. B: 10, March, pipeline 1, 5000.00. C: 11, March, 10000.00.
        // D: 12, Q1, all pipelines, 9000.00, bonus 900.00.
        for (id, user, cat, kind, start, amount, bonus) in [
            (1, 10, "NULL", "month", "2026-03-01", 500_000, 0),
            (2, 10, "1", "month", "2026-03-01", 500_000, 0),
            (3, 11, "NULL", "month", "2026-03-01", 1_000_000, 0),
            (4, 12, "NULL", "quarter", "2026-01-01", 900_000, 90_000),
        ] {
            exec(s, &format!(
                "INSERT INTO sales_plans (id, portal_id, user_id, category_id, period_kind, period_start, amount_cents, bonus_cents, updated_at) \
                 VALUES ({id}, 1, {user}, {cat}, '{kind}', '{start}', {amount}, {bonus}, 0)"
            ))
            .await;
        }
        let won = |id, manager, pipeline, stage, cents, close| D {
            id,
            manager: Some(manager),
            pipeline,
            stage,
            sem: "S",
            cents,
            created: msk(2026, 1, 10, 10, 0),
            closedate: Some(close),
            ..D::default()
        };
        // d1: 10, pipeline 1, 12000.00 on 10 March (rows A and B; once for employee 10). d2: 11, 4000.00 on 5 March.
        // d3: 12, 3000.00 on 10 February (Q1, not March). d4: 12, 1000.00 on 20 March.
        deal(s, won(1, 10, 1, "C1:WON", 1_200_000, "2026-03-10")).await;
        deal(s, won(2, 11, 0, "WON", 400_000, "2026-03-05")).await;
        deal(s, won(3, 12, 0, "WON", 300_000, "2026-02-10")).await;
        deal(s, won(4, 12, 0, "WON", 100_000, "2026-03-20")).await;
        // Now 5 April: March is over.
        let ctx = ctx(s, msk(2026, 4, 5, 12, 0), 24).await;
        let f =
            filter(r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}}"#);
        let a = run_plan_report(s, &ctx, &f, &PlanOptions::default())
            .await
            .unwrap();
        let people = a.table("by_employee").unwrap();
        let v = |g: Group, m: &str| people.cell(&g, m).unwrap().value;
        let cell = |g: Group, i: usize| {
            people
                .rows
                .iter()
                .chain(people.total.iter())
                .find(|r| r.group == g)
                .unwrap()
                .cells[i]
                .value
        };
        // Columns: 0 plan, 3 fact sum, 5 remaining, 6 forecast.
        // Finished period: forecast = fact. Employee 10: 12000 (not A's 12000 + B's 12000).
        assert!(approx(cell(Group::User(10), 3), 12000.0), "{}", db.label);
        assert!(approx(cell(Group::User(10), 6), 12000.0), "{}", db.label);
        // D in March: plan 9000 * 31 / 90 = 3100.00, fact d4 = 1000 (d3 is February's).
        assert!(approx(cell(Group::User(12), 0), 3100.0));
        assert!(approx(cell(Group::User(12), 3), 1000.0));
        // Team fact d1 + d2 + d4 = 17000; forecast = fact.
        assert!(approx(a.tile("plan_fact").unwrap().value, 17000.0));
        assert!(approx(a.tile("plan_forecast").unwrap().value, 17000.0));
        assert!(approx(cell(Group::Total, 6), 17000.0));
        // Remaining: 10 is over plan (12000 of 10000) -> 0; 11: 10000 - 4000 = 6000; 12: 3100 - 1000 = 2100.
        // Team = 0 + 6000 + 2100 = 8100 (not 23100 - 17000 = 6100).
        assert!(approx(cell(Group::User(10), 5), 0.0));
        assert!(approx(cell(Group::User(11), 5), 6000.0));
        assert!(approx(cell(Group::User(12), 5), 2100.0));
        assert!(approx(cell(Group::Total, 5), 8100.0));
        assert!(approx(v(Group::Total, "plan_amount"), 23100.0));
        // The prorated bonus: 900 * 31 / 90 = 310.00 at 1000 / 3100 = 32 % -> not earned.
        assert!(approx(a.tile("plan_bonus").unwrap().value, 0.0));
        // The team's fact is R1's won in March.
        let r1 = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert!(approx(r1.tile("deal_won").unwrap().amount, 17000.0));
    }
}
