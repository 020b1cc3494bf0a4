//! R6 on a hand-made portal, on SQLite and PostgreSQL. Now = 2026-03-15 12:00 MSK; deals M = 14 (default),
//! leads N = 3 (setting).
use crate::common;

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

/// Companies and contacts with no planned activity. Now = 2026-03-15 12:00 MSK.
async fn seed_clients(s: &b24a_store::Store) {
    seed_portal(s).await;
    let old = msk(2026, 2, 1, 12, 0);
    // Companies: c1 (10) nothing bound; c2 (10) open, deadline 03-20; c3 (11) open, no deadline; c4 (11) only an
    // overdue open one (deadline 03-01) and one completed 03-05; c5 (12) only a completed one (updated 03-10).
    for (id, manager) in [(1, 10), (2, 10), (3, 11), (4, 11), (5, 12)] {
        exec(s, &format!(
            "INSERT INTO companies (portal_id, id, title, company_type, assigned_by_id, date_create, date_modify, synced_at) \
             VALUES (1, {id}, 'ООО Компания {id}', 'CUSTOMER', {manager}, {old}, {old}, 0)"
        ))
        .await;
    }
    // Contacts: k1 (10) planned (deadline 03-20); k2 (12) nothing bound.
    exec(s, &format!(
        "INSERT INTO contacts (portal_id, id, name, last_name, second_name, type_id, assigned_by_id, date_create, date_modify, synced_at) \
         VALUES (1, 1, 'Анна', 'Смирнова', '', 'CLIENT', 10, {old}, {old}, 0), (1, 2, 'Иван', 'Петров', '', 'CLIENT', 12, {old}, {old}, 0)"
    ))
    .await;
    let open = |id: i64, owner_type: i64, owner: i64, deadline: Option<i64>| A {
        id,
        owner_type,
        owner,
        completed: false,
        created: old,
        deadline,
        ..A::default()
    };
    activity(s, open(1, 4, 2, Some(msk(2026, 3, 20, 12, 0)))).await;
    activity(s, open(2, 4, 3, None)).await;
    activity(s, open(3, 4, 4, Some(msk(2026, 3, 1, 12, 0)))).await;
    let done = |id: i64, owner: i64, updated: i64| A {
        id,
        owner_type: 4,
        owner,
        created: msk(2026, 2, 10, 12, 0),
        updated: Some(updated),
        ..A::default()
    };
    activity(s, done(4, 4, msk(2026, 3, 5, 12, 0))).await;
    activity(s, done(5, 5, msk(2026, 3, 10, 12, 0))).await;
    // Contact 1's plan must not count for company 1 (same id, other owner type); a company activity of a company
    // not in the store counts for nobody.
    activity(s, open(6, 3, 1, Some(msk(2026, 3, 20, 12, 0)))).await;
    activity(s, open(7, 4, 99, None)).await;
}

#[tokio::test]
async fn r6_companies_and_contacts_without_planned_activity() {
    for db in both().await {
        let s = &db.store;
        seed_clients(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter("{}");
        let a = run_report(s, &ctx, ReportId::ForgetMeNot, &f)
            .await
            .unwrap();
        // Companies c1, c4, c5; contacts k2.
        assert_eq!(
            a.tile("companies_unplanned").unwrap().value,
            Some(3.0),
            "{}",
            db.label
        );
        assert_eq!(a.tile("contacts_unplanned").unwrap().value, Some(1.0));
        let t = a.table("clients_without_plan").unwrap();
        for (user, companies, contacts) in [(10, 1.0, 0.0), (11, 1.0, 0.0), (12, 1.0, 1.0)] {
            assert_eq!(
                t.cell(&Group::User(user), "companies_unplanned")
                    .unwrap()
                    .value,
                Some(companies),
                "user {user}"
            );
            assert_eq!(
                t.cell(&Group::User(user), "contacts_unplanned")
                    .unwrap()
                    .value,
                Some(contacts),
                "user {user}"
            );
        }
        // The list: longest silent first. c1 untouched since 02-01 (42 days); c4 last touched by the completion on
        // 03-05 (10 days); c5 by the completion on 03-10 (5 days).
        let d = a
            .tile("companies_unplanned")
            .unwrap()
            .drill
            .clone()
            .unwrap();
        let q = ListQuery {
            sort: Some("days_since".into()),
            desc: true,
            ..ListQuery::default()
        };
        let l = drill_down(s, &ctx, ReportId::ForgetMeNot, &f, &d, &q)
            .await
            .unwrap();
        assert_eq!(l.counted, 3);
        assert_eq!(
            l.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 4, 5]
        );
        let days: Vec<_> = l
            .rows
            .iter()
            .map(|r| r.columns["days_since"].clone())
            .collect();
        assert_eq!(days, vec![42, 10, 5]);
        assert_eq!(l.rows[0].path, "/crm/company/details/1/");
        assert_eq!(l.rows[0].title, "ООО Компания 1");
        let d = a.tile("contacts_unplanned").unwrap().drill.clone().unwrap();
        let l = drill_down(
            s,
            &ctx,
            ReportId::ForgetMeNot,
            &f,
            &d,
            &ListQuery::default(),
        )
        .await
        .unwrap();
        assert_eq!(l.rows.len(), 1);
        assert_eq!(
            (
                l.rows[0].id,
                l.rows[0].title.as_str(),
                l.rows[0].path.as_str()
            ),
            (2, "Петров Иван", "/crm/contact/details/2/")
        );
        // The employee filter applies: employee 10 -> c1 only, no contact.
        let a = run_report(
            s,
            &ctx,
            ReportId::ForgetMeNot,
            &filter(r#"{"employees": [10]}"#),
        )
        .await
        .unwrap();
        assert_eq!(a.tile("companies_unplanned").unwrap().value, Some(1.0));
        assert_eq!(a.tile("contacts_unplanned").unwrap().value, Some(0.0));
    }
}
