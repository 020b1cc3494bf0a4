//! Row-level data scope and access by report (docs/ACCESS.md): a head of department sees exactly his tree, a
//! granted employee his own records unless granted the whole company; plans and presets of a report the user may
//! not open are refused; bad plan rows and over-large rule lists are refused by field and nothing is stored.
//! Every expected number comes from an independent route: the administrator's company view with the matching
//! filter, or the emulator's own data.

use crate::common::{self, scope};

use b24a_store::PortalId;
use scope::{first_diff, get, members, post, put, session, tile};
use serde_json::{json, Value};

const REPORTS: [&str; 5] = [
    "sales_dynamics",
    "managers",
    "marketing",
    "tasks",
    "forget_me_not",
];

fn filter(extra: Value) -> Value {
    let mut f = json!({"period": {"preset": "last_year"}, "compare": "none"});
    if let (Some(f), Some(e)) = (f.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            f.insert(k.clone(), v.clone());
        }
    }
    f
}

/// What a report says, without the parts that describe the request rather than the data.
fn numbers(a: &Value) -> Value {
    json!({"tiles": a["tiles"], "tables": a["tables"]})
}

async fn portal_id(h: &common::Harness, admin: &str) -> PortalId {
    let (_, a) = post(
        h,
        admin,
        "/api/reports/sales_dynamics",
        json!({"filter": filter(json!({}))}),
    )
    .await;
    PortalId(a["meta"]["portal_id"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_sees_his_tree_and_employee_his_own_unless_company() {
    let h = scope::two_departments().await;
    let admin = session(&h, 1).await;
    // User 3 heads department 4 (no sub-departments); user 5 is a plain manager there.
    let tree = members(&h, &[4]);
    assert!(tree.contains(&3) && tree.contains(&5) && !tree.contains(&2));
    let rules = json!([
        {"report": "*", "subject": {"type": "user", "id": 3}},
        {"report": "*", "subject": {"type": "user", "id": 5}, "scope": "own"}
    ]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    let head = session(&h, 3).await;
    let own = session(&h, 5).await;

    for report in REPORTS {
        let path = format!("/api/reports/{report}");
        let (s, mine) = post(&h, &head, &path, json!({"filter": filter(json!({}))})).await;
        assert_eq!(s, 200, "{report}: {mine}");
        let (_, tree_view) = post(
            &h,
            &admin,
            &path,
            json!({"filter": filter(json!({"departments": [4]}))}),
        )
        .await;
        assert_eq!(
            first_diff(&numbers(&mine), &numbers(&tree_view), report),
            None,
            "the head's numbers are the company view filtered by his tree"
        );
        let (_, own_view) = post(&h, &own, &path, json!({"filter": filter(json!({}))})).await;
        let (_, employee_view) = post(
            &h,
            &admin,
            &path,
            json!({"filter": filter(json!({"employees": [5]}))}),
        )
        .await;
        assert_eq!(
            first_diff(&numbers(&own_view), &numbers(&employee_view), report),
            None,
            "a granted employee sees his own records"
        );
    }
    let (_, company) = post(
        &h,
        &admin,
        "/api/reports/sales_dynamics",
        json!({"filter": filter(json!({}))}),
    )
    .await;
    let (_, mine) = post(
        &h,
        &head,
        "/api/reports/sales_dynamics",
        json!({"filter": filter(json!({}))}),
    )
    .await;
    let (all, part) = (tile(&company, "deal_created"), tile(&mine, "deal_created"));
    assert!(
        part > 0.0 && part < all,
        "the tree is a strict part of the company ({part} of {all})"
    );

    // The list behind the head's number has as many records as the number.
    let created = mine["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == "deal_created")
        .unwrap()
        .clone();
    let (_, list) = post(
        &h,
        &head,
        "/api/reports/sales_dynamics/drill",
        json!({"filter": filter(json!({})), "drill": created["drill"], "list": {"limit": 5000}}),
    )
    .await;
    assert_eq!(list["counted"].as_f64().unwrap(), part);

    // A filter naming someone outside the tree is intersected: nothing of theirs shows.
    let (_, outside) = post(
        &h,
        &admin,
        "/api/reports/sales_dynamics",
        json!({"filter": filter(json!({"employees": [2]}))}),
    )
    .await;
    assert!(tile(&outside, "deal_created") > 0.0);
    let (s, asked) = post(
        &h,
        &head,
        "/api/reports/sales_dynamics",
        json!({"filter": filter(json!({"employees": [2]}))}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(tile(&asked, "deal_created"), 0.0);

    // The employee picker names exactly the people of the tree.
    let (_, dicts) = get(&h, &head, "/api/dictionaries").await;
    let mut picked: Vec<i64> = dicts["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    picked.sort();
    assert_eq!(picked, tree);
    let (_, dicts) = get(&h, &own, "/api/dictionaries").await;
    assert_eq!(dicts["users"].as_array().unwrap().len(), 1);
    assert_eq!(dicts["users"][0]["id"], 5);

    // Granted the whole company, the same employee sees the company view.
    let rules = json!([
        {"report": "*", "subject": {"type": "user", "id": 3}},
        {"report": "*", "subject": {"type": "user", "id": 5}, "scope": "company"}
    ]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    for report in REPORTS {
        let path = format!("/api/reports/{report}");
        let (_, wide) = post(&h, &own, &path, json!({"filter": filter(json!({}))})).await;
        let (_, all) = post(&h, &admin, &path, json!({"filter": filter(json!({}))})).await;
        assert_eq!(
            first_diff(&numbers(&wide), &numbers(&all), report),
            None,
            "the whole company"
        );
    }
}

fn plan_row(user: Option<i64>, department: Option<i64>, start: &str) -> Value {
    json!({"user_id": user, "department_id": department, "category_id": null, "period_kind": "month",
        "period_start": start, "amount_cents": 100_000_000, "deal_count": 10, "bonus_cents": 5_000_000,
        "grade": "A", "updated_by": null})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plan_rows_and_rule_lists_refused() {
    let h = scope::two_departments().await;
    let admin = session(&h, 1).await;
    let portal = portal_id(&h, &admin).await;
    let store = &h.state.store;

    // Bad plan rows: refused by field, nothing stored.
    let huge_grade = "x".repeat(10_000);
    let mut long = plan_row(Some(5), None, "2026-01-01");
    long["grade"] = json!(huge_grade);
    let mut rich = plan_row(Some(5), None, "2026-01-01");
    rich["amount_cents"] = json!(100_000_000_000_000_000i64);
    let mut bonus = plan_row(Some(5), None, "2026-01-01");
    bonus["bonus_cents"] = json!(9_000_000_000_000_000i64);
    let cases = [
        (
            plan_row(Some(5), None, "0000-01-01"),
            "rows[1].period_start",
        ),
        (
            plan_row(Some(5), None, "9999-01-01"),
            "rows[1].period_start",
        ),
        (
            plan_row(Some(5), None, "10000-01-01"),
            "rows[1].period_start",
        ),
        (rich, "rows[1].amount_cents"),
        (bonus, "rows[1].bonus_cents"),
        (
            plan_row(Some(999_999), None, "2026-01-01"),
            "rows[1].user_id",
        ),
        (
            plan_row(None, Some(999_999), "2026-01-01"),
            "rows[1].department_id",
        ),
        (long, "rows[1].grade"),
    ];
    for (bad, field) in cases {
        let rows = json!({"rows": [plan_row(Some(5), None, "2026-01-01"), bad]});
        let (s, e) = post(&h, &admin, "/api/plans", rows).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    assert!(store.plans(portal).await.unwrap().is_empty());

    // Over-large access-rule lists: refused by field, the stored rules unchanged.
    let many: Vec<Value> = (1..=501)
        .map(|i| json!({"report": "*", "subject": {"type": "user", "id": i}}))
        .collect();
    let (s, e) = put(&h, &admin, "/api/settings/access", json!(many)).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("rules")), "{e}");
    let (s, e) = put(
        &h,
        &admin,
        "/api/settings/access",
        json!([{"report": "*", "subject": {"type": "user", "id": 5}, "scope": "everything"}]),
    )
    .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("rules")), "{e}");
    assert!(store.access_rules(portal).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_and_presets_need_the_report() {
    let h = scope::two_departments().await;
    let admin = session(&h, 1).await;
    let portal = portal_id(&h, &admin).await;
    let store = &h.state.store;

    // Plans: user 5 may open the sales dynamics only; user 3 (head of department 4) the plan too.
    let rules = json!([
        {"report": "sales_dynamics", "subject": {"type": "user", "id": 5}},
        {"report": "plan", "subject": {"type": "user", "id": 3}}
    ]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    let rows = json!({"rows": [
        plan_row(Some(5), None, "2026-01-01"),
        plan_row(Some(2), None, "2026-01-01"),
        plan_row(None, Some(4), "2026-01-01"),
        plan_row(None, Some(3), "2026-01-01")
    ]});
    let (s, added) = post(&h, &admin, "/api/plans", rows).await;
    assert_eq!(s, 200, "{added}");
    let ids: Vec<i64> = added["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let employee = session(&h, 5).await;
    let head = session(&h, 3).await;
    assert_eq!(get(&h, &employee, "/api/plans").await.0, 403);
    let (s, seen) = get(&h, &head, "/api/plans").await;
    assert_eq!(s, 200);
    let seen: Vec<i64> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seen,
        vec![ids[0], ids[2]],
        "the head sees his member's and his department's rows only"
    );

    // Presets of a report the user may not open: neither read nor written.
    let preset = json!({"filter": {"employees": [2]}});
    assert_eq!(
        put(&h, &employee, "/api/presets/plan", preset.clone())
            .await
            .0,
        403
    );
    assert_eq!(get(&h, &employee, "/api/presets/plan").await.0, 403);
    assert_eq!(store.user_preset(portal, 5, "plan").await.unwrap(), None);
    // The plan's bonus rule is the plan report's too.
    let rule = json!({"threshold_pct": 80.0, "ladder": []});
    assert_eq!(
        put(&h, &employee, "/api/presets/plan/bonus", rule).await.0,
        403
    );
    assert_eq!(get(&h, &employee, "/api/presets/plan/bonus").await.0, 403);
    assert_eq!(
        store.user_preset(portal, 5, "plan_bonus").await.unwrap(),
        None
    );
    store
        .set_user_preset(portal, 5, "managers", &json!({"employees": [3]}))
        .await
        .unwrap();
    assert_eq!(get(&h, &employee, "/api/presets/managers").await.0, 403);
    // The report the user may open keeps working.
    assert_eq!(
        put(&h, &employee, "/api/presets/sales_dynamics", preset.clone())
            .await
            .0,
        200
    );
    let (s, back) = get(&h, &employee, "/api/presets/sales_dynamics").await;
    assert_eq!((s, back), (200, preset["filter"].clone()));
}
