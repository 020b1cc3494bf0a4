//! Honest freshness over real HTTP: every report answer says when its data was last synced (the oldest last
//! success over the portal's sources, read here straight from the store) and names a source whose last sync
//! failed after its last success; the page turns that into the warning line.

use std::time::Duration;

use b24a_testkit::Kit;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_say_when_data_was_synced_and_which_source_failed() {
    let w = Kit::e2e(b24a_emulator::Size::Tiny).start().await.unwrap();
    let store = w.db.store();
    let id = store
        .portal_by_member_id(&w.portal.member_id())
        .await
        .unwrap()
        .unwrap()
        .id;
    for _ in 0..600 {
        let s = store.sync_states(id).await.unwrap();
        if !s.is_empty() && s.iter().all(|x| x.full_finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let cfg = w.launch_config(1, "ru").await.unwrap();
    let session = cfg["session"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let ask = |report: &'static str| {
        let http = http.clone();
        let session = session.clone();
        let base = w.base.clone();
        async move {
            let r = http
                .post(format!("{base}/api/reports/{report}"))
                .header("x-b24a-session", session)
                .json(&json!({"filter": {"period": {"preset": "this_month"}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()["freshness"].clone()
        }
    };
    let oldest = store
        .sync_states(id)
        .await
        .unwrap()
        .iter()
        .filter_map(|s| s.last_success_at)
        .min();
    assert!(oldest.is_some(), "the first import recorded successes");
    for report in [
        "sales_dynamics",
        "managers",
        "plan",
        "marketing",
        "tasks",
        "forget_me_not",
        "linked",
    ] {
        let f = ask(report).await;
        assert_eq!(f["last_sync_at"].as_i64(), oldest, "{report}");
        assert_eq!(f["failed"], json!([]), "{report}: nothing failed yet");
    }
    // The deals' last sync fails after its last success: every answer names it, and only it.
    store
        .record_sync_error(id, "deals", "HTTP 503 from the portal")
        .await
        .unwrap();
    let f = ask("sales_dynamics").await;
    assert_eq!(f["failed"], json!(["deals"]));
    assert_eq!(ask("forget_me_not").await["failed"], json!(["deals"]));
}
