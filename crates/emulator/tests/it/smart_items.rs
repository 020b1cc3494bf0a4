//! Smart processes over real HTTP: `crm.type.list` (rows under `result.types`, a deal as allowed parent),
//! `crm.item.list` (rows under `result.items` with typed camelCase values, `total`/`next` with a counted start,
//! `total: 0` and no `next` with `start=-1`, the ID cursor, filters by `parentId2` and `>=updatedTime`, order), `crm.item.fields`, the
//! same in a batch, and the errors of an unknown type or filter field.

use crate::common;

use b24a_emulator::Semantic;
use common::*;
use serde_json::{json, Value};

fn ids(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn types_items_cursor_filters_and_errors() {
    let e = env().await;
    // A tiny company binds a dozen items per process: add enough for two pages.
    let sale = e
        .portal
        .snapshot()
        .deals
        .iter()
        .find(|d| d.category_id == 0)
        .unwrap()
        .id;
    for k in 0..50 {
        e.portal
            .create_item(1032, Some(sale), 100.0 + k as f64)
            .unwrap();
    }
    let snap = e.portal.snapshot();
    let t = e.call("crm.type.list", json!({})).await;
    assert_eq!(t.status, 200);
    let types = t.body["result"]["types"].as_array().unwrap();
    assert_eq!(types.len(), snap.crm_types.len());
    assert_eq!(types[0]["entityTypeId"], json!(1032));
    assert_eq!(types[0]["relations"]["parent"][0]["entityTypeId"], json!(2));

    let mine: Vec<_> = snap
        .crm_items
        .iter()
        .filter(|i| i.entity_type_id == 1032)
        .collect();
    assert!(
        mine.len() > 50,
        "enough items for two pages: {}",
        mine.len()
    );
    let a = e
        .call(
            "crm.item.list",
            json!({"entityTypeId": 1032, "order": {"id": "ASC"}}),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["total"], json!(mine.len()));
    assert_eq!(a.body["next"], json!(50));
    let first = &a.body["result"]["items"][0];
    assert_eq!(first["id"], json!(mine[0].id), "ids are numbers");
    assert!(first["opportunity"].is_number());
    assert_eq!(first["parentId2"], json!(mine[0].parent_deal_id));
    assert!(first["createdTime"].as_str().unwrap().ends_with("+03:00"));

    // ID cursor: start=-1 gives no total; the next page starts after the last id.
    let p0 = e
        .call("crm.item.list", json!({"entityTypeId": 1032, "order": {"id": "ASC"}, "filter": {">id": 0}, "start": -1}))
        .await;
    assert_eq!(p0.body["total"], json!(0), "start=-1 counts nothing");
    assert!(p0.body.get("next").is_none_or(Value::is_null));
    let p0 = ids(&p0.body["result"]["items"]);
    assert_eq!(p0.len(), 50);
    let p1 = e
        .call("crm.item.list", json!({"entityTypeId": 1032, "order": {"id": "ASC"}, "filter": {">id": p0[49]}, "start": -1}))
        .await;
    let p1 = ids(&p1.body["result"]["items"]);
    let want: Vec<i64> = mine.iter().skip(50).take(50).map(|i| i.id).collect();
    assert_eq!(p1, want);

    // Filters and order.
    let parent = mine[0].parent_deal_id.unwrap();
    let f = e
        .call(
            "crm.item.list",
            json!({"entityTypeId": 1032, "filter": {"parentId2": parent}, "order": {"id": "DESC"}}),
        )
        .await;
    let mut want: Vec<i64> = mine
        .iter()
        .filter(|i| i.parent_deal_id == Some(parent))
        .map(|i| i.id)
        .collect();
    want.reverse();
    assert_eq!(ids(&f.body["result"]["items"]), want);
    let done = mine
        .iter()
        .filter(|i| i.semantic == Semantic::Success)
        .count();
    let s = e
        .call(
            "crm.item.list",
            json!({"entityTypeId": 1032, "filter": {"stageId": "DT1032_1:SUCCESS"}, "start": 0}),
        )
        .await;
    assert_eq!(s.body["total"], json!(done));

    // Batch.
    let b = e
        .call("batch", json!({"halt": 0, "cmd": {"t": "crm.type.list", "i": "crm.item.list?entityTypeId=1036&order[id]=ASC&start=-1"}}))
        .await;
    assert_eq!(b.status, 200);
    assert_eq!(
        b.body["result"]["result"]["t"]["types"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let first_1036 = snap
        .crm_items
        .iter()
        .find(|i| i.entity_type_id == 1036)
        .unwrap()
        .id;
    assert_eq!(
        b.body["result"]["result"]["i"]["items"][0]["id"],
        json!(first_1036)
    );

    // Fields; errors.
    let fl = e
        .call("crm.item.fields", json!({"entityTypeId": 1032}))
        .await;
    assert_eq!(
        fl.body["result"]["fields"]["parentId2"]["type"],
        json!("crm_entity")
    );
    let bad = e.call("crm.item.list", json!({"entityTypeId": 999})).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"], json!("NOT_FOUND"));
    let bad = e
        .call(
            "crm.item.list",
            json!({"entityTypeId": 1032, "filter": {"nope": 1}}),
        )
        .await;
    assert_eq!(bad.status, 400);
}
