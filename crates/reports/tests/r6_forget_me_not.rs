//! R6 on a hand-made portal, on SQLite and PostgreSQL. Now = 2026-03-15 12:00 MSK; deals M = 14 (default),
//! leads N = 3 (setting).
mod common;

use b24a_reports::{drill_down, run_report, Group, ListQuery, ReportId};
use common::*;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    exec(s, "INSERT INTO portal_settings (portal_id, key, value, updated_at) VALUES (1, 'forget_me_not_lead_days', '3', 0)").await;
    let old = msk(2026, 2, 1, 12, 0);
    // d1: untouched since 02-01 (42 days) -> forgotten (manager 10, dept 1), 1000.00.
    deal(
        s,
        D {
            id: 1,
            cents: 100_000,
            created: old,
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    // d2: edited 03-10 (5 days) -> not forgotten.
    deal(
        s,
        D {
            id: 2,
            created: old,
            modified: Some(msk(2026, 3, 10, 12, 0)),
            ..D::default()
        },
    )
    .await;
    // d3: an activity completed on 03-05 -> 10 days -> not forgotten.
    deal(
        s,
        D {
            id: 3,
            created: old,
            ..D::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 1,
            owner: 3,
            created: msk(2026, 2, 2, 12, 0),
            updated: Some(msk(2026, 3, 5, 12, 0)),
            ..A::default()
        },
    )
    .await;
    // d4: a planned activity (deadline 03-20) -> cared for.
    deal(
        s,
        D {
            id: 4,
            created: old,
            ..D::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 2,
            owner: 4,
            completed: false,
            created: old,
            deadline: Some(msk(2026, 3, 20, 12, 0)),
            ..A::default()
        },
    )
    .await;
    // d5: only an overdue open activity (deadline 03-01, created 02-01) -> forgotten (manager 11, dept 2), 200.00;
    // the activity is also overdue for its responsible 11.
    deal(
        s,
        D {
            id: 5,
            cents: 20_000,
            created: old,
            manager: Some(11),
            ..D::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 3,
            owner: 5,
            completed: false,
            responsible: Some(11),
            created: old,
            deadline: Some(msk(2026, 3, 1, 12, 0)),
            ..A::default()
        },
    )
    .await;
    // d6: won long ago -> closed cards are never forgotten.
    deal(
        s,
        D {
            id: 6,
            stage: "WON",
            sem: "S",
            created: msk(2026, 1, 1, 12, 0),
            closedate: Some("2026-01-02"),
            ..D::default()
        },
    )
    .await;
    // d7: touched exactly 14 days ago -> not "more than 14 days".
    deal(
        s,
        D {
            id: 7,
            created: msk(2026, 3, 1, 12, 0),
            ..D::default()
        },
    )
    .await;
    // d8: the portal's last activity time 03-14 -> not forgotten.
    deal(
        s,
        D {
            id: 8,
            created: old,
            manager: Some(11),
            last_activity: Some(msk(2026, 3, 14, 12, 0)),
            ..D::default()
        },
    )
    .await;
    // d9: pipeline 1, manager 12 (dept 3), untouched -> forgotten, 500.00.
    deal(
        s,
        D {
            id: 9,
            pipeline: 1,
            stage: "C1:NEW",
            cents: 50_000,
            created: old,
            manager: Some(12),
            ..D::default()
        },
    )
    .await;
    // Leads (N = 3): l1 idle 5 days -> forgotten; l2 idle 2 days; l3 converted; l4 activity created 03-13.
    lead(
        s,
        L {
            id: 1,
            created: msk(2026, 3, 10, 12, 0),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 2,
            created: msk(2026, 3, 13, 12, 0),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 3,
            status: "CONVERTED",
            sem: "S",
            created: old,
            closed: Some(old),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 4,
            created: msk(2026, 3, 1, 12, 0),
            ..L::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 4,
            owner_type: 1,
            owner: 4,
            created: msk(2026, 3, 13, 12, 0),
            ..A::default()
        },
    )
    .await;
}

#[tokio::test]
async fn r6_forgotten_cards_by_clock_and_settings() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter("{}");
        let a = run_report(s, &ctx, ReportId::ForgetMeNot, &f)
            .await
            .unwrap();
        // Deals 1, 5, 9: 3 cards, 1000 + 200 + 500 = 1700.00. Leads: l1.
        assert_eq!(
            a.tile("forgotten_deals").unwrap().value,
            Some(3.0),
            "{}",
            db.label
        );
        assert!(approx(a.tile("forgotten_deals").unwrap().amount, 1700.0));
        assert_eq!(a.tile("forgotten_leads").unwrap().value, Some(1.0));
        assert_eq!(a.tile("act_overdue").unwrap().value, Some(1.0));
        let by_dept = a.table("by_department").unwrap();
        for d in [1, 2, 3] {
            assert_eq!(
                by_dept
                    .cell(&Group::Department(d), "forgotten_deals")
                    .unwrap()
                    .value,
                Some(1.0)
            );
        }
        let by_user = a.table("by_manager").unwrap();
        assert_eq!(
            by_user
                .cell(&Group::User(10), "forgotten_leads")
                .unwrap()
                .value,
            Some(1.0)
        );
        assert_eq!(
            by_user.cell(&Group::User(11), "act_overdue").unwrap().value,
            Some(1.0)
        );
        assert!(a
            .meta
            .notes
            .iter()
            .any(|(k, v)| k == "forget_me_not_lead_days" && v == "3"));
        // The list: exactly the 3 deals, each idle 42 days since 2026-02-01.
        let d = a.tile("forgotten_deals").unwrap().drill.clone().unwrap();
        let q = ListQuery {
            sort: Some("amount".into()),
            desc: true,
            ..ListQuery::default()
        };
        let l = drill_down(s, &ctx, ReportId::ForgetMeNot, &f, &d, &q)
            .await
            .unwrap();
        assert_eq!(
            l.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 9, 5]
        );
        assert_eq!(l.rows[0].columns["days_since"], 42);
        assert_eq!(l.rows[0].columns["last_activity"], "2026-02-01");
        // Filter by days: none of them is idle 43+ days.
        let q = ListQuery {
            min_days: Some(43),
            ..ListQuery::default()
        };
        let l = drill_down(s, &ctx, ReportId::ForgetMeNot, &f, &d, &q)
            .await
            .unwrap();
        assert_eq!((l.counted, l.total), (3, 0));
        // Pipeline filter applies: pipeline 1 -> d9 only.
        let a = run_report(
            s,
            &ctx,
            ReportId::ForgetMeNot,
            &filter(r#"{"pipelines": [1]}"#),
        )
        .await
        .unwrap();
        assert_eq!(a.tile("forgotten_deals").unwrap().value, Some(1.0));
        // Setting off: a planned activity no longer protects d4 -> 4 deals.
        exec(s, "INSERT INTO portal_settings (portal_id, key, value, updated_at) VALUES (1, 'planned_activity_counts_as_care', 'false', 0)").await;
        let a = run_report(s, &ctx, ReportId::ForgetMeNot, &f)
            .await
            .unwrap();
        assert_eq!(a.tile("forgotten_deals").unwrap().value, Some(4.0));
    }
}
