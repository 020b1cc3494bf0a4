//! R7 over the API on a generated company after its first import, with the default link choice (the demo check:
//! every generated company binds smart-process items to sales, so R7 opens filled): tiles and blocks are filled, a
//! number's drill-down lists that many deals, the Excel export opens; the link settings list what the portal
//! offers, refuse a key it does not offer (400 naming the field, nothing stored) and a non-administrator, and a
//! stored choice changes what R7 counts.

use crate::common;

use std::time::Duration;

use common::CLIENT_ID;
use serde_json::{json, Value};

fn tile<'a>(a: &'a Value, metric: &str) -> &'a Value {
    a["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == metric)
        .unwrap_or_else(|| panic!("tile {metric}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_work_report_settings_and_drill() {
    let h = common::start(true).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    h.wait_first_import(Duration::from_secs(120)).await;
    let admin = h.session(CLIENT_ID, 1, "ru").await;
    let filter = json!({"period": {"preset": "last_days", "days": 90}, "compare": "none"});
    // The smart-process step runs after the bulk kinds: wait for its items, not only for "first import finished".
    let mut a = Value::Null;
    for _ in 0..120 {
        let (status, answer) = h
            .post(&admin, "/api/reports/linked", json!({"filter": filter}))
            .await;
        assert_eq!(status, 200, "{answer}");
        a = answer;
        if tile(&a, "work_created")["value"].as_f64() > Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let work = tile(&a, "work_created")["value"].as_f64().unwrap();
    let sales = tile(&a, "linked_sales")["value"].as_f64().unwrap();
    assert!(
        work > 0.0 && sales > 0.0,
        "R7 is filled on a generated company: {a}"
    );
    let by_work = a["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "by_work")
        .unwrap();
    assert!(!by_work["rows"].as_array().unwrap().is_empty());
    assert!(
        by_work["title"].as_str().is_some_and(|t| !t.is_empty()),
        "the server words the block"
    );

    // The drill-down behind the number of sales lists that many deals.
    let t = tile(&a, "linked_sales");
    let (status, list) = h
        .post(
            &admin,
            "/api/reports/linked/drill",
            json!({"filter": filter, "drill": t["drill"], "list": {"limit": 5000}}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["counted"].as_f64(), Some(sales));

    // Excel: the cover and one sheet per block.
    let r = h
        .http
        .post(format!("{}/api/reports/linked/export", h.base))
        .header("x-b24a-session", &admin)
        .json(&json!({"filter": filter}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Settings: the default choice is every smart process.
    let (status, s) = h.get_json(&admin, "/api/settings/linked").await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["is_default"], json!(true));
    let links = s["links"].as_array().unwrap();
    let chosen: Vec<&str> = links
        .iter()
        .filter(|l| l["chosen"] == json!(true))
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert_eq!(chosen, ["smart:1032", "smart:1036"]);
    assert!(
        links[0]["name"].as_str().unwrap().contains("Смарт-процесс"),
        "{s}"
    );

    let put = |session: String, body: Value| {
        let h = &h;
        async move {
            h.http
                .put(format!("{}/api/settings/linked", h.base))
                .header("x-b24a-session", session)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // A key the portal does not offer: 400 naming it, nothing stored.
    let r = put(
        admin.clone(),
        json!({"links": ["smart:1036", "uf_parent:UF_CRM_NOPE"]}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("links[1]"), "{body}");
    assert_eq!(
        h.get_json(&admin, "/api/settings/linked").await.1["is_default"],
        json!(true)
    );
    // A non-administrator may not change it.
    let user = common::employee(&h.portal);
    let r = h
        .http
        .put(format!("{}/api/settings/access", h.base))
        .header("x-b24a-session", &admin)
        .json(&json!([{"report": "linked", "subject": {"type": "user", "id": user}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an access rule may name R7");
    let other = h.session(CLIENT_ID, user, "ru").await;
    let (status, _) = h
        .post(&other, "/api/reports/linked", json!({"filter": filter}))
        .await;
    assert_eq!(status, 200, "R7 opens for the user the rule names");
    assert_eq!(put(other, json!({"links": []})).await.status(), 403);

    // Only Логистика (1036): R7 counts only its items.
    let r = put(admin.clone(), json!({"links": ["smart:1036"]})).await;
    assert_eq!(r.status(), 200);
    let (_, b) = h
        .post(&admin, "/api/reports/linked", json!({"filter": filter}))
        .await;
    let rows = b["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "by_work")
        .unwrap()["rows"]
        .clone();
    for row in rows.as_array().unwrap() {
        assert_eq!(row["group"], json!({"by": "work", "key": "smart:1036"}));
    }
}
