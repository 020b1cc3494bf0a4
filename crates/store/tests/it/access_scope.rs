//! Access rules with their data scope (migration 0007) and the bounds of sales-plan rows, on both backends: the
//! scope round-trips and defaults to the least privilege, the database itself refuses an unknown scope, over-large
//! or duplicate rule lists and out-of-range plan rows are refused by field with nothing written, a plan row must
//! name an employee, department and pipeline the portal has, and the heads of departments are read back as synced.

use crate::common;

use b24a_store::records::Department;
use b24a_store::*;
use common::*;

fn rule(report: &str, subject: AccessSubject, scope: RuleScope) -> AccessRule {
    AccessRule {
        report: report.into(),
        subject,
        scope,
    }
}

fn plan(user: Option<i64>, department: Option<i64>) -> NewSalesPlan {
    NewSalesPlan {
        user_id: user,
        department_id: department,
        category_id: Some(0),
        period_kind: "month".into(),
        period_start: "2026-04-01".into(),
        amount_cents: 150_000_000,
        deal_count: Some(12),
        bonus_cents: 2_000_000,
        grade: Some("senior".into()),
        updated_by: Some(1),
    }
}

store_test!(rule_scopes_round_trip_and_default_to_own, |store| {
    let p = portal(&store, "scopes").await;
    let rules = vec![
        rule("*", AccessSubject::Department(3), RuleScope::Department),
        rule("managers", AccessSubject::User(5), RuleScope::Company),
        rule("plan", AccessSubject::User(5), RuleScope::Own),
    ];
    store.replace_access_rules(p, &rules).await.unwrap();
    assert_eq!(store.access_rules(p).await.unwrap(), rules);

    // A rule written without a scope (as before migration 0007) is read as `own`.
    with_pool!(store.pool(), pool => {
        sqlx::query("INSERT INTO access_rules (portal_id, report, subject_type, subject_id) VALUES ($1, 'tasks', 'user', 9)")
            .bind(p.0)
            .execute(pool)
            .await
            .map(|_| ())
    })
    .unwrap();
    assert!(store.access_rules(p).await.unwrap().contains(&rule(
        "tasks",
        AccessSubject::User(9),
        RuleScope::Own
    )));
    // The database refuses a scope it does not know, whoever writes.
    let refused = with_pool!(store.pool(), pool => {
        sqlx::query(
            "INSERT INTO access_rules (portal_id, report, subject_type, subject_id, scope) \
             VALUES ($1, 'tasks', 'user', 10, 'everything')",
        )
        .bind(p.0)
        .execute(pool)
        .await
        .map(|_| ())
    });
    assert!(refused.is_err());
    // The JSON the settings page sends without a scope means `own`.
    let parsed: AccessRule =
        serde_json::from_str(r#"{"report": "*", "subject": {"type": "user", "id": 4}}"#).unwrap();
    assert_eq!(parsed.scope, RuleScope::Own);
});

store_test!(rule_lists_are_bounded_and_unique, |store| {
    let p = portal(&store, "bounded").await;
    let kept = vec![rule("*", AccessSubject::User(1), RuleScope::Own)];
    store.replace_access_rules(p, &kept).await.unwrap();

    let many: Vec<AccessRule> = (1..=access::MAX_ACCESS_RULES as i64 + 1)
        .map(|i| rule("*", AccessSubject::User(i), RuleScope::Own))
        .collect();
    let e = store.replace_access_rules(p, &many).await.unwrap_err();
    assert_eq!(e.invalid_field(), Some("rules"));
    assert_eq!(
        access::list_problem(&many).map(|(f, _)| f),
        Some("rules".to_string())
    );
    let twice = vec![
        rule("plan", AccessSubject::User(2), RuleScope::Own),
        rule("plan", AccessSubject::User(2), RuleScope::Company),
    ];
    assert!(store.replace_access_rules(p, &twice).await.is_err());
    assert_eq!(
        access::list_problem(&twice).map(|(f, _)| f),
        Some("rules[1].subject".to_string())
    );
    assert_eq!(
        store.access_rules(p).await.unwrap(),
        kept,
        "nothing of a refused list is stored"
    );
    // Exactly the limit is fine.
    store
        .replace_access_rules(p, &many[..access::MAX_ACCESS_RULES])
        .await
        .unwrap();
    assert_eq!(
        store.access_rules(p).await.unwrap().len(),
        access::MAX_ACCESS_RULES
    );
});

store_test!(heads_of_departments_are_read_back, |store| {
    let p = portal(&store, "heads").await;
    let q = portal(&store, "heads-other").await;
    let dept = |id: i64, parent: Option<i64>, head: Option<i64>| Department {
        head_user_id: head,
        ..department(id, parent)
    };
    store
        .upsert_departments(
            p,
            &[
                dept(1, None, Some(1)),
                dept(2, Some(1), Some(7)),
                dept(3, Some(2), None),
                dept(4, Some(1), Some(7)),
            ],
        )
        .await
        .unwrap();
    store
        .upsert_departments(q, &[dept(5, None, Some(7))])
        .await
        .unwrap();
    assert_eq!(store.departments_headed_by(p, 7).await.unwrap(), vec![2, 4]);
    assert_eq!(
        store.departments_headed_by(p, 3).await.unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(store.departments_headed_by(q, 7).await.unwrap(), vec![5]);
});

store_test!(plan_rows_are_bounded_and_name_known_things, |store| {
    let p = portal(&store, "plan-bounds").await;
    store.upsert_users(p, &[user(5, &[2])]).await.unwrap();
    store
        .upsert_departments(p, &[department(2, None)])
        .await
        .unwrap();
    store.upsert_pipelines(p, &[pipeline(4)]).await.unwrap();

    let with = |f: &dyn Fn(&mut NewSalesPlan)| {
        let mut r = plan(Some(5), None);
        f(&mut r);
        r
    };
    let cases: Vec<(NewSalesPlan, &str)> = vec![
        (
            with(&|r| r.period_start = "0000-01-01".into()),
            "period_start",
        ),
        (
            with(&|r| r.period_start = "1999-12-01".into()),
            "period_start",
        ),
        (
            with(&|r| r.period_start = "2101-01-01".into()),
            "period_start",
        ),
        (
            with(&|r| r.period_start = "10000-01-01".into()),
            "period_start",
        ),
        (
            with(&|r| r.amount_cents = plans::MAX_CENTS + 1),
            "amount_cents",
        ),
        (with(&|r| r.bonus_cents = i64::MAX), "bonus_cents"),
        (
            with(&|r| r.deal_count = Some(plans::MAX_DEALS + 1)),
            "deal_count",
        ),
        (
            with(&|r| r.grade = Some("x".repeat(plans::MAX_GRADE_CHARS + 1))),
            "grade",
        ),
        (with(&|r| r.grade = Some("a\u{0}b".into())), "grade"),
    ];
    for (row, field) in &cases {
        assert_eq!(
            plans::validate_plan(row).unwrap_err().invalid_field(),
            Some(*field),
            "{row:?}"
        );
        let e = store
            .create_plans(p, &[plan(Some(5), None), row.clone()])
            .await
            .unwrap_err();
        assert_eq!(e.invalid_field(), Some(*field));
    }
    let too_many = vec![plan(Some(5), None); plans::MAX_ROWS + 1];
    assert_eq!(
        store
            .create_plans(p, &too_many)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("rows")
    );
    assert!(store.plans(p).await.unwrap().is_empty(), "nothing stored");

    // The edges are kept.
    let edge = with(&|r| {
        r.period_start = "2100-12-01".into();
        r.amount_cents = plans::MAX_CENTS;
        r.grade = Some("é".repeat(plans::MAX_GRADE_CHARS));
    });
    plans::validate_plan(&edge).unwrap();

    // References: known ones pass, unknown ones are named.
    store
        .check_plan_references(p, &plan(Some(5), None))
        .await
        .unwrap();
    store
        .check_plan_references(p, &plan(None, Some(2)))
        .await
        .unwrap();
    store
        .check_plan_references(p, &with(&|r| r.category_id = Some(4)))
        .await
        .unwrap();
    let unknown = [
        (plan(Some(6), None), "user_id"),
        (plan(None, Some(3)), "department_id"),
        (with(&|r| r.category_id = Some(9)), "category_id"),
    ];
    for (row, field) in &unknown {
        assert_eq!(
            store
                .check_plan_references(p, row)
                .await
                .unwrap_err()
                .invalid_field(),
            Some(*field)
        );
    }
    // Another portal's employee is unknown here.
    let q = portal(&store, "plan-bounds-other").await;
    assert_eq!(
        store
            .check_plan_references(q, &plan(Some(5), None))
            .await
            .unwrap_err()
            .invalid_field(),
        Some("user_id")
    );
});
