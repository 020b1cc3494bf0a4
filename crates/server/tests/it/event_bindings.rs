//! Event bindings (issue 12, part 4): the change events the sync needs are bound at install (online handler and
//! offline queue), every cycle checks them with `event.get` and binds what is missing (the app events too), and
//! the offline queue is pulled every cycle — so a deal deleted in the portal leaves the reports after one cycle,
//! through the online event alone and through the offline queue alone. The emulator is the portal over real HTTP,
//! the server runs on a real socket, the store is a real SQLite file.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use b24a_emulator::{AppStatus, Faults, Limits};
use common::{Harness, CLIENT_ID, SECRET};
use serde_json::{json, Value};

/// The change events the sync consumes, written out here rather than taken from the sync crate.
const CHANGE_EVENTS: [&str; 18] = [
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMDEALDELETE",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMLEADDELETE",
    "ONCRMACTIVITYADD",
    "ONCRMACTIVITYUPDATE",
    "ONCRMACTIVITYDELETE",
    "ONCRMCOMPANYADD",
    "ONCRMCOMPANYUPDATE",
    "ONCRMCOMPANYDELETE",
    "ONCRMCONTACTADD",
    "ONCRMCONTACTUPDATE",
    "ONCRMCONTACTDELETE",
    "ONTASKADD",
    "ONTASKUPDATE",
    "ONTASKDELETE",
];

const OFFLINE: &str = "(offline)";

struct Env {
    h: Harness,
    /// The installing admin's access token (for looking at and removing bindings as the app).
    token: String,
    portal: i64,
}

fn handler(h: &Harness) -> String {
    format!("{}/events/{CLIENT_ID}", h.base)
}

/// Every binding the app should have: (event, handler URL or `(offline)`), by hand.
fn expected(h: &Harness) -> BTreeSet<(String, String)> {
    let mut want = BTreeSet::new();
    for ev in ["ONAPPUNINSTALL", "ONAPPPAYMENT"] {
        want.insert((ev.to_string(), handler(h)));
    }
    for ev in CHANGE_EVENTS {
        want.insert((ev.to_string(), handler(h)));
        want.insert((ev.to_string(), OFFLINE.to_string()));
    }
    want
}

/// A REST call as the app with the admin's token.
async fn rest(env: &Env, method: &str, params: &[(&str, &str)]) -> Value {
    let mut form = vec![("auth", env.token.as_str())];
    form.extend_from_slice(params);
    env.h
        .http
        .post(format!("{}{method}.json", env.h.portal.client_endpoint()))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What the portal says is bound for the app.
async fn bound(env: &Env) -> BTreeSet<(String, String)> {
    let v = rest(env, "event.get", &[]).await;
    v["result"]
        .as_array()
        .unwrap_or_else(|| panic!("event.get answered {v}"))
        .iter()
        .map(|b| {
            let offline = b["offline"] == json!(1);
            (
                b["event"].as_str().unwrap().to_string(),
                if offline {
                    OFFLINE.to_string()
                } else {
                    b["handler"].as_str().unwrap().to_string()
                },
            )
        })
        .collect()
}

async fn unbind(env: &Env, params: &[(&str, &str)]) -> i64 {
    let v = rest(env, "event.unbind", params).await;
    v["result"]["count"].as_i64().unwrap_or(-1)
}

/// One sync cycle with the server's own sync options, as its scheduler runs it.
async fn cycle(env: &Env) -> b24a_sync::CycleReport {
    let app = b24a_client::OAuthApp {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
    };
    b24a_sync::sync_portal(
        &env.h.state.store,
        env.portal,
        Some(&app),
        "test",
        b24a_client::ClientConfig::default(),
        b24a_server::sync_runner::sync_options(&env.h.state.config),
    )
    .await
    .unwrap()
}

/// Installs the app (its ONAPPINSTALL reaches the server's install handler) with `faults` on the portal meanwhile.
async fn installed(faults: Faults) -> Env {
    let h = common::start(false).await;
    // Correctness, not politeness: the test's own REST calls must not meet the request bucket.
    h.portal.set_limits(Limits {
        rate_enabled: false,
        operating_enabled: false,
        ..Limits::default()
    });
    h.portal.set_faults(faults);
    let grant = h.portal.install_app(CLIENT_ID).await.unwrap();
    h.portal.set_faults(Faults::default());
    let portal = h
        .state
        .store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .expect("the install stored the portal")
        .id
        .0;
    Env {
        h,
        token: grant.access_token,
        portal,
    }
}

/// After install and the first import.
async fn imported() -> Env {
    let env = installed(Faults::default()).await;
    let first = cycle(&env).await;
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    env
}

/// The deals behind R1's "created" number over the last year, read through the report API: (number, deal ids of
/// its drill-down list).
async fn created_deals(env: &Env, session: &str) -> (u64, BTreeSet<i64>) {
    let post = |path: &str, body: Value| {
        env.h
            .http
            .post(format!("{}{path}", env.h.base))
            .header("x-b24a-session", session)
            .json(&body)
            .send()
    };
    let filter = json!({"period": {"preset": "last_year"}, "compare": "none"});
    let a: Value = post("/api/reports/sales_dynamics", json!({"filter": filter}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tile = a["tiles"]
        .as_array()
        .unwrap_or_else(|| panic!("report answered {a}"))
        .iter()
        .find(|t| t["metric"] == "deal_created")
        .expect("deal_created tile")
        .clone();
    let list: Value = post(
        "/api/reports/sales_dynamics/drill",
        json!({"filter": filter, "drill": tile["drill"], "list": {"limit": 5000}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let ids = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            r["path"]
                .as_str()?
                .trim_start_matches("/crm/deal/details/")
                .trim_end_matches('/')
                .parse()
                .ok()
        })
        .collect();
    (tile["value"].as_f64().unwrap() as u64, ids)
}

async fn session(env: &Env) -> String {
    let l = env.h.portal.iframe_launch(CLIENT_ID, 1, "en");
    let page = env.h.launch(&l.query, &l.form).await.text().await.unwrap();
    Harness::session_of(&page)
}

async fn open_delete_events(env: &Env) -> Vec<i64> {
    env.h
        .state
        .store
        .take_events(b24a_store::PortalId(env.portal), 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "ONCRMDEALDELETE")
        .map(|e| e.entity_id)
        .collect()
}

/// Deletes a deal the report counts; returns (number before, its id).
async fn delete_a_counted_deal(env: &Env, session: &str) -> (u64, i64) {
    let (n, ids) = created_deals(env, session).await;
    assert_eq!(n as usize, ids.len(), "the list behind the number");
    let victim = *ids
        .iter()
        .next()
        .expect("a year of deals in the generated company");
    env.h.portal.delete_deal(victim).await.unwrap();
    (n, victim)
}

async fn assert_gone_after_one_cycle(env: &Env, session: &str, before: u64, victim: i64) {
    let report = cycle(env).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let (n, ids) = created_deals(env, session).await;
    assert_eq!(n, before - 1, "the deleted deal no longer counts");
    assert!(!ids.contains(&victim), "the deleted deal is not listed");
    assert!(env
        .h
        .state
        .store
        .take_events(b24a_store::PortalId(env.portal), 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_binds_every_event_the_sync_needs() {
    let env = installed(Faults::default()).await;
    assert_eq!(bound(&env).await, expected(&env.h));
    // A cycle with nothing missing binds nothing.
    let r = cycle(&env).await;
    assert_eq!(r.bindings_restored, 0);
    assert_eq!(bound(&env).await, expected(&env.h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_leaves_the_reports_after_one_cycle_through_the_online_event() {
    let env = imported().await;
    // Only the online path: the portal has no offline binding for the deletion.
    unbind(
        &env,
        &[("event", "ONCRMDEALDELETE"), ("event_type", "offline")],
    )
    .await;
    let s = session(&env).await;
    let (before, victim) = delete_a_counted_deal(&env, &s).await;
    let received = open_delete_events(&env).await;
    let queued = env.h.portal.offline_queue_len();
    assert_gone_after_one_cycle(&env, &s, before, victim).await;
    assert_eq!(
        received,
        vec![victim],
        "the portal's online event reached the server's handler"
    );
    assert_eq!(queued, 0, "nothing came through the offline queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_leaves_the_reports_after_one_cycle_through_the_offline_queue() {
    let env = imported().await;
    // Only the offline path: the online handler of the deletion is gone (as when our server is unreachable).
    unbind(
        &env,
        &[
            ("event", "ONCRMDEALDELETE"),
            ("handler", handler(&env.h).as_str()),
        ],
    )
    .await;
    let s = session(&env).await;
    let (before, victim) = delete_a_counted_deal(&env, &s).await;
    let received = open_delete_events(&env).await;
    let queued = env.h.portal.offline_queue_len();
    assert_gone_after_one_cycle(&env, &s, before, victim).await;
    assert!(received.is_empty(), "no online event");
    assert!(queued > 0, "the portal queued it");
    assert_eq!(
        env.h.portal.offline_queue_len(),
        0,
        "the pulled events were confirmed"
    );
}

/// Waits for the payment event to store the paid tier (the handler re-reads app.info in the background).
async fn paid_tier_after_paying(env: &Env) -> String {
    env.h
        .portal
        .set_app_status(CLIENT_ID, AppStatus::new("P", false, Some(365)));
    let mut seen = String::new();
    for _ in 0..100 {
        seen = env
            .h
            .state
            .store
            .tier(b24a_store::PortalId(env.portal), CLIENT_ID)
            .await
            .unwrap()
            .map(|t| t.status)
            .unwrap_or_default();
        if seen == "P" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bindings_removed_in_the_portal_are_restored_by_the_next_cycle() {
    let env = imported().await;
    // An admin (or an app update) removed the payment and uninstall handlers and both deletion bindings.
    for ev in ["ONAPPPAYMENT", "ONAPPUNINSTALL"] {
        assert_eq!(unbind(&env, &[("event", ev)]).await, 1);
    }
    unbind(&env, &[("event", "ONCRMDEALDELETE")]).await;
    let left = bound(&env).await;
    assert!(!left
        .iter()
        .any(|(ev, _)| ev == "ONCRMDEALDELETE" || ev == "ONAPPPAYMENT"));
    let r = cycle(&env).await;
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(bound(&env).await, expected(&env.h));
    assert_eq!(r.bindings_restored, 4);
    // The restored ONAPPPAYMENT works: paying stores the paid tier without a page open.
    assert_eq!(paid_tier_after_paying(&env).await, "P");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bind_failing_at_install_is_repaired_by_the_next_cycle() {
    // Every event.bind fails while the install runs (the portal answers 500 for it).
    let env = installed(Faults {
        failing_methods: vec!["event.bind".into()],
        ..Faults::default()
    })
    .await;
    assert!(bound(&env).await.is_empty(), "nothing got bound at install");
    let r = cycle(&env).await;
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(bound(&env).await, expected(&env.h));
    assert_eq!(r.bindings_restored, expected(&env.h).len());
    assert_eq!(paid_tier_after_paying(&env).await, "P");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_whose_binds_fail_reports_it_and_the_next_one_repairs() {
    let env = imported().await;
    assert_eq!(unbind(&env, &[("event", "ONAPPPAYMENT")]).await, 1);
    env.h.portal.set_faults(Faults {
        failing_methods: vec!["event.bind".into()],
        ..Faults::default()
    });
    let r = cycle(&env).await;
    assert!(
        r.failed.contains_key("event_bindings"),
        "reported: {:?}",
        r.failed
    );
    assert_eq!(r.bindings_restored, 0);
    env.h.portal.set_faults(Faults::default());
    let r = cycle(&env).await;
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.bindings_restored, 1);
    assert_eq!(bound(&env).await, expected(&env.h));
}
