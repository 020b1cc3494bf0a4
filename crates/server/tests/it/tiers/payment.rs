//! Tiers, part three: an expired payment deletes nothing and paying again shows the history at once; the payment
//! event re-reads the tier at once and a forged one is refused (helpers in `tiers`).

use super::*;

async fn count_deals(env: &Env, portal: PortalId) -> (i64, i64) {
    let q = "SELECT COUNT(*), COALESCE(MIN(date_create), 0) FROM deals WHERE portal_id = $1";
    b24a_store::with_pool!(env.state.store.pool(), p => {
        sqlx::query_as::<_, (i64, i64)>(q).bind(portal.0).fetch_one(p).await
    })
    .unwrap()
}

/// Sync keeps 24 months whatever the tier; an expired payment only narrows what the API shows, deletes nothing,
/// and paying again shows the older months at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_payment_never_deletes_data_and_paying_shows_history_at_once() {
    let env = start(Backend::Sqlite, &[(ALL, &[])], true).await;
    env.portal.install_app(ALL).await.unwrap();
    grant_all(&env, 1).await;
    env.portal
        .set_app_status(ALL, AppStatus::new("F", false, None));
    let session = env.session(ALL, 1, "en").await;
    let mut done = false;
    for _ in 0..360 {
        let r = env
            .http
            .get(format!("{}/api/progress", env.base))
            .header("x-b24a-session", &session)
            .send()
            .await
            .unwrap();
        let p: Value = r.json().await.unwrap();
        if p["first_import_finished"] == json!(true) {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(done, "first import finished");
    let portal = env.portal_id().await;
    let (deals, oldest) = count_deals(&env, portal).await;
    let now = chrono::Utc::now().timestamp();
    assert!(deals > 0);
    assert!(
        oldest < now - 20 * 30 * 86_400,
        "a free portal still has more than 20 months synced"
    );

    // A window 6..20 months back: beyond the free tier, inside the paid one.
    let today = chrono::Utc::now().date_naive();
    let window = json!({"filter": {"period": {"preset": "custom",
        "from": today.checked_sub_months(Months::new(20)).unwrap().to_string(),
        "to": today.checked_sub_months(Months::new(6)).unwrap().to_string()}, "compare": "none"}});
    let created = |a: &Value| {
        a["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["metric"] == "deal_created")
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    let (_, free) = env
        .post(&session, "/api/reports/sales_dynamics", window.clone())
        .await;
    assert_eq!(
        free["meta"]["clamp"]["locked"], true,
        "free: the window lies beyond 3 months"
    );

    env.portal
        .set_app_status(ALL, AppStatus::new("P", false, Some(30)));
    let session = env.session(ALL, 1, "en").await;
    let (_, paid) = env
        .post(&session, "/api/reports/sales_dynamics", window.clone())
        .await;
    assert!(
        paid["meta"]["clamp"].is_null(),
        "upgrade shows the history at once: {}",
        paid["meta"]
    );
    let shown = created(&paid);
    assert!(shown > 0.0);

    // Expired beyond the grace period: back to 3 months, nothing deleted (also after a sync cycle's chance to run).
    env.portal
        .set_app_status(ALL, AppStatus::new("P", true, Some(-20)));
    let (status, html) = env.launch_as(ALL, 1, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("the grace period is over"));
    // Someone without a rule (the portal no longer confirms admins) gets the polite page that says why.
    let other = env
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| !u.is_admin && u.active && u.id != 1)
                .map(|u| u.id)
        })
        .flatten()
        .unwrap();
    let (status, polite) = env.launch_as(ALL, other, "en").await;
    assert_eq!(status, 403);
    assert!(
        polite.contains("No access to the reports") && polite.contains("the grace period is over")
    );
    let session = common::Harness::session_of(&html);
    let (_, lapsed) = env
        .post(&session, "/api/reports/sales_dynamics", window.clone())
        .await;
    assert_eq!(lapsed["meta"]["clamp"]["locked"], true);
    assert_eq!(lapsed["tier"]["state"], "lapsed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count_deals(&env, portal).await,
        (deals, oldest),
        "an expired payment deletes nothing"
    );

    // Paid again: the same numbers as before, at once.
    env.portal
        .set_app_status(ALL, AppStatus::new("P", false, Some(30)));
    let session = env.session(ALL, 1, "en").await;
    let (_, again) = env
        .post(&session, "/api/reports/sales_dynamics", window)
        .await;
    assert!(again["meta"]["clamp"].is_null());
    assert_eq!(created(&again), shown);
}

/// Paying fires ONAPPPAYMENT: the server re-reads app.info at once (no page open, no daily pass) and the paid tier
/// is stored; a forged payment event (wrong application_token) is refused and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_event_rereads_the_tier_at_once_and_a_forged_one_is_refused() {
    let env = start(Backend::Sqlite, &[(ALL, &[])], false).await;
    env.portal.install_app(ALL).await.unwrap();
    env.portal
        .set_app_status(ALL, AppStatus::new("F", false, None));
    let (status, _) = env.launch_as(ALL, 1, "en").await;
    assert_eq!(status, 200);
    let portal = env.portal_id().await;
    let tier = |env: &Env| {
        let store = env.state.store.clone();
        async move {
            store
                .tier(portal, ALL)
                .await
                .unwrap()
                .map(|t| t.status)
                .unwrap_or_default()
        }
    };
    assert_eq!(tier(&env).await, "F");

    // A forged payment event: the right member_id, a wrong application_token.
    let forged = env
        .http
        .post(format!("{}/events/{ALL}", env.base))
        .form(&[
            ("event", "ONAPPPAYMENT"),
            ("data[STATUS]", "P"),
            ("auth[member_id]", env.portal.member_id().as_str()),
            (
                "auth[application_token]",
                "0123456789abcdef0123456789abcdef",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);

    // The portal pays: the emulator delivers ONAPPPAYMENT to the handler bound at install.
    env.portal
        .set_app_status(ALL, AppStatus::new("P", false, Some(365)));
    let mut seen = String::new();
    for _ in 0..100 {
        seen = tier(&env).await;
        if seen == "P" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "P", "the payment event re-read the tier");
}
