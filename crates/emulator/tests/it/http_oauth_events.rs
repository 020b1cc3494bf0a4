//! OAuth server, tokens, app status, iframe launch, events (online and offline), and mutations, all
//! over real HTTP (the admin API has `admin_api.rs`).

use crate::common;

use std::time::Duration;

use b24a_emulator::*;
use common::*;
use serde_json::{json, Value};

async fn refresh(e: &Env, refresh_token: &str, secret: &str) -> Answer {
    let url = format!("{}oauth/token/", e.emu.oauth_base_url());
    let r = e
        .http
        .post(url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    answer(r).await
}

#[tokio::test]
async fn refresh_rotates_and_old_refresh_token_is_invalid_grant() {
    let e = env().await;
    let a = refresh(&e, &e.grant.refresh_token, CLIENT_SECRET).await;
    assert_eq!(a.status, 200, "{}", a.body);
    for k in [
        "access_token",
        "refresh_token",
        "expires",
        "expires_in",
        "scope",
        "domain",
        "server_endpoint",
        "client_endpoint",
        "member_id",
        "status",
        "user_id",
    ] {
        assert!(a.body.get(k).is_some(), "token answer has {k}");
    }
    assert_eq!(a.body["client_endpoint"], json!(e.portal.client_endpoint()));
    assert_eq!(
        a.body["server_endpoint"],
        json!(format!("{}rest/", e.emu.oauth_base_url()))
    );
    assert_eq!(a.body["member_id"], json!(e.portal.member_id()));
    assert_ne!(
        a.body["domain"],
        json!(e.portal.domain()),
        "domain is the OAuth server's"
    );
    assert_eq!(a.body["expires_in"], json!(3600));
    let new_access = a.body["access_token"].as_str().unwrap().to_string();
    let p = e.call_with_token("profile", json!({}), &new_access).await;
    assert_eq!(p.status, 200);
    // Reuse of the rotated refresh token.
    let again = refresh(&e, &e.grant.refresh_token, CLIENT_SECRET).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error"], json!("invalid_grant"));
    // Wrong secret.
    let bad = refresh(&e, a.body["refresh_token"].as_str().unwrap(), "wrong").await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body["error"], json!("invalid_client"));
    // GET with query parameters also works.
    let url = format!(
        "{}oauth/token/?grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&refresh_token={}",
        e.emu.oauth_base_url(),
        a.body["refresh_token"].as_str().unwrap()
    );
    assert_eq!(
        answer(e.http.get(url).send().await.unwrap()).await.status,
        200
    );
}

#[tokio::test]
async fn access_tokens_expire_after_the_ttl_and_refresh_recovers() {
    let e = env_with(Limits::unlimited(), Duration::from_secs(1), None).await;
    assert_eq!(e.call("profile", json!({})).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let x = e.call("profile", json!({})).await;
    assert_eq!(x.status, 401);
    assert_eq!(x.body["error"], json!("expired_token"));
    let r = refresh(&e, &e.grant.refresh_token, CLIENT_SECRET).await;
    let tok = r.body["access_token"].as_str().unwrap();
    assert_eq!(
        e.call_with_token("profile", json!({}), tok).await.status,
        200
    );
}

#[tokio::test]
async fn oauth_server_app_info_and_app_status() {
    let e = env().await;
    e.portal
        .set_app_status(CLIENT_ID, AppStatus::new("T", false, Some(12)));
    let url = format!(
        "{}rest/app.info?auth={}",
        e.emu.oauth_base_url(),
        e.grant.access_token
    );
    let a = answer(e.http.get(&url).send().await.unwrap()).await;
    assert_eq!(a.status, 200);
    let r = &a.body["result"];
    assert_eq!(r["client_id"], json!(CLIENT_ID));
    assert_eq!(r["install"]["member_id"], json!(e.portal.member_id()));
    assert_eq!(r["install"]["domain"], json!(e.portal.domain()));
    assert_eq!(r["install"]["status"], json!("T"));
    assert_eq!(r["install"]["installed"], json!(true));
    let p = e.call("app.info", json!({})).await;
    assert_eq!(p.body["result"]["STATUS"], json!("T"));
    assert_eq!(p.body["result"]["DAYS"], json!(12));
    assert_eq!(p.body["result"]["PAYMENT_EXPIRED"], json!("N"));
    // Paid app past its grace period: tokens stop working.
    e.portal
        .set_app_status(CLIENT_ID, AppStatus::new("P", true, Some(-20)));
    let p = e.call("profile", json!({})).await;
    assert_eq!(p.body["error"], json!("PAYMENT_REQUIRED"));
    let r = refresh(&e, &e.grant.refresh_token, CLIENT_SECRET).await;
    assert_eq!(r.body["error"], json!("PAYMENT_REQUIRED"));
    let bad = answer(
        e.http
            .get(format!("{}rest/app.info?auth=nope", e.emu.oauth_base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body["error"], json!("invalid_token"));
}

#[tokio::test]
async fn iframe_launch_carries_a_fresh_user_token() {
    let e = env().await;
    let l = e.portal.iframe_launch(CLIENT_ID, 2, "en");
    let q: std::collections::HashMap<_, _> = l.query.iter().cloned().collect();
    let f: std::collections::HashMap<_, _> = l.form.iter().cloned().collect();
    assert_eq!(q["DOMAIN"], e.portal.domain());
    assert_eq!(q["PROTOCOL"], "0");
    assert_eq!(q["LANG"], "en");
    assert!(l.url.starts_with("http://127.0.0.1:9/app?DOMAIN="));
    assert_eq!(f["member_id"], e.portal.member_id());
    // The main page's POST does not carry the application token (nor the OAuth server or scopes).
    for k in ["APPLICATION_TOKEN", "SERVER_ENDPOINT", "APPLICATION_SCOPE"] {
        assert!(!f.contains_key(k), "{k} in the main page's POST");
    }
    assert_eq!(f["PLACEMENT"], "DEFAULT");
    let p = e.call_with_token("profile", json!({}), &f["AUTH_ID"]).await;
    assert_eq!(
        p.body["result"]["ID"],
        json!("2"),
        "token of the user who opened the page"
    );
    assert_eq!(p.body["result"]["ADMIN"], json!(false));
    let adm = e
        .call_with_token("user.admin", json!({}), &f["AUTH_ID"])
        .await;
    assert_eq!(adm.body["result"], json!(false));
}

#[tokio::test]
async fn install_and_online_events_are_form_posts_with_application_token() {
    let rx = receiver().await;
    let e = env_with(
        Limits::unlimited(),
        Duration::from_secs(3600),
        Some(rx.url.clone()),
    )
    .await;
    let inst = rx.named("ONAPPINSTALL");
    assert_eq!(inst.len(), 1);
    let ev = &inst[0];
    assert_eq!(
        ev["auth"]["application_token"],
        json!(e.grant.application_token)
    );
    assert_eq!(ev["auth"]["member_id"], json!(e.portal.member_id()));
    assert!(
        ev["auth"]["refresh_token"].is_string(),
        "ONAPPINSTALL carries a refresh token"
    );
    assert_eq!(ev["data"]["INSTALLED"], json!("Y"));
    assert!(rx.events()[0]
        .0
        .starts_with("application/x-www-form-urlencoded"));

    for event in [
        "ONCRMDEALUPDATE",
        "ONCRMDEALADD",
        "ONCRMDEALDELETE",
        "ONTASKUPDATE",
        "ONAPPUNINSTALL",
        "ONCRMLEADADD",
    ] {
        let b = e
            .call("event.bind", json!({"event": event, "handler": rx.url}))
            .await;
        assert_eq!(b.body["result"], json!(true), "{event}: {}", b.body);
    }
    let dup = e
        .call(
            "event.bind",
            json!({"event": "onCrmDealAdd", "handler": rx.url}),
        )
        .await;
    assert_eq!(dup.body["error"], json!("ERROR_HANDLER_ALREADY_EXIST"));
    let g = e.call("event.get", json!({})).await;
    assert_eq!(g.body["result"].as_array().unwrap().len(), 6);

    let snap = e.portal.snapshot();
    let deal = snap.deals.iter().find(|d| !d.closed).unwrap();
    e.portal
        .move_deal_stage(
            deal.id,
            &format!(
                "{}WON",
                if deal.category_id == 0 {
                    String::new()
                } else {
                    format!("C{}:", deal.category_id)
                }
            ),
        )
        .await
        .unwrap();
    let upd = rx.named("ONCRMDEALUPDATE");
    assert_eq!(upd.len(), 1);
    assert_eq!(upd[0]["data"]["FIELDS"]["ID"], json!(deal.id.to_string()));
    assert_eq!(
        upd[0]["auth"]["application_token"],
        json!(e.grant.application_token)
    );
    assert!(upd[0]["auth"].get("refresh_token").is_none());
    assert!(upd[0]["ts"].is_string());
    let new_id = e
        .portal
        .create_deal(NewDeal {
            title: "Новая сделка".into(),
            opportunity: 1000.0,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        rx.named("ONCRMDEALADD")[0]["data"]["FIELDS"]["ID"],
        json!(new_id.to_string())
    );
    e.portal.close_task(1).await.unwrap();
    let t = &rx.named("ONTASKUPDATE")[0];
    assert_eq!(t["data"]["FIELDS_AFTER"]["ID"], json!("1"));
    e.portal
        .create_lead(NewLead {
            title: "Заявка".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rx.named("ONCRMLEADADD").len(), 1);
    e.portal.delete_deal(new_id).await.unwrap();
    assert_eq!(rx.named("ONCRMDEALDELETE").len(), 1);
    // Unbind stops delivery.
    let u = e
        .call(
            "event.unbind",
            json!({"event": "ONCRMDEALUPDATE", "handler": rx.url}),
        )
        .await;
    assert_eq!(u.body["result"]["count"], json!(1));
    e.portal
        .update_deal(
            deal.id,
            DealPatch {
                title: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rx.named("ONCRMDEALUPDATE").len(), 1);
    // Uninstall: no tokens in auth, CLEAN flag, and tokens revoked.
    e.portal.uninstall_app(CLIENT_ID, true).await;
    let un = rx.named("ONAPPUNINSTALL");
    assert_eq!(un.len(), 1);
    assert!(un[0]["auth"].get("access_token").is_none());
    assert_eq!(
        un[0]["auth"]["application_token"],
        json!(e.grant.application_token)
    );
    assert_eq!(un[0]["data"]["CLEAN"], json!("1"));
    assert_eq!(
        e.call("profile", json!({})).await.body["error"],
        json!("invalid_token")
    );
}

#[tokio::test]
async fn offline_queue_keeps_one_record_per_object_and_supports_reservations() {
    let e = env().await;
    for ev in ["ONCRMDEALUPDATE", "ONCRMDEALADD"] {
        let b = e
            .call("event.bind", json!({"event": ev, "event_type": "offline"}))
            .await;
        assert_eq!(b.body["result"], json!(true));
    }
    let snap = e.portal.snapshot();
    let open: Vec<_> = snap.deals.iter().filter(|d| !d.closed).take(2).collect();
    for _ in 0..3 {
        e.portal
            .update_deal(
                open[0].id,
                DealPatch {
                    opportunity: Some(5.0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    e.portal
        .update_deal(
            open[1].id,
            DealPatch {
                opportunity: Some(6.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = e.portal.create_deal(NewDeal::default()).await.unwrap();
    let list = e.call("event.offline.list", json!({})).await;
    assert_eq!(
        list.body["total"],
        json!(3),
        "3 updates of one deal = 1 record"
    );
    // Reserve with clear=0, then confirm with event.offline.clear.
    let got = e
        .call("event.offline.get", json!({"clear": 0, "limit": 2}))
        .await;
    let pid = got.body["result"]["process_id"]
        .as_str()
        .unwrap()
        .to_string();
    let events = got.body["result"]["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["EVENT_NAME"], json!("ONCRMDEALUPDATE"));
    assert_eq!(
        events[0]["EVENT_DATA"]["FIELDS"]["ID"],
        json!(open[0].id.to_string())
    );
    let rest = e.call("event.offline.get", json!({"clear": 0})).await;
    let rest_events = rest.body["result"]["events"].as_array().unwrap();
    assert_eq!(rest_events.len(), 1, "parallel readers get disjoint sets");
    assert_eq!(
        rest_events[0]["EVENT_DATA"]["FIELDS"]["ID"],
        json!(id.to_string())
    );
    let cl = e
        .call("event.offline.clear", json!({"process_id": pid}))
        .await;
    assert_eq!(cl.body["result"], json!(true));
    assert_eq!(
        e.call("event.offline.list", json!({})).await.body["total"],
        json!(1)
    );
    // clear=1 (default) deletes on read.
    let pid2 = rest.body["result"]["process_id"].as_str().unwrap();
    e.call("event.offline.clear", json!({"process_id": pid2}))
        .await;
    assert_eq!(e.portal.offline_queue_len(), 0);
    e.portal
        .update_deal(open[1].id, DealPatch::default())
        .await
        .unwrap();
    let g = e.call("event.offline.get", json!({})).await;
    assert_eq!(g.body["result"]["events"].as_array().unwrap().len(), 1);
    assert_eq!(e.portal.offline_queue_len(), 0);
    // Non-admins cannot bind offline events.
    let f = e.portal.iframe_launch(CLIENT_ID, 3, "ru").form;
    let user_token = f.iter().find(|(k, _)| k == "AUTH_ID").unwrap().1.clone();
    let denied = e
        .call_with_token(
            "event.bind",
            json!({"event": "ONCRMLEADADD", "event_type": "offline"}),
            &user_token,
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.body["error"], json!("ACCESS_DENIED"));
}

#[tokio::test]
async fn mutations_update_modify_dates_history_and_lists() {
    let e = env().await;
    let before = e.portal.snapshot();
    let clock = e.portal.clock();
    let id = e
        .portal
        .create_deal(NewDeal {
            title: "Тест".into(),
            category_id: 1,
            opportunity: 12345.0,
            assigned_by_id: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(id, before.deals.last().unwrap().id + 1);
    e.portal
        .move_deal_stage(id, "C1:PREPARATION")
        .await
        .unwrap();
    e.portal.move_deal_stage(id, "C1:UC_COMPET").await.unwrap();
    assert!(
        e.portal.move_deal_stage(id, "WON").await.is_err(),
        "stage of another pipeline"
    );
    let since = b24a_emulator::format::iso(clock, b24a_emulator::Zone::MOSCOW);
    let changed = e.call("crm.deal.list", json!({"filter": {">=DATE_MODIFY": since}, "select": ["ID", "STAGE_ID", "CLOSED", "CLOSEDATE"]})).await;
    let rows = changed.body["result"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["ID"] == json!(id.to_string()))
        .unwrap();
    assert_eq!(row["STAGE_ID"], json!("C1:UC_COMPET"));
    assert_eq!(row["CLOSED"], json!("Y"));
    let h = e
        .call(
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "filter": {"OWNER_ID": id}}),
        )
        .await;
    let types: Vec<&str> = h.body["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["TYPE_ID"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["1", "2", "3"]);
    let act = e
        .portal
        .add_activity(NewActivity {
            owner_id: id,
            kind: ActivityKind::Email,
            direction: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    let a = e.call("crm.activity.get", json!({"id": act})).await;
    assert_eq!(a.body["result"]["PROVIDER_TYPE_ID"], json!("EMAIL"));
    assert_eq!(a.body["result"]["OWNER_ID"], json!(id.to_string()));
    let d = e.call("crm.deal.get", json!({"id": id})).await;
    assert!(d.body["result"]["LAST_ACTIVITY_TIME"].is_string());
    // Pipeline change: TYPE_ID 5 row in the new pipeline, deal moved, reopened.
    let other = snap_first_open(&e);
    e.portal
        .move_deal_category(other.0, if other.1 == 2 { 0 } else { 2 }, None)
        .await
        .unwrap();
    let h = e
        .call(
            "crm.stagehistory.list",
            json!({"entityTypeId": 2, "filter": {"OWNER_ID": other.0, "TYPE_ID": 5}}),
        )
        .await;
    let row = &h.body["result"]["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let new_cat = if other.1 == 2 { "0" } else { "2" };
    assert_eq!(row["CATEGORY_ID"], json!(new_cat));
    let g = e.call("crm.deal.get", json!({"id": other.0})).await;
    assert_eq!(g.body["result"]["CATEGORY_ID"], json!(new_cat));
    assert_eq!(g.body["result"]["STAGE_ID"], row["STAGE_ID"]);
    e.portal.delete_deal(id).await.unwrap();
    let gone = e.call("crm.deal.get", json!({"id": id})).await;
    assert_eq!(
        gone.body,
        json!({"error": "", "error_description": "Not found"})
    );
    // The deleted deal's rows are gone; the pipeline change above added one row.
    assert_eq!(
        e.portal.snapshot().deal_history.len(),
        before.deal_history.len() + 1
    );
}

#[tokio::test]
async fn task_and_lead_lifecycle_events() {
    let rx = receiver().await;
    let e = env().await;
    for event in [
        "ONTASKADD",
        "ONTASKDELETE",
        "ONCRMLEADDELETE",
        "ONCRMDEALMOVETOCATEGORY",
    ] {
        let b = e
            .call("event.bind", json!({"event": event, "handler": rx.url}))
            .await;
        assert_eq!(b.body["result"], json!(true));
    }
    let id = e
        .portal
        .create_task(NewTask {
            title: "Позвонить".into(),
            responsible_id: Some(2),
            deadline: Some(NOW + 86_400),
            ..Default::default()
        })
        .await
        .unwrap();
    let add = &rx.named("ONTASKADD")[0];
    assert_eq!(add["data"]["FIELDS_AFTER"]["ID"], json!(id.to_string()));
    assert_eq!(add["data"]["FIELDS_BEFORE"], json!("undefined"));
    let t = e
        .call(
            "tasks.task.list",
            json!({"filter": {"ID": id}, "select": ["ID", "STATUS", "DEADLINE"]}),
        )
        .await;
    assert_eq!(t.body["result"]["tasks"][0]["status"], json!("2"));
    e.portal.delete_task(id).await.unwrap();
    assert_eq!(
        rx.named("ONTASKDELETE")[0]["data"]["FIELDS_BEFORE"]["ID"],
        json!(id.to_string())
    );
    let t = e
        .call("tasks.task.list", json!({"filter": {"ID": id}}))
        .await;
    assert_eq!(t.body["total"], json!(0));
    e.portal.delete_lead(1).await.unwrap();
    assert_eq!(
        rx.named("ONCRMLEADDELETE")[0]["data"]["FIELDS"]["ID"],
        json!("1")
    );
    let l = e.call("crm.lead.get", json!({"id": 1})).await;
    assert_eq!(l.body["error_description"], json!("Not found"));
    let (deal, cat) = snap_first_open(&e);
    e.portal
        .move_deal_category(deal, if cat == 1 { 0 } else { 1 }, None)
        .await
        .unwrap();
    let mv = &rx.named("ONCRMDEALMOVETOCATEGORY")[0];
    assert_eq!(
        mv["data"]["FIELDS"]["CATEGORY_ID"],
        json!(if cat == 1 { "0" } else { "1" })
    );
}

#[tokio::test]
async fn becoming_paid_fires_onapppayment() {
    let rx = receiver().await;
    let e = env().await;
    let b = e
        .call(
            "event.bind",
            json!({"event": "ONAPPPAYMENT", "handler": rx.url}),
        )
        .await;
    assert_eq!(b.body["result"], json!(true));
    e.portal
        .set_app_status(CLIENT_ID, AppStatus::new("T", false, Some(10)));
    e.portal
        .set_app_status(CLIENT_ID, AppStatus::new("P", false, Some(365)));
    for _ in 0..50 {
        if !rx.named("ONAPPPAYMENT").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ev = rx.named("ONAPPPAYMENT");
    assert_eq!(ev.len(), 1, "only the switch to paid fires");
    assert_eq!(ev[0]["data"]["STATUS"], json!("P"));
    assert_eq!(ev[0]["data"]["DAYS"], json!("365"));
    assert_eq!(
        ev[0]["auth"]["application_token"],
        json!(e.grant.application_token)
    );
}

fn snap_first_open(e: &Env) -> (i64, i64) {
    let s = e.portal.snapshot();
    let d = s.deals.iter().find(|d| !d.closed).unwrap();
    (d.id, d.category_id)
}

#[tokio::test]
async fn overdue_task_meta_status_filter() {
    let e = env().await;
    let snap = e.portal.snapshot();
    let clock = e.portal.clock();
    let expected = snap
        .tasks
        .iter()
        .filter(|t| {
            t.closed_date.is_none() && t.status != 6 && t.deadline.is_some_and(|d| d < clock)
        })
        .count();
    assert!(
        expected > 0,
        "open overdue tasks: {:?}",
        snap.tasks
            .iter()
            .map(|t| (
                t.status,
                t.deadline.map(|d| d - clock),
                t.closed_date.is_some()
            ))
            .collect::<Vec<_>>()
    );
    let a = e
        .call(
            "tasks.task.list",
            json!({"filter": {"STATUS": -1}, "select": ["ID", "STATUS"]}),
        )
        .await;
    assert_eq!(a.body["total"], json!(expected));
    assert_eq!(a.body["result"]["tasks"][0]["subStatus"], json!("-1"));
}

#[tokio::test]
async fn portal_pages_host_the_app_iframe_and_cards() {
    let e = env().await;
    let page = e
        .get(&format!("/marketplace/app/{CLIENT_ID}/?user_id=2&lang=en"))
        .await;
    assert_eq!(page.status, 200);
    let Value::String(html) = page.body else {
        panic!("html expected")
    };
    assert!(html.contains("name=\"AUTH_ID\""));
    assert!(html.contains(&format!("name=\"{}|0|", e.portal.domain())));
    assert!(html.contains("http://127.0.0.1:9/app?DOMAIN="));
    assert!(html.contains("LANG=en"));
    assert_eq!(e.get("/marketplace/app/unknown.app/").await.status, 404);
    assert_eq!(e.get("/crm/deal/details/1/").await.status, 200);
    assert_eq!(e.get("/crm/deal/details/99999999/").await.status, 404);
    assert_eq!(e.get("/company/personal/user/1/").await.status, 200);
    let snap = e.get("/_emulator/snapshot").await;
    assert_eq!(
        snap.body["result"]["deals"].as_array().unwrap().len(),
        e.portal.snapshot().deals.len()
    );
}
