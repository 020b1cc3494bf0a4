//! `im.notify.system.add` / `im.notify.personal.add` over HTTP: what the portal answers (the notification's id), what
//! it refuses (no user, no message, a webhook for a system notification, a token without the `im` scope), that a
//! repeated TAG replaces the earlier notification, and that the inbox (`/_emulator/inbox`) holds exactly what was
//! delivered. Writes count against the portal's limits like every call.

use std::time::Duration;

use b24a_emulator::*;
use serde_json::json;

use crate::common::*;

fn active_user(e: &Env) -> i64 {
    e.portal
        .with_data(|d| d.users.iter().find(|u| u.active).map(|u| u.id))
        .flatten()
        .expect("an active user")
}

#[tokio::test]
async fn system_notifications_reach_the_inbox() {
    let e = env().await;
    let user = active_user(&e);
    let a = e
        .call(
            "im.notify.system.add",
            json!({"USER_ID": user.to_string(), "MESSAGE": "  Weekly digest  ", "TAG": "digest-1"}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["result"], json!(1));
    let b = e
        .call(
            "im.notify.personal.add",
            json!({"USER_ID": user, "MESSAGE": "hello"}),
        )
        .await;
    assert_eq!(b.body["result"], json!(2));
    let inbox = e.get("/_emulator/inbox").await;
    assert_eq!(inbox.status, 200);
    let list = inbox.body["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["kind"], json!("system"));
    assert_eq!(list[0]["user_id"], json!(user));
    assert_eq!(list[0]["message"], json!("Weekly digest"), "trimmed");
    assert_eq!(list[0]["client_id"], json!(CLIENT_ID));
    assert_eq!(list[1]["kind"], json!("personal"));
    // The same TAG again replaces the first notification.
    let c = e
        .call(
            "im.notify.system.add",
            json!({"USER_ID": user, "MESSAGE": "Weekly digest, again", "TAG": "digest-1"}),
        )
        .await;
    assert_eq!(c.body["result"], json!(3));
    let inbox = e.portal.inbox();
    assert_eq!(inbox.iter().map(|n| n.id).collect::<Vec<_>>(), vec![2, 3]);
}

#[tokio::test]
async fn bad_notifications_are_refused_and_deliver_nothing() {
    let e = env().await;
    let user = active_user(&e);
    let a = e
        .call("im.notify.system.add", json!({"MESSAGE": "x"}))
        .await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (400, json!("USER_ID_EMPTY"))
    );
    let a = e
        .call(
            "im.notify.system.add",
            json!({"USER_ID": user, "MESSAGE": "   "}),
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (400, json!("MESSAGE_EMPTY"))
    );
    // A user the portal does not have: nothing is created, the answer is `false`.
    let a = e
        .call(
            "im.notify.system.add",
            json!({"USER_ID": 999_999, "MESSAGE": "x"}),
        )
        .await;
    assert_eq!((a.status, a.body["result"].clone()), (200, json!(false)));
    // A webhook is no application: system notifications are refused.
    let hook = e.portal.create_webhook(1);
    let a = answer(
        e.http
            .post(format!("{hook}im.notify.system.add.json"))
            .json(&json!({"USER_ID": user, "MESSAGE": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (403, json!("WRONG_AUTH_TYPE"))
    );
    assert!(e.portal.inbox().is_empty());
}

#[tokio::test]
async fn an_app_without_the_im_scope_cannot_notify() {
    let emu = start(EmulatorOptions::default()).await.unwrap();
    let mut app = AppRegistration::new("narrow", "x", "http://127.0.0.1:9/");
    app.scope = vec!["crm".into(), "user".into()];
    emu.register_app(app);
    let cfg = CompanyConfig::new(1, Size::Tiny).with_now(NOW);
    let portal = emu.add_portal(PortalSpec::generated(&cfg)).await.unwrap();
    let grant = portal.install_app("narrow").await.unwrap();
    let r = reqwest::Client::new()
        .post(format!(
            "{}im.notify.system.add.json",
            portal.client_endpoint()
        ))
        .json(&json!({"USER_ID": 1, "MESSAGE": "x", "auth": grant.access_token}))
        .send()
        .await
        .unwrap();
    let a = answer(r).await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (401, json!("insufficient_scope"))
    );
    assert!(portal.inbox().is_empty());
}

#[tokio::test]
async fn notifications_count_against_the_rate_limit() {
    let limits = Limits {
        burst: 3.0,
        drain_per_sec: 0.01,
        operating_enabled: false,
        ..Limits::default()
    };
    let e = env_with(limits, Duration::from_secs(3600), None).await;
    let user = active_user(&e);
    let mut statuses = Vec::new();
    for i in 0..4 {
        let a = e
            .call(
                "im.notify.system.add",
                json!({"USER_ID": user, "MESSAGE": format!("n{i}")}),
            )
            .await;
        statuses.push(a.status);
    }
    assert_eq!(statuses, vec![200, 200, 200, 503]);
    assert_eq!(
        e.portal.inbox().len(),
        3,
        "the refused one is not delivered"
    );
}
