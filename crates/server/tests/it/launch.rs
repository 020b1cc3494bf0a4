//! Install, iframe launch verification, sessions, CSP, uninstall and event verification over real HTTP against
//! the portal emulator; the health and readiness probes.

use crate::common;

use common::{set, Harness, CLIENT_ID};
use serde_json::{json, Value};

#[tokio::test]
async fn install_stores_portal_and_genuine_launch_gets_shell_with_csp() {
    let h = common::start(false).await;
    let grant = h.portal.install_app(CLIENT_ID).await.unwrap();
    let stored = h
        .state
        .store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .expect("portal stored");
    assert_eq!(stored.domain, h.portal.domain());
    let app = h
        .state
        .store
        .portal_app(stored.id, CLIENT_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.application_token.as_deref(),
        Some(grant.application_token.as_str())
    );
    let tokens = h
        .state
        .store
        .tokens(stored.id, CLIENT_ID)
        .await
        .unwrap()
        .unwrap();
    // The event carries its own token pair (not the grant's); it must be a live token of this app and portal.
    let v = b24a_server::verify::app_info(
        &h.http,
        &h.emulator.server_endpoint(),
        &tokens.tokens.access_token,
    )
    .await
    .unwrap();
    assert_eq!(
        (v.client_id.as_str(), v.member_id.as_str()),
        (CLIENT_ID, h.portal.member_id().as_str())
    );
    assert!(!tokens.tokens.refresh_token.is_empty());

    let l = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let resp = h.launch(&l.query, &l.form).await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains(&format!("frame-ancestors http://{};", h.portal.domain())),
        "CSP names only that portal: {csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("<html lang=\"ru\""));
    assert!(html.contains("Динамика продаж"), "Russian tabs by default");
    assert!(
        html.contains("\"isAdmin\":true"),
        "user 1 is the portal admin"
    );

    let l = h.portal.iframe_launch(CLIENT_ID, 1, "en");
    let html = h.launch(&l.query, &l.form).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\"") && html.contains("Sales dynamics"));
}

/// Changes a launch's query and form pairs.
type Tamper = dyn Fn(&mut Vec<(String, String)>, &mut Vec<(String, String)>);

#[tokio::test]
async fn forged_launches_get_403_and_see_nothing() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let good = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let cases: Vec<(&str, Box<Tamper>)> = vec![
        (
            "forged AUTH_ID",
            Box::new(|_q, f| set(f, "AUTH_ID", "0123456789abcdef0123456789abcdef")),
        ),
        ("empty AUTH_ID", Box::new(|_q, f| set(f, "AUTH_ID", ""))),
        (
            "other member_id",
            Box::new(|_q, f| set(f, "member_id", "ffffffffffffffffffffffffffffffff")),
        ),
        (
            "forged DOMAIN",
            Box::new(|q, _f| set(q, "DOMAIN", "evil.example.com")),
        ),
        ("no form at all", Box::new(|_q, f| f.clear())),
    ];
    for (name, tamper) in cases {
        let (mut q, mut f) = (good.query.clone(), good.form.clone());
        tamper(&mut q, &mut f);
        let resp = h.launch(&q, &f).await;
        assert_eq!(resp.status(), 403, "{name}");
        assert_eq!(
            resp.headers()["content-security-policy"],
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        );
        let body = resp.text().await.unwrap();
        assert!(!body.contains("session"), "{name}: no session handed out");
        assert!(
            !body.contains(&h.portal.member_id()) && !body.contains(&h.portal.domain()),
            "{name}: nothing about the portal"
        );
    }
    // A token of a portal where the app is not installed is refused even with a matching member_id.
    let other = h
        .emulator
        .add_portal(b24a_emulator::PortalSpec::generated(
            &b24a_emulator::CompanyConfig::new(8, b24a_emulator::Size::Tiny),
        ))
        .await
        .unwrap();
    let foreign = other.iframe_launch(CLIENT_ID, 1, "ru");
    let (q, mut f) = (good.query.clone(), good.form.clone());
    set(
        &mut f,
        "AUTH_ID",
        &foreign.form.iter().find(|(k, _)| k == "AUTH_ID").unwrap().1,
    );
    assert_eq!(
        h.launch(&q, &f).await.status(),
        403,
        "token of another portal"
    );
    // A GET is never a launch.
    let get = h
        .http
        .get(format!("{}/app/{CLIENT_ID}/", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 403);
}

#[tokio::test]
async fn api_needs_a_valid_session_and_names_bad_filter_fields() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let html = h.launch(&l.query, &l.form).await.text().await.unwrap();
    let session = Harness::session_of(&html);
    let url = format!("{}/api/reports/sales_dynamics", h.base);

    let none = h.http.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let mut tampered = session.clone();
    tampered.insert(3, 'x');
    let bad = h
        .http
        .post(&url)
        .header("x-b24a-session", tampered)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);

    let ok = h
        .http
        .post(&url)
        .header("x-b24a-session", &session)
        .json(&json!({"filter": {"period": {"preset": "last_month"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert!(
        v["tiles"].is_array() && v["tables"].is_array() && v["freshness"].is_object(),
        "{v}"
    );

    let invalid = h.http.post(&url).header("x-b24a-session", &session)
        .json(&json!({"filter": {"period": {"preset": "custom", "from": "2026-13-45", "to": "2026-01-01"}}})).send().await.unwrap();
    assert_eq!(invalid.status(), 400);
    let v: Value = invalid.json().await.unwrap();
    assert!(v["field"].as_str().unwrap_or("").contains("period"), "{v}");

    let unknown = h
        .http
        .post(format!("{}/api/reports/nope", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn non_admin_without_rules_sees_polite_page_and_api_refuses() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let non_admin = common::employee(&h.portal);
    let l = h.portal.iframe_launch(CLIENT_ID, non_admin, "ru");
    let resp = h.launch(&l.query, &l.form).await;
    assert_eq!(resp.status(), 403, "the polite page answers 403");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Нет доступа к отчётам"), "polite page");
    let session = Harness::session_of(&html);
    let r = h
        .http
        .post(format!("{}/api/reports/sales_dynamics", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let put = h
        .http
        .put(format!("{}/api/settings/access", h.base))
        .header("x-b24a-session", &session)
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403, "non-admins cannot change access");

    // The admin grants this user one report: the API lets them in for it and only for it.
    let admin = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let admin_session = Harness::session_of(
        &h.launch(&admin.query, &admin.form)
            .await
            .text()
            .await
            .unwrap(),
    );
    let put = h
        .http
        .put(format!("{}/api/settings/access", h.base))
        .header("x-b24a-session", &admin_session)
        .json(&json!([{"report": "managers", "subject": {"type": "user", "id": non_admin}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let r = h
        .http
        .post(format!("{}/api/reports/managers", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .http
        .post(format!("{}/api/reports/sales_dynamics", h.base))
        .header("x-b24a-session", &session)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn events_need_the_application_token_and_uninstall_with_clean_deletes() {
    let h = common::start(false).await;
    let grant = h.portal.install_app(CLIENT_ID).await.unwrap();
    let id = h
        .state
        .store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .unwrap()
        .id;
    let forged = h
        .http
        .post(format!("{}/events/{CLIENT_ID}", h.base))
        .form(&[
            ("event", "ONAPPUNINSTALL"),
            ("data[CLEAN]", "1"),
            ("auth[member_id]", &h.portal.member_id()),
            ("auth[application_token]", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(
        h.state.store.portal(id).await.unwrap().is_some(),
        "a forged uninstall deletes nothing"
    );
    let _ = grant;
    h.portal.uninstall_app(CLIENT_ID, true).await;
    assert!(
        h.state.store.portal(id).await.unwrap().is_none(),
        "portal data deleted on uninstall with clean"
    );
    // After uninstall, the old launch fields are refused.
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    assert_eq!(h.launch(&l.query, &l.form).await.status(), 403);
}

/// The probes: `/healthz` answers while the process runs; `/readyz` answers 200 while the store answers and 503
/// once it does not (here: its connection pool closed), so an orchestrator stops sending traffic.
#[tokio::test]
async fn readiness_follows_the_database() {
    let h = common::start(false).await;
    let get = |path: &str| {
        let url = format!("{}{path}", h.base);
        let http = h.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get("/healthz").await, 200);
    assert_eq!(get("/readyz").await, 200);
    h.state.store.close().await;
    assert_eq!(get("/readyz").await, 503);
    assert_eq!(get("/healthz").await, 200, "alive, only not ready");
}

/// ONAPPUPDATE with a new application_token: genuine (the event's access token passes app.info for this app and
/// portal, and its user is an administrator) → stored, later events verify with the new token and no longer with the
/// old; forged (a made-up access token, or a plain employee's real one) → 403 and the stored token stays.
#[tokio::test]
async fn app_update_replaces_the_application_token_only_when_verified() {
    let h = common::start(false).await;
    let grant = h.portal.install_app(CLIENT_ID).await.unwrap();
    let member = h.portal.member_id();
    let event = |name: &'static str, app_token: String, access: String| {
        let (http, url, member) = (
            h.http.clone(),
            format!("{}/events/{CLIENT_ID}", h.base),
            member.clone(),
        );
        async move {
            http.post(url)
                .form(&[
                    ("event", name.to_string()),
                    ("data[FIELDS][ID]", "1".to_string()),
                    ("auth[member_id]", member),
                    ("auth[application_token]", app_token),
                    ("auth[access_token]", access),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let old = grant.application_token.clone();
    let new = "f".repeat(32);
    // Forged: a new token with an access token the OAuth server does not know.
    assert_eq!(
        event("ONAPPUPDATE", new.clone(), "not-a-real-token".into()).await,
        403
    );
    assert_eq!(
        event("ONCRMDEALUPDATE", old.clone(), String::new()).await,
        200
    );
    assert_eq!(
        event("ONCRMDEALUPDATE", new.clone(), String::new()).await,
        403
    );
    // A plain employee's own (valid) token, as the page receives it, is not enough: only an administrator updates.
    let employee = common::employee(&h.portal);
    let l = h.portal.iframe_launch(CLIENT_ID, employee, "ru");
    let employee_token = l
        .form
        .iter()
        .find(|(k, _)| k == "AUTH_ID")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(event("ONAPPUPDATE", new.clone(), employee_token).await, 403);
    assert_eq!(
        event("ONCRMDEALUPDATE", old.clone(), String::new()).await,
        200
    );
    // Genuine: the administrator's access token vouches for the new application token.
    assert_eq!(
        event("ONAPPUPDATE", new.clone(), grant.access_token.clone()).await,
        200
    );
    assert_eq!(
        event("ONCRMDEALUPDATE", new.clone(), String::new()).await,
        200
    );
    assert_eq!(
        event("ONCRMDEALUPDATE", old.clone(), String::new()).await,
        403
    );
    // An update that carries the stored token changes nothing and is accepted.
    assert_eq!(event("ONAPPUPDATE", new, String::new()).await, 200);
}
