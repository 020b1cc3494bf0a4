//! Sync state, per-portal settings with defaults, access rules, user presets and sales plans on both backends.

use crate::common;

use b24a_store::*;
use common::*;
use serde_json::json;

fn plan() -> NewSalesPlan {
    NewSalesPlan {
        user_id: Some(7),
        department_id: None,
        category_id: Some(0),
        period_kind: "quarter".into(),
        period_start: "2026-04-01".into(),
        amount_cents: 150_000_000,
        deal_count: Some(12),
        bonus_cents: 2_000_000,
        grade: Some("senior".into()),
        updated_by: Some(1),
    }
}

store_test!(sync_state_round_trips_and_errors_keep_the_cursor, |store| {
    let p = portal(&store, "state").await;
    assert_eq!(store.sync_state(p, "deals").await.unwrap(), None);
    assert_eq!(
        store.sync_state_or_new(p, "deals").await.unwrap(),
        SyncState::new("deals")
    );

    let state = SyncState {
        entity: "deals".into(),
        phase: sync_state::phase::INCREMENTAL.into(),
        cursor_id: 123_456,
        watermark: Some(1_763_800_000),
        done_count: 98_765,
        estimated_total: Some(100_000),
        full_started_at: Some(1_763_700_000),
        full_finished_at: Some(1_763_750_000),
        last_success_at: Some(1_763_800_100),
        last_error: None,
        last_error_at: None,
        reconciled_at: Some(1_763_790_000),
        updated_at: 0,
    };
    store.put_sync_state(p, &state).await.unwrap();
    let mut leads = SyncState::new("leads");
    leads.phase = "full".into();
    store.put_sync_state(p, &leads).await.unwrap();

    let saved = store.sync_state(p, "deals").await.unwrap().unwrap();
    assert!(saved.updated_at >= chrono::Utc::now().timestamp() - 60);
    assert_eq!(
        SyncState {
            updated_at: 0,
            ..saved
        },
        state
    );

    store
        .record_sync_error(p, "deals", &"x".repeat(5000))
        .await
        .unwrap();
    let failed = store.sync_state(p, "deals").await.unwrap().unwrap();
    assert_eq!(failed.last_error.as_ref().map(String::len), Some(1000));
    assert!(failed.last_error_at.is_some());
    assert_eq!(
        (failed.cursor_id, failed.watermark, failed.phase.as_str()),
        (123_456, Some(1_763_800_000), "incremental")
    );
    // An error before anything was saved creates a pending row.
    store
        .record_sync_error(p, "tasks", "scope denied")
        .await
        .unwrap();
    let tasks = store.sync_state(p, "tasks").await.unwrap().unwrap();
    assert_eq!(
        (
            tasks.phase.as_str(),
            tasks.cursor_id,
            tasks.last_error.as_deref()
        ),
        ("pending", 0, Some("scope denied"))
    );

    let names: Vec<String> = store
        .sync_states(p)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.entity)
        .collect();
    assert_eq!(names, vec!["deals", "leads", "tasks"]);
    let q = portal(&store, "other").await;
    assert!(store.sync_states(q).await.unwrap().is_empty());

    let mut bad = SyncState::new("deals");
    bad.phase = "done".into();
    assert_eq!(
        store
            .put_sync_state(p, &bad)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("phase")
    );
    assert_eq!(
        store
            .sync_state(p, "deals")
            .await
            .unwrap()
            .unwrap()
            .cursor_id,
        123_456
    );
});

store_test!(settings_read_their_defaults_until_set, |store| {
    let p = portal(&store, "settings").await;
    let q = portal(&store, "other").await;
    let defaults = store.forget_me_not_settings(p).await.unwrap();
    assert_eq!(
        defaults,
        ForgetMeNotSettings {
            lead_days: 7,
            deal_days: 14,
            planned_activity_counts_as_care: true
        }
    );

    let mine = ForgetMeNotSettings {
        lead_days: 3,
        deal_days: 30,
        planned_activity_counts_as_care: false,
    };
    store
        .set_forget_me_not_settings(p, &mine, Some(1))
        .await
        .unwrap();
    assert_eq!(store.forget_me_not_settings(p).await.unwrap(), mine);
    assert_eq!(store.forget_me_not_settings(q).await.unwrap(), defaults);

    // One key set alone: the others stay at their defaults.
    store
        .clear_setting(p, settings::key::FORGET_ME_NOT_LEAD_DAYS)
        .await
        .unwrap();
    assert_eq!(store.forget_me_not_settings(p).await.unwrap().lead_days, 7);
    assert_eq!(store.forget_me_not_settings(p).await.unwrap().deal_days, 30);

    let err = store
        .set_forget_me_not_settings(
            p,
            &ForgetMeNotSettings {
                lead_days: 0,
                ..defaults
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("lead_days"));
    let err = store
        .set_forget_me_not_settings(
            p,
            &ForgetMeNotSettings {
                deal_days: 100_000,
                ..defaults
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("deal_days"));
    assert_eq!(store.forget_me_not_settings(p).await.unwrap().deal_days, 30);

    // Generic JSON settings; a value of the wrong shape is reported, not defaulted.
    store
        .set_setting(p, "report_colors", &json!({"won": "#0a0"}), None)
        .await
        .unwrap();
    assert_eq!(
        store.setting_json(p, "report_colors").await.unwrap(),
        Some(json!({"won": "#0a0"}))
    );
    store
        .set_setting(p, settings::key::FORGET_ME_NOT_DEAL_DAYS, &"soon", None)
        .await
        .unwrap();
    assert!(matches!(
        store.forget_me_not_settings(p).await,
        Err(StoreError::Corrupt { .. })
    ));
});

store_test!(access_rules_and_presets, |store| {
    let p = portal(&store, "access").await;
    let q = portal(&store, "other").await;
    let user_rule = AccessRule {
        report: "plan".into(),
        subject: AccessSubject::User(5),
        scope: RuleScope::Own,
    };
    let dept_rule = AccessRule {
        report: "*".into(),
        subject: AccessSubject::Department(3),
        scope: RuleScope::Own,
    };
    assert!(store.add_access_rule(p, &user_rule).await.unwrap());
    assert!(!store.add_access_rule(p, &user_rule).await.unwrap());
    assert!(store.add_access_rule(p, &dept_rule).await.unwrap());
    assert_eq!(
        store.access_rules(p).await.unwrap(),
        vec![dept_rule.clone(), user_rule.clone()]
    );
    assert!(store.access_rules(q).await.unwrap().is_empty());
    assert!(store.remove_access_rule(p, &user_rule).await.unwrap());
    assert!(!store.remove_access_rule(p, &user_rule).await.unwrap());
    let bad = AccessRule {
        report: "salaries".into(),
        subject: AccessSubject::User(5),
        scope: RuleScope::Own,
    };
    assert_eq!(
        store
            .add_access_rule(p, &bad)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("report")
    );
    // A bad rule in a replacement keeps the old rules.
    assert!(store
        .replace_access_rules(p, &[user_rule.clone(), bad])
        .await
        .is_err());
    assert_eq!(
        store.access_rules(p).await.unwrap(),
        vec![dept_rule.clone()]
    );
    store
        .replace_access_rules(p, std::slice::from_ref(&user_rule))
        .await
        .unwrap();
    assert_eq!(store.access_rules(p).await.unwrap(), vec![user_rule]);

    assert_eq!(store.user_preset(p, 5, "managers").await.unwrap(), None);
    let preset = json!({"period": "last_month", "pipelines": [0, 3], "cohort": "closed"});
    store
        .set_user_preset(p, 5, "managers", &preset)
        .await
        .unwrap();
    store
        .set_user_preset(p, 5, "managers", &json!({"period": "this_week"}))
        .await
        .unwrap();
    store
        .set_user_preset(p, 6, "managers", &preset)
        .await
        .unwrap();
    assert_eq!(
        store.user_preset(p, 5, "managers").await.unwrap(),
        Some(json!({"period": "this_week"}))
    );
    assert_eq!(
        store.user_preset(p, 6, "managers").await.unwrap(),
        Some(preset)
    );
    assert_eq!(store.user_preset(q, 5, "managers").await.unwrap(), None);
});

store_test!(sales_plans_crud_and_validation, |store| {
    let p = portal(&store, "plans").await;
    let q = portal(&store, "other").await;
    let id = store.create_plan(p, &plan()).await.unwrap();
    let saved = store.plan(p, id).await.unwrap().unwrap();
    assert_eq!(
        (
            saved.user_id,
            saved.department_id,
            saved.category_id,
            saved.period_kind.as_str(),
            saved.period_start.as_str()
        ),
        (Some(7), None, Some(0), "quarter", "2026-04-01")
    );
    assert_eq!(
        (
            saved.amount_cents,
            saved.deal_count,
            saved.bonus_cents,
            saved.grade.as_deref()
        ),
        (150_000_000, Some(12), 2_000_000, Some("senior"))
    );
    assert_eq!(store.plan(q, id).await.unwrap(), None);

    let mut dept = plan();
    dept.user_id = None;
    dept.department_id = Some(3);
    dept.period_kind = "year".into();
    dept.period_start = "2026-01-01".into();
    let mut month = plan();
    month.period_kind = "month".into();
    month.period_start = "2026-05-01".into();
    let ids = store.create_plans(p, &[dept, month]).await.unwrap();
    assert_eq!(ids.len(), 2);
    let starts: Vec<String> = store
        .plans(p)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.period_start)
        .collect();
    assert_eq!(starts, vec!["2026-01-01", "2026-04-01", "2026-05-01"]);
    let april_on: Vec<i64> = store
        .plans_between(p, "2026-04-01", "2026-12-31")
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(april_on, vec![id, ids[1]]);

    let mut changed = plan();
    changed.amount_cents = 0;
    store.update_plan(p, id, &changed).await.unwrap();
    assert_eq!(store.plan(p, id).await.unwrap().unwrap().amount_cents, 0);
    assert!(store.delete_plan(p, id).await.unwrap());
    assert!(!store.delete_plan(p, id).await.unwrap());
    assert!(matches!(
        store.update_plan(p, id, &plan()).await,
        Err(StoreError::NotFound(_))
    ));

    // Each invalid row is refused with the field named; a pasted batch with one bad row writes nothing.
    type Edit = fn(&mut NewSalesPlan);
    let cases: [(&str, Edit); 10] = [
        ("amount_cents", |x| x.amount_cents = -1),
        ("period_kind", |x| x.period_kind = "week".into()),
        ("period_start", |x| x.period_start = "2026-05-01".into()),
        ("period_start", |x| x.period_start = "2026-04-02".into()),
        ("period_start", |x| x.period_start = "01.04.2026".into()),
        ("user_id", |x| x.department_id = Some(3)),
        ("user_id", |x| x.user_id = None),
        ("user_id", |x| x.user_id = Some(0)),
        ("deal_count", |x| x.deal_count = Some(-3)),
        ("bonus_cents", |x| x.bonus_cents = -100),
    ];
    let before = store.plans(p).await.unwrap();
    for (field, edit) in cases {
        let mut bad = plan();
        edit(&mut bad);
        let err = store
            .create_plans(p, &[plan(), bad.clone()])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    record: "sales_plan",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.invalid_field(), Some(field), "{err}");
        assert_eq!(
            store
                .update_plan(p, ids[0], &bad)
                .await
                .unwrap_err()
                .invalid_field(),
            Some(field)
        );
    }
    assert_eq!(store.plans(p).await.unwrap(), before);
});

store_test!(sales_plans_refuse_a_repeated_row, |store| {
    let p = portal(&store, "plans-dup").await;
    let q = portal(&store, "plans-other").await;
    let first = store.create_plan(p, &plan()).await.unwrap();
    // The same employee × pipeline × period pasted again: refused, naming the row and the row it repeats.
    let mut other = plan();
    other.period_kind = "month".into();
    other.period_start = "2026-05-01".into();
    let err = store
        .create_plans(p, &[other.clone(), plan()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicatePlan { row: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("rows[1].period_start"), "{err}");
    assert!(
        err.to_string().contains(&format!("plan row {first}")),
        "{err}"
    );
    // Twice in one paste: the second is refused; nothing of the paste is written.
    let err = store
        .create_plans(p, &[other.clone(), other.clone()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rows[0]"), "{err}");
    assert_eq!(store.plans(p).await.unwrap().len(), 1);
    // A different pipeline, or "all pipelines", is another plan; another portal may plan the same.
    let mut all = plan();
    all.category_id = None;
    store.create_plans(p, &[other.clone(), all]).await.unwrap();
    store.create_plan(q, &plan()).await.unwrap();
    // Editing a row into a copy of another is refused too; saving a row unchanged is not.
    let all_id = store.plans(p).await.unwrap()[1].id;
    assert!(matches!(
        store.update_plan(p, all_id, &plan()).await,
        Err(StoreError::DuplicatePlan { .. })
    ));
    store.update_plan(p, first, &plan()).await.unwrap();
});

// The answer stamp (migration 0016): a write to a table an answer reads that is not kept in the reports' parts —
// a setting, the sync state, a sales plan — moves the portal's stamp, and only that portal's.
store_test!(
    answer_stamp_moves_on_every_read_table_and_only_for_its_portal,
    |store| {
        let p = portal(&store, "stamp").await;
        let q = portal(&store, "stamp-other").await;
        let s0 = store
            .report_answer_stamp(p)
            .await
            .unwrap()
            .expect("a version row");
        let q0 = store.report_answer_stamp(q).await.unwrap();
        assert_eq!(
            store.report_answer_stamp(p).await.unwrap(),
            Some(s0),
            "reading moves nothing"
        );

        store
            .set_setting(p, "answer_stamp_test", &json!({"a": 1}), Some(1))
            .await
            .unwrap();
        let s1 = store.report_answer_stamp(p).await.unwrap().unwrap();
        assert_ne!(s1, s0, "a setting write moves the stamp");

        let mut st = SyncState::new("deals");
        st.phase = "full".into();
        store.put_sync_state(p, &st).await.unwrap();
        let s2 = store.report_answer_stamp(p).await.unwrap().unwrap();
        assert_ne!(s2, s1, "a sync state write moves the stamp");

        store.create_plan(p, &plan()).await.unwrap();
        let s3 = store.report_answer_stamp(p).await.unwrap().unwrap();
        assert_ne!(s3, s2, "a plan write moves the stamp");

        assert_eq!(
            store.report_answer_stamp(q).await.unwrap(),
            q0,
            "another portal's stamp stays"
        );
    }
);
