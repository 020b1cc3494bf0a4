//! The CRM write methods (`crm.deal.update`, `crm.lead.update`, `crm.activity.todo.add`): each change is held by
//! the portal with a new DATE_MODIFY and its event, a user without the edit right on a card gets the portal's
//! refusal and the card stays as it was, writes inside `batch` answer per sub-call, and bad input is refused.

use b24a_emulator::EditRight;
use serde_json::{json, Value};

use crate::common::*;

/// A user's access token (as an iframe launch carries it).
fn user_token(env: &Env, user: i64) -> String {
    let l = env.portal.iframe_launch(CLIENT_ID, user, "ru");
    l.form
        .iter()
        .find(|(k, _)| k == "AUTH_ID")
        .map(|(_, v)| v.clone())
        .unwrap()
}

/// A non-admin user and an open deal he is not responsible for, plus one he is.
fn pick(env: &Env) -> (i64, i64, i64) {
    let data = env.portal.snapshot();
    let user = data
        .users
        .iter()
        .find(|u| !u.is_admin && u.active)
        .unwrap()
        .id;
    let open = |mine: bool| {
        data.deals
            .iter()
            .find(|d| !d.closed && (d.assigned_by_id == user) == mine)
            .map(|d| d.id)
    };
    let other = open(false).unwrap();
    let own = open(true).unwrap_or_else(|| other);
    (user, other, own)
}

#[tokio::test]
async fn deal_update_reassigns_moves_and_fires_the_event() {
    let env = env().await;
    let hook = receiver().await;
    env.call(
        "event.bind",
        json!({"event": "ONCRMDEALUPDATE", "handler": hook.url}),
    )
    .await;
    let (user, deal, _) = pick(&env);
    let before = env.portal.snapshot().deal(deal).unwrap().clone();
    let a = env
        .call(
            "crm.deal.update",
            json!({"id": deal, "fields": {"ASSIGNED_BY_ID": user.to_string()}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["result"], json!(true));
    let after = env.portal.snapshot().deal(deal).unwrap().clone();
    assert_eq!(after.assigned_by_id, user);
    assert!(after.date_modify >= before.date_modify);
    // The stage move of the same pipeline, as the tidy-up's "move to a stage" sends it.
    let stage = format!(
        "{}LOSE",
        if before.category_id == 0 {
            String::new()
        } else {
            format!("C{}:", before.category_id)
        }
    );
    let a = env
        .call(
            "crm.deal.update",
            json!({"id": deal, "fields": {"STAGE_ID": stage}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let after = env.portal.snapshot().deal(deal).unwrap().clone();
    assert_eq!(after.stage_id, stage);
    assert!(after.closed);
    for _ in 0..50 {
        if hook.named("ONCRMDEALUPDATE").len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let fired = hook.named("ONCRMDEALUPDATE");
    assert!(
        fired.len() >= 2,
        "both changes fire ONCRMDEALUPDATE: {fired:?}"
    );
    assert_eq!(fired[0]["data"]["FIELDS"]["ID"], json!(deal.to_string()));
}

#[tokio::test]
async fn lead_update_and_todo_add_are_held_by_the_portal() {
    let env = env().await;
    let data = env.portal.snapshot();
    let lead = data
        .leads
        .iter()
        .find(|l| l.status_id == "NEW" || l.status_id == "IN_PROCESS")
        .unwrap()
        .clone();
    let to = data
        .users
        .iter()
        .find(|u| u.id != lead.assigned_by_id && u.active)
        .unwrap()
        .id;
    let a = env
        .call(
            "crm.lead.update",
            json!({"id": lead.id.to_string(), "fields": {"ASSIGNED_BY_ID": to}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let now = env.portal.snapshot();
    assert_eq!(now.lead(lead.id).unwrap().assigned_by_id, to);
    assert!(now.lead(lead.id).unwrap().date_modify >= lead.date_modify);
    let a = env
        .call(
            "crm.activity.todo.add",
            json!({"ownerTypeId": 1, "ownerId": lead.id, "deadline": "2026-01-10T12:00:00+03:00",
                   "title": "Позвонить", "responsibleId": to}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let id = a.body["result"]["id"].as_i64().unwrap();
    let act = env
        .portal
        .snapshot()
        .activities
        .iter()
        .find(|x| x.id == id)
        .unwrap()
        .clone();
    assert_eq!(
        (
            act.owner_type_id,
            act.owner_id,
            act.responsible_id,
            act.completed
        ),
        (1, lead.id, to, false)
    );
    assert_eq!(act.end_time, 1_768_035_600, "the deadline with its offset");
    // The to-do is listed by crm.activity.list like any other.
    let a = env
        .call(
            "crm.activity.list",
            json!({"filter": {"ID": id}, "select": ["ID", "TYPE_ID", "DEADLINE"]}),
        )
        .await;
    assert_eq!(a.body["result"][0]["TYPE_ID"], json!("6"));
}

#[tokio::test]
async fn a_user_without_the_edit_right_is_refused_and_nothing_changes() {
    let env = env().await;
    let (user, other, own) = pick(&env);
    env.portal.set_edit_right(user, EditRight::Own).unwrap();
    let token = user_token(&env, user);
    let before = env.portal.snapshot().deal(other).unwrap().clone();
    let a = env
        .call_with_token(
            "crm.deal.update",
            json!({"id": other, "fields": {"ASSIGNED_BY_ID": user}}),
            &token,
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error"], json!(""));
    assert_eq!(a.body["error_description"], json!("Access denied."));
    let after = env.portal.snapshot().deal(other).unwrap().clone();
    assert_eq!(
        (after.assigned_by_id, after.date_modify),
        (before.assigned_by_id, before.date_modify)
    );
    let a = env
        .call_with_token(
            "crm.activity.todo.add",
            json!({"ownerTypeId": 2, "ownerId": other, "deadline": "2026-01-10T12:00:00+03:00"}),
            &token,
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].clone()),
        (403, json!("ACCESS_DENIED"))
    );
    // In a batch: the refused sub-call answers in result_error, the allowed one is done.
    if own != other {
        let a = env
            .call_with_token(
                "batch",
                json!({"halt": 0, "cmd": {
                    "c0": format!("crm.deal.update?id={other}&fields[TITLE]=x"),
                    "c1": format!("crm.deal.update?id={own}&fields[ASSIGNED_BY_ID]={user}"),
                }}),
                &token,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let r = &a.body["result"];
        assert_eq!(
            r["result_error"]["c0"]["error_description"],
            json!("Access denied.")
        );
        assert_eq!(r["result"]["c1"], json!(true));
    }
    // The administrator may edit every card.
    let a = env
        .call(
            "crm.deal.update",
            json!({"id": other, "fields": {"ASSIGNED_BY_ID": user}}),
        )
        .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn bad_input_is_refused_without_a_change() {
    let env = env().await;
    let (_, deal, _) = pick(&env);
    let before = env.portal.snapshot().deal(deal).unwrap().clone();
    for (method, params) in [
        ("crm.deal.update", json!({"fields": {"ASSIGNED_BY_ID": 1}})),
        (
            "crm.deal.update",
            json!({"id": 99_999_999, "fields": {"ASSIGNED_BY_ID": 1}}),
        ),
        (
            "crm.deal.update",
            json!({"id": deal, "fields": {"ASSIGNED_BY_ID": 987_654}}),
        ),
        (
            "crm.deal.update",
            json!({"id": deal, "fields": {"STAGE_ID": "NO_SUCH"}}),
        ),
        (
            "crm.activity.todo.add",
            json!({"ownerTypeId": 2, "ownerId": deal}),
        ),
        (
            "crm.activity.todo.add",
            json!({"ownerTypeId": 7, "ownerId": deal, "deadline": "2026-01-10"}),
        ),
        (
            "crm.activity.todo.add",
            json!({"ownerTypeId": 2, "ownerId": 99_999_999, "deadline": "2026-01-10"}),
        ),
    ] {
        let a = env.call(method, params.clone()).await;
        assert_eq!(a.status, 400, "{method} {params}: {}", a.body);
        assert!(a.body.get("result").is_none_or(Value::is_null));
    }
    let after = env.portal.snapshot().deal(deal).unwrap().clone();
    assert_eq!(
        (after.assigned_by_id, &after.stage_id),
        (before.assigned_by_id, &before.stage_id)
    );
}
