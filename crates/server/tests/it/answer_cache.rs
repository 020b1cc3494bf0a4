//! The whole-answer cache of `POST /api/reports/{id}` (crates/server/src/answer_cache.rs): a deal the sync writes
//! changes the next answer, a caller with a narrower data scope never gets an answer cached for a wider one, and a
//! tier change applies to the next answer of the same session. Expected numbers come from independent routes: the
//! count of deals before plus the one created in the emulator, and the administrator's view filtered by the
//! head's departments.

use crate::common::{self, scope};

use std::time::Duration;

use b24a_emulator::NewDeal;
use b24a_store::Backend;
use scope::{first_diff, members, post, put, session, tile};
use serde_json::{json, Value};

fn filter(extra: Value) -> Value {
    let mut f = json!({"period": {"preset": "last_days", "days": 30}, "compare": "none"});
    if let (Some(f), Some(e)) = (f.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            f.insert(k.clone(), v.clone());
        }
    }
    json!({ "filter": f })
}

fn numbers(a: &Value) -> Value {
    json!({"tiles": a["tiles"], "tables": a["tables"], "charts": a["charts"]})
}

async fn answers_follow_writes_scopes_and_tiers(backend: Backend) {
    // The reports' "today" an hour after the generated company's: a deal the emulator creates now (its clock is the
    // company's plus its uptime) falls inside the last 30 days.
    let h = scope::two_departments_on(backend, 3600).await;
    let admin = session(&h, 1).await;
    let path = "/api/reports/sales_dynamics";

    // The same request twice: the second is the cached one, and it is the same answer.
    let (s, first) = post(&h, &admin, path, filter(json!({}))).await;
    assert_eq!(s, 200, "{first}");
    let (_, again) = post(&h, &admin, path, filter(json!({}))).await;
    assert_eq!(
        first_diff(&numbers(&first), &numbers(&again), "again"),
        None
    );
    assert!(again["freshness"].is_object() && again["tier"].is_object());

    // A head of department asks for the very same report and filter right after: he gets his tree's numbers
    // (the administrator's view filtered by his departments), not the company's answer just cached.
    let tree = members(&h, &[4]);
    assert!(tree.contains(&3));
    let rules = json!([{"report": "*", "subject": {"type": "user", "id": 3}}]);
    assert_eq!(put(&h, &admin, "/api/settings/access", rules).await.0, 200);
    let head = session(&h, 3).await;
    let (s, mine) = post(&h, &head, path, filter(json!({}))).await;
    assert_eq!(s, 200, "{mine}");
    let (_, tree_view) = post(&h, &admin, path, filter(json!({"departments": [4]}))).await;
    assert_eq!(
        first_diff(&numbers(&mine), &numbers(&tree_view), "head"),
        None
    );
    assert_ne!(
        tile(&mine, "deal_created"),
        tile(&first, "deal_created"),
        "the tree has fewer deals than the company, so the test can tell the two apart"
    );

    // A deal created in the portal reaches our database through the sync; the next answer counts it.
    let before = tile(&first, "deal_created");
    h.portal
        .create_deal(NewDeal {
            title: "Cache test deal".into(),
            category_id: 0,
            opportunity: 1000.0,
            assigned_by_id: Some(1),
            ..NewDeal::default()
        })
        .await
        .unwrap();
    let mut now = before;
    for _ in 0..240 {
        let (_, a) = post(&h, &admin, path, filter(json!({}))).await;
        now = tile(&a, "deal_created");
        if now != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(now, before + 1.0, "the synced deal changes the next answer");

    // The tier: free (3 months) then paid (24 months), the same session and request: the clamp follows at once.
    let portal = h.portal_id().await;
    let checked = chrono::Utc::now().timestamp();
    let long =
        json!({"filter": {"period": {"preset": "last_days", "days": 800}, "compare": "none"}});
    h.state
        .store
        .record_tier(portal, common::CLIENT_ID, "F", false, None, checked)
        .await
        .unwrap();
    let (_, free) = post(&h, &admin, path, long.clone()).await;
    assert_eq!(free["tier"]["history_months"], 3, "{}", free["tier"]);
    let (_, free_again) = post(&h, &admin, path, long.clone()).await;
    assert_eq!(free_again["meta"]["clamp"], free["meta"]["clamp"]);
    h.state
        .store
        .record_tier(portal, common::CLIENT_ID, "P", false, Some(30), checked)
        .await
        .unwrap();
    let (_, paid) = post(&h, &admin, path, long).await;
    assert_eq!(paid["tier"]["history_months"], 24, "{}", paid["tier"]);
    assert_ne!(
        paid["meta"]["clamp"], free["meta"]["clamp"],
        "the paid tier's answer is not the free tier's cached one"
    );
}

b24a_store::store_test!(
    answers_follow_writes_scopes_and_tiers,
    |backend: Backend| {
        answers_follow_writes_scopes_and_tiers(backend).await;
    }
);
