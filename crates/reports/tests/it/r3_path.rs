//! R3's path to the bonus on a hand-made portal, on SQLite and PostgreSQL. Now = 2026-03-15 12:00 MSK; March has 31
//! days, so 17 are left including today. Every number below is worked out by hand in the comments.
use crate::common;

use b24a_reports::metrics::LadderStep;
use b24a_reports::r3_plan::path::stage_probability;
use b24a_reports::r3_plan::PlanOptions;
use b24a_reports::{run_bonus_paths, run_plan_report, Group};
use common::*;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}

async fn plan(
    s: &b24a_store::Store,
    id: i64,
    user: i64,
    cat: &str,
    start: &str,
    amount: i64,
    bonus: i64,
) {
    exec(s, &format!(
        "INSERT INTO sales_plans (id, portal_id, user_id, department_id, category_id, period_kind, period_start, amount_cents, deal_count, bonus_cents, grade, updated_at) \
         VALUES ({id}, 1, {user}, NULL, {cat}, 'month', '{start}', {amount}, NULL, {bonus}, NULL, 0)"
    )).await;
}

fn open(id: i64, manager: i64, pipeline: i64, stage: &'static str, cents: i64) -> D {
    D {
        id,
        manager: Some(manager),
        pipeline,
        stage,
        cents,
        created: msk(2026, 2, 1, 10, 0),
        closedate: Some("2026-04-30"),
        ..D::default()
    }
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    // Row 1: Olga (10), all pipelines, March: plan 10 000.00, bonus 500.00.
    plan(s, 1, 10, "NULL", "2026-03-01", 1_000_000, 50_000).await;
    // Row 2: Ivan (11), pipeline 0, March: plan 20 000.00, bonus 1 000.00.
    plan(s, 2, 11, "0", "2026-03-01", 2_000_000, 100_000).await;
    // Won in March by Olga: 3 000.00 -> 30 %.
    deal(
        s,
        D {
            id: 1,
            manager: Some(10),
            stage: "WON",
            sem: "S",
            cents: 300_000,
            created: msk(2026, 2, 1, 10, 0),
            closedate: Some("2026-03-05"),
            ..D::default()
        },
    )
    .await;
    // Pipeline 0's in-work stages are NEW, WORK (1/3, 2/3); pipeline 1's only C1:NEW (1/2).
    deal(s, open(2, 10, 0, "NEW", 600_000)).await; // 6 000 × 1/3 = 2 000
    deal(s, open(3, 10, 0, "WORK", 450_000)).await; // 4 500 × 2/3 = 3 000
    deal(s, open(4, 10, 1, "C1:NEW", 1_000_000)).await; // 10 000 × 1/2 = 5 000
    deal(s, open(5, 11, 0, "NEW", 300_000)).await; // 3 000 × 1/3 = 1 000
    deal(s, open(7, 11, 0, "WORK", 240_000)).await; // 2 400 × 2/3 = 1 600
    deal(s, open(8, 11, 1, "C1:NEW", 5_000_000)).await; // pipeline 1: not row 2's
    deal(
        s,
        D {
            currency: "KZT",
            ..open(9, 10, 0, "WORK", 9_000_000)
        },
    )
    .await; // no rate: no amount, never on the path
}

const MARCH: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}}"#;

fn ladder() -> PlanOptions {
    PlanOptions {
        threshold_pct: 100.0,
        ladder: vec![
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
        ],
    }
}

#[tokio::test]
async fn path_to_the_next_ladder_step() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let paths = run_bonus_paths(s, &ctx, &filter(MARCH), &ladder())
            .await
            .unwrap();
        assert_eq!(paths.len(), 2, "{}", db.label);
        let olga = &paths[0];
        assert_eq!((olga.plan_row, olga.user_id), (1, 10));
        assert_eq!(olga.days_left, 17, "15..=31 March");
        assert_eq!((olga.plan, olga.fact), (10_000.0, 3_000.0));
        // 100 %: (1 000 000 − 300 000) / 17 = 41 176.47 cents -> 411.77 a day (rounded up).
        assert_eq!(olga.per_day_to_plan, Some(411.77));
        // Next step 80 %: target 8 000.00; (800 000 − 300 000) / 17 = 29 411.76 -> 294.12 a day; bonus 50 % of 500.
        assert_eq!(olga.next_step_pct, Some(80.0));
        assert_eq!(olga.next_step_target, Some(8_000.0));
        assert_eq!(olga.per_day_to_next, Some(294.12));
        assert_eq!(
            (olga.bonus_now, olga.next_step_bonus, olga.next_step_gain),
            (0.0, Some(250.0), Some(250.0))
        );
        // Deals by probability × amount: #4 (5 000) first; closing it gives 13 000 = 130 % -> 150 % of 500 = 750.
        assert_eq!(olga.deals.len(), 1);
        let d = &olga.deals[0];
        assert_eq!(
            (
                d.deal_id,
                d.amount,
                d.probability_pct,
                d.weighted,
                d.bonus_gain
            ),
            (4, 10_000.0, 50.0, 5_000.0, 750.0)
        );
        assert!(olga.deals_reach);
        // Ivan: nothing won; 80 % of 20 000 = 16 000; his pipeline-0 deals #7 (1 600) then #5 (1 000) add 5 400 only.
        let ivan = &paths[1];
        assert_eq!(
            ivan.per_day_to_plan,
            Some(1_176.48),
            "2 000 000 / 17 = 117 647.06 cents"
        );
        assert_eq!(
            ivan.per_day_to_next,
            Some(941.18),
            "1 600 000 / 17 = 94 117.65 cents"
        );
        assert_eq!(
            ivan.deals.iter().map(|d| d.deal_id).collect::<Vec<_>>(),
            vec![7, 5]
        );
        assert_eq!(
            ivan.deals.iter().map(|d| d.bonus_gain).collect::<Vec<_>>(),
            vec![0.0, 0.0]
        );
        assert!(!ivan.deals_reach);
        // The path's fact and current bonus are the plan table's.
        let a = run_plan_report(s, &ctx, &filter(MARCH), &ladder())
            .await
            .unwrap();
        let rows = a.table("plan_rows").unwrap();
        assert_eq!(
            rows.cell(&Group::Plan(1), "plan_bonus")
                .and_then(|c| c.value),
            Some(olga.bonus_now)
        );
    }
}

#[tokio::test]
async fn path_with_the_threshold_and_after_the_period() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let paths = run_bonus_paths(s, &ctx, &filter(MARCH), &PlanOptions::default())
            .await
            .unwrap();
        let olga = &paths[0];
        // The threshold (100 %) is the next step: the same per day as 100 %; closing #4 earns the whole 500.
        assert_eq!(
            (olga.next_step_pct, olga.per_day_to_next),
            (Some(100.0), Some(411.77)),
            "{}",
            db.label
        );
        assert_eq!(olga.next_step_gain, Some(500.0));
        assert_eq!(olga.deals[0].bonus_gain, 500.0);
        // Seen from 1 April the March rows are over: no day left, no per-day amount, no deals.
        let later = common::ctx(s, msk(2026, 4, 1, 9, 0), 24).await;
        let over = run_bonus_paths(s, &later, &filter(MARCH), &PlanOptions::default())
            .await
            .unwrap();
        assert!(over
            .iter()
            .all(|p| p.days_left == 0 && p.per_day_to_plan.is_none() && p.deals.is_empty()));
        // An employee's own scope shows his own path only.
        let mut own = ctx.clone();
        own.data_scope = b24a_reports::DataScope::Limited {
            user: 11,
            roots: vec![],
        };
        let mine = run_bonus_paths(s, &own, &filter(MARCH), &PlanOptions::default())
            .await
            .unwrap();
        assert_eq!(mine.iter().map(|p| p.user_id).collect::<Vec<_>>(), vec![11]);
    }
}

#[tokio::test]
async fn stage_probability_is_the_position_among_open_stages() {
    let db = sqlite().await;
    seed_portal(&db.store).await;
    let d = b24a_reports::dicts::Dicts::load(&db.store, PORTAL)
        .await
        .unwrap();
    let p = |pipe, st| (stage_probability(&d, pipe, st) * 1000.0).round() / 1000.0;
    assert_eq!(
        (p(0, "NEW"), p(0, "WORK"), p(1, "C1:NEW")),
        (0.333, 0.667, 0.5)
    );
    assert_eq!(p(0, "GONE"), 0.333, "an unknown stage counts as the first");
}
