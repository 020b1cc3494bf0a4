//! R2 on a hand-made portal, on SQLite and PostgreSQL. Expected numbers are worked out in the comments.
use crate::common;

use b24a_reports::{drill_down, run_report, Drill, Group, ListQuery, ReportId, Side};
use common::*;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}
const PERIOD: &str = r#""period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}"#;

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    let at = |d: u32| Some(msk(2026, 3, d, 11, 0));
    let call = |id, dir, resp, d| A {
        id,
        type_id: 2,
        provider: Some("VOXIMPLANT_CALL"),
        provider_type: Some("CALL"),
        direction: dir,
        responsible: Some(resp),
        created: msk(2026, 3, d, 11, 0),
        start: at(d),
        ..A::default()
    };
    activity(s, call(1, 2, 10, 2)).await; // 10: outgoing call
    activity(s, call(2, 1, 10, 3)).await; // 10: incoming call
                                          // 11: legacy TYPE_ID 2 without provider = a call (outgoing), never a meeting.
    activity(
        s,
        A {
            id: 3,
            type_id: 2,
            provider: None,
            provider_type: None,
            direction: 2,
            responsible: Some(11),
            created: msk(2026, 3, 3, 9, 0),
            start: at(3),
            ..A::default()
        },
    )
    .await;
    let meeting = |id, done, d| A {
        id,
        type_id: 1,
        provider: Some("CRM_MEETING"),
        provider_type: Some("MEETING"),
        completed: done,
        responsible: Some(11),
        created: msk(2026, 3, 1, 9, 0),
        start: at(d),
        ..A::default()
    };
    activity(s, meeting(4, true, 4)).await; // 11: meeting held
    activity(s, meeting(5, false, 5)).await; // 11: meeting not held -> not counted
    let email = |id, dir| A {
        id,
        type_id: 4,
        provider: Some("CRM_EMAIL"),
        provider_type: Some("EMAIL"),
        direction: dir,
        responsible: Some(10),
        created: msk(2026, 3, 4, 9, 0),
        start: at(4),
        ..A::default()
    };
    activity(s, email(6, 2)).await; // 10: e-mail sent
    activity(s, email(7, 1)).await; // 10: e-mail received -> not counted
    activity(
        s,
        A {
            id: 8,
            responsible: Some(12),
            created: msk(2026, 3, 6, 9, 0),
            start: at(6),
            ..A::default()
        },
    )
    .await; // 12: to-do done
    activity(
        s,
        A {
            id: 9,
            provider: Some("CRM_TASKS_TASK"),
            provider_type: Some("TASKS_TASK"),
            responsible: Some(13),
            created: msk(2026, 3, 7, 9, 0),
            start: at(7),
            ..A::default()
        },
    )
    .await; // 13 (inactive): task done
    activity(
        s,
        A {
            id: 10,
            responsible: Some(10),
            created: msk(2026, 2, 20, 9, 0),
            start: Some(msk(2026, 2, 20, 9, 0)),
            ..A::default()
        },
    )
    .await; // outside the period
            // Overdue open: 11 (deadline 03-10) and 14 (deadline 03-01, the oldest), both of employee 10; 12 is in the future.
    activity(
        s,
        A {
            id: 11,
            completed: false,
            responsible: Some(10),
            created: msk(2026, 3, 1, 9, 0),
            start: at(10),
            deadline: at(10),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 12,
            completed: false,
            responsible: Some(11),
            created: msk(2026, 3, 1, 9, 0),
            start: Some(msk(2026, 3, 20, 9, 0)),
            deadline: Some(msk(2026, 3, 20, 9, 0)),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 13,
            provider: Some("REST_APP"),
            provider_type: Some("X"),
            responsible: Some(12),
            created: msk(2026, 3, 6, 9, 0),
            start: at(6),
            ..A::default()
        },
    )
    .await; // other -> not counted
    activity(
        s,
        A {
            id: 14,
            type_id: 2,
            provider: Some("VOXIMPLANT_CALL"),
            provider_type: Some("CALL"),
            direction: 2,
            completed: false,
            responsible: Some(10),
            created: msk(2026, 2, 25, 9, 0),
            start: Some(msk(2026, 3, 1, 9, 0)),
            deadline: Some(msk(2026, 3, 1, 9, 0)),
            ..A::default()
        },
    )
    .await;
    exec(s, &format!("INSERT INTO calls (portal_id, id, user_id, call_type, duration_seconds, start_time, synced_at) VALUES (1, 1, 10, 1, 300, {}, 0)", msk(2026, 3, 2, 11, 0))).await;
    deal(
        s,
        D {
            id: 1,
            stage: "WON",
            sem: "S",
            cents: 100_000,
            created: msk(2026, 3, 2, 10, 0),
            closedate: Some("2026-03-05"),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 2,
            stage: "LOSE",
            sem: "F",
            cents: 50_000,
            created: msk(2026, 3, 3, 10, 0),
            closedate: Some("2026-03-04"),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 3,
            stage: "WORK",
            cents: 20_000,
            created: msk(2026, 3, 4, 10, 0),
            manager: Some(11),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 4,
            stage: "WON",
            sem: "S",
            cents: 10_000,
            currency: "USD",
            created: msk(2026, 2, 25, 10, 0),
            closedate: Some("2026-03-06"),
            manager: Some(11),
            ..D::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 1,
            status: "CONVERTED",
            sem: "S",
            manager: Some(12),
            created: msk(2026, 3, 2, 10, 0),
            closed: Some(msk(2026, 3, 5, 10, 0)),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 2,
            status: "JUNK",
            sem: "F",
            manager: Some(12),
            created: msk(2026, 2, 20, 10, 0),
            closed: Some(msk(2026, 3, 3, 10, 0)),
            ..L::default()
        },
    )
    .await;
}

#[tokio::test]
async fn r2_activities_index_results_overdue() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(&format!("{{{PERIOD}}}"));
        let a = run_report(s, &ctx, ReportId::Managers, &f).await.unwrap();
        let t = a.table("employees").unwrap();
        let v = |g: Group, m: &str| t.cell(&g, m).unwrap_or_else(|| panic!("{g:?} {m}")).value;
        // Completed: 10 -> calls 1 out + 1 in + 1 e-mail = 3; 11 -> legacy call + meeting = 2; 12 -> to-do = 1; 13 -> task = 1.
        assert_eq!(
            v(Group::User(10), "act_calls_out"),
            Some(1.0),
            "{}",
            db.label
        );
        assert_eq!(v(Group::User(10), "act_calls_in"), Some(1.0));
        assert_eq!(v(Group::User(10), "act_emails_sent"), Some(1.0));
        assert_eq!(v(Group::User(11), "act_calls_out"), Some(1.0));
        assert_eq!(v(Group::User(11), "act_meetings_held"), Some(1.0));
        assert_eq!(v(Group::User(12), "act_todos_done"), Some(1.0));
        assert_eq!(v(Group::User(13), "act_todos_done"), Some(1.0));
        assert_eq!(v(Group::Total, "act_completed"), Some(7.0));
        // Rows: active 10, 11, 12 plus inactive 13 (has records) -> mean 7 / 4 = 1.75; index 10 = 3 / 1.75 * 100.
        assert!(approx(v(Group::User(10), "activity_index"), 300.0 / 1.75));
        assert!(approx(v(Group::User(12), "activity_index"), 100.0 / 1.75));
        assert!(approx(v(Group::Total, "activity_index"), 100.0));
        // Department 1 = employees 10 and 13: 4 completed over 2 people -> 2 / 1.75.
        assert!(approx(
            v(Group::Department(1), "activity_index"),
            200.0 / 1.75
        ));
        assert_eq!(
            t.rows
                .iter()
                .find(|r| r.group == Group::User(13))
                .unwrap()
                .note,
            Some("inactive")
        );
        assert!(approx(v(Group::User(10), "call_minutes"), 5.0));
        // Results: 10 created 2 and closed both in the period, won 1 (1000.00), lost 1 -> win conversion 50 %, cohort
        // conversion 1 / 2; 11 created 1 (in work) -> cohort conversion 0 %, but won deal 4 (created before the
        // period, closed in it, 9000.00) -> win conversion 1 / (1 + 0) = 100 %, whatever the cohort switch.
        assert_eq!(v(Group::User(10), "deal_created"), Some(2.0));
        assert!(approx(v(Group::User(10), "conversion"), 50.0));
        assert!(approx(v(Group::User(10), "cohort_conversion"), 50.0));
        assert!(approx(v(Group::User(11), "conversion"), 100.0));
        assert!(approx(v(Group::User(11), "cohort_conversion"), 0.0));
        assert_eq!(v(Group::User(11), "deal_in_work"), Some(1.0));
        // Leads of 12: created 1 (converted) -> 100 %; processed in the period: l1 (03-05) and l2 (03-03) = 2.
        assert_eq!(v(Group::User(12), "leads_processed"), Some(2.0));
        assert!(approx(v(Group::User(12), "lead_conversion"), 100.0));
        // "Activity vs results" scatter (R2, docs/METRICS.md): the server plots, per employee row (subtotals and the team total
        // left out), the only index column against the first money column, which must be the won sum. By hand:
        // 10 -> (3 / 1.75 * 100, 1000.00), 11 -> (2 / 1.75 * 100, 9000.00: deal 4 won in the period),
        // 12 -> (1 / 1.75 * 100, 0), 13 -> same as 12.
        let index_cols: Vec<usize> = (0..t.columns.len())
            .filter(|i| t.columns[*i].unit == b24a_reports::Unit::Index)
            .collect();
        let money_col = t
            .columns
            .iter()
            .position(|c| c.unit == b24a_reports::Unit::Money)
            .unwrap();
        assert_eq!(index_cols.len(), 1);
        assert_eq!(t.columns[index_cols[0]].metric, "activity_index");
        assert_eq!(t.columns[money_col].metric, "deal_won");
        let points: Vec<(Group, f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.note != Some("subtotal"))
            .map(|r| {
                (
                    r.group.clone(),
                    r.cells[index_cols[0]].value.unwrap(),
                    r.cells[money_col].value.unwrap(),
                )
            })
            .collect();
        let want = [
            (Group::User(10), 300.0 / 1.75, 1000.0),
            (Group::User(11), 200.0 / 1.75, 9000.0),
            (Group::User(12), 100.0 / 1.75, 0.0),
            (Group::User(13), 100.0 / 1.75, 0.0),
        ];
        assert_eq!(points.len(), want.len(), "{points:?}");
        for (g, x, y) in want {
            let p = points.iter().find(|p| p.0 == g).unwrap();
            assert!(approx(Some(p.1), x) && approx(Some(p.2), y), "{p:?}");
        }
        // Overdue open activities of 10: ids 11 and 14, oldest deadline 03-01 09:00.
        assert_eq!(v(Group::User(10), "act_overdue"), Some(2.0));
        assert_eq!(
            v(Group::User(10), "act_overdue_oldest"),
            Some(msk(2026, 3, 1, 9, 0) as f64)
        );
        assert_eq!(v(Group::User(11), "act_overdue"), Some(0.0));
        // Drill: 10's completed activities are 1, 2, 6; department 1's add 13's task 9.
        let q = ListQuery::default();
        for (g, want) in [
            (Group::User(10), vec![1, 2, 6]),
            (Group::Department(1), vec![1, 2, 6, 9]),
        ] {
            let d = Drill {
                metric: "act_completed".into(),
                group: g,
                side: Side::Current,
            };
            let l = drill_down(s, &ctx, ReportId::Managers, &f, &d, &q)
                .await
                .unwrap();
            let mut ids: Vec<i64> = l.rows.iter().map(|r| r.id).collect();
            ids.sort();
            assert_eq!(ids, want);
        }
        let d = t
            .cell(&Group::User(10), "act_overdue")
            .unwrap()
            .drill
            .clone()
            .unwrap();
        let l = drill_down(s, &ctx, ReportId::Managers, &f, &d, &q)
            .await
            .unwrap();
        assert_eq!(l.counted, 2);
        assert_eq!(l.rows[0].path, "/crm/deal/details/0/");

        // Closed-in-period method: 10 -> {1, 2} won 1 = 50 %; 11 -> {4} won = 100 %, 9000.00.
        let f = filter(&format!("{{{PERIOD}, \"cohort\": \"closed\"}}"));
        let a = run_report(s, &ctx, ReportId::Managers, &f).await.unwrap();
        let t = a.table("employees").unwrap();
        assert!(approx(
            t.cell(&Group::User(11), "conversion").unwrap().value,
            100.0
        ));
        assert_eq!(
            a.meta.notes[0],
            ("deal_list_cohort".to_string(), "closed".to_string())
        );
        let won_money = t
            .columns
            .iter()
            .position(|c| c.metric == "deal_won" && c.unit == b24a_reports::Unit::Money)
            .unwrap();
        let row11 = t.rows.iter().find(|r| r.group == Group::User(11)).unwrap();
        assert!(approx(row11.cells[won_money].value, 9000.0));
    }
}

/// Activities count by when they were done (LAST_UPDATED of a completed activity, docs/METRICS.md), not by their
/// planned date; someone without calls has 0 talk minutes.
#[tokio::test]
async fn r2_activities_count_when_done_not_when_planned() {
    for db in both().await {
        let s = &db.store;
        seed_portal(s).await;
        let todo = |id, resp, planned, done, completed| A {
            id,
            responsible: Some(resp),
            created: msk(2026, 2, 1, 9, 0),
            start: Some(planned),
            deadline: Some(planned),
            updated: Some(done),
            completed,
            ..A::default()
        };
        // 1: planned for 20 Feb, done 5 Mar -> March's work. 2: planned 3 Mar, done 12 Mar -> not in 1..10 March.
        // 3: open, planned 4 Mar -> never counted. 4: a call of 11 made and completed 2 Mar.
        activity(
            s,
            todo(1, 12, msk(2026, 2, 20, 9, 0), msk(2026, 3, 5, 11, 0), true),
        )
        .await;
        activity(
            s,
            todo(2, 12, msk(2026, 3, 3, 9, 0), msk(2026, 3, 12, 11, 0), true),
        )
        .await;
        activity(
            s,
            todo(3, 12, msk(2026, 3, 4, 9, 0), msk(2026, 3, 4, 9, 0), false),
        )
        .await;
        // 5: planned for 15 January, done 8 March -> March's work too.
        activity(
            s,
            todo(5, 12, msk(2026, 1, 15, 9, 0), msk(2026, 3, 8, 11, 0), true),
        )
        .await;
        activity(
            s,
            A {
                id: 4,
                type_id: 2,
                provider: Some("VOXIMPLANT_CALL"),
                provider_type: Some("CALL"),
                direction: 2,
                responsible: Some(11),
                created: msk(2026, 3, 2, 11, 0),
                start: Some(msk(2026, 3, 2, 11, 0)),
                updated: Some(msk(2026, 3, 2, 11, 5)),
                ..A::default()
            },
        )
        .await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(&format!("{{{PERIOD}}}"));
        let a = run_report(s, &ctx, ReportId::Managers, &f).await.unwrap();
        let t = a.table("employees").unwrap();
        let v = |g: Group, m: &str| t.cell(&g, m).unwrap().value;
        // 12: to-dos 1 and 5 (not 2, planned in the period but done after it).
        assert_eq!(
            v(Group::User(12), "act_todos_done"),
            Some(2.0),
            "{}",
            db.label
        );
        assert_eq!(v(Group::User(11), "act_calls_out"), Some(1.0));
        assert_eq!(v(Group::Total, "act_completed"), Some(3.0));
        // Rows: active 10, 11, 12 -> mean 3 / 3 = 1; 12's index = 2 / 1 * 100 = 200.
        assert!(approx(v(Group::User(12), "activity_index"), 200.0));
        // No calls at all for 10 and 12: talk minutes are 0, not "—".
        assert_eq!(v(Group::User(10), "call_minutes"), Some(0.0));
        assert_eq!(v(Group::User(12), "call_minutes"), Some(0.0));
        // The drill lists exactly to-dos 1 and 5, with the day each was done.
        let d = t
            .cell(&Group::User(12), "act_todos_done")
            .unwrap()
            .drill
            .clone()
            .unwrap();
        let l = drill_down(s, &ctx, ReportId::Managers, &f, &d, &ListQuery::default())
            .await
            .unwrap();
        let mut done: Vec<(i64, String)> = l
            .rows
            .iter()
            .map(|r| (r.id, r.columns["done"].as_str().unwrap_or("").to_string()))
            .collect();
        done.sort();
        assert_eq!(
            done,
            vec![(1, "2026-03-05".to_string()), (5, "2026-03-08".to_string())]
        );
        // 11..20 March: to-do 2 (done 12 March).
        let f =
            filter(r#"{"period": {"preset": "custom", "from": "2026-03-11", "to": "2026-03-20"}}"#);
        let a = run_report(s, &ctx, ReportId::Managers, &f).await.unwrap();
        let t = a.table("employees").unwrap();
        assert_eq!(
            t.cell(&Group::User(12), "act_todos_done").unwrap().value,
            Some(1.0)
        );
    }
}
