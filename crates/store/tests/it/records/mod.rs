//! Synced records on both backends: idempotent batched upserts, round trips of every record type, dictionary
//! replacement, deletes with dependent rows, id listings, and bad input that rolls back the whole batch.

use crate::common;

use b24a_store::records::entity_type::{DEAL, LEAD};
use b24a_store::records::*;
use b24a_store::{
    store_test, Batch, BatchOutcome, CustomFieldSet, Dictionary, Entity, Records, ReplaceOutcome,
    StoreError, SyncState, Validate,
};
use common::*;

mod bad_input;

/// More deals than one statement holds (40 binds a row -> 800 rows per statement), so batches span statements.
const MANY: i64 = 1500;

store_test!(
    upsert_same_batch_twice_leaves_one_row_each_and_updates_overwrite,
    |store| {
        let p = portal(&store, "idem").await;
        let deals: Vec<Deal> = (1..=MANY).map(deal).collect();
        assert_eq!(store.upsert_deals(p, &deals).await.unwrap(), MANY as usize);
        assert_eq!(store.upsert_deals(p, &deals).await.unwrap(), MANY as usize);
        assert_eq!(store.count(p, Entity::Deals).await.unwrap(), MANY);
        assert_eq!(all_deals(&store, p).await, deals);

        // An updated record overwrites every field; the others stay as they were.
        let mut changed = deal(1400);
        changed.title = "Renamed".into();
        changed.stage_id = "LOSE".into();
        changed.stage_semantic_id = "F".into();
        changed.utm_term = None;
        changed.closedate = None;
        changed.opportunity_cents = 0;
        store
            .upsert_deals(p, std::slice::from_ref(&changed))
            .await
            .unwrap();
        assert_eq!(store.count(p, Entity::Deals).await.unwrap(), MANY);
        assert_eq!(store.deal(p, 1400).await.unwrap(), Some(changed.clone()));
        let mut expected = deals.clone();
        expected[1399] = changed;
        assert_eq!(all_deals(&store, p).await, expected);
    }
);

store_test!(duplicates_within_a_batch_keep_the_last_copy, |store| {
    let p = portal(&store, "dups").await;
    let mut second = deal(7);
    second.title = "second copy".into();
    let batch = vec![deal(7), deal(8), second.clone()];
    assert_eq!(store.upsert_deals(p, &batch).await.unwrap(), 2);
    assert_eq!(store.count(p, Entity::Deals).await.unwrap(), 2);
    assert_eq!(store.deal(p, 7).await.unwrap(), Some(second));
});

store_test!(every_record_type_round_trips, |store| {
    let p = portal(&store, "roundtrip").await;
    let users = vec![user(1, &[1, 2]), user(2, &[2]), user(3, &[])];
    let departments = vec![department(1, None), department(2, Some(1))];
    let pipelines = vec![pipeline(0), pipeline(3)];
    let statuses = vec![
        status("DEAL_STAGE", "NEW", "P", 10),
        status("DEAL_STAGE", "WON", "S", 20),
        status("SOURCE", "WEB", "P", 10),
    ];
    let currencies = vec![currency("RUB", 1.0, true), currency("USD", 92.5, false)];
    let companies = vec![company(1), company(2)];
    let leads = vec![lead(1), lead(2)];
    let history = vec![
        history(DEAL, 1, 1, "NEW"),
        history(DEAL, 2, 1, "WON"),
        history(LEAD, 1, 1, "NEW"),
    ];
    let activities = vec![activity(1), activity(2)];
    let calls = vec![call(1)];
    let projects = vec![project(1)];
    let tasks = vec![task(1), task(2)];
    for _ in 0..2 {
        store.upsert_users(p, &users).await.unwrap();
        store.upsert_departments(p, &departments).await.unwrap();
        store.upsert_pipelines(p, &pipelines).await.unwrap();
        store.upsert_crm_statuses(p, &statuses).await.unwrap();
        store.upsert_currencies(p, &currencies).await.unwrap();
        store.upsert_companies(p, &companies).await.unwrap();
        store.upsert_leads(p, &leads).await.unwrap();
        store.upsert_stage_history(p, &history).await.unwrap();
        store.upsert_activities(p, &activities).await.unwrap();
        store.upsert_calls(p, &calls).await.unwrap();
        store.upsert_projects(p, &projects).await.unwrap();
        store.upsert_tasks(p, &tasks).await.unwrap();
    }
    assert_eq!(store.users(p).await.unwrap(), users);
    assert_eq!(store.departments(p).await.unwrap(), departments);
    assert_eq!(store.pipelines(p).await.unwrap(), pipelines);
    assert_eq!(store.crm_statuses(p).await.unwrap(), statuses);
    assert_eq!(
        store.crm_statuses_of(p, "DEAL_STAGE").await.unwrap(),
        statuses[..2].to_vec()
    );
    assert_eq!(store.currencies(p).await.unwrap(), currencies);
    assert_eq!(store.companies_page(p, 0, 10).await.unwrap(), companies);
    assert_eq!(store.leads_page(p, 0, 10).await.unwrap(), leads);
    assert_eq!(store.lead(p, 2).await.unwrap(), Some(lead(2)));
    assert_eq!(
        store.stage_history_of(p, DEAL, 1).await.unwrap(),
        history[..2].to_vec()
    );
    assert_eq!(
        store.stage_history_page(p, LEAD, 0, 10).await.unwrap(),
        history[2..].to_vec()
    );
    assert_eq!(store.activities_page(p, 0, 10).await.unwrap(), activities);
    assert_eq!(store.call(p, 1).await.unwrap(), Some(call(1)));
    assert_eq!(store.projects(p).await.unwrap(), projects);
    assert_eq!(
        store.tasks_page(p, 1, 10).await.unwrap(),
        tasks[1..].to_vec()
    );
    let counts = store.counts(p).await.unwrap();
    let expect = [
        (Entity::Users, 3),
        (Entity::Departments, 2),
        (Entity::Pipelines, 2),
        (Entity::Statuses, statuses.len() as i64),
        (Entity::Currencies, currencies.len() as i64),
        (Entity::Companies, 2),
        (Entity::Contacts, 0),
        (Entity::Deals, 0),
        (Entity::Leads, 2),
        (Entity::DealStageHistory, 2),
        (Entity::LeadStageHistory, 1),
        (Entity::Activities, 2),
        (Entity::Calls, 1),
        (Entity::Projects, 1),
        (Entity::Tasks, 2),
    ];
    assert_eq!(counts, expect.to_vec());

    // A user's departments are replaced by what the new record says.
    store.upsert_users(p, &[user(1, &[2])]).await.unwrap();
    assert_eq!(store.users(p).await.unwrap()[0].department_ids, vec![2]);
});

store_test!(dictionary_replacement_deletes_stale_rows_only, |store| {
    let p = portal(&store, "dict").await;
    store
        .replace_users(p, &[user(1, &[1]), user(2, &[1]), user(3, &[2])])
        .await
        .unwrap();
    let outcome = store
        .replace_users(p, &[user(2, &[1]), user(3, &[2]), user(4, &[2])])
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ReplaceOutcome {
            written: 3,
            deleted: 1
        }
    );
    let ids: Vec<i64> = store.users(p).await.unwrap().iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![2, 3, 4]);
    // The stale user's memberships went with it.
    let n: i64 = b24a_store::with_pool!(store.pool(), pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM user_departments WHERE portal_id = $1 AND user_id = 1")
            .bind(p.0)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(n, 0);

    // Composite keys: statuses.
    store
        .replace_crm_statuses(
            p,
            &[
                status("STATUS", "NEW", "P", 1),
                status("STATUS", "JUNK", "F", 2),
                status("SOURCE", "WEB", "P", 1),
            ],
        )
        .await
        .unwrap();
    let outcome = store
        .replace_crm_statuses(
            p,
            &[
                status("STATUS", "NEW", "P", 1),
                status("SOURCE", "CALL", "P", 2),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ReplaceOutcome {
            written: 2,
            deleted: 2
        }
    );
    let keys: Vec<(String, String)> = store
        .crm_statuses(p)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.entity_id, s.status_id))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("SOURCE".into(), "CALL".into()),
            ("STATUS".into(), "NEW".into())
        ]
    );

    store
        .replace_currencies(
            p,
            &[currency("RUB", 1.0, true), currency("EUR", 100.25, false)],
        )
        .await
        .unwrap();
    store
        .replace_currencies(p, &[currency("RUB", 1.0, true)])
        .await
        .unwrap();
    assert_eq!(
        store.currencies(p).await.unwrap(),
        vec![currency("RUB", 1.0, true)]
    );

    store
        .replace_departments(p, &[department(1, None), department(5, Some(1))])
        .await
        .unwrap();
    store
        .replace_departments(p, &[department(5, None)])
        .await
        .unwrap();
    assert_eq!(
        store.departments(p).await.unwrap(),
        vec![department(5, None)]
    );

    store
        .replace_pipelines(p, &[pipeline(0), pipeline(1)])
        .await
        .unwrap();
    assert_eq!(
        store.replace_pipelines(p, &[pipeline(1)]).await.unwrap(),
        ReplaceOutcome {
            written: 1,
            deleted: 1
        }
    );
    store
        .replace_projects(p, &[project(1), project(2)])
        .await
        .unwrap();
    assert_eq!(
        store.replace_projects(p, &[]).await.unwrap(),
        ReplaceOutcome {
            written: 0,
            deleted: 2
        }
    );
    assert!(store.projects(p).await.unwrap().is_empty());
});

store_test!(
    deleting_deals_and_leads_takes_their_custom_fields_and_history_only,
    |store| {
        let p = portal(&store, "deletes").await;
        store
            .upsert_deals(p, &[deal(1), deal(2), deal(3)])
            .await
            .unwrap();
        store.upsert_leads(p, &[lead(1), lead(2)]).await.unwrap();
        store
            .upsert_stage_history(
                p,
                &[
                    history(DEAL, 10, 1, "NEW"),
                    history(DEAL, 11, 2, "NEW"),
                    history(LEAD, 12, 1, "NEW"),
                ],
            )
            .await
            .unwrap();
        store
            .replace_custom_field_values(
                p,
                "DEAL",
                &[1, 2],
                &[
                    cf("DEAL", 1, "UF_CRM_A", Some("x")),
                    cf("DEAL", 2, "UF_CRM_A", Some("y")),
                ],
            )
            .await
            .unwrap();
        store
            .replace_custom_field_values(
                p,
                "LEAD",
                &[1],
                &[cf("LEAD", 1, "UF_CRM_A", Some("lead"))],
            )
            .await
            .unwrap();

        assert_eq!(store.delete_deals(p, &[1, 3, 99]).await.unwrap(), 2);
        assert_eq!(store.ids(p, Entity::Deals, 0, 100).await.unwrap(), vec![2]);
        assert!(store
            .custom_field_values(p, "DEAL", 1)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store.custom_field_values(p, "DEAL", 2).await.unwrap(),
            vec![cf("DEAL", 2, "UF_CRM_A", Some("y"))]
        );
        assert!(store.stage_history_of(p, DEAL, 1).await.unwrap().is_empty());
        assert_eq!(store.stage_history_of(p, DEAL, 2).await.unwrap().len(), 1);
        // Lead 1 shares the id with deal 1: untouched.
        assert_eq!(
            store.custom_field_values(p, "LEAD", 1).await.unwrap().len(),
            1
        );
        assert_eq!(store.stage_history_of(p, LEAD, 1).await.unwrap().len(), 1);

        assert_eq!(store.delete_leads(p, &[1]).await.unwrap(), 1);
        assert!(store
            .custom_field_values(p, "LEAD", 1)
            .await
            .unwrap()
            .is_empty());
        assert!(store.stage_history_of(p, LEAD, 1).await.unwrap().is_empty());
        assert_eq!(store.ids(p, Entity::Leads, 0, 100).await.unwrap(), vec![2]);

        store.upsert_tasks(p, &[task(1), task(2)]).await.unwrap();
        assert_eq!(store.delete_tasks(p, &[2]).await.unwrap(), 1);
        assert_eq!(store.ids(p, Entity::Tasks, 0, 100).await.unwrap(), vec![1]);
        assert_eq!(
            store
                .delete_records(p, Entity::DealStageHistory, &[11])
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.count(p, Entity::DealStageHistory).await.unwrap(), 0);
    }
);

store_test!(custom_field_values_are_replaced_per_record, |store| {
    let p = portal(&store, "uf").await;
    store
        .replace_custom_field_values(
            p,
            "DEAL",
            &[1, 2],
            &[
                cf("DEAL", 1, "UF_CRM_A", Some("1")),
                cf("DEAL", 1, "UF_CRM_B", Some("[\"a\",\"b\"]")),
                cf("DEAL", 2, "UF_CRM_A", None),
            ],
        )
        .await
        .unwrap();
    // Deal 1 now has only B (changed); deal 2 lost all its values; both listed as replaced.
    let n = store
        .replace_custom_field_values(p, "DEAL", &[1, 2], &[cf("DEAL", 1, "UF_CRM_B", Some("c"))])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        store.custom_field_values(p, "DEAL", 1).await.unwrap(),
        vec![cf("DEAL", 1, "UF_CRM_B", Some("c"))]
    );
    assert!(store
        .custom_field_values(p, "DEAL", 2)
        .await
        .unwrap()
        .is_empty());
});

store_test!(ids_and_counts_page_in_id_order, |store| {
    let p = portal(&store, "ids").await;
    let deals: Vec<Deal> = [5, 1, 9, 3, 7].into_iter().map(deal).collect();
    store.upsert_deals(p, &deals).await.unwrap();
    assert_eq!(store.ids(p, Entity::Deals, 0, 2).await.unwrap(), vec![1, 3]);
    assert_eq!(store.ids(p, Entity::Deals, 3, 2).await.unwrap(), vec![5, 7]);
    assert_eq!(store.ids(p, Entity::Deals, 7, 10).await.unwrap(), vec![9]);
    assert_eq!(
        store.count_in_range(p, Entity::Deals, 3, 9).await.unwrap(),
        3
    );
    assert_eq!(store.count(p, Entity::Deals).await.unwrap(), 5);
    let err = store.ids(p, Entity::Deals, 0, 0).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("limit"));
});
