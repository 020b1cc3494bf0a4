//! The tidy-up page's API (docs/ACTIONS.md): groups counted by hand and equal to R6 for the same age, a reassignment
//! and to-dos held by the emulator exactly, the audit log listing them, undo restoring the owners, the portal's
//! refusals reported per record with the rest done, access for administrators and the users the setting names
//! only, bad input refused with nothing stored, and another user's grant never usable.

use std::collections::HashMap;
use std::time::Duration;

use b24a_emulator::{CompanyConfig, EditRight, Size};
use b24a_store::{store_test, Backend};
use b24a_testkit::Kit;
use serde_json::{json, Value};

use crate::common::scope::{get, post, put, session, tile};
use crate::common::{Harness, CLIENT_ID, SECRET};

pub(crate) async fn synced(backend: Backend) -> Harness {
    let cfg = CompanyConfig::new(17, Size::Tiny);
    let h = Kit::new()
        .backend(backend)
        .app(CLIENT_ID, SECRET, "Аналитика")
        .sync(true)
        .company_config(cfg.clone())
        .arg("--reports-now", &cfg.now.to_string())
        .installed()
        .start()
        .await
        .expect("start the emulator and our server");
    h.wait_first_import(Duration::from_secs(120)).await;
    h
}

/// A plain employee (active, not an administrator) with an open deal in a group that also holds others' deals, as
/// the administrator sees the groups. The generated company moves with the clock, so which employee that is (the
/// first one of the list is not always) is read from the groups, not assumed.
pub(crate) async fn employee_sharing_a_deal_group(h: &Harness, admin: &str) -> i64 {
    let (st, groups) = get(h, admin, "/api/tidy/groups").await;
    assert_eq!(st, 200, "{groups}");
    let plain: Vec<i64> = h
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .filter(|u| u.active && !u.is_admin)
                .map(|u| u.id)
                .collect()
        })
        .unwrap_or_default();
    groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["entity"] == "deal")
        .flat_map(|g| {
            let owners: Vec<i64> = g["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["responsible"].as_i64())
                .collect();
            owners
                .iter()
                .copied()
                .filter(|o| plain.contains(o) && owners.iter().any(|x| x != o))
                .collect::<Vec<_>>()
        })
        .min()
        .expect("a deal group holding a plain employee's deal and others'")
}

pub(crate) fn group<'a>(groups: &'a Value, key: &str) -> &'a Value {
    groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key}"))
}

pub(crate) fn ids(g: &Value) -> Vec<i64> {
    g["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

pub(crate) async fn wait_run(h: &Harness, s: &str, run: i64) -> Value {
    for _ in 0..200 {
        let (st, r) = get(h, s, &format!("/api/tidy/runs/{run}")).await;
        assert_eq!(st, 200, "{r}");
        if r["finished"] == json!(true) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {run} never finished");
}

fn owners(h: &Harness, deals: &[i64]) -> HashMap<i64, i64> {
    h.portal
        .with_data(|d| {
            deals
                .iter()
                .map(|id| (*id, d.deal(*id).unwrap().assigned_by_id))
                .collect()
        })
        .unwrap()
}

store_test!(groups_reassign_todo_audit_and_undo, |backend: Backend| {
    let h = synced(backend).await;
    let admin = session(&h, 1).await;
    let (st, groups) = get(&h, &admin, "/api/tidy/groups").await;
    assert_eq!(st, 200, "{groups}");

    // Hand counts from the emulator's own data: open deals without an amount, open deals of dismissed employees.
    let (no_amount, dismissed) = h
        .portal
        .with_data(|d| {
            let active: HashMap<i64, bool> = d.users.iter().map(|u| (u.id, u.active)).collect();
            let open = || d.deals.iter().filter(|x| !x.closed);
            (
                open().filter(|x| x.opportunity == 0.0).count(),
                open()
                    .filter(|x| active.get(&x.assigned_by_id) == Some(&false))
                    .count(),
            )
        })
        .unwrap();
    assert_eq!(group(&groups, "no_amount")["count"], json!(no_amount));
    assert_eq!(group(&groups, "dismissed_deals")["count"], json!(dismissed));
    // Each record carries the portal's title and its card's path (an activity opens its owner's card), deals their
    // stage by name; the page shows the log's instants on the portal's clock.
    assert!(
        !groups["time_zone"].as_str().unwrap_or("").is_empty(),
        "{}",
        groups["time_zone"]
    );
    let mut seen = (0, 0);
    for g in groups["groups"].as_array().unwrap() {
        for i in g["items"].as_array().unwrap() {
            let id = i["id"].as_i64().unwrap();
            let (title, path) = h
                .portal
                .with_data(|d| match g["entity"].as_str() {
                    Some("deal") => d
                        .deals
                        .iter()
                        .find(|x| x.id == id)
                        .map(|x| (x.title.clone(), format!("/crm/deal/details/{id}/"))),
                    Some("activity") => d.activities.iter().find(|x| x.id == id).map(|x| {
                        let kind = match x.owner_type_id {
                            1 => "lead",
                            2 => "deal",
                            3 => "contact",
                            _ => "company",
                        };
                        (
                            i["title"].as_str().unwrap_or("").to_string(),
                            format!("/crm/{kind}/details/{}/", x.owner_id),
                        )
                    }),
                    _ => None,
                })
                .unwrap()
                .unwrap_or_else(|| {
                    (
                        i["title"].as_str().unwrap_or("").to_string(),
                        i["path"].as_str().unwrap_or("").to_string(),
                    )
                });
            assert_eq!(i["title"], json!(title), "{i}");
            assert_eq!(i["path"], json!(path), "{i}");
            if g["entity"] == "deal" {
                seen.0 += 1;
                let name = i["stage_name"].as_str().unwrap_or("");
                assert!(
                    !name.is_empty() && name != i["stage"].as_str().unwrap_or(""),
                    "{i}"
                );
            }
            if g["entity"] == "activity" {
                seen.1 += 1;
            }
        }
    }
    assert!(
        seen.0 > 0 && seen.1 > 0,
        "deal and activity records seen: {seen:?}"
    );

    // "Forgotten deals" at the portal's forget-me-not days is R6's number.
    let (_, r6) = post(
        &h,
        &admin,
        "/api/reports/forget_me_not",
        json!({"filter": {"period": {"preset": "last_year"}, "compare": "none"}}),
    )
    .await;
    let fg = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "forgotten_deals")
        .unwrap();
    assert_eq!(
        fg["days"],
        json!(14),
        "the default forget-me-not days come first"
    );
    assert_eq!(fg["count"].as_f64().unwrap(), tile(&r6, "forgotten_deals"));

    // Three deals of a group the actions themselves do not empty (a to-do makes a forgotten deal cared for, so the
    // group the next request recomputes would no longer hold it): to-dos first (for their current responsible),
    // then reassign.
    let key = ["no_amount", "past_close", "dismissed_deals"]
        .into_iter()
        .find(|k| group(&groups, k)["count"].as_u64().unwrap_or(0) >= 4)
        .expect("a stable deal group with at least four deals");
    let all = ids(group(&groups, key));
    let chosen: Vec<i64> = all[..3].to_vec();
    let before = owners(&h, &all);
    let to = h.employee();

    let tomorrow = chrono::DateTime::from_timestamp(h.portal.clock() + 86_400, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let todo = json!({"group": key, "ids": chosen, "action": "todo", "deadline": tomorrow, "title": "Позвонить клиенту"});
    let (st, p) = post(&h, &admin, "/api/tidy/preview", todo.clone()).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["count"], json!(3));
    let acts_before = h.portal.with_data(|d| d.activities.len()).unwrap();
    let (st, started) = post(&h, &admin, "/api/tidy/runs", todo).await;
    assert_eq!(st, 200, "{started}");
    let run = wait_run(&h, &admin, started["run"].as_i64().unwrap()).await;
    assert_eq!(
        (run["done"].clone(), run["refused"].clone()),
        (json!(3), json!(0)),
        "{run}"
    );
    let new_todos: Vec<(i64, i64)> = h
        .portal
        .with_data(|d| {
            d.activities[acts_before..]
                .iter()
                .map(|a| (a.owner_id, a.responsible_id))
                .collect()
        })
        .unwrap();
    let mut expected: Vec<(i64, i64)> = chosen.iter().map(|id| (*id, before[id])).collect();
    let mut got = new_todos.clone();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "one to-do per chosen deal, for its responsible, nothing else"
    );

    let reassign = json!({"group": key, "ids": chosen, "action": "reassign", "to": to});
    let (st, p) = post(&h, &admin, "/api/tidy/preview", reassign.clone()).await;
    assert_eq!(st, 200);
    assert!(p["text"].as_str().unwrap().contains(": 3"), "{p}");
    let (_, started) = post(&h, &admin, "/api/tidy/runs", reassign).await;
    let reassign_run = started["run"].as_i64().unwrap();
    let run = wait_run(&h, &admin, reassign_run).await;
    assert_eq!(run["done"], json!(3), "{run}");
    let after = owners(&h, &all);
    for id in &all {
        let want = if chosen.contains(id) { to } else { before[id] };
        assert_eq!(after[id], want, "deal {id}");
    }
    // The audit log: both runs, newest first, with each record's before and after.
    let (_, log) = get(&h, &admin, "/api/tidy/runs").await;
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0]["action"].clone(), runs[1]["action"].clone()),
        (json!("reassign"), json!("todo"))
    );
    assert_eq!(runs[0]["user_id"], json!(1));
    assert_eq!(runs[0]["undoable"], json!(true));
    // Each record in words as the page shows it: the owner's name and the named stage, never a code or JSON.
    let (full_name, stage_names) = h
        .portal
        .with_data(|d| {
            let u = d.users.iter().find(|u| u.id == to).unwrap();
            let stages: HashMap<i64, String> = chosen
                .iter()
                .map(|id| {
                    let deal = d.deal(*id).unwrap();
                    let stage = d
                        .statuses
                        .iter()
                        .find(|s| {
                            s.entity_id.starts_with("DEAL_STAGE") && s.status_id == deal.stage_id
                        })
                        .map(|s| s.name.clone())
                        .unwrap();
                    (*id, stage)
                })
                .collect();
            (format!("{} {}", u.last_name, u.name), stages)
        })
        .unwrap();
    for r in run["records"].as_array().unwrap() {
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["before"]["responsible"], json!(before[&id]));
        assert_eq!(r["after"]["responsible"], json!(to));
        assert_eq!(r["outcome"], json!("done"));
        assert_eq!(r["kind_words"], json!("Deal"));
        let after_text = r["after_text"].as_str().unwrap();
        assert!(
            after_text.starts_with(&format!("{full_name} · "))
                && after_text.ends_with(&format!(" · {}", stage_names[&id])),
            "{after_text}"
        );
        assert!(!r["before_text"].as_str().unwrap().contains('{'), "{r}");
    }

    // Undo: one deal was changed again in the portal meanwhile; it is skipped, the others get their owner back.
    let moved = chosen[0];
    let other = 1; // the administrator: neither the new owner nor necessarily an old one
    h.portal
        .update_deal(
            moved,
            b24a_emulator::DealPatch {
                assigned_by_id: Some(other),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (st, u) = post(
        &h,
        &admin,
        &format!("/api/tidy/runs/{reassign_run}/undo"),
        json!({}),
    )
    .await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["skipped"], json!(1));
    let undo = wait_run(&h, &admin, u["run"].as_i64().unwrap()).await;
    assert_eq!(
        (undo["done"].clone(), undo["refused"].clone()),
        (json!(2), json!(1)),
        "{undo}"
    );
    let restored = owners(&h, &chosen);
    assert_eq!(
        restored[&moved], other,
        "the record changed since is left alone"
    );
    for id in &chosen[1..] {
        assert_eq!(restored[id], before[id], "deal {id} has its owner back");
    }
});

store_test!(
    refusals_are_per_record_and_the_rest_is_done,
    |backend: Backend| {
        let h = synced(backend).await;
        let admin = session(&h, 1).await;
        let user = employee_sharing_a_deal_group(&h, &admin).await;
        // The employee may open the reports on the whole company and the tidy-up page, and edit only his own cards.
        let rules =
            json!([{"report": "*", "subject": {"type": "user", "id": user}, "scope": "company"}]);
        assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
        // The administrator names him on the settings page (duplicates kept once), and the settings read it back.
        let (st, saved) = put(
            &h,
            &admin,
            "/api/settings/tidy-users",
            json!({"users": [user, user]}),
        )
        .await;
        assert_eq!((st, saved), (200, json!({"users": [user]})));
        assert_eq!(
            get(&h, &admin, "/api/settings").await.1["tidy_users"],
            json!([user])
        );
        h.portal.set_edit_right(user, EditRight::Own).unwrap();
        let me = session(&h, user).await;
        let (st, groups) = get(&h, &me, "/api/tidy/groups").await;
        assert_eq!(st, 200, "{groups}");
        // A group holding his own open deal and others' (every open deal is in "forgotten after 14 days" or not, so
        // look through all deal groups for one with both).
        let mine_and_others = groups["groups"]
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
            });
        let (key, own, other) = mine_and_others.expect("a deal group with his and others' deals");
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
        let before = owners(&h, &[own, other]);
        let (st, started) = post(
            &h,
            &me,
            "/api/tidy/runs",
            json!({"group": key, "ids": [own, other], "action": "reassign", "to": to}),
        )
        .await;
        assert_eq!(st, 200, "{started}");
        let run = wait_run(&h, &me, started["run"].as_i64().unwrap()).await;
        assert_eq!(
            (run["done"].clone(), run["refused"].clone()),
            (json!(1), json!(1)),
            "{run}"
        );
        let recs = run["records"].as_array().unwrap();
        let by_id = |id: i64| recs.iter().find(|r| r["id"] == json!(id)).unwrap();
        assert_eq!(by_id(own)["outcome"], json!("done"));
        assert_eq!(by_id(other)["outcome"], json!("refused"));
        assert!(
            by_id(other)["error"]
                .as_str()
                .unwrap()
                .contains("Access denied"),
            "{run}"
        );
        let after = owners(&h, &[own, other]);
        assert_eq!(after[&own], to);
        assert_eq!(
            after[&other], before[&other],
            "the refused record is untouched"
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_bad_input_and_another_users_grant() {
    let h = synced(Backend::Sqlite).await;
    let admin = session(&h, 1).await;
    let user = h.employee();
    let rules =
        json!([{"report": "*", "subject": {"type": "user", "id": user}, "scope": "company"}]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    // Not named in the setting: no page, no action.
    let me = session(&h, user).await;
    // Naming people is for administrators; a wrong list names its field and stores nothing.
    let (st, _) = put(
        &h,
        &me,
        "/api/settings/tidy-users",
        json!({"users": [user]}),
    )
    .await;
    assert_eq!(st, 403, "an employee cannot name himself");
    assert_eq!(
        get(&h, &me, "/api/settings").await.1["tidy_users"],
        Value::Null,
        "nor read who is named"
    );
    for (body, field) in [
        (json!({"users": [user, 987_654]}), "users[1]"),
        (json!({"users": (1..=1001).collect::<Vec<i64>>()}), "users"),
    ] {
        let (st, e) = put(&h, &admin, "/api/settings/tidy-users", body.clone()).await;
        assert_eq!((st, e["field"].clone()), (400, json!(field)), "{e}");
    }
    let (st, e) = put(
        &h,
        &admin,
        "/api/settings/tidy-users",
        json!({"people": [user]}),
    )
    .await;
    assert_eq!(
        (st, e["field"].clone()),
        (400, json!("users")),
        "an unknown field is refused: {e}"
    );
    assert_eq!(
        get(&h, &admin, "/api/settings").await.1["tidy_users"],
        json!([]),
        "nothing stored"
    );
    assert_eq!(get(&h, &me, "/api/tidy/groups").await.0, 403);
    assert_eq!(get(&h, &me, "/api/tidy/runs").await.0, 403);
    let (st, _) = post(
        &h,
        &me,
        "/api/tidy/runs",
        json!({"group": "no_amount", "action": "reassign", "to": 1}),
    )
    .await;
    assert_eq!(st, 403);

    let (_, groups) = get(&h, &admin, "/api/tidy/groups").await;
    // A deal group offers, for "move to a stage", the stages of its deals' pipelines in the portal's order, named.
    for g in groups["groups"].as_array().unwrap() {
        let offered: Vec<(String, String)> = g["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_string(),
                    s["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if g["entity"] != "deal" {
            assert!(offered.is_empty(), "{}", g["key"]);
            continue;
        }
        let ids: Vec<i64> = g["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        let expected: Vec<String> = h
            .portal
            .with_data(|d| {
                let cats: std::collections::BTreeSet<i64> = d
                    .deals
                    .iter()
                    .filter(|x| ids.contains(&x.id))
                    .map(|x| x.category_id)
                    .collect();
                cats.into_iter()
                    .flat_map(|c| {
                        d.dictionary(&b24a_emulator::PortalData::stage_entity(c))
                            .into_iter()
                            .map(|s| s.status_id.clone())
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .unwrap();
        assert_eq!(
            offered.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
            expected,
            "{}",
            g["key"]
        );
        assert!(
            offered
                .iter()
                .all(|(id, name)| name != id && name.contains(" · ")),
            "{offered:?}"
        );
    }
    let g = group(&groups, "forgotten_deals_30");
    let some = ids(g)[0];
    let outside = h
        .portal
        .with_data(|d| d.deals.iter().find(|x| x.closed).unwrap().id)
        .unwrap();
    for (body, field) in [
        (
            json!({"group": "nope", "action": "reassign", "to": user}),
            "group",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [outside], "action": "reassign", "to": user}),
            "ids",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [], "action": "reassign", "to": user}),
            "ids",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "reassign", "to": 987_654}),
            "to",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "todo", "deadline": "завтра"}),
            "deadline",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "todo", "deadline": "2001-01-01"}),
            "deadline",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "close", "reason": " "}),
            "reason",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "stage", "stage": "NO_SUCH"}),
            "stage",
        ),
        (
            json!({"group": "forgotten_deals_30", "ids": [some], "action": "explode"}),
            "action",
        ),
        (
            json!({"group": "overdue_activities", "action": "close", "reason": "x"}),
            "action",
        ),
    ] {
        let (st, e) = post(&h, &admin, "/api/tidy/runs", body.clone()).await;
        assert_eq!(st, 400, "{body}: {e}");
        assert_eq!(e["field"], json!(field), "{body}: {e}");
        assert!(!e["message"].as_str().unwrap_or("").is_empty());
    }
    let pid = h.portal_id().await;
    assert!(
        h.state.store.tidy_runs(pid, 10).await.unwrap().is_empty(),
        "nothing stored"
    );

    // Another user's rights: a session (signed by the server itself) for the employee carrying the
    // administrator's grant key acts with nobody's tokens.
    h.state
        .store
        .set_setting(pid, "tidy_users", &vec![user], None)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let admin_claims = h.state.signer.verify(&admin, now).unwrap();
    assert!(
        !admin_claims.grant.is_empty(),
        "the launch kept the administrator's tokens server-side"
    );
    assert!(!admin.contains(&admin_claims.grant) || admin_claims.grant.len() == 48);
    let mut forged = h.state.signer.verify(&me, now).unwrap();
    forged.grant = admin_claims.grant.clone();
    let forged = h.state.signer.sign(&forged);
    let (st, e) = post(
        &h,
        &forged,
        "/api/tidy/runs",
        json!({"group": "forgotten_deals_30", "ids": [some], "action": "reassign", "to": user}),
    )
    .await;
    assert_eq!((st, e["field"].clone()), (400, json!("grant")), "{e}");
    // The tokens never reach the page.
    let (_, html) = h.launch_as(CLIENT_ID, 1, "ru").await;
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "ru");
    let refresh = l
        .form
        .iter()
        .find(|(k, _)| k == "REFRESH_ID")
        .unwrap()
        .1
        .clone();
    assert!(!html.contains(&refresh));
    assert!(
        h.state.store.tidy_runs(pid, 10).await.unwrap().is_empty(),
        "nothing stored"
    );
}
