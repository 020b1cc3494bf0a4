//! Answers every client gets whoever it is: browsers may not sniff types, and the operators' metrics (which name
//! portals and their sync lag) are not served to anybody without the operators' token.

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
