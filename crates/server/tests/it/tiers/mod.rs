//! Tiers, app registrations and access against the portal emulator over real HTTP (docs/TIERS.md): every status
//! letter (and an expired payment within and after the grace period) clamps the report API to the date computed
//! here by hand and shows its banner on the page; the daily refresh re-reads app.info and keeps the last tier when
//! it cannot; two app registrations in one portal see only their own reports; a user without access is refused by
//! the page and the API; an expired payment deletes nothing and paying again shows the history at once.

use crate::common;

use std::time::Duration;

use b24a_emulator::AppStatus;
use b24a_store::{Backend, PortalId};
use b24a_testkit::Kit;
use chrono::{FixedOffset, Months, NaiveDate};
use serde_json::{json, Value};

mod apps_and_access;
mod payment;

const ALL: &str = "local.b24a.all";

/// The emulator and our server with this file's app registrations (the kit's `App`).
type Env = b24a_testkit::App;

fn secret(client_id: &str) -> String {
    format!("{client_id}-secret-xyz")
}

/// Emulator + server on `backend`, with the given app registrations (`client_id`, enabled reports; empty = all).
async fn start(backend: Backend, apps: &[(&str, &[&str])], sync: bool) -> Env {
    let mut kit = Kit::new().backend(backend).sync(sync);
    for (id, reports) in apps {
        kit = kit.app_with_reports(id, &secret(id), &format!("App {id}"), reports);
    }
    kit.start()
        .await
        .expect("start the emulator and our server")
}

/// Today on the portal's clock, from the stored portal row (no sync ran: a fixed offset, no zone name).
async fn today(env: &Env) -> NaiveDate {
    let p = env
        .state
        .store
        .portal(env.portal_id().await)
        .await
        .unwrap()
        .unwrap();
    assert!(
        p.time_zone.is_none(),
        "tests without sync compute days on the fixed offset"
    );
    let off = FixedOffset::east_opt(p.utc_offset_seconds as i32).unwrap();
    chrono::Utc::now().with_timezone(&off).date_naive()
}

/// Polls the stored tier of the portal × ALL until `done` holds (10 s at most); background checks (the payment
/// event's) finish on their own time.
async fn wait_for_tier(
    env: &Env,
    portal: PortalId,
    done: impl Fn(Option<&b24a_store::StoredTier>) -> bool,
) -> Option<b24a_store::StoredTier> {
    for _ in 0..200 {
        let t = env.state.store.tier(portal, ALL).await.unwrap();
        if done(t.as_ref()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the stored tier never reached the awaited state");
}

fn config_of(html: &str) -> Value {
    b24a_testkit::page::config_of(html).expect("a config in the page")
}

fn long_period() -> Value {
    json!({"filter": {"period": {"preset": "last_days", "days": 800}, "compare": "none"}})
}

/// One status case: what the emulator says, what the tier must be.
struct Case {
    status: &'static str,
    expired: bool,
    days: Option<i64>,
    months: u32,
    state: &'static str,
    /// Text the English banner must contain (None = no banner).
    banner: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        status: "F",
        expired: false,
        days: None,
        months: 3,
        state: "free",
        banner: Some("Free plan: the reports show the last 3 months of data."),
    },
    Case {
        status: "D",
        expired: false,
        days: Some(10),
        months: 24,
        state: "trial",
        banner: Some("Trial: the reports show 24 months of data; 10 days left."),
    },
    Case {
        status: "T",
        expired: false,
        days: Some(5),
        months: 24,
        state: "trial",
        banner: Some("Trial: the reports show 24 months of data; 5 days left."),
    },
    Case {
        status: "P",
        expired: false,
        days: Some(30),
        months: 24,
        state: "paid",
        banner: None,
    },
    Case {
        status: "L",
        expired: false,
        days: None,
        months: 24,
        state: "local",
        banner: None,
    },
    Case {
        status: "S",
        expired: false,
        days: Some(200),
        months: 24,
        state: "paid",
        banner: None,
    },
    // Expired 3 days ago: within the 14-day grace period.
    Case {
        status: "P",
        expired: true,
        days: Some(-3),
        months: 24,
        state: "grace",
        banner: Some(
            "The subscription payment has expired. 24 months of history stay available until",
        ),
    },
    Case {
        status: "S",
        expired: true,
        days: Some(-14),
        months: 24,
        state: "grace",
        banner: Some("after that the reports show only the last 3 months"),
    },
    // Expired 20 days ago: the grace period is over.
    Case {
        status: "P",
        expired: true,
        days: Some(-20),
        months: 3,
        state: "lapsed",
        banner: Some("the grace period is over: the reports show the last 3 months of data"),
    },
    Case {
        status: "T",
        expired: true,
        days: Some(-1),
        months: 3,
        state: "lapsed",
        banner: Some("The trial has ended"),
    },
];

/// The admin grants `user` every report by a user rule.
async fn grant_all(env: &Env, user: i64) {
    let admin = env.session(ALL, 1, "en").await;
    let rules: Vec<Value> = [
        "sales_dynamics",
        "managers",
        "plan",
        "marketing",
        "tasks",
        "forget_me_not",
        "linked",
    ]
    .iter()
    .map(|r| json!({"report": r, "subject": {"type": "user", "id": user}}))
    .collect();
    let r = env
        .http
        .put(format!("{}/api/settings/access", env.base))
        .header("x-b24a-session", &admin)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn statuses_clamp_api_and_page(backend: Backend) {
    let env = start(backend, &[(ALL, &[])], false).await;
    env.portal.install_app(ALL).await.unwrap();
    let portal = env.portal_id().await;
    // After the grace period the portal refuses the app's REST calls (PAYMENT_REQUIRED), so `user.admin` cannot
    // confirm the admin: a rule by user id (known from the OAuth server) keeps user 1 in.
    grant_all(&env, 1).await;
    for c in CASES {
        let label = format!("{} expired={} days={:?}", c.status, c.expired, c.days);
        env.portal
            .set_app_status(ALL, AppStatus::new(c.status, c.expired, c.days));
        let (status, html) = env.launch_as(ALL, 1, "en").await;
        assert_eq!(status, 200, "{label}");
        let cfg = config_of(&html);
        assert_eq!(cfg["tier"]["history_months"], c.months, "{label}");
        assert_eq!(cfg["tier"]["state"], c.state, "{label}");
        assert_eq!(cfg["tier"]["status"], c.status, "{label}");
        match c.banner {
            Some(text) => {
                assert!(html.contains(r#"id="b24a-tier""#), "{label}: banner shown");
                assert!(html.contains(text), "{label}: banner says {text:?}");
                if c.months == 3 {
                    assert!(
                        html.contains("A paid subscription opens 24 months of history"),
                        "{label}: says what the subscription gives"
                    );
                }
            }
            None => assert!(
                !html.contains(r#"id="b24a-tier""#),
                "{label}: no banner when paid up"
            ),
        }
        // The tier is stored per portal × app with the check's facts.
        let stored = env.state.store.tier(portal, ALL).await.unwrap().unwrap();
        assert_eq!(
            (
                stored.status.as_str(),
                stored.payment_expired,
                stored.days_left
            ),
            (c.status, c.expired, c.days),
            "{label}"
        );

        let session = common::Harness::session_of(&html);
        let (s, a) = env
            .post(&session, "/api/reports/sales_dynamics", long_period())
            .await;
        assert_eq!(s, 200, "{label}: {a}");
        let today = today(&env).await;
        let floor = today.checked_sub_months(Months::new(c.months)).unwrap();
        let requested = today - chrono::Duration::days(799);
        let clamp = &a["meta"]["clamp"];
        assert_eq!(clamp["applied_from"], floor.to_string(), "{label}");
        assert_eq!(clamp["requested_from"], requested.to_string(), "{label}");
        assert_eq!(a["meta"]["period"]["from"], floor.to_string(), "{label}");
        let reason = if c.months == 3 {
            "free_tier"
        } else {
            "tier_limit"
        };
        assert_eq!(clamp["reason"], reason, "{label}");
        assert_eq!(a["tier"]["clamped"], true, "{label}");
        assert_eq!(a["tier"]["clamped_to"], floor.to_string(), "{label}");
        assert_eq!(a["tier"]["clamp_reason"], reason, "{label}");
        assert_eq!(a["tier"]["state"], c.state, "{label}");
        assert_eq!(a["tier"]["history_months"], c.months, "{label}");
        let why = a["tier"]["clamp_message"].as_str().unwrap();
        assert!(
            why.contains(&floor.to_string()) && why.contains(&requested.to_string()),
            "{label}: {why}"
        );

        // A period inside the tier is not clamped.
        let (_, a) = env
            .post(&session, "/api/reports/sales_dynamics", json!({"filter": {"period": {"preset": "last_days", "days": 30}, "compare": "none"}}))
            .await;
        assert!(a["meta"]["clamp"].is_null(), "{label}");
        assert_eq!(a["tier"]["clamped"], false, "{label}");
    }
    // Russian banner and API wording.
    env.portal
        .set_app_status(ALL, AppStatus::new("F", false, None));
    let (_, html) = env.launch_as(ALL, 1, "ru").await;
    assert!(html.contains("Бесплатный тариф: отчёты показывают данные за последние 3 месяца."));
    assert!(html.contains("Платная подписка открывает историю за 24 месяца"));
    let session = common::Harness::session_of(&html);
    let (_, a) = env
        .post(&session, "/api/reports/managers", long_period())
        .await;
    assert!(a["tier"]["clamp_message"]
        .as_str()
        .unwrap()
        .contains("бесплатный тариф показывает только последние 3 месяца"));
}

b24a_store::store_test!(statuses_clamp_api_and_page, |backend: Backend| {
    statuses_clamp_api_and_page(backend).await;
});

/// The grace period runs on the clock: a check that said "expired 3 days ago" 13 days ago means the grace is over
/// now, and the API (same session, no new launch) clamps to 3 months.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_period_ends_by_the_clock_and_the_api_follows_the_store() {
    let env = start(Backend::Sqlite, &[(ALL, &[])], false).await;
    env.portal.install_app(ALL).await.unwrap();
    env.portal
        .set_app_status(ALL, AppStatus::new("P", true, Some(-3)));
    let session = env.session(ALL, 1, "en").await;
    let portal = env.portal_id().await;
    let today = today(&env).await;
    let (_, a) = env
        .post(&session, "/api/reports/sales_dynamics", long_period())
        .await;
    assert_eq!(a["tier"]["state"], "grace");
    assert_eq!(
        a["meta"]["clamp"]["applied_from"],
        today
            .checked_sub_months(Months::new(24))
            .unwrap()
            .to_string()
    );

    let now = chrono::Utc::now().timestamp();
    env.state
        .store
        .record_tier(portal, ALL, "P", true, Some(-3), now - 13 * 86_400)
        .await
        .unwrap();
    let (_, a) = env
        .post(&session, "/api/reports/sales_dynamics", long_period())
        .await;
    assert_eq!(a["tier"]["state"], "lapsed");
    assert_eq!(
        a["meta"]["clamp"]["applied_from"],
        today
            .checked_sub_months(Months::new(3))
            .unwrap()
            .to_string()
    );
    assert_eq!(a["meta"]["clamp"]["reason"], "free_tier");
    // 11 days after "3 days expired" the grace still holds (it ends when DAYS would reach -15).
    env.state
        .store
        .record_tier(portal, ALL, "P", true, Some(-3), now - 11 * 86_400)
        .await
        .unwrap();
    let (_, a) = env
        .post(&session, "/api/reports/sales_dynamics", long_period())
        .await;
    assert_eq!(a["tier"]["state"], "grace");
    assert_eq!(a["tier"]["history_months"], 24);
}

/// The daily refresh re-reads app.info for checks older than 24 h (refreshing an expired access token first),
/// and a check that fails keeps the last known tier.
async fn daily_refresh(backend: Backend) {
    let env = start(backend, &[(ALL, &[])], false).await;
    env.portal.install_app(ALL).await.unwrap();
    let portal = env.portal_id().await;
    env.portal
        .set_app_status(ALL, AppStatus::new("P", false, Some(30)));
    // Becoming paid fires ONAPPPAYMENT, whose check stores the tier: the first tier row is its work (no page was
    // opened yet). Wait for it so that it cannot land in the middle of what follows.
    let stored = wait_for_tier(&env, portal, |t| t.is_some()).await;
    assert_eq!(stored.map(|t| t.status).as_deref(), Some("P"));
    let session = env.session(ALL, 1, "en").await;
    let now = chrono::Utc::now().timestamp();

    // Fresh checks are not due.
    let r = b24a_server::tier_refresh::refresh_due(&env.state, now)
        .await
        .unwrap();
    assert_eq!((r.checked, r.failed), (0, 0));

    // The portal switched to free; our check is 25 h old and every access token has expired.
    env.portal
        .set_app_status(ALL, AppStatus::new("F", false, None));
    env.state
        .store
        .record_tier(portal, ALL, "P", false, Some(30), now - 25 * 3600)
        .await
        .unwrap();
    env.portal.expire_tokens();
    let before = env.state.store.tokens(portal, ALL).await.unwrap().unwrap();
    let r = b24a_server::tier_refresh::refresh_due(&env.state, now)
        .await
        .unwrap();
    assert_eq!((r.checked, r.failed), (1, 0));
    let t = env.state.store.tier(portal, ALL).await.unwrap().unwrap();
    assert_eq!((t.status.as_str(), t.checked_at), ("F", now));
    let after = env.state.store.tokens(portal, ALL).await.unwrap().unwrap();
    assert!(
        after.version > before.version,
        "the expired access token was refreshed and stored"
    );
    // The same session now gets the free clamp: no relaunch needed.
    let (_, a) = env
        .post(&session, "/api/reports/sales_dynamics", long_period())
        .await;
    assert_eq!(a["tier"]["history_months"], 3);

    // The portal pays, but app.info cannot be reached with our tokens (revoked pair): the payment event's check
    // fails, and the last tier stays.
    env.state
        .store
        .record_tier(portal, ALL, "F", false, None, now - 25 * 3600)
        .await
        .unwrap();
    let v = after.version;
    let bogus = b24a_store::AppTokens {
        access_token: "revoked-access".into(),
        refresh_token: "revoked-refresh".into(),
        access_expires_at: now + 3600,
        scope: None,
    };
    assert!(env
        .state
        .store
        .replace_tokens_if_version(portal, ALL, v, &bogus)
        .await
        .unwrap());
    env.portal
        .set_app_status(ALL, AppStatus::new("P", false, Some(30)));
    let t = wait_for_tier(&env, portal, |t| {
        t.is_some_and(|t| t.check_failed_at.is_some_and(|f| f >= now))
    })
    .await
    .unwrap();
    assert_eq!(
        (t.status.as_str(), t.checked_at),
        ("F", now - 25 * 3600),
        "never upgraded on a failure"
    );
    assert!(t.check_error.is_some());
    // Not retried in a tight loop; the daily pass retries an hour later, fails the same way, keeps the tier.
    let r = b24a_server::tier_refresh::refresh_due(&env.state, now + 60)
        .await
        .unwrap();
    assert_eq!((r.checked, r.failed), (0, 0));
    let r = b24a_server::tier_refresh::refresh_due(&env.state, now + 3700)
        .await
        .unwrap();
    assert_eq!((r.checked, r.failed), (0, 1));
    let t = env.state.store.tier(portal, ALL).await.unwrap().unwrap();
    assert_eq!(t.status, "F", "never upgraded on a failure");
    // A page open (fresh token from the portal) brings the paid tier back.
    let (_, html) = env.launch_as(ALL, 1, "en").await;
    assert_eq!(config_of(&html)["tier"]["history_months"], 24);
}

b24a_store::store_test!(
    daily_refresh_reads_app_info_and_keeps_the_last_tier_on_failure,
    |backend: Backend| {
        daily_refresh(backend).await;
    }
);
