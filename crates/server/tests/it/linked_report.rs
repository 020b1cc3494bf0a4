//! R7 over the API on a generated company after its first import, with the default link choice (the demo check:
//! every generated company binds smart-process items to sales, so R7 opens filled): tiles and blocks are filled, a
//! number's drill-down lists that many deals (and the smart-process items' numbers that many items, to Excel too),
//! the Excel export opens; the per-sale time line (`GET /api/linked/sales/{id}`) against the store, refused
//! without R7 access, not found outside the caller's scope or for an unknown id, 400 for a bad id or filter; the link settings list what the portal
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

/// The ids of a drill list (every page at once).
async fn list_ids(h: &common::Harness, session: &str, filter: &Value, drill: &Value) -> Vec<i64> {
    let (status, list) = h
        .post(
            session,
            "/api/reports/linked/drill",
            json!({"filter": filter, "drill": drill, "list": {"limit": 5000}}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
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

    // Smart-process items are drillable: the list behind "linked work" (items of the default choice, here every
    // child) holds exactly that many records, each opening its card, states in words; its Excel export holds them all.
    let wt = tile(&a, "work_created");
    let (status, list) = h
        .post(
            &admin,
            "/api/reports/linked/drill",
            json!({"filter": filter, "drill": wt["drill"], "list": {"limit": 5000}}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["counted"].as_f64(), Some(work), "{list}");
    assert_eq!(list["entity"], "work");
    let rows = list["rows"].as_array().unwrap();
    assert_eq!(rows.len() as f64, work);
    for r in rows {
        let path = r["path"].as_str().unwrap();
        assert!(
            path.starts_with("/crm/type/1032/details/")
                || path.starts_with("/crm/type/1036/details/"),
            "an item opens its card: {r}"
        );
        assert!(
            path.ends_with(&format!("/{}/", r["id"])),
            "the card of this very item: {r}"
        );
        let state = r["cells"]["status"].as_str().unwrap();
        assert!(
            ["В работе", "Выполнена", "Закрыта, не выполнена"].contains(&state),
            "{r}"
        );
        assert!(
            r["cells"]["smart_process"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{r}"
        );
    }
    let r = h
        .http
        .post(format!("{}/api/reports/linked/list/export", h.base))
        .header("x-b24a-session", &admin)
        .json(&json!({"filter": filter, "drill": wt["drill"], "list": {}, "title": "Связанная работа"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let book = r.bytes().await.unwrap();
    let sheet = b24a_testkit::xlsx::rows(&book, 2).unwrap();
    let records = sheet
        .iter()
        .skip(2)
        .filter(|r| matches!(r.first(), Some(Some(b24a_testkit::xlsx::Val::Num(_)))))
        .count();
    assert_eq!(
        records as f64, work,
        "the workbook lists every item counted"
    );

    // The per-sale view of the oldest waiting sale: its children on one time line, as many open ones as the
    // "open work" cell says and as many items as the store binds to it; each opens its card.
    let sw = a["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "sales_waiting")
        .unwrap();
    // (The oldest waiting sale if one waits, else the first sale with work.)
    let first = &sw["rows"][0];
    let (sale, open) = match first["group"]["key"].as_i64() {
        Some(id) => (id, first["cells"][0]["value"].as_f64()),
        None => {
            let with = tile(&a, "sales_with_work");
            (list_ids(&h, &admin, &filter, &with["drill"]).await[0], None)
        }
    };
    let get = |session: String, id: String, f: Option<String>| {
        let h = &h;
        async move {
            let mut url =
                reqwest::Url::parse(&format!("{}/api/linked/sales/{id}", h.base)).unwrap();
            if let Some(f) = f {
                url.query_pairs_mut().append_pair("filter", &f);
            }
            let r = h
                .http
                .get(url)
                .header("x-b24a-session", session)
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, view) = get(admin.clone(), sale.to_string(), Some(filter.to_string())).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["sale"]["path"], format!("/crm/deal/details/{sale}/"));
    let kids = view["children"].as_array().unwrap();
    assert!(!kids.is_empty(), "a sale with work has children: {view}");
    if let Some(open) = open {
        let open_kids = kids.iter().filter(|c| c["state"] == "В работе").count();
        assert_eq!(open_kids as f64, open, "{view}");
    }
    let portal = h.portal_id().await;
    let bound = h
        .state
        .store
        .report_bound_items(portal)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.parent_deal_id == Some(sale))
        .count();
    assert_eq!(kids.len(), bound, "{view}");
    let times: Vec<i64> = kids
        .iter()
        .map(|c| c["created_at"].as_i64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "one time line by creation: {times:?}"
    );
    for c in kids {
        assert_eq!(
            c["path"],
            format!(
                "/crm/type/{}/details/{}/",
                c["path"].as_str().unwrap().split('/').nth(3).unwrap(),
                c["id"]
            )
        );
        assert!(!["in_work", "won", "lost", "open", "done"].contains(&c["state"].as_str().unwrap()));
    }
    // Unknown → 404; a bad id or filter → 400 naming the field.
    let (status, _) = get(admin.clone(), "999999999".into(), None).await;
    assert_eq!(status, 404);
    for bad in ["abc", "-4", "0", "1.5"] {
        let (status, body) = get(admin.clone(), bad.into(), None).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["field"], "id", "{bad}: {body}");
    }
    let (status, body) = get(admin.clone(), sale.to_string(), Some("{broken".into())).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "filter", "{body}");
    // A user allowed another report but not R7 is refused; allowed R7 on his own records, a sale of someone
    // else is not found for him (nothing tells it from a missing one), his own opens. (A plain employee who heads
    // no department: a head's own scope is his department's tree.)
    let user = h
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| {
                    !u.is_admin && u.active && !d.departments.iter().any(|x| x.head == Some(u.id))
                })
                .map(|u| u.id)
        })
        .flatten()
        .expect("a plain employee heading no department");
    let rules = |reports: &[&str]| {
        json!(reports
            .iter()
            .map(|r| json!({"report": r, "subject": {"type": "user", "id": user}, "scope": "own"}))
            .collect::<Vec<_>>())
    };
    let put_rules = |body: Value| {
        let h = &h;
        let admin = admin.clone();
        async move {
            h.http
                .put(format!("{}/api/settings/access", h.base))
                .header("x-b24a-session", admin)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(put_rules(rules(&["sales_dynamics"])).await, 200);
    let plain = h.session(CLIENT_ID, user, "ru").await;
    let (status, _) = get(plain.clone(), sale.to_string(), Some(filter.to_string())).await;
    assert_eq!(status, 403, "no R7 access, no sale view");
    assert_eq!(put_rules(rules(&["linked"])).await, 200);
    let (status, mine) = h
        .post(
            &plain,
            "/api/reports/linked/drill",
            json!({"filter": filter, "drill": t["drill"], "list": {"limit": 5000}}),
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    let mine: Vec<i64> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let all: Vec<i64> = list_ids(&h, &admin, &filter, &t["drill"]).await;
    let foreign = all
        .iter()
        .find(|id| !mine.contains(id))
        .expect("a sale of someone else");
    let (status, _) = get(admin.clone(), foreign.to_string(), Some(filter.to_string())).await;
    assert_eq!(status, 200);
    let (status, _) = get(plain.clone(), foreign.to_string(), Some(filter.to_string())).await;
    assert_eq!(status, 404, "a sale outside the user's scope");
    if let Some(own) = mine.first() {
        let (status, v) = get(plain.clone(), own.to_string(), Some(filter.to_string())).await;
        assert_eq!(status, 200, "{v}");
    }

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

    // The tier's window applies to the time line: on the free plan (3 months) a sale created half a year ago no
    // longer opens, even when the filter asks for the whole year; a sale of last month still does.
    let today = chrono::Utc::now().date_naive();
    let year = json!({"period": {"preset": "custom", "from": (today - chrono::Duration::days(365)).to_string(),
                                 "to": today.to_string()}, "compare": "none"});
    let (_, ya) = h
        .post(&admin, "/api/reports/linked", json!({"filter": year}))
        .await;
    let (status, sales) = h
        .post(
            &admin,
            "/api/reports/linked/drill",
            json!({"filter": year, "drill": tile(&ya, "linked_sales")["drill"], "list": {"limit": 5000}}),
        )
        .await;
    assert_eq!(status, 200, "{sales}");
    let created = |r: &Value| {
        chrono::NaiveDate::parse_from_str(r["cells"]["created"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap()
    };
    let rows = sales["rows"].as_array().unwrap();
    let old = rows
        .iter()
        .find(|r| created(r) < today - chrono::Duration::days(150))
        .expect("a sale of half a year ago")["id"]
        .as_i64()
        .unwrap();
    let recent = rows
        .iter()
        .find(|r| created(r) > today - chrono::Duration::days(40))
        .expect("a sale of last month")["id"]
        .as_i64()
        .unwrap();
    let (status, _) = get(admin.clone(), old.to_string(), Some(year.to_string())).await;
    assert_eq!(status, 200, "within the current tier's window");
    let portal = h.portal_id().await;
    h.state
        .store
        .record_tier(
            portal,
            CLIENT_ID,
            "F",
            false,
            None,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
    let (status, _) = get(admin.clone(), old.to_string(), Some(year.to_string())).await;
    assert_eq!(status, 404, "outside the free plan's window");
    let (status, v) = get(admin.clone(), recent.to_string(), Some(year.to_string())).await;
    assert_eq!(status, 200, "{v}");
}
