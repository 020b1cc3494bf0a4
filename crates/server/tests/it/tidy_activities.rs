//! The tidy-up actions on activities, the reason of a close in the card's timeline and grants shared by replicas
//! (docs/ACTIONS.md): an activity group's records reassigned and marked done are held by the emulator exactly, the
//! audit log keeps responsible and completion before and after, undo gives the owner back and un-completes; closing
//! deals with a reason leaves that text as a timeline comment on exactly the closed cards, a refused comment is
//! reported on its record while the close stays done; a launch on replica A and
//! a run started on replica B (one PostgreSQL database) act with the user's own rights, refused per record, and
//! the token refresh the run needed is written back to the stored grant.

use std::collections::HashMap;
use std::time::Duration;

use b24a_emulator::{EditRight, Semantic};
use b24a_server::app::AppState;
use b24a_store::{store_test, Backend};
use serde_json::{json, Value};

use crate::common::scope::{get, post, put, session};
use crate::common::Harness;
use crate::tidy::{employee_sharing_a_deal_group, group, ids, synced, wait_run};

/// (responsible, completed) of activities in the emulator.
fn activity_state(h: &Harness, acts: &[i64]) -> HashMap<i64, (i64, bool)> {
    h.portal
        .with_data(|d| {
            d.activities
                .iter()
                .filter(|a| acts.contains(&a.id))
                .map(|a| (a.id, (a.responsible_id, a.completed)))
                .collect()
        })
        .unwrap()
}

store_test!(
    activities_reassigned_done_undone_and_closes_commented,
    |backend: Backend| {
        let h = synced(backend).await;
        let admin = session(&h, 1).await;
        let (st, groups) = get(&h, &admin, "/api/tidy/groups").await;
        assert_eq!(st, 200, "{groups}");
        let g = group(&groups, "overdue_activities");
        assert_eq!(g["actions"], json!(["reassign", "complete"]));
        let all = ids(g);
        assert!(all.len() >= 4, "at least four long-overdue activities: {g}");
        let before = activity_state(&h, &all);
        assert!(
            all.iter().all(|id| !before[id].1),
            "the group holds open activities"
        );
        let to = h.employee();
        let reassigned: Vec<i64> = all[..2].to_vec();
        let done: Vec<i64> = all[2..4].to_vec();

        // Reassign two: the confirmation names activities and the count.
        let body = json!({"group": "overdue_activities", "ids": reassigned, "action": "reassign", "to": to});
        let (st, p) = post(&h, &admin, "/api/tidy/preview", body.clone()).await;
        assert_eq!(st, 200, "{p}");
        assert!(p["text"].as_str().unwrap().contains("activities: 2"), "{p}");
        let (st, started) = post(&h, &admin, "/api/tidy/runs", body).await;
        assert_eq!(st, 200, "{started}");
        let reassign_run = started["run"].as_i64().unwrap();
        let run = wait_run(&h, &admin, reassign_run).await;
        assert_eq!(
            (run["done"].clone(), run["refused"].clone()),
            (json!(2), json!(0)),
            "{run}"
        );
        for r in run["records"].as_array().unwrap() {
            let id = r["id"].as_i64().unwrap();
            assert_eq!(r["entity"], json!("activity"));
            assert_eq!(
                r["before"],
                json!({"responsible": before[&id].0, "completed": false})
            );
            assert_eq!(r["after"], json!({"responsible": to, "completed": false}));
        }
        // Mark two others done.
        let body = json!({"group": "overdue_activities", "ids": done, "action": "complete"});
        let (st, p) = post(&h, &admin, "/api/tidy/preview", body.clone()).await;
        assert_eq!(st, 200, "{p}");
        assert!(
            p["text"]
                .as_str()
                .unwrap()
                .starts_with("Mark done (activities: 2)"),
            "{p}"
        );
        let (_, started) = post(&h, &admin, "/api/tidy/runs", body).await;
        let complete_run = started["run"].as_i64().unwrap();
        let run = wait_run(&h, &admin, complete_run).await;
        assert_eq!(run["done"], json!(2), "{run}");
        assert_eq!(run["undoable"], json!(true));

        // The emulator holds exactly these changes.
        let now = activity_state(&h, &all);
        for id in &all {
            let want = if reassigned.contains(id) {
                (to, false)
            } else if done.contains(id) {
                (before[id].0, true)
            } else {
                before[id]
            };
            assert_eq!(now[id], want, "activity {id}");
        }

        // Undo both: owners back, not done again.
        for run_id in [reassign_run, complete_run] {
            let (st, u) = post(
                &h,
                &admin,
                &format!("/api/tidy/runs/{run_id}/undo"),
                json!({}),
            )
            .await;
            assert_eq!(st, 200, "{u}");
            let undo = wait_run(&h, &admin, u["run"].as_i64().unwrap()).await;
            assert_eq!(
                (undo["done"].clone(), undo["refused"].clone()),
                (json!(2), json!(0)),
                "{undo}"
            );
        }
        assert_eq!(activity_state(&h, &all), before, "every activity as before");

        // Close two open deals as lost with a reason: the reason is a timeline comment on exactly those cards.
        let key = [
            "no_amount",
            "past_close",
            "dismissed_deals",
            "forgotten_deals_30",
        ]
        .into_iter()
        .find(|k| group(&groups, k)["count"].as_u64().unwrap_or(0) >= 3)
        .expect("a deal group with three deals");
        let closed: Vec<i64> = ids(group(&groups, key))[..2].to_vec();
        let reason = "Клиент выбрал другого поставщика";
        let (st, started) = post(
            &h,
            &admin,
            "/api/tidy/runs",
            json!({"group": key, "ids": closed, "action": "close", "reason": reason}),
        )
        .await;
        assert_eq!(st, 200, "{started}");
        let run = wait_run(&h, &admin, started["run"].as_i64().unwrap()).await;
        assert_eq!(
            (run["done"].clone(), run["refused"].clone()),
            (json!(2), json!(0)),
            "{run}"
        );
        for r in run["records"].as_array().unwrap() {
            assert!(
                r["after"]["comment"].as_i64().is_some(),
                "the comment's id is logged: {r}"
            );
            assert_eq!(r["error"], Value::Null);
        }
        let mut held: Vec<(String, i64, String)> = h
            .portal
            .timeline_comments()
            .into_iter()
            .map(|c| (c.entity_type, c.entity_id, c.comment))
            .collect();
        held.sort();
        let mut want: Vec<(String, i64, String)> = closed
            .iter()
            .map(|id| ("deal".to_string(), *id, reason.to_string()))
            .collect();
        want.sort();
        assert_eq!(held, want);
        let lost = h
            .portal
            .with_data(|d| {
                closed.iter().all(|id| {
                    d.deal(*id)
                        .is_some_and(|x| x.closed && x.semantic == Semantic::Failure)
                })
            })
            .unwrap();
        assert!(lost, "both deals are lost");

        // A comment the portal refuses (every `crm.timeline.comment.add` answers an error) is reported on its
        // record; the close itself is done.
        let third = ids(group(&groups, key))[2];
        h.portal.set_faults(b24a_emulator::Faults {
            failing_methods: vec!["crm.timeline.comment.add".into()],
            ..Default::default()
        });
        let (st, started) = post(
            &h,
            &admin,
            "/api/tidy/runs",
            json!({"group": key, "ids": [third], "action": "close", "reason": reason}),
        )
        .await;
        assert_eq!(st, 200, "{started}");
        let run = wait_run(&h, &admin, started["run"].as_i64().unwrap()).await;
        h.portal.set_faults(b24a_emulator::Faults::default());
        assert_eq!(
            (run["done"].clone(), run["refused"].clone()),
            (json!(1), json!(0)),
            "{run}"
        );
        let rec = &run["records"][0];
        assert_eq!(rec["after"]["comment"], json!(false), "{rec}");
        assert!(
            rec["error"].as_str().unwrap().starts_with("comment:"),
            "{rec}"
        );
        assert_eq!(
            h.portal.timeline_comments().len(),
            2,
            "no comment on the third card"
        );
        assert!(h
            .portal
            .with_data(|d| d.deal(third).unwrap().closed)
            .unwrap());
    }
);

async fn post_to(h: &Harness, base: &str, session: &str, path: &str, body: Value) -> (u16, Value) {
    let r = h
        .http
        .post(format!("{base}{path}"))
        .header("x-b24a-session", session)
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json::<Value>().await.unwrap_or(Value::Null))
}

async fn get_from(h: &Harness, base: &str, session: &str, path: &str) -> (u16, Value) {
    let r = h
        .http
        .get(format!("{base}{path}"))
        .header("x-b24a-session", session)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_on_one_replica_and_a_run_on_another() {
    let h = synced(Backend::Postgres).await;
    // Replica B: its own state (own memory) on the same database and configuration, serving HTTP.
    let b = AppState::new(
        h.db.store().clone(),
        (*h.state.config).clone(),
        (*h.state.apps).clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(b24a_server::serve_with(listener, b, std::future::pending()));

    let admin = session(&h, 1).await;
    let user = employee_sharing_a_deal_group(&h, &admin).await;
    let rules =
        json!([{"report": "*", "subject": {"type": "user", "id": user}, "scope": "company"}]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    assert_eq!(
        put(
            &h,
            &admin,
            "/api/settings/tidy-users",
            json!({"users": [user]})
        )
        .await
        .0,
        200
    );
    h.portal.set_edit_right(user, EditRight::Own).unwrap();
    // The launch on replica A.
    let me = session(&h, user).await;
    let now = chrono::Utc::now().timestamp();
    let claims = h.state.signer.verify(&me, now).unwrap();
    // The database holds the grant under the key's hash only.
    let store = h.db.store();
    assert!(store
        .user_grant(&claims.grant, now)
        .await
        .unwrap()
        .is_none());
    // The launch writes it in the background.
    let hash = b24a_server::user_grants::key_hash(&claims.grant);
    let mut stored = None;
    for _ in 0..100 {
        stored = store.user_grant(&hash, now).await.unwrap();
        if stored.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = stored.expect("the grant is in the database");
    assert_eq!(stored.user_id, user);

    let (st, groups) = get_from(&h, &b_base, &me, "/api/tidy/groups").await;
    assert_eq!(st, 200, "{groups}");
    let (key, own, other) = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["entity"] == "deal")
        .find_map(|g| {
            let items = g["items"].as_array().unwrap();
            let own = items.iter().find(|i| i["responsible"] == json!(user))?;
            let other = items.iter().find(|i| i["responsible"] != json!(user))?;
            Some((
                g["key"].as_str().unwrap().to_string(),
                own["id"].as_i64().unwrap(),
                other["id"].as_i64().unwrap(),
            ))
        })
        .expect("a deal group with his and others' deals");
    let to = h
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| u.active && u.id != user && !u.is_admin)
                .unwrap()
                .id
        })
        .unwrap();
    let before_other = h
        .portal
        .with_data(|d| d.deal(other).unwrap().assigned_by_id)
        .unwrap();
    // The user's access token expires before the run: the run refreshes it and writes the new pair to the grant.
    h.portal.expire_tokens();
    // The run started on replica B.
    let (st, started) = post_to(
        &h,
        &b_base,
        &me,
        "/api/tidy/runs",
        json!({"group": key, "ids": [own, other], "action": "reassign", "to": to}),
    )
    .await;
    assert_eq!(st, 200, "{started}");
    let run_id = started["run"].as_i64().unwrap();
    let mut run = Value::Null;
    for _ in 0..200 {
        let (st, r) = get_from(&h, &b_base, &me, &format!("/api/tidy/runs/{run_id}")).await;
        assert_eq!(st, 200, "{r}");
        if r["finished"] == json!(true) {
            run = r;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (run["done"].clone(), run["refused"].clone()),
        (json!(1), json!(1)),
        "{run}"
    );
    let owners = h
        .portal
        .with_data(|d| {
            (
                d.deal(own).unwrap().assigned_by_id,
                d.deal(other).unwrap().assigned_by_id,
            )
        })
        .unwrap();
    assert_eq!(
        owners,
        (to, before_other),
        "his own card moved, the other refused by the portal"
    );
    let refreshed = store
        .user_grant(&b24a_server::user_grants::key_hash(&claims.grant), now)
        .await
        .unwrap()
        .expect("the grant is still there");
    assert_eq!(refreshed.token_version, 1, "one refresh, written back");
    assert_ne!(refreshed.access_token, stored.access_token);
    assert_ne!(refreshed.refresh_token, stored.refresh_token);
    // Replica A lists the same run.
    let (_, log) = get(&h, &me, "/api/tidy/runs").await;
    assert_eq!(log["runs"][0]["id"], json!(run_id));
}
