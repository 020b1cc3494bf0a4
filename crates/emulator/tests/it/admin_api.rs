//! The admin HTTP API (`/_emulator/...`) over real HTTP: its JSON error answers (404 unknown
//! path, 405 wrong method, 400 malformed body or id, 404 refused operation) and a round trip
//! through each route group (records, apps, portal controls), checked against the portal's
//! in-process state and its REST answers.

use crate::common;

use common::*;
use serde_json::{json, Value};

/// Sends `method` to `/_emulator/<path>` with a raw body (no content type) when one is given.
async fn admin(e: &Env, method: reqwest::Method, path: &str, body: Option<&str>) -> Answer {
    let url = format!("{}/_emulator/{path}", e.portal.base_url());
    let mut req = e.http.request(method, url);
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    answer(req.send().await.unwrap()).await
}

/// Asserts a JSON error answer: its status, `error` code and `error_description`.
fn assert_error(a: &Answer, status: u16, code: &str, description: &str) {
    assert_eq!(a.status, status, "{:?}", a.body);
    assert_eq!(a.body["error"], json!(code), "{:?}", a.body);
    let text = a.body["error_description"].as_str().unwrap_or_default();
    assert!(text.contains(description), "{text:?} lacks {description:?}");
}

#[tokio::test]
async fn admin_errors_are_json_with_their_statuses() {
    use reqwest::Method as M;
    let e = env().await;
    let unknown = admin(&e, M::GET, "no/such", None).await;
    assert_error(
        &unknown,
        404,
        "NOT_FOUND",
        "no admin operation GET /_emulator/no/such",
    );
    let wrong = admin(&e, M::GET, "deals", None).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", "GET");
    let allow = wrong.headers.get("allow").and_then(|v| v.to_str().ok());
    assert!(allow.is_some_and(|a| a.contains("POST")), "{allow:?}");
    let wrong = admin(&e, M::DELETE, "info", None).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", "/_emulator/info");
    let wrong = admin(&e, M::POST, "deals/1", Some("{}")).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", "POST");

    let broken = admin(&e, M::POST, "deals", Some("{not json")).await;
    assert_error(&broken, 400, "BAD_REQUEST", "invalid JSON body");
    let missing = admin(
        &e,
        M::POST,
        "statuses/delete",
        Some(r#"{"entity_id":"SOURCE"}"#),
    )
    .await;
    assert_error(&missing, 400, "BAD_REQUEST", "missing field `status_id`");
    let typed = admin(&e, M::POST, "rest_access", Some(r#"{"enabled":"yes"}"#)).await;
    assert_error(&typed, 400, "BAD_REQUEST", "invalid type");
    let id = admin(&e, M::DELETE, "deals/abc", None).await;
    assert_error(&id, 400, "BAD_REQUEST", "deal id");
    // The id is judged before the body, as the hand-written router did.
    let id = admin(&e, M::POST, "leads/x/status", Some("{broken")).await;
    assert_error(&id, 400, "BAD_REQUEST", "lead id");

    let absent = e
        .portal
        .snapshot()
        .deals
        .iter()
        .map(|d| d.id)
        .max()
        .unwrap_or(0)
        + 1;
    let refused = admin(&e, M::DELETE, &format!("deals/{absent}"), None).await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.body["error"], json!("NOT_FOUND"));

    // Trailing slashes and empty bodies are accepted as they always were.
    let info = admin(&e, M::GET, "info/", None).await;
    assert_eq!(
        info.body["result"]["member_id"],
        json!(e.portal.member_id())
    );
    let hook = admin(&e, M::POST, "webhook", None).await;
    let url = hook.body["result"]["url"].as_str().unwrap_or_default();
    assert!(
        url.starts_with(&format!("{}/rest/1/", e.portal.base_url())),
        "{url}"
    );
}

#[tokio::test]
async fn each_admin_route_group_round_trips() {
    use reqwest::Method as M;
    let e = env().await;
    let result = |a: Answer| {
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["result"].clone()
    };

    // Records: PUT and PATCH are synonyms of POST; each change shows in the portal data.
    let created = result(admin(&e, M::PUT, "deals", Some(r#"{"title":"Admin A"}"#)).await);
    let id = created["id"].as_i64().unwrap();
    let title = |e: &Env| {
        let snap = e.portal.snapshot();
        snap.deals
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.title.clone())
    };
    assert_eq!(title(&e).as_deref(), Some("Admin A"));
    let path = format!("deals/{id}/update");
    result(admin(&e, M::PATCH, &path, Some(r#"{"title":"Admin B"}"#)).await);
    assert_eq!(title(&e).as_deref(), Some("Admin B"));
    result(admin(&e, M::POST, &format!("deals/{id}/delete"), None).await);
    assert_eq!(title(&e), None);
    let status = r#"{"entity_id":"SOURCE","status_id":"ADMIN_T","name":"Via admin"}"#;
    result(admin(&e, M::POST, "statuses", Some(status)).await);
    let has_source = |e: &Env| {
        let snap = e.portal.snapshot();
        snap.dictionary("SOURCE")
            .iter()
            .any(|s| s.status_id == "ADMIN_T")
    };
    assert!(has_source(&e));
    let key = r#"{"entity_id":"SOURCE","status_id":"ADMIN_T"}"#;
    result(admin(&e, M::POST, "statuses/delete", Some(key)).await);
    assert!(!has_source(&e));
    let cat = result(admin(&e, M::POST, "categories", Some(r#"{"name":"Admin"}"#)).await);
    let cat = cat["id"].as_i64().unwrap();
    let named = e
        .portal
        .snapshot()
        .categories
        .into_iter()
        .find(|c| c.id == cat);
    assert_eq!(named.map(|c| c.name).as_deref(), Some("Admin"));
    result(admin(&e, M::DELETE, &format!("categories/{cat}"), None).await);
    assert!(!e.portal.snapshot().categories.iter().any(|c| c.id == cat));

    // Apps: uninstall revokes the install's token; install answers a grant that works.
    let old = e.grant.access_token.clone();
    let body = format!(r#"{{"client_id":"{CLIENT_ID}"}}"#);
    assert_eq!(
        result(admin(&e, M::POST, "uninstall", Some(&body)).await),
        json!(true)
    );
    assert_ne!(
        e.call_with_token("profile", json!({}), &old).await.status,
        200
    );
    let grant = result(admin(&e, M::POST, "install", Some(&body)).await);
    assert_eq!(grant["member_id"], json!(e.portal.member_id()));
    let token = grant["access_token"].as_str().unwrap().to_string();
    let me = e.call_with_token("profile", json!({}), &token).await;
    assert_eq!(me.body["result"]["ID"], json!("1"));
    let unknown = admin(&e, M::POST, "install", Some(r#"{"client_id":"no.app"}"#)).await;
    assert_error(&unknown, 404, "NOT_FOUND", "no.app");

    // Portal controls: info counts match the data; faults and the REST switch take effect.
    let info = result(admin(&e, M::GET, "info", None).await);
    let snap = e.portal.snapshot();
    assert_eq!(info["counts"]["deals"], json!(snap.deals.len()));
    assert_eq!(info["counts"]["users"], json!(snap.users.len()));
    assert_eq!(info["domain"], json!(e.portal.domain()));
    let dump = result(admin(&e, M::GET, "snapshot", None).await);
    assert_eq!(
        dump["categories"].as_array().map(Vec::len),
        Some(snap.categories.len())
    );
    let off = r#"{"enabled":false}"#;
    result(admin(&e, M::POST, "rest_access", Some(off)).await);
    let denied = e.call_with_token("profile", json!({}), &token).await;
    assert_eq!(
        (denied.status, denied.body["error"].clone()),
        (403, json!("ACCESS_DENIED"))
    );
    result(admin(&e, M::POST, "rest_access", Some(r#"{"enabled":true}"#)).await);
    let failing = r#"{"failing_methods":["profile"]}"#;
    result(admin(&e, M::POST, "faults", Some(failing)).await);
    assert_eq!(
        e.call_with_token("profile", json!({}), &token).await.status,
        500
    );
    result(admin(&e, M::POST, "faults", None).await);
    assert_eq!(
        e.call_with_token("profile", json!({}), &token).await.status,
        200
    );
}

#[tokio::test]
async fn admin_http_api_drives_the_same_operations() {
    let e = env().await;
    let base = format!("{}/_emulator", e.portal.base_url());
    let post = |path: &str, body: Value| {
        let http = e.http.clone();
        let url = format!("{base}/{path}");
        async move { answer(http.post(url).json(&body).send().await.unwrap()).await }
    };
    let info = answer(e.http.get(format!("{base}/info")).send().await.unwrap()).await;
    assert_eq!(
        info.body["result"]["member_id"],
        json!(e.portal.member_id())
    );
    let created = post(
        "deals",
        json!({"title": "Через админку", "opportunity": 100.0}),
    )
    .await;
    let id = created.body["result"]["id"].as_i64().unwrap();
    assert_eq!(
        post(&format!("deals/{id}/stage"), json!({"stage_id": "WON"}))
            .await
            .status,
        200
    );
    let d = e.call("crm.deal.get", json!({"id": id})).await;
    assert_eq!(d.body["result"]["STAGE_ID"], json!("WON"));
    assert_eq!(d.body["result"]["STAGE_SEMANTIC_ID"], json!("S"));
    let missing = post("deals/99999999/stage", json!({"stage_id": "WON"})).await;
    assert_eq!(missing.status, 404);
    let bad = answer(
        e.http
            .post(format!("{base}/deals"))
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 400);
    let hook = post("webhook", json!({"user_id": 1})).await;
    let url = hook.body["result"]["url"].as_str().unwrap().to_string();
    assert!(url.ends_with('/'));
    assert_eq!(
        answer(
            e.http
                .get(format!("{url}user.current"))
                .send()
                .await
                .unwrap()
        )
        .await
        .body["result"]["ID"],
        json!("1")
    );
    assert_eq!(
        post("limits", json!({"burst": 1.0, "drain_per_sec": 0.001}))
            .await
            .status,
        200
    );
    e.call("profile", json!({})).await;
    assert_eq!(e.call("profile", json!({})).await.status, 503);
    post("limits", json!({"rate_enabled": false})).await;
    post("app_status", json!({"client_id": CLIENT_ID, "status": "F"})).await;
    assert_eq!(
        e.call("app.info", json!({})).await.body["result"]["STATUS"],
        json!("F")
    );
    post("expire_tokens", json!({})).await;
    assert_eq!(
        e.call("profile", json!({})).await.body["error"],
        json!("expired_token")
    );
    let iframe = post("iframe", json!({"client_id": CLIENT_ID, "user_id": 2})).await;
    assert!(iframe.body["result"]["form"].is_array());
}
