//! Synced records, part two: bad input rolls the whole batch back, a batch and its sync state commit together,
//! large deletes, the department subtree, and a batch that writes all its parts or none.

use super::*;

fn bad_last(mut batch: Vec<Deal>, edit: impl FnOnce(&mut Deal)) -> Vec<Deal> {
    if let Some(last) = batch.last_mut() {
        edit(last);
    }
    batch
}

store_test!(an_invalid_last_row_rolls_the_whole_batch_back, |store| {
    let p = portal(&store, "bad").await;
    let stored: Vec<Deal> = (1..=10).map(deal).collect();
    store.upsert_deals(p, &stored).await.unwrap();

    // A batch spanning two statements: an update of deal 1 first, new deals after, the bad row last.
    let mut update = deal(1);
    update.title = "must not be written".into();
    let fresh: Vec<Deal> = std::iter::once(update)
        .chain((11..=1200).map(deal))
        .collect();

    type Edit = fn(&mut Deal);
    let cases: [(&str, Edit); 5] = [
        ("stage_id", |d| d.stage_id = "  ".into()),
        ("id", |d| d.id = -5),
        ("stage_semantic_id", |d| d.stage_semantic_id = "X".into()),
        ("closedate", |d| d.closedate = Some("2026-02-30".into())),
        ("category_id", |d| d.category_id = -1),
    ];
    for (field, edit) in cases {
        let err = store
            .upsert_deals(p, &bad_last(fresh.clone(), edit))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid { record: "deal", .. }),
            "{err}"
        );
        assert_eq!(err.invalid_field(), Some(field), "{err}");
        assert_eq!(all_deals(&store, p).await, stored, "after a bad {field}");
    }

    // The sync state saved with a batch rolls back with it, and a bad state rolls the rows back.
    let mut state = SyncState::new("deals");
    state.phase = "full".into();
    state.cursor_id = 1200;
    assert!(store
        .upsert_deals_with_state(p, &bad_last(fresh.clone(), |d| d.stage_id.clear()), &state)
        .await
        .is_err());
    assert_eq!(store.sync_state(p, "deals").await.unwrap(), None);
    state.phase = "bogus".into();
    let err = store
        .upsert_deals_with_state(p, &fresh, &state)
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("phase"));
    assert_eq!(all_deals(&store, p).await, stored);

    // Rows of a portal that does not exist are refused by the foreign key, never stored as orphans.
    let err = store
        .upsert_deals(b24a_store::PortalId(p.0 + 1000), &[deal(1)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err}");

    // Other record kinds.
    let err = store
        .upsert_stage_history(p, &[history(DEAL, 1, 1, "NEW"), history(3, 2, 1, "NEW")])
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("entity_type_id"));
    assert_eq!(store.count(p, Entity::DealStageHistory).await.unwrap(), 0);
    let err = store
        .upsert_currencies(
            p,
            &[currency("RUB", 1.0, true), currency("USD", f64::NAN, false)],
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("amount"));
    assert!(store.currencies(p).await.unwrap().is_empty());
    let err = store.replace_users(p, &[user(1, &[0])]).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("department_ids"));

    // A failing dictionary replacement deletes nothing.
    store
        .replace_pipelines(p, &[pipeline(0), pipeline(1)])
        .await
        .unwrap();
    assert!(store
        .replace_pipelines(p, &[pipeline(2), pipeline(-1)])
        .await
        .is_err());
    assert_eq!(
        store.pipelines(p).await.unwrap(),
        vec![pipeline(0), pipeline(1)]
    );

    // Custom fields: a value of a record not being replaced is refused, and the old values stay.
    store
        .replace_custom_field_values(p, "DEAL", &[1], &[cf("DEAL", 1, "UF_CRM_A", Some("keep"))])
        .await
        .unwrap();
    let err = store
        .replace_custom_field_values(
            p,
            "DEAL",
            &[1],
            &[
                cf("DEAL", 1, "UF_CRM_A", Some("new")),
                cf("DEAL", 2, "UF_CRM_A", Some("x")),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("entity_id"));
    assert_eq!(
        store.custom_field_values(p, "DEAL", 1).await.unwrap(),
        vec![cf("DEAL", 1, "UF_CRM_A", Some("keep"))]
    );
    let err = store
        .replace_custom_field_values(p, "CONTACT", &[1], &[])
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("entity_type"));
});

store_test!(a_batch_with_its_sync_state_commits_together, |store| {
    let p = portal(&store, "state").await;
    let mut state = SyncState::new("deals");
    state.phase = "full".into();
    state.cursor_id = 3;
    state.done_count = 3;
    state.estimated_total = Some(10);
    store
        .upsert_deals_with_state(p, &[deal(1), deal(2), deal(3)], &state)
        .await
        .unwrap();
    let saved = store.sync_state(p, "deals").await.unwrap().unwrap();
    assert_eq!(
        (
            saved.cursor_id,
            saved.done_count,
            saved.estimated_total,
            saved.phase.as_str()
        ),
        (3, 3, Some(10), "full")
    );
    assert!(saved.updated_at > 1_700_000_000);
    assert_eq!(store.count(p, Entity::Deals).await.unwrap(), 3);
});

store_test!(deletes_by_more_ids_than_one_statement_binds, |store| {
    let p = portal(&store, "bulk-delete").await;
    store
        .upsert_deals(p, &[deal(1), deal(35_000), deal(69_999), deal(70_001)])
        .await
        .unwrap();
    // 70,000 ids: beyond SQLite's 32,766 and PostgreSQL's 65,535 binds per statement.
    let ids: Vec<i64> = (1..=70_000).collect();
    assert_eq!(store.delete_deals(p, &ids).await.unwrap(), 3);
    assert_eq!(
        store.ids(p, Entity::Deals, 0, 10).await.unwrap(),
        vec![70_001]
    );
});

store_test!(department_subtree_walks_the_tree_once, |store| {
    let p = portal(&store, "tree").await;
    let q = portal(&store, "other-tree").await;
    // 1 -> 2 -> 4, 1 -> 3; 5 alone; 6 <-> 7 a cycle the portal should never send but must not hang us.
    store
        .upsert_departments(
            p,
            &[
                department(1, None),
                department(2, Some(1)),
                department(3, Some(1)),
                department(4, Some(2)),
                department(5, None),
                department(6, Some(7)),
                department(7, Some(6)),
            ],
        )
        .await
        .unwrap();
    store
        .upsert_departments(q, &[department(1, None), department(9, Some(1))])
        .await
        .unwrap();
    assert_eq!(
        store.department_subtree(p, 1).await.unwrap(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(store.department_subtree(p, 2).await.unwrap(), vec![2, 4]);
    assert_eq!(store.department_subtree(p, 5).await.unwrap(), vec![5]);
    assert_eq!(store.department_subtree(p, 6).await.unwrap(), vec![6, 7]);
    assert_eq!(
        store.department_subtree(p, 99).await.unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(store.department_subtree(q, 1).await.unwrap(), vec![1, 9]);
});

store_test!(a_batch_writes_all_its_parts_or_none, |store| {
    let p = portal(&store, "batch").await;
    store.upsert_deals(p, &[deal(1), deal(2)]).await.unwrap();
    let mut state = SyncState::new("deals");
    state.phase = "incremental".into();
    state.watermark = Some(1_763_000_000);
    let new_deals = [deal(3), deal(4)];
    let history = [history(DEAL, 30, 3, "NEW")];
    let values = [
        cf("DEAL", 3, "UF_CRM_A", Some("3")),
        cf("DEAL", 4, "UF_CRM_A", Some("4")),
    ];
    let gone = [1_i64];
    // Deal 1 has an activity (deleted with it, as the portal does); deal 2 has one that stays.
    let on_two = Activity {
        owner_id: Some(2),
        ..activity(2)
    };
    store
        .upsert_activities(p, &[activity(1), on_two])
        .await
        .unwrap();
    store
        .upsert_pipelines(p, &[pipeline(0), pipeline(3)])
        .await
        .unwrap();
    store
        .enqueue_event(p, "ONCRMDEALDELETE", "deals", 1)
        .await
        .unwrap();
    let event = store.take_events(p, 10).await.unwrap()[0].id;
    let pipelines = [pipeline(0), pipeline(5)];
    let good = Batch {
        records: vec![Records::Deals(&new_deals), Records::StageHistory(&history)],
        dictionaries: vec![Dictionary::Pipelines(&pipelines)],
        custom_fields: vec![CustomFieldSet {
            entity_type: "DEAL",
            entity_ids: &[3, 4],
            values: &values,
        }],
        deletes: vec![(Entity::Deals, &gone)],
        events_processed: &[event],
        state: Some(&state),
    };

    // The same batch with one bad custom-field value: nothing of it may land.
    let bad_values = [
        cf("DEAL", 3, "UF_CRM_A", Some("3")),
        cf("DEAL", 4, "", Some("4")),
    ];
    let bad = Batch {
        custom_fields: vec![CustomFieldSet {
            entity_type: "DEAL",
            entity_ids: &[3, 4],
            values: &bad_values,
        }],
        ..good.clone()
    };
    assert_eq!(
        store
            .write_batch(p, &bad)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("field_name")
    );
    assert_eq!(
        store.ids(p, Entity::Deals, 0, 10).await.unwrap(),
        vec![1, 2]
    );
    assert_eq!(store.count(p, Entity::DealStageHistory).await.unwrap(), 0);
    assert_eq!(store.sync_state(p, "deals").await.unwrap(), None);
    assert_eq!(store.count(p, Entity::Activities).await.unwrap(), 2);
    assert_eq!(
        store.pipelines(p).await.unwrap(),
        vec![pipeline(0), pipeline(3)]
    );
    assert_eq!(store.take_events(p, 10).await.unwrap().len(), 1);

    let outcome = store.write_batch(p, &good).await.unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            written: 3,
            dictionaries: ReplaceOutcome {
                written: 2,
                deleted: 1
            },
            custom_field_values: 2,
            deleted: 1
        }
    );
    assert_eq!(store.all_ids(p, Entity::Activities).await.unwrap(), vec![2]);
    assert_eq!(store.pipelines(p).await.unwrap(), pipelines.to_vec());
    assert!(store.take_events(p, 10).await.unwrap().is_empty());
    assert_eq!(
        store.ids(p, Entity::Deals, 0, 10).await.unwrap(),
        vec![2, 3, 4]
    );
    assert_eq!(
        store.custom_field_values(p, "DEAL", 4).await.unwrap(),
        vec![values[1].clone()]
    );
    assert_eq!(
        store.stage_history_of(p, DEAL, 3).await.unwrap(),
        history.to_vec()
    );
    assert_eq!(
        store
            .sync_state(p, "deals")
            .await
            .unwrap()
            .unwrap()
            .watermark,
        Some(1_763_000_000)
    );
});

#[test]
fn records_can_be_checked_before_a_write() {
    // The checks a write runs, callable per record: a writer can leave a bad record out and name it.
    assert!(deal(1).validate().is_ok());
    let no_stage = Deal {
        stage_id: " ".into(),
        ..deal(1)
    };
    let err = no_stage.validate().unwrap_err();
    assert_eq!(err.invalid_field(), Some("stage_id"));
    assert!(err.to_string().contains("deal"), "{err}");
    assert_eq!(
        cf("DEAL", 0, "UF_CRM_A", None)
            .validate()
            .unwrap_err()
            .invalid_field(),
        Some("entity_id")
    );
}
