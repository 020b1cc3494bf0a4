//! `crm.activity.update` (responsible, completion) and `crm.timeline.comment.add`: each change is held by the portal
//! with its event, a user who may not edit the activity's card (or the commented card) gets the portal's refusal
//! and nothing changes, the admin API lists the comments, and bad input is refused.

use b24a_emulator::EditRight;
use serde_json::{json, Value};

use crate::common::*;

fn user_token(env: &Env, user: i64) -> String {
    let l = env.portal.iframe_launch(CLIENT_ID, user, "ru");
    l.form
        .iter()
        .find(|(k, _)| k == "AUTH_ID")
        .map(|(_, v)| v.clone())
        .unwrap()
}

/// An open activity on a deal, the deal's responsible, and an active non-admin user who is not that responsible.
fn pick(env: &Env) -> (i64, i64, i64) {
    let d = env.portal.snapshot();
    let act = d
        .activities
        .iter()
        .find(|a| !a.completed && a.owner_type_id == 2 && d.deal(a.owner_id).is_some())
        .unwrap();
    let owner = d.deal(act.owner_id).unwrap().assigned_by_id;
    let user = d
        .users
        .iter()
        .find(|u| u.active && !u.is_admin && u.id != owner)
        .unwrap()
        .id;
    (act.id, owner, user)
}

#[tokio::test]
async fn activity_update_reassigns_completes_and_fires_the_event() {
    let env = env().await;
    let hook = receiver().await;
    env.call(
        "event.bind",
        json!({"event": "ONCRMACTIVITYUPDATE", "handler": hook.url}),
    )
    .await;
    let (id, _, to) = pick(&env);
    let before = env
        .portal
        .snapshot()
        .activities
        .iter()
        .find(|a| a.id == id)
        .unwrap()
        .clone();
    let a = env
        .call(
            "crm.activity.update",
            json!({"id": id, "fields": {"RESPONSIBLE_ID": to.to_string()}}),
        )
        .await;
    assert_eq!(
        (a.status, a.body["result"].clone()),
        (200, json!(true)),
        "{}",
        a.body
    );
    let a = env
        .call(
            "crm.activity.update",
            json!({"id": id.to_string(), "fields": {"COMPLETED": "Y"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let got = |env: &Env| {
        env.portal
            .snapshot()
            .activities
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .clone()
    };
    let after = got(&env);
    assert_eq!((after.responsible_id, after.completed), (to, true));
    assert!(after.last_updated >= before.last_updated);
    // The portal reads it back the same way.
    let a = env.call("crm.activity.get", json!({"id": id})).await;
    assert_eq!(a.body["result"]["COMPLETED"], json!("Y"));
    assert_eq!(a.body["result"]["RESPONSIBLE_ID"], json!(to.to_string()));
    // Un-completing is allowed (the undo of "mark done").
    let a = env
        .call(
            "crm.activity.update",
            json!({"id": id, "fields": {"COMPLETED": "N", "RESPONSIBLE_ID": before.responsible_id}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let back = got(&env);
    assert_eq!(
        (back.responsible_id, back.completed),
        (before.responsible_id, false)
    );
    for _ in 0..50 {
        if hook.named("ONCRMACTIVITYUPDATE").len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let fired = hook.named("ONCRMACTIVITYUPDATE");
    assert_eq!(fired.len(), 3, "{fired:?}");
    assert_eq!(fired[0]["data"]["FIELDS"]["ID"], json!(id.to_string()));
}

#[tokio::test]
async fn comments_are_held_per_card_and_listed_by_the_admin_api() {
    let env = env().await;
    let d = env.portal.snapshot();
    let deal = d.deals[0].id;
    let lead = d.leads[0].id;
    let a = env
        .call(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "Клиент ушёл к конкурентам"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let first = a.body["result"].as_i64().unwrap();
    let a = env
        .call(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": lead.to_string(), "ENTITY_TYPE": "lead", "COMMENT": "Спам"}}),
        )
        .await;
    assert_eq!(a.body["result"], json!(first + 1), "{}", a.body);
    let held: Vec<(String, i64, String)> = env
        .portal
        .timeline_comments()
        .into_iter()
        .map(|c| (c.entity_type, c.entity_id, c.comment))
        .collect();
    assert_eq!(
        held,
        vec![
            ("deal".into(), deal, "Клиент ушёл к конкурентам".into()),
            ("lead".into(), lead, "Спам".into())
        ]
    );
    let listed = env.get("/_emulator/timeline-comments").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["result"][1]["comment"], json!("Спам"));
    assert_eq!(listed.body["result"][1]["entity_id"], json!(lead));
}

#[tokio::test]
async fn without_the_edit_right_nothing_changes() {
    let env = env().await;
    let (id, _, user) = pick(&env);
    env.portal.set_edit_right(user, EditRight::Own).unwrap();
    let token = user_token(&env, user);
    let deal = env
        .portal
        .snapshot()
        .activities
        .iter()
        .find(|a| a.id == id)
        .unwrap()
        .owner_id;
    let a = env
        .call_with_token(
            "crm.activity.update",
            json!({"id": id, "fields": {"COMPLETED": "Y", "RESPONSIBLE_ID": user}}),
            &token,
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.body["error_description"], json!("Access denied."));
    let act = env
        .portal
        .snapshot()
        .activities
        .iter()
        .find(|a| a.id == id)
        .unwrap()
        .clone();
    assert!(!act.completed);
    assert_ne!(act.responsible_id, user);
    let a = env
        .call_with_token(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
            &token,
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (403, json!("ACCESS_DENIED"))
    );
    assert!(env.portal.timeline_comments().is_empty());
    // His own card's activity he may change.
    let own = env
        .portal
        .snapshot()
        .activities
        .iter()
        .find(|a| {
            !a.completed
                && a.owner_type_id == 2
                && env
                    .portal
                    .snapshot()
                    .deal(a.owner_id)
                    .is_some_and(|d| d.assigned_by_id == user)
        })
        .map(|a| a.id);
    if let Some(own) = own {
        let a = env
            .call_with_token(
                "crm.activity.update",
                json!({"id": own, "fields": {"COMPLETED": "Y"}}),
                &token,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
}

#[tokio::test]
async fn bad_input_is_refused_without_a_change() {
    let env = env().await;
    let (id, _, _) = pick(&env);
    let deal = env.portal.snapshot().deals[0].id;
    let before = env.portal.snapshot().activities.clone();
    for (method, params) in [
        ("crm.activity.update", json!({"fields": {"COMPLETED": "Y"}})),
        (
            "crm.activity.update",
            json!({"id": 99_999_999, "fields": {"COMPLETED": "Y"}}),
        ),
        ("crm.activity.update", json!({"id": id})),
        (
            "crm.activity.update",
            json!({"id": id, "fields": {"RESPONSIBLE_ID": 987_654}}),
        ),
        (
            "crm.activity.update",
            json!({"id": id, "fields": {"RESPONSIBLE_ID": "кто-то"}}),
        ),
        (
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "  "}}),
        ),
        (
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "quote", "COMMENT": "x"}}),
        ),
        (
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        ),
        (
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": 99_999_999, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        ),
        (
            "crm.timeline.comment.add",
            json!({"FIELDS": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        ),
    ] {
        let a = env.call(method, params.clone()).await;
        assert_eq!(a.status, 400, "{method} {params}: {}", a.body);
        assert!(a.body.get("result").is_none_or(Value::is_null));
    }
    let after = env.portal.snapshot().activities.clone();
    assert!(before
        .iter()
        .zip(&after)
        .all(|(a, b)| (a.responsible_id, a.completed) == (b.responsible_id, b.completed)));
    assert!(env.portal.timeline_comments().is_empty());
}
