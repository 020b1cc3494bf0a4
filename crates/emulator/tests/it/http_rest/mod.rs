//! REST surface over real HTTP: envelope, paging totals, start rounding, start=-1, ID cursor,
//! filters, select, request encodings, PHP quirks, dictionaries, tasks, batch with references,
//! every documented error with its status, limits and fault injection.

use crate::common;

use std::time::Duration;

use b24a_emulator::*;
use common::*;
use serde_json::{json, Value};

mod errors_and_limits;

#[tokio::test]
async fn envelope_paging_totals_and_start_rounding() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let n = snap.deals.len() as i64;
    let a = e
        .call(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "select": ["ID", "TITLE"]}),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["total"], json!(n));
    assert_eq!(a.body["next"], json!(50));
    let rows = a.body["result"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(
        rows[0]["ID"],
        json!(snap.deals[0].id.to_string()),
        "IDs are strings"
    );
    for k in [
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
    ] {
        assert!(a.body["time"].get(k).is_some(), "time.{k}");
    }
    assert!(a.body["time"]["date_start"]
        .as_str()
        .unwrap()
        .ends_with("+03:00"));
    assert_eq!(a.headers.get("access-control-allow-origin").unwrap(), "*");
    assert!(a
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("charset=utf-8"));

    // Legacy lists round start down to a multiple of 50.
    let b = e
        .call(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "start": 60}),
        )
        .await;
    assert_eq!(ids(&b.body["result"])[0], snap.deals[50].id);
    assert_eq!(b.body["next"], json!(100));

    // Last page: no next.
    let last_start = (n - 1) / 50 * 50;
    let c = e
        .call(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "start": last_start}),
        )
        .await;
    assert!(c.body.get("next").is_none());
    assert_eq!(
        c.body["result"].as_array().unwrap().len() as i64,
        n - last_start
    );
}

#[tokio::test]
async fn start_minus_one_and_id_cursor_export_everything() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let mut last = 0i64;
    let mut got: Vec<i64> = Vec::new();
    loop {
        let a = e
            .call("crm.activity.list", json!({"order": {"ID": "ASC"}, "filter": {">ID": last}, "select": ["ID"], "start": -1}))
            .await;
        assert_eq!(a.body["total"], json!(0), "start=-1 reports total 0");
        assert!(a.body.get("next").is_none(), "start=-1 has no next");
        let page = ids(&a.body["result"]);
        got.extend(&page);
        if page.len() < 50 {
            break;
        }
        last = *page.last().unwrap();
    }
    let expected: Vec<i64> = snap.activities.iter().map(|x| x.id).collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn filters_with_prefixes_match_independent_counts() {
    let e = env().await;
    let snap = e.portal.snapshot();
    // Deals created per calendar month (portal time) for the last 6 months: period counts match.
    for m in 1..=6i64 {
        let from = NOW - m * 30 * 86_400;
        let to = from + 30 * 86_400;
        let fmt = |t: i64| b24a_emulator::format::iso(t, b24a_emulator::Zone::MOSCOW);
        let a = e
            .call("crm.deal.list", json!({"filter": {">=DATE_CREATE": fmt(from), "<DATE_CREATE": fmt(to)}, "select": ["ID"]}))
            .await;
        let expected = snap
            .deals
            .iter()
            .filter(|d| d.date_create >= from && d.date_create < to)
            .count();
        assert_eq!(a.body["total"], json!(expected), "month {m}");
    }
    // `!` and `@` and `>=DATE_MODIFY` with an explicit offset.
    let won_stage = "WON";
    let a = e
        .call(
            "crm.deal.list",
            json!({"filter": {"!STAGE_ID": won_stage, "CATEGORY_ID": 0}, "select": ["ID"]}),
        )
        .await;
    let expected = snap
        .deals
        .iter()
        .filter(|d| d.category_id == 0 && d.stage_id != won_stage)
        .count();
    assert_eq!(a.body["total"], json!(expected));
    let some: Vec<i64> = snap.deals.iter().step_by(7).take(5).map(|d| d.id).collect();
    let a = e
        .call(
            "crm.deal.list",
            json!({"filter": {"@ID": some}, "select": ["ID"]}),
        )
        .await;
    assert_eq!(ids(&a.body["result"]), some);
    let cut = NOW - 20 * 86_400;
    let a = e
        .call("crm.deal.list", json!({"filter": {">=DATE_MODIFY": "2025-12-12T03:00:00+03:00"}, "select": ["ID"], "start": 0}))
        .await;
    assert_eq!(cut, 1_765_497_600);
    let expected = snap.deals.iter().filter(|d| d.date_modify >= cut).count();
    assert_eq!(a.body["total"], json!(expected));
    // Lead statuses: open leads only.
    let a = e
        .call(
            "crm.lead.list",
            json!({"filter": {"STATUS_SEMANTIC_ID": "P"}}),
        )
        .await;
    let expected = snap
        .leads
        .iter()
        .filter(|l| l.semantic == Semantic::Process)
        .count();
    assert_eq!(a.body["total"], json!(expected));
}

#[tokio::test]
async fn select_star_uf_and_php_value_formats() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let d = &snap.deals[0];
    let a = e
        .call("crm.deal.list", json!({"filter": {"ID": d.id}}))
        .await;
    let row = &a.body["result"][0];
    assert!(
        row.get("UF_CRM_REGION").is_none(),
        "`*` excludes custom fields"
    );
    assert_eq!(row["OPPORTUNITY"], json!(format!("{:.2}", d.opportunity)));
    assert_eq!(row["CLOSED"], json!(if d.closed { "Y" } else { "N" }));
    assert_eq!(
        row["DATE_CREATE"],
        json!(b24a_emulator::format::iso(
            d.date_create,
            b24a_emulator::Zone::MOSCOW
        ))
    );
    let a = e
        .call(
            "crm.deal.list",
            json!({"filter": {"ID": d.id}, "select": ["ID", "STAGE_ID", "UF_*"]}),
        )
        .await;
    let row = a.body["result"][0].as_object().unwrap();
    assert!(
        row.contains_key("UF_CRM_REGION")
            && row.contains_key("STAGE_ID")
            && !row.contains_key("TITLE")
    );
    let g = e.call("crm.deal.get", json!({"id": d.id})).await;
    assert_eq!(g.body["result"]["ID"], json!(d.id.to_string()));
    assert!(g.body["result"].get("UF_CRM_DELIVERY").is_some());
    // Activities: SETTINGS is an empty PHP array.
    let a = e
        .call("crm.activity.list", json!({"select": ["*"], "start": -1}))
        .await;
    assert_eq!(a.body["result"][0]["SETTINGS"], json!([]));
}

#[tokio::test]
async fn get_query_form_post_and_json_post_agree() {
    let e = env().await;
    let tok = e.grant.access_token.clone();
    let q = format!("/rest/CRM.DEAL.LIST?auth={tok}&filter%5B%3EID%5D=10&select%5B%5D=ID&order%5BID%5D=ASC&start=-1");
    let g = e.get(&q).await;
    let form = e
        .http
        .post(format!("{}crm.deal.list", e.portal.client_endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "auth={tok}&filter%5B%3EID%5D=10&select%5B%5D=ID&order%5BID%5D=ASC&start=-1"
        ))
        .send()
        .await
        .unwrap();
    let f = answer(form).await;
    let j = e
        .call(
            "crm.deal.list",
            json!({"filter": {">ID": 10}, "select": ["ID"], "order": {"ID": "ASC"}, "start": -1}),
        )
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(ids(&g.body["result"])[0], 11);
    assert_eq!(g.body["result"], f.body["result"]);
    assert_eq!(g.body["result"], j.body["result"]);
    // Bearer header works too.
    let b = e
        .http
        .get(format!("{}profile", e.portal.client_endpoint()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    let b = answer(b).await;
    assert_eq!(b.body["result"]["ID"], json!("1"));
    assert_eq!(b.body["result"]["ADMIN"], json!(true));
}

#[tokio::test]
async fn dictionaries_users_departments_groups_tasks_history() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let c = e
        .call("crm.category.list", json!({"entityTypeId": 2}))
        .await;
    assert_eq!(
        c.body["result"]["categories"].as_array().unwrap().len(),
        snap.categories.len()
    );
    assert_eq!(
        c.body["result"]["categories"][0]["id"],
        json!(0),
        "camelCase, real ints"
    );
    let s = e
        .call(
            "crm.status.list",
            json!({"filter": {"ENTITY_ID": "DEAL_STAGE_1"}}),
        )
        .await;
    let rows = s.body["result"].as_array().unwrap();
    assert_eq!(rows.len(), snap.dictionary("DEAL_STAGE_1").len());
    assert!(rows
        .iter()
        .all(|r| r["SORT"].is_string() && r["EXTRA"]["SEMANTICS"].is_string()));
    assert_eq!(rows.iter().filter(|r| r["SEMANTICS"] == "S").count(), 1);
    let cur = e.call("crm.currency.list", json!({})).await;
    assert_eq!(
        cur.body["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["BASE"] == "Y")
            .count(),
        1
    );
    let u = e
        .call("user.get", json!({"sort": "ID", "order": "ASC"}))
        .await;
    assert_eq!(u.body["total"], json!(snap.users.len()));
    assert_eq!(
        u.body["result"][0]["ACTIVE"],
        json!(true),
        "ACTIVE is a JSON boolean"
    );
    assert!(u.body["result"][0]["UF_DEPARTMENT"][0].is_i64());
    let active = e
        .call("user.get", json!({"FILTER": {"ACTIVE": true}}))
        .await;
    assert_eq!(
        active.body["total"],
        json!(snap.users.iter().filter(|u| u.active).count())
    );
    let d = e.call("department.get", json!({})).await;
    assert_eq!(d.body["total"], json!(snap.departments.len()));
    assert!(d.body["result"][0]["SORT"].is_i64() && d.body["result"][0].get("PARENT").is_none());
    let g = e.call("sonet_group.get", json!({})).await;
    assert_eq!(g.body["total"], json!(snap.projects.len()));
    let t = e.call("tasks.task.list", json!({"select": ["ID", "TITLE", "DEADLINE", "RESPONSIBLE_ID"], "order": {"ID": "ASC"}})).await;
    assert_eq!(t.body["total"], json!(snap.tasks.len()));
    let row = &t.body["result"]["tasks"][0];
    assert_eq!(row["id"], json!("1"));
    assert!(
        row.get("responsibleId").is_some()
            && row.get("responsible").is_some()
            && row.get("ufCrmTask").is_none()
    );
    let t2 = e
        .call(
            "tasks.task.list",
            json!({"select": ["ID", "UF_CRM_TASK"], "filter": {"REAL_STATUS": 5}}),
        )
        .await;
    assert_eq!(
        t2.body["total"],
        json!(snap.tasks.iter().filter(|t| t.status == 5).count())
    );
    assert!(t2.body["result"]["tasks"][0]["ufCrmTask"].is_array());
    // Stage history of one deal ends at its current stage.
    let deal = snap.deals.iter().find(|d| d.closed).unwrap();
    let h = e
        .call(
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "filter": {"OWNER_ID": deal.id}, "order": {"ID": "ASC"}}),
        )
        .await;
    let items = h.body["result"]["items"].as_array().unwrap();
    assert_eq!(items.last().unwrap()["STAGE_ID"], json!(deal.stage_id));
    assert_eq!(items.last().unwrap()["TYPE_ID"], json!("3"));
    assert_eq!(h.body["total"], json!(items.len()));
    let lh = e
        .call(
            "crm.stagehistory.list",
            json!({"entityTypeId": 1, "start": -1}),
        )
        .await;
    assert!(lh.body["result"]["items"][0].get("STATUS_ID").is_some());
    let ai = e.call("app.info", json!({})).await;
    assert_eq!(ai.body["result"]["INSTALLED"], json!(true));
    assert_eq!(ai.body["result"]["STATUS"], json!("L"));
    let adm = e.call("user.admin", json!({})).await;
    assert_eq!(adm.body["result"], json!(true));
}

#[tokio::test]
async fn batch_references_halt_and_php_shapes() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let cmd = json!({
        "p0": "crm.deal.list?order[ID]=ASC&select[]=ID&start=-1",
        "p1": "crm.deal.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]=$result[p0][49][ID]",
        "cnt": "crm.deal.list?select[]=ID",
        "bad": "crm.deal.get?id=999999",
        "who": "user.get?ID=$result[p1][0][ASSIGNED_BY_ID]",
    });
    let a = e.call("batch", json!({"halt": 0, "cmd": cmd})).await;
    assert_eq!(a.status, 200);
    let r = &a.body["result"];
    let p1 = ids(&r["result"]["p1"]);
    assert_eq!(
        p1[0], snap.deals[50].id,
        "reference resolved to the 50th id"
    );
    assert_eq!(r["result_total"]["cnt"], json!(snap.deals.len()));
    assert_eq!(r["result_next"]["cnt"], json!(50));
    assert!(r["result_next"].get("p0").is_none());
    assert_eq!(
        r["result_error"]["bad"],
        json!({"error": "", "error_description": "Not found"})
    );
    assert!(r["result_time"]["p0"]["start"].is_number());

    // halt=1 stops at the first error; later keys are absent.
    let h = e
        .call(
            "batch",
            json!({"halt": 1, "cmd": {"a": "crm.deal.get?id=999999", "b": "profile"}}),
        )
        .await;
    assert!(
        h.body["result"]["result"]
            .as_array()
            .is_some_and(|x| x.is_empty()),
        "empty map prints as []"
    );
    assert!(h.body["result"]["result_error"].get("a").is_some());

    // Numeric keys 0..n become arrays; empty maps become [].
    let n = e
        .call("batch", json!({"cmd": ["profile", "user.admin"]}))
        .await;
    assert_eq!(n.body["result"]["result"][1], json!(true));
    assert_eq!(n.body["result"]["result_error"], json!([]));

    // More than 50 commands: the extra ones fail with ERROR_BATCH_LENGTH_EXCEEDED; nested batch refused.
    let mut many = serde_json::Map::new();
    for i in 0..52 {
        many.insert(format!("k{i}"), json!("user.admin"));
    }
    many.insert("nested".into(), json!("batch?cmd[x]=profile"));
    let m = e.call("batch", json!({"cmd": many})).await;
    assert_eq!(m.body["result"]["result"].as_object().unwrap().len(), 50);
    assert_eq!(
        m.body["result"]["result_error"]["k51"]["error"],
        json!("ERROR_BATCH_LENGTH_EXCEEDED")
    );
    // A batch is one HTTP request for the request counter.
    let before = e.portal.request_count();
    e.call("batch", json!({"cmd": {"a": "profile", "b": "profile"}}))
        .await;
    assert_eq!(e.portal.request_count(), before + 1);
}
