//! Answers every client gets whoever it is: browsers may not sniff types, the operators' metrics (which name
//! portals and their sync lag) are not served to anybody without the operators' token, and a body the API cannot
//! read gets the API's worded JSON error.

use crate::common;

use common::CLIENT_ID;

#[tokio::test]
async fn metrics_are_off_without_a_configured_token() {
    let h = common::start(false).await;
    let resp = h
        .http
        .get(format!("{}/metrics", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // A guessed bearer token opens nothing either: an empty configured token matches no header.
    let resp = h
        .http
        .get(format!("{}/metrics", h.base))
        .header("authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn pages_api_answers_and_assets_are_nosniff() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let launch = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let page = h.launch(&launch.query, &launch.form).await;
    let api = h
        .http
        .get(format!("{}/api/definitions", h.base))
        .send()
        .await
        .unwrap();
    let asset = h
        .http
        .get(format!("{}/assets/app.css", h.base))
        .send()
        .await
        .unwrap();
    let forged = h
        .http
        .post(format!("{}/app/{CLIENT_ID}/", h.base))
        .form(&[("AUTH_ID", "forged"), ("member_id", "nope")])
        .send()
        .await
        .unwrap();
    for (what, resp) in [
        ("page", &page),
        ("API (refused)", &api),
        ("asset", &asset),
        ("forged launch", &forged),
    ] {
        assert_eq!(
            resp.headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{what} answered {} without nosniff",
            resp.status()
        );
    }
    assert_eq!(page.status(), 200);
    assert_eq!(api.status(), 401);
    assert_eq!(asset.status(), 200);
    assert_eq!(forged.status(), 403);
}

/// A request body the API cannot read (not JSON, no JSON content type, JSON of the wrong shape) gets the API's own
/// JSON error in the session's language, never the framework's English text; nothing is stored.
#[tokio::test]
async fn unreadable_bodies_get_the_apis_worded_error() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    for (lang, words) in [("ru", "Запрос не прочитан"), ("en", "could not be read")]
    {
        let session = h.session(CLIENT_ID, 1, lang).await;
        let url = format!("{}/api/plans", h.base);
        let not_json = h
            .http
            .post(&url)
            .header("x-b24a-session", &session)
            .header("content-type", "application/json")
            .body("{rows: [")
            .send()
            .await
            .unwrap();
        let no_type = h
            .http
            .post(&url)
            .header("x-b24a-session", &session)
            .body("{}")
            .send()
            .await
            .unwrap();
        let wrong_shape = h
            .http
            .post(&url)
            .header("x-b24a-session", &session)
            .json(&serde_json::json!({"rows": "many"}))
            .send()
            .await
            .unwrap();
        for (what, resp) in [
            ("not JSON", not_json),
            ("no content type", no_type),
            ("wrong shape", wrong_shape),
        ] {
            let status = resp.status().as_u16();
            assert!((400..500).contains(&status), "{what}: {status}");
            let body: serde_json::Value = resp.json().await.expect("a JSON error");
            assert_eq!(body["error"], "unreadable", "{what}: {body}");
            let message = body["message"].as_str().unwrap_or("");
            assert!(message.contains(words), "{what} in {lang}: {message}");
        }
    }
    // Nothing was stored by any of them.
    let admin = h.session(CLIENT_ID, 1, "ru").await;
    let (status, plans) = h.get_json(&admin, "/api/plans").await;
    assert_eq!(status, 200);
    assert_eq!(plans.as_array().map(Vec::len), Some(0), "{plans}");
}
