//! The raw columns of record lists on both backends: rows come back by id in id order, across more ids than one
//! statement holds, with every named column equal to the record written; unknown ids and another portal's records
//! are never returned.

use crate::common::*;
use b24a_store::records::*;
use b24a_store::{store_test, ClientListRow, DealListRow, TaskListRow};

/// More ids than one statement asks for (500), so the lookup spans statements.
const MANY: i64 = 1200;

store_test!(deal_rows_come_back_by_id_with_named_columns, |store| {
    let p = portal(&store, "lists").await;
    let other = portal(&store, "lists-other").await;
    let deals: Vec<Deal> = (1..=MANY).map(deal).collect();
    store.upsert_deals(p, &deals).await.unwrap();
    // The other portal holds the same ids with other titles: none of them may leak in.
    let mut theirs = deal(7);
    theirs.title = "Not yours".into();
    store.upsert_deals(other, &[theirs]).await.unwrap();

    // Every even id, asked in reverse order, plus ids nobody has.
    let mut ids: Vec<i64> = (1..=MANY).filter(|i| i % 2 == 0).rev().collect();
    ids.extend([MANY + 1, 999_999]);
    let rows = store.deal_list_rows(p, &ids).await.unwrap();
    assert_eq!(rows.len(), (MANY / 2) as usize);
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "id order");
    let d = deal(8);
    assert_eq!(
        rows[3],
        DealListRow {
            id: 8,
            title: d.title,
            category_id: 8 % 3,
            stage_id: "WON".into(),
            stage_semantic_id: "S".into(),
            opportunity_cents: 805,
            currency_id: Some("RUB".into()),
            opportunity_account_cents: Some(805),
            account_currency_id: Some("RUB".into()),
            assigned_by_id: Some(2),
            source_id: Some("WEB".into()),
            date_create: 1_700_000_008,
            date_modify: 1_700_100_008,
            moved_time: Some(1_700_050_008),
            closedate: Some("2026-02-28".into()),
        }
    );
    let mine = store.deal_list_rows(p, &[7]).await.unwrap();
    assert_eq!(mine[0].title, "Deal 7");
    assert!(store.deal_list_rows(p, &[]).await.unwrap().is_empty());
});

store_test!(
    lead_activity_task_and_client_rows_name_their_columns,
    |store| {
        let p = portal(&store, "lists-kinds").await;
        store.upsert_leads(p, &[lead(1), lead(2)]).await.unwrap();
        store
            .upsert_activities(p, &[activity(1), activity(2)])
            .await
            .unwrap();
        store.upsert_tasks(p, &[task(1)]).await.unwrap();
        store.upsert_companies(p, &[company(4)]).await.unwrap();
        let contact = Contact {
            id: 5,
            name: "Иван".into(),
            last_name: "Петров".into(),
            second_name: "Сергеевич".into(),
            type_id: Some("CLIENT".into()),
            source_id: None,
            company_id: Some(4),
            assigned_by_id: Some(3),
            date_create: 1_650_000_000,
            date_modify: 1_650_000_001,
            last_activity_time: None,
        };
        store.upsert_contacts(p, &[contact]).await.unwrap();

        let leads = store.lead_list_rows(p, &[2]).await.unwrap();
        let l = lead(2);
        assert_eq!(
            (leads[0].id, &leads[0].title, &leads[0].status_id),
            (2, &l.title, &l.status_id)
        );
        assert_eq!(leads[0].date_create, l.date_create);
        assert_eq!(leads[0].last_activity_time, l.last_activity_time);

        let acts = store.activity_list_rows(p, &[1, 2]).await.unwrap();
        assert_eq!(acts.len(), 2);
        assert_eq!(acts[0].provider_id.as_deref(), Some("VOXIMPLANT_CALL"));
        assert!(acts[0].completed);
        assert_eq!(
            (acts[0].direction, acts[0].owner_type_id, acts[0].owner_id),
            (2, Some(2), Some(1))
        );
        assert_eq!(acts[0].subject.as_deref(), Some("Звонок"));

        assert_eq!(
            store.task_list_rows(p, &[1]).await.unwrap(),
            vec![TaskListRow {
                id: 1,
                title: "Task 1".into(),
                status: 5,
                responsible_id: Some(1),
                group_id: Some(3),
                created_date: 1_700_000_000,
                closed_date: Some(1_700_000_400),
                date_start: Some(1_700_000_100),
                deadline: Some(1_700_000_450),
                start_date_plan: None,
            }]
        );
        assert_eq!(
            store.company_list_rows(p, &[4]).await.unwrap(),
            vec![ClientListRow {
                id: 4,
                name_1: "Company 4".into(),
                name_2: String::new(),
                name_3: String::new(),
                type_code: Some("CUSTOMER".into()),
                assigned_by_id: Some(1),
                date_create: 1_600_000_000,
            }]
        );
        // A person's name parts in the order the portal shows them: last, first, middle.
        let c = store.contact_list_rows(p, &[5]).await.unwrap();
        assert_eq!(
            (
                c[0].name_1.as_str(),
                c[0].name_2.as_str(),
                c[0].name_3.as_str()
            ),
            ("Петров", "Иван", "Сергеевич")
        );
        assert_eq!(c[0].type_code.as_deref(), Some("CLIENT"));
    }
);
