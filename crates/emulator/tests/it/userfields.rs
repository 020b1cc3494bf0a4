//! `crm.deal.userfield.list` / `crm.lead.userfield.list` over real HTTP: the row shape with PHP quirks, labels only
//! with a `LANG` filter, `LIST` items whose ids are the values generated records hold, filters, order errors,
//! paging with `next`/`total`, use inside `batch`, and deleting a field through the admin API.

use crate::common;

use std::collections::BTreeMap;

use b24a_emulator::*;
use common::*;
use serde_json::{json, Value};

fn by_name<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["FIELD_NAME"] == name)
        .unwrap_or_else(|| panic!("{name} not in {rows}"))
}

#[tokio::test]
async fn rows_labels_items_and_values_of_records() {
    let e = env().await;
    let a = e.call("crm.deal.userfield.list", json!({})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["total"], json!(2));
    assert!(a.body.get("next").is_none());
    let region = by_name(&a.body["result"], "UF_CRM_REGION");
    assert_eq!(region["ID"], json!("181"), "ids are strings");
    assert_eq!(region["ENTITY_ID"], json!("CRM_DEAL"));
    assert_eq!(region["USER_TYPE_ID"], json!("enumeration"));
    assert_eq!(region["MULTIPLE"], json!("N"));
    assert_eq!(region["MANDATORY"], json!("N"));
    assert_eq!(region["SORT"], json!("100"));
    assert!(region["SETTINGS"].is_object());
    for k in ["EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"] {
        assert!(region.get(k).is_none(), "{k} only with a LANG filter");
    }
    let first = &region["LIST"][0];
    assert_eq!(
        (&first["ID"], &first["VALUE"], &first["DEF"], &first["SORT"]),
        (&json!("45"), &json!("Москва"), &json!("N"), &json!("10"))
    );
    assert_eq!(first["XML_ID"].as_str().unwrap().len(), 32);
    let delivery = by_name(&a.body["result"], "UF_CRM_DELIVERY");
    assert_eq!(delivery["USER_TYPE_ID"], json!("string"));
    assert!(delivery.get("LIST").is_none(), "LIST only for enumerations");

    // With LANG: the labels as strings in that language, null where the field has none.
    let ru = e
        .call("crm.deal.userfield.list", json!({"filter": {"LANG": "ru"}}))
        .await;
    assert_eq!(
        by_name(&ru.body["result"], "UF_CRM_REGION")["EDIT_FORM_LABEL"],
        json!("Регион")
    );
    assert_eq!(
        by_name(&ru.body["result"], "UF_CRM_DELIVERY")["LIST_COLUMN_LABEL"],
        json!("Способ доставки")
    );
    let en = e
        .call("crm.deal.userfield.list", json!({"filter": {"LANG": "en"}}))
        .await;
    assert_eq!(
        by_name(&en.body["result"], "UF_CRM_REGION")["LIST_FILTER_LABEL"],
        json!("Region")
    );
    assert_eq!(
        by_name(&en.body["result"], "UF_CRM_DELIVERY")["EDIT_FORM_LABEL"],
        Value::Null
    );

    // Leads: their own field id and item ids under the same code.
    let l = e
        .call("crm.lead.userfield.list", json!({"filter": {"LANG": "ru"}}))
        .await;
    let lead_region = by_name(&l.body["result"], "UF_CRM_REGION");
    assert_eq!(lead_region["ENTITY_ID"], json!("CRM_LEAD"));
    assert_eq!(lead_region["ID"], json!("185"));
    assert_eq!(lead_region["LIST"][0]["ID"], json!("61"));

    // Records hold item ids of list fields, texts of string fields.
    let items = |row: &Value| -> Vec<String> {
        row["LIST"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["ID"].as_str().unwrap().to_string())
            .collect()
    };
    let snap = e.portal.snapshot();
    let (deal_items, lead_items) = (items(region), items(lead_region));
    assert!(snap
        .deals
        .iter()
        .filter_map(|d| d.uf[0].as_ref())
        .all(|v| deal_items.contains(v)));
    assert!(snap
        .leads
        .iter()
        .filter_map(|d| d.uf[0].as_ref())
        .all(|v| lead_items.contains(v)));
    assert!(snap.deals.iter().any(|d| d.uf[0].is_some()));
    let d = e
        .call(
            "crm.deal.list",
            json!({"select": ["ID", "UF_*"], "filter": {"!UF_CRM_REGION": ""}}),
        )
        .await;
    let v = d.body["result"][0]["UF_CRM_REGION"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(deal_items.contains(&v), "{v}");
}

#[tokio::test]
async fn filters_order_paging_batch_and_deletion() {
    let e = env().await;
    let only = e
        .call(
            "crm.deal.userfield.list",
            json!({"filter": {"USER_TYPE_ID": "string"}}),
        )
        .await;
    assert_eq!(only.body["total"], json!(1));
    assert_eq!(
        only.body["result"][0]["FIELD_NAME"],
        json!("UF_CRM_DELIVERY")
    );
    let bad = e
        .call("crm.deal.userfield.list", json!({"order": "SORT"}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["error_description"],
        json!("Parameter 'order' must be array.")
    );
    let bad = e
        .call("crm.deal.userfield.list", json!({"filter": "x"}))
        .await;
    assert_eq!(bad.status, 400);

    // 55 more fields: two pages.
    for i in 0..55 {
        e.portal
            .add_user_field(
                "DEAL",
                UserFieldDef {
                    id: 0,
                    field_name: format!("UF_CRM_EXTRA_{i:02}"),
                    user_type: "double".into(),
                    multiple: false,
                    mandatory: false,
                    sort: 500 + i,
                    labels: BTreeMap::from([("ru".to_string(), format!("Доп. {i}"))]),
                    items: Vec::new(),
                    choices: Vec::new(),
                },
            )
            .unwrap();
    }
    let p1 = e.call("crm.deal.userfield.list", json!({})).await;
    assert_eq!(p1.body["total"], json!(57));
    assert_eq!(p1.body["next"], json!(50));
    assert_eq!(p1.body["result"].as_array().unwrap().len(), 50);
    assert_eq!(
        p1.body["result"][0]["FIELD_NAME"],
        json!("UF_CRM_REGION"),
        "SORT order"
    );
    let p2 = e
        .call("crm.deal.userfield.list", json!({"start": 50}))
        .await;
    assert_eq!(p2.body["result"].as_array().unwrap().len(), 7);
    assert!(p2.body.get("next").is_none());

    // Inside batch, with PHP-style query strings.
    let b = e
        .call(
            "batch",
            json!({"halt": 0, "cmd": {
                "d": "crm.deal.userfield.list?filter[LANG]=en&start=50",
                "l": "crm.lead.userfield.list?filter[LANG]=ru"}}),
        )
        .await;
    let r = &b.body["result"];
    assert_eq!(r["result_total"]["d"], json!(57));
    assert_eq!(r["result"]["d"].as_array().unwrap().len(), 7);
    assert_eq!(r["result"]["l"][0]["EDIT_FORM_LABEL"], json!("Регион"));

    // Deleting a field through the admin API takes its definition and the records' values.
    let del = e
        .http
        .delete(format!(
            "{}/_emulator/userfields/DEAL/UF_CRM_REGION",
            e.portal.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert!(del.status().is_success());
    let after = e
        .call(
            "crm.deal.userfield.list",
            json!({"filter": {"FIELD_NAME": "UF_CRM_REGION"}}),
        )
        .await;
    assert_eq!(after.body["total"], json!(0));
    let d = e
        .call("crm.deal.list", json!({"select": ["ID", "UF_*"]}))
        .await;
    assert!(d.body["result"][0].get("UF_CRM_REGION").is_none());
    assert!(d.body["result"][0].get("UF_CRM_DELIVERY").is_some());
    let leads = e.call("crm.lead.userfield.list", json!({})).await;
    assert_eq!(leads.body["total"], json!(1), "leads keep theirs");
}
