//! The report API on a portal that went through install and its first import (in-process sync against the
//! emulator): report answers, drill-downs whose lists have as many rows as the number, xlsx exports whose cells are
//! numbers, settings and plans with validation errors naming the field.

use crate::common;

use std::io::Read;
use std::time::Duration;

use common::{Harness, CLIENT_ID};
use serde_json::{json, Value};

async fn synced() -> (Harness, String) {
    let h = common::start(true).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let session = Harness::session_of(&h.launch(&l.query, &l.form).await.text().await.unwrap());
    for _ in 0..240 {
        let p: Value = h
            .http
            .get(format!("{}/api/progress", h.base))
            .header("x-b24a-session", &session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["first_import_finished"] == json!(true) {
            return (h, session);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("first import did not finish");
}

fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_drill_export_after_first_import() {
    let (h, session) = synced().await;
    let post = |path: String, body: Value| {
        h.http
            .post(format!("{}{path}", h.base))
            .header("x-b24a-session", &session)
            .json(&body)
            .send()
    };
    let filter = json!({"period": {"preset": "last_year"}, "compare": "none"});
    let a: Value = post(
        "/api/reports/sales_dynamics".into(),
        json!({"filter": filter}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let created = a["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == "deal_created")
        .expect("deal_created tile")
        .clone();
    let n = created["value"].as_f64().unwrap() as usize;
    assert!(n > 0, "a year of a generated company has deals");
    let list: Value = post(
        "/api/reports/sales_dynamics/drill".into(),
        json!({"filter": filter, "drill": created["drill"], "list": {"limit": 5000}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        list["counted"].as_u64().unwrap() as usize,
        n,
        "the list behind a number has that many records"
    );
    assert!(list["rows"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/crm/deal/details/"));

    // Whole report: the cover sheet, then one sheet per block; the first block's numbers are numeric cells.
    let resp = post(
        "/api/reports/sales_dynamics/export".into(),
        json!({"filter": filter}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheets = (0..z.len())
        .filter(|i| {
            z.by_index(*i)
                .unwrap()
                .name()
                .unwrap()
                .starts_with("xl/worksheets/sheet")
        })
        .count();
    assert_eq!(sheets, a["tables"].as_array().unwrap().len() + 1);
    let xml = sheet_xml(&bytes, 2);
    assert!(xml.contains("<v>"), "numeric values present");
    // One block only.
    let key = a["tables"][0]["key"].as_str().unwrap().to_string();
    let one = post(
        "/api/reports/sales_dynamics/export".into(),
        json!({"filter": filter, "block": key}),
    )
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(one.to_vec())).unwrap();
    assert_eq!(
        (0..z.len())
            .filter(|i| z
                .by_index(*i)
                .unwrap()
                .name()
                .unwrap()
                .starts_with("xl/worksheets/sheet"))
            .count(),
        2,
        "the cover and the block"
    );
    let bad = post(
        "/api/reports/sales_dynamics/export".into(),
        json!({"filter": filter, "block": "nope"}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_plans_validate_and_persist() {
    // Synced: a plan row must name an employee the portal has (as last synced).
    let (h, session) = synced().await;
    let put = |p: &str, b: Value| {
        h.http
            .put(format!("{}{p}", h.base))
            .header("x-b24a-session", &session)
            .json(&b)
            .send()
    };
    let r = put(
        "/api/settings/forget-me-not",
        json!({"lead_days": 0, "deal_days": 10, "planned_activity_counts_as_care": true}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "lead_days");
    let r = put(
        "/api/settings/forget-me-not",
        json!({"lead_days": 5, "deal_days": 21, "planned_activity_counts_as_care": false}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let s: Value = h
        .http
        .get(format!("{}/api/settings", h.base))
        .header("x-b24a-session", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        s["forget_me_not"],
        json!({"lead_days": 5, "deal_days": 21, "planned_activity_counts_as_care": false})
    );
    // The zone the sync learned from the (Moscow) portal, named in the session's language.
    assert_eq!(s["time_zone"], json!("UTC+03:00, Москва"));

    let row = |start: &str| {
        json!({"user_id": 1, "department_id": null, "category_id": null, "period_kind": "month", "period_start": start,
        "amount_cents": 100000000, "deal_count": 10, "bonus_cents": 5000000, "grade": null, "updated_by": null})
    };
    let r = h
        .http
        .post(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({"rows": [row("2026-01-01"), row("2026-02-15")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a month plan must start on the 1st");
    assert!(r.json::<Value>().await.unwrap()["field"]
        .as_str()
        .unwrap()
        .starts_with("rows[1]."));
    let plans: Value = h
        .http
        .get(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        plans.as_array().unwrap().len(),
        0,
        "one bad row rejects all"
    );
    let r = h
        .http
        .post(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({"rows": [row("2026-01-01"), row("2026-02-01")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let plans: Value = h
        .http
        .get(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 2);
    // The same employee × pipeline × period again (pasted twice): refused, naming the row; nothing written.
    let r = h
        .http
        .post(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({"rows": [row("2026-03-01"), row("2026-02-01")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a repeated plan row is refused");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["field"], "rows[1].period_start", "{e}");
    let plans: Value = h
        .http
        .get(format!("{}/api/plans", h.base))
        .header("x-b24a-session", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 2);

    // The bonus rule is kept per user: default, a bad threshold refused by field, a ladder saved and read back.
    let get_bonus = || async {
        h.http
            .get(format!("{}/api/presets/plan/bonus", h.base))
            .header("x-b24a-session", &session)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(
        get_bonus().await,
        json!({"threshold_pct": 100.0, "ladder": []})
    );
    let r = put(
        "/api/presets/plan/bonus",
        json!({"threshold_pct": 120, "ladder": []}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["field"],
        "plan.threshold_pct"
    );
    let rule =
        json!({"threshold_pct": 90.0, "ladder": [{"percent_done": 80.0, "bonus_share": 50.0}]});
    let r = put("/api/presets/plan/bonus", rule.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get_bonus().await, rule);
}
