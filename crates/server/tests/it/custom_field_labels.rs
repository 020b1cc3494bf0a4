//! `/api/dictionaries` names custom fields after the first import (in-process sync against the emulator): each
//! field's label in the page's language (Russian when the portal has none in English), list values with their
//! texts while the values stay the stored item ids the report filter takes, and the code for a field the store
//! has no definition of.

use crate::common;

use std::time::Duration;

use b24a_store::PortalId;
use common::{Harness, CLIENT_ID};
use serde_json::{json, Value};

async fn session(h: &Harness, lang: &str) -> String {
    let l = h.portal.iframe_launch(CLIENT_ID, 1, lang);
    Harness::session_of(&h.launch(&l.query, &l.form).await.text().await.unwrap())
}

async fn get(h: &Harness, session: &str, path: &str) -> Value {
    h.http
        .get(format!("{}{path}", h.base))
        .header("x-b24a-session", session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn field<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("{name} not in {}", d["custom_fields"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dictionaries_carry_labels_and_item_texts() {
    let h = common::start(true).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let ru = session(&h, "ru").await;
    let mut done = false;
    for _ in 0..240 {
        if get(&h, &ru, "/api/progress").await["first_import_finished"] == json!(true) {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(done, "first import did not finish");

    let d = get(&h, &ru, "/api/dictionaries").await;
    let region = field(&d, "UF_CRM_REGION");
    assert_eq!(region["label"], "Регион");
    assert_eq!(region["type"], "enumeration");
    assert_eq!(region["entities"], json!(["DEAL", "LEAD"]));
    // Values are item ids (45.. for deals, 61.. for leads), each named by its text.
    let values = region["values"].as_array().unwrap();
    let moscow_deal = values
        .iter()
        .find(|v| v["value"] == "45")
        .expect("Москва on deals");
    assert_eq!(moscow_deal["text"], "Москва");
    assert_eq!(moscow_deal["entities"], json!(["DEAL"]));
    let moscow_lead = values
        .iter()
        .find(|v| v["value"] == "61")
        .expect("Москва on leads");
    assert_eq!(moscow_lead["text"], "Москва");
    assert!(values.iter().all(|v| v["text"].is_string()), "{values:?}");
    let delivery = field(&d, "UF_CRM_DELIVERY");
    assert_eq!(delivery["label"], "Способ доставки");
    assert_eq!(delivery["type"], "string");
    assert!(delivery["values"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["text"].is_null()));

    // English page: English where the portal has it, Russian otherwise.
    let en = session(&h, "en").await;
    let d = get(&h, &en, "/api/dictionaries").await;
    assert_eq!(field(&d, "UF_CRM_REGION")["label"], "Region");
    assert_eq!(field(&d, "UF_CRM_DELIVERY")["label"], "Способ доставки");

    // The filter still takes the stored item id.
    let r: Value = h
        .http
        .post(format!("{}/api/reports/sales_dynamics", h.base))
        .header("x-b24a-session", &ru)
        .json(&json!({"filter": {"period": {"preset": "last_year"}, "compare": "none",
                                  "custom_fields": [{"field": "UF_CRM_REGION", "values": ["45"]}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tile = r["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == "deal_created")
        .unwrap();
    assert!(tile["value"].as_f64().unwrap() > 0.0, "{tile}");

    // Old data: values whose field has no stored definition (synced before definitions were) are offered by code.
    // (A definition the portal deletes takes its values with it, so the rows are removed by hand here.)
    let store = h.db.store();
    let pid: PortalId = store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .unwrap()
        .id;
    b24a_store::with_pool!(store.pool(), p => {
        sqlx::query("DELETE FROM custom_field_defs WHERE portal_id = $1 AND entity_type = 'DEAL'")
            .bind(pid.0)
            .execute(p)
            .await
            .unwrap();
    });
    let d = get(&h, &ru, "/api/dictionaries").await;
    assert_eq!(field(&d, "UF_CRM_DELIVERY")["label"], "UF_CRM_DELIVERY");
    assert_eq!(field(&d, "UF_CRM_DELIVERY")["type"], Value::Null);
    // The lead definition still names the shared code and the lead items.
    let region = field(&d, "UF_CRM_REGION");
    assert_eq!(region["label"], "Регион");
    let values = region["values"].as_array().unwrap();
    assert_eq!(
        values.iter().find(|v| v["value"] == "45").unwrap()["text"],
        Value::Null
    );
    assert_eq!(
        values.iter().find(|v| v["value"] == "61").unwrap()["text"],
        "Москва"
    );
}
