//! R6 "clients without planned activities" when the activities are bound to the clients' deals (as most portals
//! work: calls and meetings are planned on the deal). A deal's activity counts for the deal's company and contact
//! (docs/METRICS.md). Hand-made portal on SQLite and PostgreSQL; now = 2026-03-15 12:00 MSK.

use crate::common::*;
use b24a_reports::{drill_down, run_report, ListQuery, ReportId};

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    let old = msk(2026, 2, 1, 12, 0);
    // c1: its deal 1 has an open activity due 03-20 -> planned. c2: its deal 2 has only an activity completed on
    // 03-10 -> not planned, last touch 03-10 (5 days). c3: no deal, nothing -> not planned, 42 days.
    for id in 1..=3 {
        exec(s, &format!(
            "INSERT INTO companies (portal_id, id, title, company_type, assigned_by_id, date_create, date_modify, synced_at) \
             VALUES (1, {id}, 'ООО Компания {id}', 'CUSTOMER', 10, {old}, {old}, 0)"
        ))
        .await;
    }
    // k1: contact of deal 3, which has an open activity without a deadline -> planned. k2: nothing -> not planned.
    exec(s, &format!(
        "INSERT INTO contacts (portal_id, id, name, last_name, second_name, type_id, assigned_by_id, date_create, date_modify, synced_at) \
         VALUES (1, 1, 'Анна', 'Смирнова', '', 'CLIENT', 10, {old}, {old}, 0), (1, 2, 'Иван', 'Петров', '', 'CLIENT', 10, {old}, {old}, 0)"
    ))
    .await;
    for (id, company) in [(1, Some(1)), (2, Some(2)), (3, None)] {
        deal(
            s,
            D {
                id,
                created: old,
                company,
                ..D::default()
            },
        )
        .await;
    }
    exec(
        s,
        "UPDATE deals SET contact_id = 1 WHERE portal_id = 1 AND id = 3",
    )
    .await;
    activity(
        s,
        A {
            id: 1,
            owner: 1,
            completed: false,
            created: old,
            deadline: Some(msk(2026, 3, 20, 12, 0)),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 2,
            owner: 2,
            completed: true,
            created: msk(2026, 2, 10, 12, 0),
            updated: Some(msk(2026, 3, 10, 12, 0)),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 3,
            owner: 3,
            completed: false,
            created: old,
            deadline: None,
            ..A::default()
        },
    )
    .await;
}

#[tokio::test]
async fn a_deals_activity_counts_for_its_company_and_contact() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, msk(2026, 3, 15, 12, 0), 24).await;
        let f = filter("{}");
        let a = run_report(s, &ctx, ReportId::ForgetMeNot, &f)
            .await
            .unwrap();
        // By hand: c2 and c3 have nothing planned; c1 has its deal's planned call. k2 has nothing; k1 has its deal's.
        assert_eq!(
            a.tile("companies_unplanned").unwrap().value,
            Some(2.0),
            "{}",
            db.label
        );
        assert_eq!(
            a.tile("contacts_unplanned").unwrap().value,
            Some(1.0),
            "{}",
            db.label
        );
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
        assert_eq!(
            l.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![3, 2],
            "{}",
            db.label
        );
        // c2's last touch is the completion on its deal (03-10), not its own creation (02-01).
        let days: Vec<_> = l
            .rows
            .iter()
            .map(|r| r.columns["days_since"].clone())
            .collect();
        assert_eq!(days, vec![42, 5], "{}", db.label);
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
        assert_eq!(
            l.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![2],
            "{}",
            db.label
        );
    }
}
