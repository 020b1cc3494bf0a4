//! R5 on a hand-made portal, on SQLite and PostgreSQL. Period March 2026, weekly buckets, now 2026-04-10.
use crate::common;

use b24a_reports::{drill_down, run_report, Drill, Group, ListQuery, ReportId, Side};
use common::*;

fn now() -> i64 {
    msk(2026, 4, 10, 12, 0)
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    exec(s, "INSERT INTO projects (portal_id, id, name, synced_at) VALUES (1, 5, 'Site', 0), (1, 6, 'CRM', 0)").await;
    let at = |d: u32, h: u32| Some(msk(2026, 3, d, h, 0));
    let c = msk(2026, 2, 20, 10, 0);
    // t1: started 03-02 09:00 before planned 10:00, closed 03-05 17:00 before deadline 18:00 -> on time twice.
    task(
        s,
        T {
            id: 1,
            status: 5,
            responsible: Some(10),
            group: Some(5),
            created: c,
            plan_start: at(2, 10),
            start: at(2, 9),
            deadline: at(5, 18),
            closed: at(5, 17),
        },
    )
    .await;
    // t2: no planned start: started 03-07 after the deadline 03-06 18:00, closed 03-08 -> late twice, overdue.
    task(
        s,
        T {
            id: 2,
            status: 5,
            responsible: Some(10),
            group: Some(5),
            created: c,
            start: at(7, 9),
            deadline: at(6, 18),
            closed: at(8, 9),
            ..T::default()
        },
    )
    .await;
    // t3: started 03-01 (before the deadline), still in progress after its deadline 03-10 -> started on time, overdue.
    task(
        s,
        T {
            id: 3,
            status: 3,
            responsible: Some(11),
            group: Some(6),
            created: c,
            start: at(1, 9),
            deadline: at(10, 18),
            ..T::default()
        },
    )
    .await;
    // t4: never started, deadline 03-20 -> not started, overdue.
    task(
        s,
        T {
            id: 4,
            status: 2,
            responsible: Some(11),
            created: c,
            deadline: at(20, 18),
            ..T::default()
        },
    )
    .await;
    // t5: planned start 03-20, started 03-21 (late), awaiting control since 03-24 (deadline 03-25) -> finished on time.
    task(
        s,
        T {
            id: 5,
            status: 4,
            responsible: Some(12),
            group: Some(6),
            created: c,
            plan_start: at(20, 9),
            start: at(21, 9),
            deadline: at(25, 18),
            closed: at(24, 9),
        },
    )
    .await;
    // t6: declined -> out of the universe. t7: no deadline, created 03-03 -> counted apart. t8: deadline in April.
    task(
        s,
        T {
            id: 6,
            status: 7,
            responsible: Some(10),
            created: c,
            deadline: at(12, 18),
            ..T::default()
        },
    )
    .await;
    task(
        s,
        T {
            id: 7,
            status: 2,
            responsible: Some(10),
            created: msk(2026, 3, 3, 9, 0),
            ..T::default()
        },
    )
    .await;
    task(
        s,
        T {
            id: 8,
            status: 2,
            responsible: Some(10),
            created: c,
            deadline: Some(msk(2026, 4, 5, 18, 0)),
            ..T::default()
        },
    )
    .await;
    // t9: inactive employee 13 (dept 1): started 03-14, closed 03-15 12:00, deadline 03-15 18:00 (a Sunday).
    task(
        s,
        T {
            id: 9,
            status: 5,
            responsible: Some(13),
            created: c,
            start: at(14, 9),
            deadline: at(15, 18),
            closed: at(15, 12),
            ..T::default()
        },
    )
    .await;
}

#[tokio::test]
async fn r5_execution_coefficient_and_breakdowns() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(
            r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}, "bucket": "week"}"#,
        );
        let a = run_report(s, &ctx, ReportId::Tasks, &f).await.unwrap();
        // Universe t1,t2,t3,t4,t5,t9 = 6; started on time t1,t3,t9 = 50 %; finished on time t1,t5,t9 = 50 %; K = 25 %.
        assert_eq!(
            a.tile("task_universe").unwrap().value,
            Some(6.0),
            "{}",
            db.label
        );
        assert!(approx(a.tile("task_started_share").unwrap().value, 50.0));
        assert!(approx(a.tile("task_finished_share").unwrap().value, 50.0));
        assert!(approx(a.tile("exec_coefficient").unwrap().value, 25.0));
        assert_eq!(a.tile("task_no_deadline").unwrap().value, Some(1.0));
        assert_eq!(a.tile("task_overdue").unwrap().value, Some(3.0)); // t2, t3, t4
        let e = a.table("by_employee").unwrap();
        let v = |g: Group, m: &str| e.cell(&g, m).unwrap().value;
        assert_eq!(v(Group::Total, "task_done"), Some(4.0)); // t1, t2, t5, t9
        assert_eq!(v(Group::Total, "task_not_started"), Some(1.0)); // t4
        assert_eq!(v(Group::Total, "task_in_progress"), Some(1.0)); // t3
        assert!(approx(v(Group::User(10), "exec_coefficient"), 25.0)); // t1 ok, t2 late: 50 % x 50 %
        assert!(approx(v(Group::User(11), "exec_coefficient"), 0.0)); // nothing finished on time
        assert_eq!(
            e.rows
                .iter()
                .find(|r| r.group == Group::User(13))
                .unwrap()
                .note,
            Some("inactive")
        );
        // Department 1 = employees 10 and 13: t1, t2, t9 -> 2/3 x 2/3.
        let d = a.table("by_department").unwrap();
        assert!(approx(
            d.cell(&Group::Department(1), "exec_coefficient")
                .unwrap()
                .value,
            400.0 / 9.0
        ));
        let p = a.table("by_project").unwrap();
        assert_eq!(
            p.cell(&Group::Project(6), "task_universe").unwrap().value,
            Some(2.0)
        ); // t3, t5
        assert_eq!(
            p.cell(&Group::Project(0), "task_universe").unwrap().value,
            Some(2.0)
        ); // t4, t9
           // Weekly dynamics (weeks start on Monday; 03-01 is a Sunday, so the first bucket is 02-23).
        let dy = a.table("dynamics").unwrap();
        assert_eq!(
            dy.rows.first().unwrap().group,
            Group::Bucket(day("2026-02-23"))
        );
        assert_eq!(dy.rows.len(), 6);
        assert!(approx(
            dy.cell(&Group::Bucket(day("2026-03-02")), "exec_coefficient")
                .unwrap()
                .value,
            25.0
        )); // t1, t2
        assert!(approx(
            dy.cell(&Group::Bucket(day("2026-03-09")), "exec_coefficient")
                .unwrap()
                .value,
            50.0
        )); // t3, t9
        assert_eq!(
            dy.cell(&Group::Bucket(day("2026-02-23")), "exec_coefficient")
                .unwrap()
                .value,
            None
        );
        // Department dynamics: dept 1 in week 03-09 has only t9 -> 100 %.
        let dd = a.table("department_dynamics").unwrap();
        assert!(approx(
            dd.cell(
                &Group::DepartmentBucket(1, day("2026-03-09")),
                "exec_coefficient"
            )
            .unwrap()
            .value,
            100.0
        ));
        // Drill: overdue tasks of employee 11 are t3 and t4.
        let dr = Drill {
            metric: "task_overdue".into(),
            group: Group::User(11),
            side: Side::Current,
        };
        let l = drill_down(s, &ctx, ReportId::Tasks, &f, &dr, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(l.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(
            l.rows[0].path,
            "/company/personal/user/11/tasks/task/view/3/"
        );
        // Project filter: project 5 -> t1, t2.
        let f5 = filter(
            r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}, "projects": [5]}"#,
        );
        let a = run_report(s, &ctx, ReportId::Tasks, &f5).await.unwrap();
        assert_eq!(a.tile("task_universe").unwrap().value, Some(2.0));
    }
}
