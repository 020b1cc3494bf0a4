//! REST surface, part two: every documented error with its status, scopes, the leaky bucket and operating limits,
//! fault injection, call statistics, hostile input, company amounts and the portal clock.

use super::*;

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
