//! Reliability against the emulator over HTTP: expired tokens refreshed once and stored before use, two
//! independent "processes" (separate pools and clients, coordinated only through the database) refreshing the
//! same rotating token at once, a revoked grant flagging the portal without deleting data, and a full import
//! under injected 500s, HTML 502s, timeouts and a request-rate limit stricter than the client assumed.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use b24a_client::{Client, ClientConfig, OAuthApp};
use b24a_emulator::{AppRegistration, CompanyConfig, Faults, Limits, Size};
use b24a_store::{with_pool, Store};
use b24a_sync::portal::{self, AppInstall};
use b24a_sync::tokens::DbTokenStore;
use b24a_sync::{sync_portal, PortalSync, SyncError, SyncOptions};
use serde_json::json;

const CLIENT_ID: &str = "local.app.test";
const SECRET: &str = "s3cret";

fn app() -> OAuthApp {
    OAuthApp {
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
    }
}

async fn installed(
    seed: u64,
    limits: Limits,
) -> (
    b24a_emulator::Emulator,
    b24a_emulator::PortalHandle,
    Store,
    String,
    i64,
    common::DbGuard,
) {
    let (emu, p) = common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), limits).await;
    emu.register_app(AppRegistration::new(
        CLIENT_ID,
        SECRET,
        "http://127.0.0.1:9/app",
    ));
    let g = p.install_app(CLIENT_ID).await.unwrap();
    let (store, url, dir) = common::sqlite_store().await;
    let portal_id = portal::register_install(
        &store,
        &AppInstall {
            member_id: g.member_id.clone(),
            domain: g.domain.clone(),
            client_endpoint: g.client_endpoint.clone(),
            server_endpoint: g.server_endpoint.clone(),
            client_id: CLIENT_ID.into(),
            access_token: g.access_token.clone(),
            refresh_token: g.refresh_token.clone(),
            expires_at: g.expires,
            application_token: Some(g.application_token.clone()),
        },
    )
    .await
    .unwrap();
    (emu, p, store, url, portal_id, dir)
}

async fn token_version(store: &Store, portal_id: i64) -> i64 {
    with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>("SELECT token_version FROM portal_apps WHERE portal_id = $1").bind(portal_id).fetch_one(p).await.unwrap()
    })
}

async fn portal_status(store: &Store, portal_id: i64) -> String {
    portal::load(store, portal_id)
        .await
        .unwrap()
        .status
        .as_str()
        .to_string()
}

fn oauth_client(
    store: &Store,
    portal_id: i64,
    p: &b24a_emulator::PortalHandle,
    server: &str,
    holder: &str,
) -> Client {
    let tokens = DbTokenStore {
        store: store.clone(),
        portal_id,
        client_id: CLIENT_ID.into(),
        holder: holder.into(),
    };
    Client::oauth(
        &p.client_endpoint(),
        server,
        app(),
        Arc::new(tokens),
        ClientConfig::default(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_refresh_a_rotating_token_once_and_stay_logged_in() {
    let (emu, p, store_a, url, portal_id, _dir) = installed(21, common::no_limits()).await;
    // A second, independent pool on the same database file: like a second server process.
    let store_b = Store::connect(&url).await.unwrap();
    let a = oauth_client(&store_a, portal_id, &p, &emu.server_endpoint(), "proc-a");
    let b = oauth_client(&store_b, portal_id, &p, &emu.server_endpoint(), "proc-b");
    // Both load the current pair before it expires.
    a.call("user.current", json!({})).await.unwrap();
    b.call("user.current", json!({})).await.unwrap();
    let v0 = token_version(&store_a, portal_id).await;

    for round in 0..3 {
        p.expire_tokens();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let c = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                c.call("crm.deal.list", json!({"start": -1, "select": ["ID"]}))
                    .await
            }));
        }
        for t in tasks {
            t.await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        // Exactly one refresh per expiry across both processes (a second one would have used a consumed token).
        assert_eq!(token_version(&store_a, portal_id).await, v0 + round + 1);
        assert_eq!(a.refresh_count() + b.refresh_count(), (round + 1) as u64);
    }
    assert_eq!(portal_status(&store_a, portal_id).await, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_survives_expiring_tokens() {
    let (emu, p, store, _url, portal_id, _dir) = installed(22, common::no_limits()).await;
    let client = oauth_client(&store, portal_id, &p, &emu.server_endpoint(), "proc-a");
    let sync = PortalSync::new(
        store.clone(),
        client.clone(),
        portal_id,
        SyncOptions {
            max_chain: 2,
            ..SyncOptions::default()
        },
    );
    // Expired before the first call (a refresh is certain), then again every 100 ms while the import runs.
    p.expire_tokens();
    let expirer = {
        let p = p.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                p.expire_tokens();
            }
        })
    };
    let report = sync.run_cycle().await.unwrap();
    expirer.await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    common::assert_same(&store, portal_id, &p.snapshot()).await;
    assert!(
        client.refresh_count() >= 1,
        "the test did not exercise a refresh"
    );
    assert_eq!(portal_status(&store, portal_id).await, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_grant_flags_the_portal_and_keeps_its_data() {
    let (emu, p, store, _url, portal_id, _dir) = installed(23, common::no_limits()).await;
    let report = sync_portal(
        &store,
        portal_id,
        Some(&app()),
        "proc-a",
        ClientConfig::default(),
        SyncOptions::default(),
    )
    .await
    .unwrap();
    assert!(report.failed.is_empty());
    let data = p.snapshot();
    // Someone else used our refresh token (the emulator rotates it), then the access token expires.
    let stored: String = with_pool!(store.pool(), pool => {
        sqlx::query_scalar::<_, String>("SELECT refresh_token FROM portal_apps WHERE portal_id = $1").bind(portal_id).fetch_one(pool).await.unwrap()
    });
    let http = reqwest::Client::new();
    let url = format!("{}oauth/token/?grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={SECRET}&refresh_token={stored}", emu.oauth_base_url());
    assert!(http.get(url).send().await.unwrap().status().is_success());
    p.expire_tokens();

    let err = sync_portal(
        &store,
        portal_id,
        Some(&app()),
        "proc-a",
        ClientConfig::default(),
        SyncOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.needs_attention(), "{err}");
    assert_eq!(portal_status(&store, portal_id).await, "needs_attention");
    // Nothing deleted.
    common::assert_same(&store, portal_id, &data).await;
    // And the sync leaves it alone afterwards.
    let again = sync_portal(
        &store,
        portal_id,
        Some(&app()),
        "proc-a",
        ClientConfig::default(),
        SyncOptions::default(),
    )
    .await;
    assert!(matches!(again, Err(SyncError::NeedsAttention(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_completes_under_faults_and_a_strict_rate_limit() {
    // The portal allows a burst of 4 and 20 requests/s; the client assumes the standard 50/2 bucket, so it will
    // meet QUERY_LIMIT_EXCEEDED and must back off; besides, 35 % of requests fail in various ways.
    let limits = Limits {
        burst: 4.0,
        drain_per_sec: 20.0,
        operating_enabled: false,
        ..Limits::default()
    };
    let (_emu, p) = common::emulator_with(&CompanyConfig::new(24, Size::Tiny), limits).await;
    p.set_faults(Faults {
        error_500: 0.15,
        html_error: 0.1,
        timeout: 0.1,
        timeout_ms: 1_500,
        seed: 3,
        ..Faults::default()
    });
    let (store, _url, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let config = ClientConfig {
        timeout: Duration::from_millis(1_000),
        backoff_base: Duration::from_millis(40),
        backoff_cap: Duration::from_millis(400),
        max_attempts: 30,
        ..ClientConfig::default()
    };
    let client = Client::webhook(&hook, config).unwrap();
    let sync = PortalSync::new(
        store.clone(),
        client.clone(),
        portal_id,
        SyncOptions {
            max_chain: 3,
            parallelism: 4,
            ..SyncOptions::default()
        },
    );
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    p.set_faults(Faults::default());
    common::assert_same(&store, portal_id, &p.snapshot()).await;
    assert!(
        client.retry_count() >= 3,
        "faults were not exercised: {} retries",
        client.retry_count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_waits_out_the_operating_budget() {
    // A tiny per-method budget (0.3 s of server time per 2 s window): chained batches exhaust it and get
    // OPERATION_TIME_LIMIT; the client must pause each method until the portal's reset time, not fail.
    let limits = Limits {
        rate_enabled: false,
        operating_limit_secs: 0.3,
        operating_window_secs: 2.0,
        ..Limits::default()
    };
    let (_emu, p) = common::emulator_with(&CompanyConfig::new(25, Size::Tiny), limits).await;
    let (store, _url, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(
        store.clone(),
        client.clone(),
        portal_id,
        SyncOptions {
            max_chain: 5,
            ..SyncOptions::default()
        },
    );
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    common::assert_same(&store, portal_id, &p.snapshot()).await;
    assert!(client.budget_wait_count() > 0, "the budget was never hit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaid_app_flags_the_portal_and_keeps_its_data() {
    let (_emu, p, store, _url, portal_id, _dir) = installed(26, common::no_limits()).await;
    sync_portal(
        &store,
        portal_id,
        Some(&app()),
        "proc-a",
        ClientConfig::default(),
        SyncOptions::default(),
    )
    .await
    .unwrap();
    let data = p.snapshot();
    p.set_app_status(
        CLIENT_ID,
        b24a_emulator::AppStatus {
            status: "T".into(),
            payment_expired: true,
            days: Some(-3),
        },
    );
    let err = sync_portal(
        &store,
        portal_id,
        Some(&app()),
        "proc-a",
        ClientConfig::default(),
        SyncOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.needs_attention(), "{err}");
    let row = portal::load(&store, portal_id).await.unwrap();
    assert_eq!(row.status.as_str(), "needs_attention");
    assert!(row
        .attention_reason
        .unwrap_or_default()
        .contains("PAYMENT_REQUIRED"));
    common::assert_same(&store, portal_id, &data).await;
}
