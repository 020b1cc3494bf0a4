//! R3 on a hand-made portal, on SQLite and PostgreSQL. Now = 2026-03-15 12:00 MSK; period March 2026.
#![allow(clippy::too_many_arguments)]
use crate::common;

use b24a_reports::metrics::LadderStep;
use b24a_reports::r3_plan::{validate_plan_row, PlanOptions, PlanRowInput};
use b24a_reports::{drill_down, run_plan_report, Group, ListQuery, ReportId};
use common::*;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}

async fn plan(
    s: &b24a_store::Store,
    id: i64,
    user: &str,
    dept: &str,
    cat: &str,
    kind: &str,
    start: &str,
    amount: i64,
    count: &str,
    bonus: i64,
    grade: &str,
) {
    exec(s, &format!(
        "INSERT INTO sales_plans (id, portal_id, user_id, department_id, category_id, period_kind, period_start, amount_cents, deal_count, bonus_cents, grade, updated_at) \
         VALUES ({id}, 1, {user}, {dept}, {cat}, '{kind}', '{start}', {amount}, {count}, {bonus}, {grade}, 0)"
    )).await;
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    plan(
        s,
        1,
        "10",
        "NULL",
        "NULL",
        "month",
        "2026-03-01",
        1_000_000,
        "5",
        50_000,
        "NULL",
    )
    .await; // 10000.00, all pipelines
    plan(
        s,
        2,
        "10",
        "NULL",
        "1",
        "month",
        "2026-03-01",
        500_000,
        "NULL",
        20_000,
        "NULL",
    )
    .await; // 5000.00, pipeline 1
    plan(
        s,
        3,
        "11",
        "NULL",
        "0",
        "quarter",
        "2026-01-01",
        3_000_000,
        "NULL",
        100_000,
        "'senior'",
    )
    .await; // Q1 30000.00
    plan(
        s,
        4,
        "12",
        "NULL",
        "NULL",
        "month",
        "2026-02-01",
        1_000_000,
        "NULL",
        0,
        "NULL",
    )
    .await; // February: not shown
    plan(
        s,
        5,
        "NULL",
        "3",
        "NULL",
        "month",
        "2026-03-01",
        2_000_000,
        "NULL",
        0,
        "NULL",
    )
    .await; // department 3, explicit
    let won = |id, mgr, pipe, stage: &'static str, cents, close: &'static str| D {
        id,
        manager: Some(mgr),
        pipeline: pipe,
        stage,
        sem: "S",
        cents,
        created: msk(2026, 1, 10, 10, 0),
        closedate: Some(close),
        ..D::default()
    };
    deal(s, won(1, 10, 0, "WON", 800_000, "2026-03-05")).await; // P1
    deal(s, won(2, 10, 1, "C1:WON", 400_000, "2026-03-10")).await; // P1 and P2 (counted once for employee 10)
    deal(s, won(3, 10, 0, "WON", 100_000, "2026-02-20")).await; // before March
    deal(s, won(4, 11, 0, "WON", 1_500_000, "2026-02-10")).await; // P3 (quarter)
    deal(s, won(5, 11, 1, "C1:WON", 900_000, "2026-03-01")).await; // pipeline 1: not P3's
    deal(
        s,
        D {
            id: 6,
            manager: Some(10),
            cents: 300_000,
            created: msk(2026, 3, 1, 10, 0),
            closedate: Some("2026-03-25"),
            ..D::default()
        },
    )
    .await; // open, due in March
    deal(s, won(7, 12, 0, "WON", 200_000, "2026-03-03")).await; // department 3 (P5)
    deal(
        s,
        D {
            id: 8,
            manager: Some(10),
            stage: "LOSE",
            sem: "F",
            cents: 999_999,
            created: msk(2026, 3, 1, 10, 0),
            closedate: Some("2026-03-04"),
            ..D::default()
        },
    )
    .await;
}

const MARCH: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}}"#;

#[tokio::test]
async fn r3_plan_fact_forecast_bonus() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(MARCH);
        let a = run_plan_report(s, &ctx, &f, &PlanOptions::default())
            .await
            .unwrap();
        let rows = a.table("plan_rows").unwrap();
        let col = |t: &b24a_reports::Table, g: &Group, i: usize| {
            t.rows
                .iter()
                .chain(t.total.iter())
                .find(|r| &r.group == g)
                .unwrap()
                .cells[i]
                .value
        };
        // Columns: 0 plan, 1 count plan, 2 fact count, 3 fact sum, 4 % done, 5 remaining, 6 forecast, 7 open count, 8 open sum, 9 bonus.
        // P1: fact d1 + d2 = 12000.00 of 10000.00 = 120 %; 15 of 31 days elapsed -> 12000 / 15 * 31 = 24800; bonus 500.
        assert_eq!(col(rows, &Group::Plan(1), 2), Some(2.0), "{}", db.label);
        assert!(approx(col(rows, &Group::Plan(1), 4), 120.0));
        assert!(approx(col(rows, &Group::Plan(1), 6), 24800.0));
        assert!(approx(col(rows, &Group::Plan(1), 9), 500.0));
        assert!(approx(col(rows, &Group::Plan(1), 5), 0.0));
        // P2: d2 only, 4000 of 5000 = 80 % -> no bonus at the 100 % threshold; forecast 400000 / 15 * 31 cents.
        assert!(approx(col(rows, &Group::Plan(2), 4), 80.0));
        assert!(approx(col(rows, &Group::Plan(2), 9), 0.0));
        assert!(approx(col(rows, &Group::Plan(2), 6), 8266.67));
        // P3 (Q1, pipeline 0) in a March view counts March's part, prorated by days: plan 30000 * 31 / 90 =
        // 10333.33, fact in March none (d4 was won in February) -> 0 %, forecast 0; marked "prorated".
        assert!(approx(col(rows, &Group::Plan(3), 0), 10333.33));
        assert!(approx(col(rows, &Group::Plan(3), 4), 0.0));
        assert!(approx(col(rows, &Group::Plan(3), 6), 0.0));
        let p3 = rows
            .rows
            .iter()
            .find(|r| r.group == Group::Plan(3))
            .unwrap();
        assert_eq!(p3.note, Some("prorated"));
        assert!(a
            .meta
            .notes
            .contains(&("plan_prorated".to_string(), "days".to_string())));
        assert!(rows.rows.iter().any(|r| r.label.contains("(senior)")));
        assert!(!rows.rows.iter().any(|r| r.group == Group::Plan(4)));
        // Employee 10: plan 15000, fact {d1, d2} = 12000 (d2 once) = 80 %; coverage d6: 1 deal, 3000.00.
        let people = a.table("by_employee").unwrap();
        assert_eq!(col(people, &Group::User(10), 2), Some(2.0));
        assert!(approx(col(people, &Group::User(10), 0), 15000.0));
        assert!(approx(col(people, &Group::User(10), 4), 80.0));
        assert_eq!(col(people, &Group::User(10), 7), Some(1.0));
        assert!(approx(col(people, &Group::User(10), 8), 3000.0));
        // Department 3 has an explicit plan of 20000 and fact d7 = 2000 -> 10 %.
        let depts = a.table("by_department").unwrap();
        assert!(approx(col(depts, &Group::Department(3), 0), 20000.0));
        assert!(approx(col(depts, &Group::Department(3), 4), 10.0));
        // Team: plan 15000 + 10333.33 + 20000 = 45333.33; fact d1, d2, d7 = 14000; bonus 500.
        assert!(approx(a.tile("plan_amount").unwrap().value, 45333.33));
        assert!(approx(a.tile("plan_fact").unwrap().value, 14000.0));
        assert!(approx(
            a.tile("plan_done_pct").unwrap().value,
            14000.0 / 45333.33 * 100.0
        ));
        assert!(approx(a.tile("plan_bonus").unwrap().value, 500.0));
        let dr = a.tile("plan_fact").unwrap().drill.clone().unwrap();
        let l = drill_down(s, &ctx, ReportId::Plan, &f, &dr, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(
            l.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 2, 7]
        );
        // The whole quarter in a Q1 view: d4 15000 of 30000; 74 of 90 days elapsed -> 1500000 / 74 * 90 cents.
        let q1 =
            filter(r#"{"period": {"preset": "custom", "from": "2026-01-01", "to": "2026-03-31"}}"#);
        let a = run_plan_report(s, &ctx, &q1, &PlanOptions::default())
            .await
            .unwrap();
        let rows = a.table("plan_rows").unwrap();
        assert!(approx(col(rows, &Group::Plan(3), 4), 50.0));
        assert!(approx(col(rows, &Group::Plan(3), 6), 18243.24));
        assert_eq!(
            rows.rows
                .iter()
                .find(|r| r.group == Group::Plan(3))
                .unwrap()
                .note,
            None
        );

        // Threshold 80 %: P2 (80 %) now earns its 200.00 -> 700.00.
        let a = run_plan_report(
            s,
            &ctx,
            &f,
            &PlanOptions {
                threshold_pct: 80.0,
                ladder: vec![],
            },
        )
        .await
        .unwrap();
        assert!(approx(a.tile("plan_bonus").unwrap().value, 700.0));
        // Ladder 80 -> 50 %, 100 -> 100 %, 120 -> 150 %: P1 (120 %) 750.00, P2 (80 %) 100.00.
        let ladder = vec![
            LadderStep {
                percent_done: 80.0,
                bonus_share: 50.0,
            },
            LadderStep {
                percent_done: 100.0,
                bonus_share: 100.0,
            },
            LadderStep {
                percent_done: 120.0,
                bonus_share: 150.0,
            },
        ];
        let a = run_plan_report(
            s,
            &ctx,
            &f,
            &PlanOptions {
                threshold_pct: 100.0,
                ladder,
            },
        )
        .await
        .unwrap();
        assert!(approx(a.tile("plan_bonus").unwrap().value, 850.0));
        // Threshold outside the slider's 80..110 is rejected, naming the field.
        let e = run_plan_report(
            s,
            &ctx,
            &f,
            &PlanOptions {
                threshold_pct: 120.0,
                ladder: vec![],
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, b24a_reports::ReportError::Filter(ref x) if x.field() == "plan.threshold_pct")
        );
    }
}

#[tokio::test]
async fn r3_plan_row_validation() {
    let db = sqlite().await;
    seed_portal(&db.store).await;
    let dicts = b24a_reports::dicts::Dicts::load(&db.store, 1)
        .await
        .unwrap();
    let ok = PlanRowInput {
        user_id: Some(10),
        department_id: None,
        category_id: Some(1),
        period_kind: "quarter".into(),
        period_start: "2026-04-01".into(),
        amount_cents: 100,
        deal_count: Some(3),
        bonus_cents: 0,
        grade: Some("junior".into()),
    };
    assert_eq!(
        validate_plan_row("rows[0]", &ok, &dicts).unwrap(),
        (day("2026-04-01"), day("2026-06-30"))
    );
    let bad = |r: PlanRowInput| {
        validate_plan_row("rows[2]", &r, &dicts)
            .unwrap_err()
            .field()
            .to_string()
    };
    assert_eq!(
        bad(PlanRowInput {
            period_start: "2026-02-01".into(),
            ..ok.clone()
        }),
        "rows[2].period_start"
    );
    assert_eq!(
        bad(PlanRowInput {
            period_kind: "week".into(),
            ..ok.clone()
        }),
        "rows[2].period_kind"
    );
    assert_eq!(
        bad(PlanRowInput {
            user_id: Some(999),
            ..ok.clone()
        }),
        "rows[2].user_id"
    );
    assert_eq!(
        bad(PlanRowInput {
            user_id: None,
            ..ok.clone()
        }),
        "rows[2].user_id"
    );
    assert_eq!(
        bad(PlanRowInput {
            category_id: Some(7),
            ..ok.clone()
        }),
        "rows[2].category_id"
    );
    assert_eq!(
        bad(PlanRowInput {
            amount_cents: -1,
            ..ok.clone()
        }),
        "rows[2].amount_cents"
    );
    assert_eq!(
        bad(PlanRowInput {
            deal_count: Some(-2),
            ..ok.clone()
        }),
        "rows[2].deal_count"
    );
}
