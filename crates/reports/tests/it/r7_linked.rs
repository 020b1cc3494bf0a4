//! R7 (linked work) on a hand-made portal, on SQLite and PostgreSQL. Now = 2026-04-01 12:00 MSK; period March 2026,
//! sales pipeline 0. Links: a `crm` field on the child (UF_CRM_PARENT, `D_1` / plain `1` / an array naming two
//! sales) and smart process 1032 items bound by parentId2; a second test reads a field on the parent listing its
//! children (UF_CRM_KIDS) and the default choice. Every number below is computed by hand in the comments.
use crate::common;

use b24a_reports::metrics::Status;
use b24a_reports::r7_linked::sale_view;
use b24a_reports::r7_links::ChildRef;
use b24a_reports::{
    drill_down, drill_down_all, drill_ids, run_report, Drill, Entity, Group, ListQuery, Prepared,
    ReportId, Side,
};
use common::*;

fn now() -> i64 {
    msk(2026, 4, 1, 12, 0)
}

const MARCH: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-31"}, "pipelines": [0]}"#;

async fn uf(s: &b24a_store::Store, deal: i64, field: &str, value: &str) {
    exec(
        s,
        &format!(
            "INSERT INTO custom_field_values (portal_id, entity_type, entity_id, field_name, value) VALUES (1, 'DEAL', {deal}, '{field}', '{value}')"
        ),
    )
    .await;
}

async fn crm_field(s: &b24a_store::Store, name: &str) {
    exec(
        s,
        &format!(
            "INSERT INTO custom_field_defs (portal_id, entity_type, field_name, field_id, user_type, multiple, mandatory, sort, labels, items, synced_at) \
             VALUES (1, 'DEAL', '{name}', 1, 'crm', TRUE, FALSE, 100, '{{}}', '[]', 0)"
        ),
    )
    .await;
}

async fn item(
    s: &b24a_store::Store,
    id: i64,
    parent: i64,
    created: i64,
    moved: i64,
    sem: &str,
    cents: i64,
    user: i64,
) {
    let stage = if sem == "S" {
        "DT1032_1:SUCCESS"
    } else {
        "DT1032_1:NEW"
    };
    exec(
        s,
        &format!(
            "INSERT INTO crm_items (portal_id, entity_type_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, \
             currency_id, assigned_by_id, created_time, updated_time, moved_time, parent_deal_id, synced_at) VALUES \
             (1, 1032, {id}, 'Item {id}', 1, '{stage}', '{sem}', {cents}, 'RUB', {user}, {created}, {moved}, {moved}, {parent}, 0)"
        ),
    )
    .await;
}

fn sale(id: i64, created: i64, cents: i64, source: &'static str) -> D {
    D {
        id,
        created,
        cents,
        source: Some(source),
        ..D::default()
    }
}

fn child(
    id: i64,
    pipeline: i64,
    stage: &'static str,
    sem: &'static str,
    created: i64,
    cents: i64,
    manager: i64,
) -> D {
    D {
        id,
        pipeline,
        stage,
        sem,
        created,
        cents,
        manager: Some(manager),
        ..D::default()
    }
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    exec(
        s,
        "INSERT INTO pipelines (portal_id, id, name, sort, is_default, synced_at) VALUES (1, 2, 'Engineers', 30, FALSE, 0);
         INSERT INTO crm_statuses (portal_id, entity_id, status_id, name, sort, semantics, category_id, synced_at) VALUES
           (1, 'DEAL_STAGE_2', 'C2:NEW', 'E-New', 10, 'P', 2, 0), (1, 'DEAL_STAGE_2', 'C2:DONE', 'E-Done', 20, 'S', 2, 0);
         INSERT INTO crm_types (portal_id, entity_type_id, title, synced_at) VALUES (1, 1032, 'Supply', 0);
         INSERT INTO portal_settings (portal_id, key, value, updated_at) VALUES (1, 'linked_links', '[\"uf_parent:UF_CRM_PARENT\", \"smart:1032\"]', 0);",
    )
    .await;
    crm_field(s, "UF_CRM_PARENT").await;
    crm_field(s, "UF_CRM_KIDS").await;
    // Sales. S1 was first stored at 100 000.00 and grew to 150 000.00 (the trigger keeps the first amount).
    deal(s, sale(1, msk(2026, 3, 2, 10, 0), 10_000_000, "CALL")).await;
    exec(
        s,
        "UPDATE deals SET opportunity_cents = 15000000, lead_id = 50 WHERE id = 1",
    )
    .await;
    deal(s, sale(2, msk(2026, 3, 10, 10, 0), 5_000_000, "WEB")).await;
    deal(s, sale(3, msk(2026, 3, 12, 10, 0), 1_000_000, "WEB")).await;
    exec(s, "UPDATE deals SET lead_id = 51 WHERE id = 3").await;
    deal(s, sale(4, msk(2026, 3, 15, 10, 0), 700_000, "CALL")).await; // no children
    deal(s, sale(5, msk(2026, 2, 20, 10, 0), 900_000, "CALL")).await; // a February sale: out of the period
    deal(s, sale(7, msk(2026, 3, 20, 10, 0), 200_000, "WEB")).await;
    // Children of S1: C11 won 03-06 (3 days), C12 open (entered its stage 03-20), item 1 done 03-15 (10 days).
    let mut c11 = child(11, 1, "C1:WON", "S", msk(2026, 3, 3, 10, 0), 2_000_000, 11);
    c11.closedate = Some("2026-03-06");
    deal(s, c11).await;
    uf(s, 11, "UF_CRM_PARENT", "D_1").await;
    let mut c12 = child(12, 2, "C2:NEW", "P", msk(2026, 3, 4, 12, 0), 500_000, 12);
    c12.moved = Some(msk(2026, 3, 20, 12, 0));
    deal(s, c12).await;
    uf(s, 12, "UF_CRM_PARENT", "1").await;
    item(
        s,
        1,
        1,
        msk(2026, 3, 5, 12, 0),
        msk(2026, 3, 15, 12, 0),
        "S",
        3_000_000,
        12,
    )
    .await;
    // C21: open in Engineers, 100 USD = 9 000.00, linked to S2 and S3.
    let mut c21 = child(21, 2, "C2:NEW", "P", msk(2026, 3, 11, 12, 0), 10_000, 12);
    c21.currency = "USD";
    deal(s, c21).await;
    uf(s, 21, "UF_CRM_PARENT", r#"["D_2", "D_3"]"#).await;
    // C22 was deleted in the portal: its value lingers, the deal does not.
    uf(s, 22, "UF_CRM_PARENT", "D_2").await;
    // C31: lost 03-14 (1 day).
    let mut c31 = child(31, 1, "C1:LOSE", "F", msk(2026, 3, 13, 12, 0), 100_000, 11);
    c31.closedate = Some("2026-03-14");
    deal(s, c31).await;
    uf(s, 31, "UF_CRM_PARENT", "D_3").await;
    // C51: a child of the February sale.
    deal(
        s,
        child(51, 1, "C1:NEW", "P", msk(2026, 3, 1, 12, 0), 100_000, 11),
    )
    .await;
    uf(s, 51, "UF_CRM_PARENT", "D_5").await;
    // S7's only child, item 2, done 03-23 (2 days).
    item(
        s,
        2,
        7,
        msk(2026, 3, 21, 12, 0),
        msk(2026, 3, 23, 12, 0),
        "S",
        200_000,
        12,
    )
    .await;
}

fn v(a: &b24a_reports::Answer, table: &str, g: &Group, m: &str) -> Option<f64> {
    a.table(table)
        .unwrap_or_else(|| panic!("table {table}"))
        .cell(g, m)
        .unwrap_or_else(|| panic!("{table} {g:?} {m}"))
        .value
}

#[tokio::test]
async fn r7_numbers_by_hand() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(MARCH);
        let a = run_report(s, &ctx, ReportId::Linked, &f).await.unwrap();
        let tile = |m: &str| a.tile(m).unwrap_or_else(|| panic!("tile {m}")).value;
        let l = db.label;
        // Sales S1, S2, S3, S4, S7 = 5 (219 000.00); with work: S1, S2, S3, S7.
        assert_eq!(tile("linked_sales"), Some(5.0), "{l}");
        assert!(
            approx(a.tile("linked_sales").unwrap().amount, 219_000.0),
            "{l}"
        );
        assert_eq!(tile("sales_with_work"), Some(4.0), "{l}");
        // Children C11, C12, item 1, C21 (once, though two sales), C31, item 2 = 6; C22 deleted, C51 not of the period.
        assert_eq!(tile("work_created"), Some(6.0), "{l}");
        // 20 000 + 5 000 + 30 000 + 9 000 + 1 000 + 2 000 = 67 000.00.
        assert!(
            approx(a.tile("work_created").unwrap().amount, 67_000.0),
            "{l}"
        );
        assert_eq!(tile("work_done"), Some(3.0), "{l}");
        assert_eq!(tile("work_open"), Some(2.0), "{l}");
        // Close days 3, 10, 1, 2: average 4, median 2.5.
        assert!(approx(tile("work_close_days"), 4.0), "{l}");
        assert!(approx(tile("work_close_days_median"), 2.5), "{l}");
        // First 100 000 + 50 000 + 10 000 + 2 000 = 162 000; final 212 000; grew 50 000 = 30.864…%.
        assert!(approx(tile("sale_first_amount"), 162_000.0), "{l}");
        assert!(approx(tile("sale_final_amount"), 212_000.0), "{l}");
        assert!(approx(tile("sale_growth"), 50_000.0), "{l}");
        assert!(
            approx(tile("sale_growth_pct"), 50_000.0 * 100.0 / 162_000.0),
            "{l}"
        );
        assert_eq!(tile("sales_waiting"), Some(3.0), "{l}");

        let w1 = Group::Work("deal:1".into());
        let w2 = Group::Work("deal:2".into());
        let sm = Group::Work("smart:1032".into());
        // Pipeline 1: C11 won, C31 lost; pipeline 2: C12, C21 open; Supply: items 1, 2 done.
        for (g, created, done, failed, open, amount) in [
            (&w1, 2.0, 1.0, 1.0, 0.0, 21_000.0),
            (&w2, 2.0, 0.0, 0.0, 2.0, 14_000.0),
            (&sm, 2.0, 2.0, 0.0, 0.0, 32_000.0),
        ] {
            assert_eq!(
                v(&a, "by_work", g, "work_created"),
                Some(created),
                "{l} {g:?}"
            );
            assert_eq!(v(&a, "by_work", g, "work_done"), Some(done), "{l} {g:?}");
            assert_eq!(
                v(&a, "by_work", g, "work_failed"),
                Some(failed),
                "{l} {g:?}"
            );
            assert_eq!(v(&a, "by_work", g, "work_open"), Some(open), "{l} {g:?}");
            assert!(
                approx(v(&a, "by_work", g, "work_amount"), amount),
                "{l} {g:?}"
            );
        }
        assert!(approx(v(&a, "by_work", &w1, "work_close_days"), 2.0), "{l}");
        assert!(
            approx(v(&a, "by_work", &w1, "work_close_days_median"), 2.0),
            "{l}"
        );
        assert!(
            approx(v(&a, "by_work", &sm, "work_close_days_median"), 6.0),
            "{l}"
        );
        assert_eq!(v(&a, "by_work", &w2, "work_close_days"), None, "{l}");
        // By responsible: 11 closed C11 (3) and C31 (1); 12 closed items 1 (10) and 2 (2).
        let u11 = Group::User(11);
        let u12 = Group::User(12);
        assert_eq!(
            v(&a, "by_responsible", &u11, "work_close_days_count"),
            Some(2.0),
            "{l}"
        );
        assert!(
            approx(v(&a, "by_responsible", &u11, "work_close_days"), 2.0),
            "{l}"
        );
        assert!(
            approx(v(&a, "by_responsible", &u12, "work_close_days"), 6.0),
            "{l}"
        );
        assert!(
            approx(v(&a, "by_responsible", &u12, "work_close_days_median"), 6.0),
            "{l}"
        );
        // Open work waits: C12 at C2:NEW since its move 03-20 (12 days), C21 since creation 03-11 (21 days).
        let st = Group::Stage("deal:2|C2:NEW".into());
        assert_eq!(
            v(&a, "open_work_stages", &st, "work_waiting"),
            Some(2.0),
            "{l}"
        );
        assert!(
            approx(v(&a, "open_work_stages", &st, "work_waiting_days"), 16.5),
            "{l}"
        );
        // Sales waiting, oldest first: S1 (C12 created 03-04: 28 days), S2 and S3 (C21 created 03-11: 21 days).
        let sw = a.table("sales_waiting").unwrap();
        let order: Vec<&Group> = sw.rows.iter().map(|r| &r.group).collect();
        assert_eq!(
            order,
            [&Group::Sale(1), &Group::Sale(2), &Group::Sale(3)],
            "{l}"
        );
        assert!(
            approx(
                v(&a, "sales_waiting", &Group::Sale(1), "sale_wait_days"),
                28.0
            ),
            "{l}"
        );
        assert!(
            approx(
                v(&a, "sales_waiting", &Group::Sale(3), "sale_wait_days"),
                21.0
            ),
            "{l}"
        );
        // The chain. CALL: S1, S4; from a lead S1; with work S1; work 3, done 2; completed none.
        // WEB: S2, S3, S7; from a lead S3; with work 3; work C21 + C21, C31 + item 2 = 4, done 1; completed S7.
        let call = Group::Source("CALL".into());
        let web = Group::Source("WEB".into());
        for (g, sales, lead, with, work, done, completed, share) in [
            (&call, 2.0, 1.0, 1.0, 3.0, 2.0, 0.0, 0.0),
            (&web, 3.0, 1.0, 3.0, 4.0, 1.0, 1.0, 100.0 / 3.0),
            (&Group::Total, 5.0, 2.0, 4.0, 7.0, 3.0, 1.0, 25.0),
        ] {
            let c = |m| v(&a, "chain_by_source", g, m);
            assert_eq!(
                [
                    c("linked_sales"),
                    c("chain_from_lead"),
                    c("sales_with_work"),
                    c("chain_work"),
                    c("chain_work_done"),
                    c("chain_completed")
                ],
                [
                    Some(sales),
                    Some(lead),
                    Some(with),
                    Some(work),
                    Some(done),
                    Some(completed)
                ],
                "{l} {g:?}"
            );
            assert!(approx(c("chain_completed_share"), share), "{l} {g:?}");
        }

        // Drill-downs list exactly what was counted, smart-process items (negative tally ids) included.
        let p = Prepared::new(s, &ctx, &f).await.unwrap();
        let ids = |m: &str, g: Group| {
            let d = Drill {
                metric: m.into(),
                group: g,
                side: Side::Current,
            };
            let p = &p;
            async move {
                let mut v = drill_ids(s, p, ReportId::Linked, &d).await.unwrap();
                v.sort();
                v
            }
        };
        assert_eq!(ids("work_created", w1.clone()).await, [11, 31], "{l}");
        assert_eq!(ids("work_open", w2.clone()).await, [12, 21], "{l}");
        assert_eq!(
            ids("linked_sales", Group::Total).await,
            [1, 2, 3, 4, 7],
            "{l}"
        );
        assert_eq!(ids("sales_waiting", Group::Total).await, [1, 2, 3], "{l}");
        assert_eq!(ids("chain_completed", web.clone()).await, [7], "{l}");
        let item = |id| ChildRef::Item(1032, id).tally_id();
        let mut both_items = vec![item(1), item(2)];
        both_items.sort();
        assert_eq!(ids("work_created", sm.clone()).await, both_items, "{l}");
        // Mixed cells: all six children; done = C11, item 1, item 2; S1's open work: C12 only.
        let mut all = vec![11, 12, 21, 31, item(1), item(2)];
        all.sort();
        assert_eq!(ids("work_created", Group::Total).await, all, "{l}");
        let mut done = vec![11, item(1), item(2)];
        done.sort();
        assert_eq!(ids("work_done", Group::Total).await, done, "{l}");
        // work_close_days by responsible 12: items 1 and 2.
        assert_eq!(
            ids("work_close_days", Group::User(12)).await,
            both_items,
            "{l}"
        );
        // CALL's chain work: C11, C12, item 1.
        let mut call_work = vec![11, 12, item(1)];
        call_work.sort();
        assert_eq!(ids("chain_work", call.clone()).await, call_work, "{l}");
        for (table, g, m) in [
            ("by_work", &sm, "work_created"),
            ("by_work", &w1, "work_created"),
            ("by_work", &Group::Total, "work_done"),
            ("by_responsible", &u12, "work_close_days_count"),
            ("chain_by_source", &call, "chain_work"),
        ] {
            let c = a.table(table).unwrap().cell(g, m).unwrap();
            assert!(c.drill.is_some(), "{l}: {table} {g:?} {m} is drillable");
        }
        assert!(a.tile("work_created").unwrap().drill.is_some(), "{l}");

        // The list of a mixed number: its `counted` equals the number, deals and items each with its card.
        let d = Drill {
            metric: "work_done".into(),
            group: Group::Total,
            side: Side::Current,
        };
        let list = drill_down(s, &ctx, ReportId::Linked, &f, &d, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(list.entity, Entity::Work, "{l}");
        assert_eq!(list.counted, 3, "{l}");
        assert_eq!(list.total, 3, "{l}");
        let mut paths: Vec<&str> = list.rows.iter().map(|r| r.path.as_str()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "/crm/deal/details/11/",
                "/crm/type/1032/details/1/",
                "/crm/type/1032/details/2/"
            ],
            "{l}"
        );
        let i1 = list
            .rows
            .iter()
            .find(|r| r.path == "/crm/type/1032/details/1/")
            .unwrap();
        assert_eq!(i1.title, "Item 1", "{l}");
        assert_eq!(i1.columns["smart_process"], "Supply", "{l}");
        assert_eq!(i1.columns["status"], "won", "{l}");
        assert_eq!(i1.columns["created"], "2026-03-05", "{l}");
        assert_eq!(i1.columns["closed"], "2026-03-15", "{l}");
        assert!(approx(i1.columns["amount"].as_f64(), 30_000.0), "{l}");
        // Whole-list mode (the Excel export) holds the same records.
        let all_rows = drill_down_all(s, &ctx, ReportId::Linked, &f, &d, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(all_rows.rows.len(), 3, "{l}");

        // The per-sale view: S1's children on one time line (C11 03-03, C12 03-04, item 1 03-05).
        let view = sale_view(s, &ctx, &f, 1).await.unwrap().unwrap();
        let kids: Vec<ChildRef> = view.children.iter().map(|c| c.child).collect();
        assert_eq!(
            kids,
            [
                ChildRef::Deal(11),
                ChildRef::Deal(12),
                ChildRef::Item(1032, 1)
            ],
            "{l}"
        );
        assert_eq!(view.sale.path, "/crm/deal/details/1/", "{l}");
        // First 100 000.00, now 150 000.00.
        assert!(approx(view.first_amount, 100_000.0), "{l}");
        assert!(approx(view.final_amount, 150_000.0), "{l}");
        let c11 = &view.children[0];
        assert_eq!(c11.status, Status::Won, "{l}");
        assert_eq!(c11.close_days, Some(3), "{l}");
        assert!(approx(c11.amount, 20_000.0), "{l}");
        let c12 = &view.children[1];
        assert_eq!(c12.status, Status::InWork, "{l}");
        assert_eq!((c12.closed_on, c12.close_days), (None, None), "{l}");
        assert_eq!(c12.record.columns["stage"], "E-New", "{l}");
        let i1 = &view.children[2];
        assert_eq!(i1.work, "Supply", "{l}");
        assert_eq!(i1.record.path, "/crm/type/1032/details/1/", "{l}");
        assert_eq!(i1.close_days, Some(10), "{l}");
        assert!(
            sale_view(s, &ctx, &f, 4)
                .await
                .unwrap()
                .unwrap()
                .children
                .is_empty(),
            "{l}"
        );
        assert!(
            sale_view(s, &ctx, &f, 5).await.unwrap().is_none(),
            "{l}: a February sale is not a sale of the period"
        );
        assert!(
            sale_view(s, &ctx, &f, 999).await.unwrap().is_none(),
            "{l}: unknown"
        );
        assert!(
            sale_view(s, &ctx, &f, 11).await.unwrap().is_none(),
            "{l}: a child is no sale"
        );

        // C12 moves from Engineers to pipeline 1: it now counts there.
        exec(s, "UPDATE deals SET category_id = 1, stage_id = 'C1:NEW', date_modify = date_modify + 1 WHERE id = 12").await;
        let a = run_report(s, &ctx, ReportId::Linked, &f).await.unwrap();
        assert_eq!(v(&a, "by_work", &w1, "work_created"), Some(3.0), "{l}");
        assert_eq!(v(&a, "by_work", &w2, "work_created"), Some(1.0), "{l}");
        // C11 is deleted in the portal: S1 keeps C12 and item 1.
        exec(s, "DELETE FROM deals WHERE id = 11").await;
        let a = run_report(s, &ctx, ReportId::Linked, &f).await.unwrap();
        assert_eq!(a.tile("work_created").unwrap().value, Some(5.0), "{l}");
    }
}

#[tokio::test]
async fn r7_children_listed_on_the_parent_and_the_default_choice() {
    for db in both().await {
        let s = &db.store;
        seed_portal(s).await;
        crm_field(s, "UF_CRM_KIDS").await;
        deal(s, sale(1, msk(2026, 3, 2, 10, 0), 1_000_000, "CALL")).await;
        let mut c = child(11, 1, "C1:WON", "S", msk(2026, 3, 3, 10, 0), 200_000, 11);
        c.closedate = Some("2026-03-05");
        deal(s, c).await;
        deal(
            s,
            child(12, 1, "C1:NEW", "P", msk(2026, 3, 4, 10, 0), 300_000, 11),
        )
        .await;
        uf(s, 1, "UF_CRM_KIDS", r#"["D_11", "D_12", "CO_3"]"#).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(MARCH);
        // The default reads the portal's one crm field as "the child names its parent": here that makes deal 1 a
        // child of 11 and 12, so it is no sale and nothing is linked work of a sale.
        let a = run_report(s, &ctx, ReportId::Linked, &f).await.unwrap();
        assert_eq!(
            a.tile("linked_sales").unwrap().value,
            Some(0.0),
            "{}",
            db.label
        );
        assert!(a.meta.empty, "{}", db.label);
        // The administrator chooses "the parent lists its children".
        exec(s, "INSERT INTO portal_settings (portal_id, key, value, updated_at) VALUES (1, 'linked_links', '[\"uf_children:UF_CRM_KIDS\", \"bogus\"]', 0)").await;
        let a = run_report(s, &ctx, ReportId::Linked, &f).await.unwrap();
        assert_eq!(
            a.tile("linked_sales").unwrap().value,
            Some(1.0),
            "{}",
            db.label
        );
        assert_eq!(
            a.tile("work_created").unwrap().value,
            Some(2.0),
            "{}",
            db.label
        );
        assert_eq!(
            a.tile("work_done").unwrap().value,
            Some(1.0),
            "{}",
            db.label
        );
        assert!(
            approx(a.tile("work_close_days").unwrap().value, 2.0),
            "{}",
            db.label
        );
        assert!(
            approx(a.tile("work_created").unwrap().amount, 5_000.0),
            "{}",
            db.label
        );
    }
}
