//! REST surface over real HTTP: envelope, paging totals, start rounding, start=-1, ID cursor,
//! filters, select, request encodings, PHP quirks, dictionaries, tasks, batch with references,
//! every documented error with its status, limits and fault injection.

use crate::common;

use std::time::Duration;

use b24a_emulator::*;
use common::*;
use serde_json::{json, Value};

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

#[tokio::test]
async fn documented_errors_with_their_statuses() {
    let e = env().await;
    let base = e.portal.client_endpoint();
    let check = |a: &Answer, status: u16, code: &str| {
        assert_eq!(a.status, status, "{code}: {}", a.body);
        assert_eq!(a.body["error"], json!(code));
        assert!(a.body["error_description"].is_string());
        assert!(a.body.get("time").is_none());
    };
    check(
        &e.call("crm.nothing.here", json!({})).await,
        404,
        "ERROR_METHOD_NOT_FOUND",
    );
    check(
        &answer(e.http.get(format!("{base}profile")).send().await.unwrap()).await,
        401,
        "NO_AUTH_FOUND",
    );
    check(
        &e.call_with_token("profile", json!({}), "not-a-token").await,
        401,
        "invalid_token",
    );
    check(
        &e.call("crm.deal.get", json!({"id": 99_999_999})).await,
        400,
        "",
    );
    check(&e.call("crm.deal.get", json!({})).await, 400, "");
    check(
        &e.call("crm.deal.list", json!({"filter": "x"})).await,
        400,
        "",
    );
    check(
        &e.call(
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "filter": {"NOPE": 1}}),
        )
        .await,
        400,
        "INVALID_ARG_VALUE",
    );
    check(
        &e.call("crm.stagehistory.list", json!({"entityTypeId": 7}))
            .await,
        400,
        "ENTITY_TYPE_NOT_SUPPORTED",
    );
    check(
        &e.call(
            "event.bind",
            json!({"event": "ONSOMETHING", "handler": "http://a.b/"}),
        )
        .await,
        400,
        "ERROR_EVENT_NOT_FOUND",
    );
    // Webhook with a wrong code.
    let hook = e.portal.create_webhook(1);
    let ok = answer(
        e.http
            .get(format!("{hook}profile.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200);
    let wrong = hook.replace("/rest/1/", "/rest/2/");
    check(
        &answer(e.http.get(format!("{wrong}profile")).send().await.unwrap()).await,
        401,
        "INVALID_CREDENTIALS",
    );
    // Expired token, then ACCESS_DENIED for a portal without REST.
    e.portal.expire_tokens();
    check(&e.call("profile", json!({})).await, 401, "expired_token");
    e.portal.set_rest_enabled(false);
    check(
        &answer(e.http.get(format!("{hook}profile")).send().await.unwrap()).await,
        403,
        "ACCESS_DENIED",
    );
}

#[tokio::test]
async fn insufficient_scope_and_foreign_portal_token() {
    let emu = start(EmulatorOptions::default()).await.unwrap();
    let mut app = AppRegistration::new("narrow", "x", "http://127.0.0.1:9/");
    app.scope = vec!["user".into()];
    emu.register_app(app);
    let cfg = CompanyConfig::new(1, Size::Tiny).with_now(NOW);
    let p1 = emu.add_portal(PortalSpec::generated(&cfg)).await.unwrap();
    let p2 = emu.add_portal(PortalSpec::generated(&cfg)).await.unwrap();
    assert_ne!(p1.member_id(), p2.member_id());
    let g = p1.install_app("narrow").await.unwrap();
    let http = reqwest::Client::new();
    let a = answer(
        http.get(format!(
            "{}crm.deal.list?auth={}",
            p1.client_endpoint(),
            g.access_token
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"], json!("insufficient_scope"));
    let b = answer(
        http.get(format!(
            "{}profile?auth={}",
            p2.client_endpoint(),
            g.access_token
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(b.body["error"], json!("invalid_token"));
}

#[tokio::test]
async fn leaky_bucket_answers_503_and_batch_costs_one() {
    let limits = Limits {
        burst: 5.0,
        drain_per_sec: 0.01,
        operating_enabled: false,
        ..Limits::default()
    };
    let e = env_with(limits, Duration::from_secs(3600), None).await;
    for i in 0..5 {
        let a = e
            .call(
                if i == 0 { "batch" } else { "profile" },
                json!({"cmd": {"a": "profile", "b": "profile"}}),
            )
            .await;
        assert_eq!(a.status, 200, "request {i}");
    }
    let a = e.call("profile", json!({})).await;
    assert_eq!(a.status, 503);
    assert_eq!(
        a.body,
        json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
    );
}

#[tokio::test]
async fn operating_budget_answers_429_per_method() {
    let limits = Limits {
        rate_enabled: false,
        operating_limit_secs: 1.0,
        cost: CostModel {
            base_secs: 0.6,
            per_row_secs: 0.0,
            per_counted_row_secs: 0.0,
        },
        ..Limits::default()
    };
    let e = env_with(limits, Duration::from_secs(3600), None).await;
    let a = e.call("crm.deal.list", json!({"select": ["ID"]})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["time"]["operating"], json!(0.6));
    assert!(a.body["time"]["operating_reset_at"].is_i64());
    // 0.6 used: not over the limit yet, the call that crosses it still runs.
    assert_eq!(
        e.call("crm.deal.list", json!({"select": ["ID"]}))
            .await
            .status,
        200
    );
    let blocked = e.call("crm.deal.list", json!({"select": ["ID"]})).await;
    assert_eq!(blocked.status, 429);
    assert_eq!(blocked.body["error"], json!("OPERATION_TIME_LIMIT"));
    // Other methods are unaffected; inside a batch the blocked method fails alone.
    assert_eq!(
        e.call("crm.lead.list", json!({"select": ["ID"]}))
            .await
            .status,
        200
    );
    let b = e
        .call(
            "batch",
            json!({"cmd": {"d": "crm.deal.list", "u": "user.admin"}}),
        )
        .await;
    assert_eq!(
        b.body["result"]["result_error"]["d"]["error"],
        json!("OPERATION_TIME_LIMIT")
    );
    assert_eq!(b.body["result"]["result"]["u"], json!(true));
}

#[tokio::test]
async fn fault_injection_500_html_and_slow() {
    let e = env().await;
    e.portal.set_faults(Faults {
        error_500: 1.0,
        ..Faults::default()
    });
    let a = e.call("profile", json!({})).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body["error"], json!("INTERNAL_SERVER_ERROR"));
    e.portal.set_faults(Faults {
        html_error: 1.0,
        ..Faults::default()
    });
    let h = e.call("profile", json!({})).await;
    assert_eq!(h.status, 502);
    assert!(h
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(matches!(h.body, Value::String(ref s) if s.contains("<html>")));
    e.portal.set_faults(Faults {
        slow: 1.0,
        slow_ms: 300,
        ..Faults::default()
    });
    let t = std::time::Instant::now();
    assert_eq!(e.call("profile", json!({})).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    e.portal.set_faults(Faults {
        timeout: 1.0,
        timeout_ms: 5_000,
        ..Faults::default()
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let r = client
        .get(format!(
            "{}profile?auth={}",
            e.portal.client_endpoint(),
            e.grant.access_token
        ))
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()));
    // A share of faults: about 30 % of 200 requests fail.
    e.portal.set_faults(Faults {
        error_500: 0.3,
        seed: 11,
        ..Faults::default()
    });
    let mut failed = 0;
    for _ in 0..200 {
        if e.call("user.admin", json!({})).await.status == 500 {
            failed += 1;
        }
    }
    assert!((35..=85).contains(&failed), "{failed} of 200 failed");
}

#[tokio::test]
async fn call_statistics_follow_completed_call_activities() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let calls: Vec<_> = snap
        .activities
        .iter()
        .filter(|a| a.kind == ActivityKind::Call && a.completed)
        .collect();
    let a = e
        .call(
            "voximplant.statistic.get",
            json!({"FILTER": {"CALL_TYPE": 2}, "SORT": "ID", "ORDER": "ASC"}),
        )
        .await;
    let incoming: Vec<_> = calls.iter().filter(|c| c.direction == 1).collect();
    assert_eq!(a.body["total"], json!(incoming.len()));
    let row = &a.body["result"][0];
    assert_eq!(row["CRM_ACTIVITY_ID"], json!(incoming[0].id.to_string()));
    assert_eq!(
        row["CALL_START_DATE"],
        json!(b24a_emulator::format::iso(
            incoming[0].start_time,
            b24a_emulator::Zone::MOSCOW
        ))
    );
    let all = e
        .call("voximplant.statistic.get", json!({"start": 0}))
        .await;
    assert_eq!(all.body["total"], json!(calls.len()));
    let missed = e
        .call(
            "voximplant.statistic.get",
            json!({"FILTER": {"CALL_FAILED_CODE": "304"}}),
        )
        .await;
    let expected = incoming.iter().filter(|c| c.id % 10 == 0).count();
    assert_eq!(missed.body["total"], json!(expected));
}

#[tokio::test]
async fn hostile_input_gets_normal_answers() {
    let e = env().await;
    let tok = e.grant.access_token.clone();
    let deep = "filter".to_string() + &"[a]".repeat(5_000) + "=1";
    let a = e
        .get(&format!("/rest/crm.deal.list?auth={tok}&{deep}&start=-1"))
        .await;
    assert_eq!(a.status, 200);
    let bad_json = e
        .http
        .post(format!(
            "{}crm.deal.list?auth={tok}&start=-1",
            e.portal.client_endpoint()
        ))
        .header("content-type", "application/json")
        .body("{\"filter\": [1, 2")
        .send()
        .await
        .unwrap();
    let b = answer(bad_json).await;
    assert_eq!(b.status, 200, "invalid JSON is treated as no params");
    assert_eq!(b.body["result"].as_array().unwrap().len(), 50);
    let c = e
        .call(
            "crm.deal.list",
            json!({"start": "abc", "order": "x", "select": 5, "filter": {">ID": "x"}}),
        )
        .await;
    assert_eq!(c.status, 200);
    let d = e.call("batch", json!({"cmd": {"a": "$result[a][0]", "b": "crm.deal.list?filter[>ID]=$result[zz][49][ID]&start=-1"}})).await;
    assert_eq!(d.status, 200);
    assert_eq!(
        d.body["result"]["result_error"]["a"]["error"],
        json!("ERROR_METHOD_NOT_FOUND")
    );
    let x = e.get(&format!("/rest/crm.deal.list.xml?auth={tok}")).await;
    assert_eq!(x.body["error"], json!("INTERNAL_WRONG_TRANSPORT"));
    let y = e.get("/rest/a/b/c/d").await;
    assert_eq!(y.status, 404);
}

#[tokio::test]
async fn companies_and_account_currency_amounts() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let c = e
        .call(
            "crm.company.list",
            json!({"select": ["ID", "TITLE", "INDUSTRY"]}),
        )
        .await;
    assert_eq!(c.body["total"], json!(snap.companies.len()));
    assert_eq!(
        c.body["result"][0]["INDUSTRY"],
        json!(snap.companies[0].industry)
    );
    let it = e
        .call("crm.company.list", json!({"filter": {"INDUSTRY": "IT"}}))
        .await;
    assert_eq!(
        it.body["total"],
        json!(snap.companies.iter().filter(|x| x.industry == "IT").count())
    );
    let usd = snap
        .deals
        .iter()
        .find(|d| d.currency_id == "USD")
        .expect("a USD deal");
    let g = e.call("crm.deal.get", json!({"id": usd.id})).await;
    assert_eq!(g.body["result"]["ACCOUNT_CURRENCY_ID"], json!("RUB"));
    assert_eq!(
        g.body["result"]["OPPORTUNITY_ACCOUNT"],
        json!(format!("{:.2}", usd.opportunity * 92.5))
    );
    let rub = snap.deals.iter().find(|d| d.currency_id == "RUB").unwrap();
    let g = e.call("crm.deal.get", json!({"id": rub.id})).await;
    assert_eq!(
        g.body["result"]["OPPORTUNITY_ACCOUNT"],
        g.body["result"]["OPPORTUNITY"]
    );
}

#[tokio::test]
async fn time_follows_the_portal_clock_so_watermarks_work() {
    let e = env().await;
    let first = e
        .call("crm.deal.list", json!({"select": ["ID"], "start": -1}))
        .await;
    let start = first.body["time"]["start"].as_f64().unwrap();
    assert!(
        (start - NOW as f64).abs() < 60.0,
        "portal clock starts at the generation now"
    );
    let watermark = first.body["time"]["date_start"]
        .as_str()
        .unwrap()
        .to_string();
    let id = e.portal.create_deal(NewDeal::default()).await.unwrap();
    let changed = e
        .call(
            "crm.deal.list",
            json!({"filter": {">=DATE_MODIFY": watermark}, "select": ["ID"], "start": -1}),
        )
        .await;
    assert!(ids(&changed.body["result"]).contains(&id));
}
