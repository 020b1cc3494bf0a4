//! Several replicas on one PostgreSQL: two real `b24a-server` processes start at once on a fresh, unmigrated
//! database (the migrations must apply exactly once), share 20 emulated portals through the `sync` leases, sync every
//! portal exactly once per cycle, end with data identical to a run by one process, and survive a `kill -9` of one
//! of them mid-sync (the survivor takes the dead process's portal over once its lease expires). A second test stops
//! a server with SIGTERM in the middle of a cycle: the lease is released at once and a later sync completes with
//! the same data. Checksums exclude only `synced_at` (when a row was written, not what it says) and `portal_id`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use b24a_emulator::{CompanyConfig, Emulator, EmulatorOptions, Limits, PortalSpec, Size};
use b24a_store::testing::TestDb;
use b24a_store::{Pool, Store};
use b24a_sync::scheduler::{cycle_record, sync_if_due, DueOutcome};
use sqlx::Connection;

const PORTALS: u64 = 20;
const DATA_TABLES: &[&str] = &[
    "users",
    "user_departments",
    "departments",
    "pipelines",
    "crm_statuses",
    "currencies",
    "deals",
    "leads",
    "companies",
    "contacts",
    "stage_history",
    "activities",
    "calls",
    "projects",
    "tasks",
    "custom_field_values",
];

fn no_limits() -> Limits {
    Limits {
        rate_enabled: false,
        operating_enabled: false,
        ..Limits::default()
    }
}

/// An emulator with `n` tiny portals and an admin webhook for each, in a fixed order.
async fn portals(n: u64, seed: u64) -> (Emulator, Vec<String>) {
    let emu = b24a_emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let mut hooks = Vec::new();
    for i in 0..n {
        let p = emu
            .add_portal(
                PortalSpec::generated(&CompanyConfig::new(seed + i, Size::Tiny))
                    .with_limits(no_limits()),
            )
            .await
            .expect("portal");
        hooks.push(p.create_webhook(1));
    }
    (emu, hooks)
}

async fn register(store: &Store, hooks: &[String]) -> Vec<i64> {
    let mut ids = Vec::new();
    for h in hooks {
        ids.push(
            b24a_sync::portal::register_webhook(store, h)
                .await
                .expect("register"),
        );
    }
    ids
}

fn pg(store: &Store) -> &sqlx::PgPool {
    match store.pool() {
        Pool::Postgres(p) => p,
        _ => panic!("these tests run on PostgreSQL"),
    }
}

/// Per (member_id, table): row count and an order-independent digest of the rows.
async fn checksums(store: &Store) -> BTreeMap<(String, String), (i64, String)> {
    let portals: Vec<(i64, String)> = sqlx::query_as("SELECT id, member_id FROM portals")
        .fetch_all(pg(store))
        .await
        .expect("portals");
    let mut out = BTreeMap::new();
    for (id, member) in portals {
        for t in DATA_TABLES {
            let sql = format!(
                "SELECT COUNT(*)::BIGINT, COALESCE(md5(string_agg(x, '|' ORDER BY x)), '') FROM \
                 (SELECT (to_jsonb(t) - 'synced_at' - 'portal_id')::TEXT AS x FROM {t} t WHERE portal_id = $1) r"
            );
            let row: (i64, String) = sqlx::query_as(&sql)
                .bind(id)
                .fetch_one(pg(store))
                .await
                .expect("checksum");
            out.insert((member.clone(), t.to_string()), row);
        }
    }
    out
}

/// The data a single process gets: one cycle per portal, in this test process, on its own database.
async fn single_process_reference(hooks: Vec<String>) -> BTreeMap<(String, String), (i64, String)> {
    let db = TestDb::postgres().await.expect("reference db");
    let ids = register(db.store(), &hooks).await;
    for id in ids {
        let out = sync_if_due(
            db.store(),
            id,
            &HashMap::new(),
            "reference",
            &b24a_client::ClientConfig::default(),
            &b24a_sync::SyncOptions::default(),
            1,
        )
        .await;
        assert!(
            matches!(out, DueOutcome::Synced(..)),
            "reference sync: {out:?}"
        );
    }
    let sums = checksums(db.store()).await;
    db.cleanup().await;
    let deals: i64 = sums
        .iter()
        .filter(|((_, t), _)| t == "deals")
        .map(|(_, (n, _))| n)
        .sum();
    assert!(deals > 0, "the reference must hold data");
    sums
}

/// A fresh database with no schema at all (the servers migrate it), named so the store's sweeper removes it
/// should this test be killed.
async fn fresh_database() -> (String, String, String) {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| b24a_store::testing::DEFAULT_TEST_POSTGRES_URL.to_string());
    let name = format!(
        "b24a_t_{}_{}_{:08x}",
        chrono::Utc::now().timestamp(),
        std::process::id(),
        rand::random::<u32>()
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("admin");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).expect("admin url");
    url.set_path(&format!("/{name}"));
    (admin, name, url.to_string())
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

/// The operators' token the spawned servers require on `/metrics`.
const METRICS_TOKEN: &str = "operators-metrics-token";

/// A running `b24a-server` process and everything it printed.
struct Server {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    base: String,
}

impl Server {
    fn spawn(db_url: &str, extra: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_b24a-server"));
        cmd.env("DATABASE_URL", db_url)
            .env("LISTEN", "127.0.0.1:0")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("APPS", "[]")
            .env("BX24_JS_URL", "")
            .env("SYNC_IN_PROCESS", "true")
            .env("SYNC_INTERVAL_SECS", "5")
            .env("SYNC_LEASE_TTL_SECS", "3")
            .env("SHUTDOWN_GRACE_SECS", "20")
            .env("METRICS_TOKEN", METRICS_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn b24a-server");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line);
                }
            });
        }
        Server {
            child,
            lines,
            base: String::new(),
        }
    }

    /// Waits for the "listening" line (printed after the migrations) and returns the base URL.
    async fn wait_listening(&mut self) {
        let t0 = Instant::now();
        loop {
            let found = self.lines.lock().expect("lines").iter().find_map(|l| {
                l.strip_prefix("b24a-server listening on ")
                    .map(|u| u.trim_end_matches('/').to_string())
            });
            if let Some(base) = found {
                self.base = base;
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "server exited with {status}: {:?}",
                    self.lines.lock().expect("lines")
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(90),
                "server did not start: {:?}",
                self.lines.lock().expect("lines")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn json_events(&self, message: &str) -> Vec<serde_json::Value> {
        self.lines
            .lock()
            .expect("lines")
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["fields"]["message"] == message)
            .collect()
    }

    /// (portal, slot, cycle number) of every "sync cycle done" this process logged.
    fn cycles(&self) -> Vec<(i64, i64, i64)> {
        self.json_events("sync cycle done")
            .iter()
            .map(|v| {
                let f = &v["fields"];
                (
                    f["portal_id"].as_i64().expect("portal_id"),
                    f["slot"].as_i64().expect("slot"),
                    f["cycle"].as_i64().expect("cycle"),
                )
            })
            .collect()
    }

    fn holder(&self) -> String {
        self.json_events("sync scheduler started")
            .first()
            .and_then(|v| v["fields"]["holder"].as_str().map(str::to_string))
            .expect("holder logged")
    }

    /// `b24a_sync_runs_total` per portal from `/metrics`.
    async fn metric_runs(&self, http: &reqwest::Client) -> HashMap<i64, u64> {
        // The metrics name portals: without the operators' token they are not served.
        let anonymous = http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("metrics without a token");
        assert_eq!(anonymous.status(), reqwest::StatusCode::UNAUTHORIZED);
        let text = http
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body");
        text.lines()
            .filter_map(|l| l.strip_prefix("b24a_sync_runs_total{portal_id=\""))
            .filter_map(|rest| {
                let (id, v) = rest.split_once("\"} ")?;
                Some((id.parse().ok()?, v.trim().parse().ok()?))
            })
            .collect()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {sig}");
    }

    async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let t0 = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s;
            }
            assert!(t0.elapsed() < within, "server did not stop in {within:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn counts(store: &Store, ids: &[i64]) -> HashMap<i64, (i64, String)> {
    let mut out = HashMap::new();
    for id in ids {
        let r = cycle_record(store, *id).await.expect("cycle record");
        out.insert(
            *id,
            r.map(|r| (r.count, r.holder)).unwrap_or((0, String::new())),
        );
    }
    out
}

async fn wait_until<F, Fut>(what: &str, within: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let t0 = Instant::now();
    while !cond().await {
        assert!(t0.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sync_leases(store: &Store) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT portal_id, holder FROM leases WHERE kind = 'sync'")
        .fetch_all(pg(store))
        .await
        .expect("leases")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_twenty_portals_once_per_cycle_and_survive_kill_9() {
    let started = Instant::now();
    let (_emu, hooks) = portals(PORTALS, 500).await;
    // The single-process run goes on meanwhile, on its own database.
    let reference = tokio::spawn(single_process_reference(hooks.clone()));
    let http = reqwest::Client::new();

    // Both processes start at once on an empty database: the migrations race.
    let (admin, name, url) = fresh_database().await;
    let mut a = Server::spawn(&url, &[]);
    let mut b = Server::spawn(&url, &[]);
    a.wait_listening().await;
    b.wait_listening().await;
    for s in [&a, &b] {
        let r = http
            .get(format!("{}/readyz", s.base))
            .send()
            .await
            .expect("readyz");
        assert_eq!(r.status(), 200, "readyz");
    }
    let store = Store::connect(&url).await.expect("store");
    let applied: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT version, COUNT(*), BOOL_AND(success) FROM _sqlx_migrations GROUP BY version ORDER BY version",
    )
    .fetch_all(pg(&store))
    .await
    .expect("migrations table");
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/postgres"
    ))
    .expect("migrations dir")
    .filter(|e| {
        e.as_ref()
            .map(|e| e.file_name().to_string_lossy().ends_with(".sql"))
            .unwrap_or(false)
    })
    .count();
    assert_eq!(applied.len(), files, "every migration applied: {applied:?}");
    assert!(
        applied.iter().all(|(_, n, ok)| *n == 1 && *ok),
        "each migration applied once: {applied:?}"
    );

    let ids = register(&store, &hooks).await;

    // Three completed cycles per portal (the first import and two incremental ones), shared by both processes.
    wait_until(
        "three cycles of every portal",
        Duration::from_secs(120),
        || {
            let store = store.clone();
            let ids = ids.clone();
            async move { counts(&store, &ids).await.values().all(|(n, _)| *n >= 3) }
        },
    )
    .await;
    eprintln!("three cycles of every portal at {:?}", started.elapsed());
    // Each completed cycle is counted by the process that ran it; compare with the store at a quiet moment (a cycle
    // records itself in the store a moment before the process counts it).
    let t_quiet = Instant::now();
    let (metrics_a, metrics_b, after) = loop {
        let before = counts(&store, &ids).await;
        let ma = a.metric_runs(&http).await;
        let mb = b.metric_runs(&http).await;
        let after = counts(&store, &ids).await;
        let agree = ids.iter().all(|id| {
            ma.get(id).copied().unwrap_or(0) + mb.get(id).copied().unwrap_or(0)
                == after[id].0 as u64
        });
        if before == after && agree {
            break (ma, mb, after);
        }
        assert!(
            t_quiet.elapsed() < Duration::from_secs(30),
            "metrics never agreed with the store: {ma:?} {mb:?} {after:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Let the log readers catch up with what the processes printed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut logged: Vec<(i64, i64, i64)> = a.cycles();
    logged.extend(b.cycles());
    assert!(
        !a.cycles().is_empty() && !b.cycles().is_empty(),
        "both processes did work: a {}, b {}",
        a.cycles().len(),
        b.cycles().len()
    );
    let pairs: HashSet<(i64, i64)> = logged.iter().map(|(p, s, _)| (*p, *s)).collect();
    assert_eq!(
        pairs.len(),
        logged.len(),
        "a portal was synced twice in one cycle: {logged:?}"
    );
    for id in &ids {
        let mut mine: Vec<(i64, i64)> = logged
            .iter()
            .filter(|(p, _, _)| p == id)
            .map(|(_, s, c)| (*c, *s))
            .collect();
        mine.sort();
        let numbers: Vec<i64> = mine.iter().map(|(c, _)| *c).collect();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(
            numbers, expected,
            "portal {id}: cycle numbers once each, no gap"
        );
        assert!(
            numbers.len() as i64 >= after[id].0,
            "portal {id}: every stored cycle was logged"
        );
        assert!(
            mine.windows(2).all(|w| w[0].1 < w[1].1),
            "portal {id}: one cycle per slot, slots increasing: {mine:?}"
        );
        let from_metrics =
            metrics_a.get(id).copied().unwrap_or(0) + metrics_b.get(id).copied().unwrap_or(0);
        assert!(
            from_metrics >= 3 && from_metrics == after[id].0 as u64,
            "portal {id}: runs counted by the two processes' metrics ({from_metrics}) match the store"
        );
    }
    let reference = reference.await.expect("reference run");
    eprintln!("reference run done at {:?}", started.elapsed());
    assert_eq!(
        checksums(&store).await,
        reference,
        "two processes store the same data as one"
    );

    // kill -9 of A while it holds a portal's sync lease.
    let holder_a = a.holder();
    let holder_b = b.holder();
    let t0 = Instant::now();
    let victim = loop {
        let held = sync_leases(&store).await;
        if let Some((p, _)) = held.iter().find(|(_, h)| *h == holder_a) {
            break *p;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "process A never held a lease"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    eprintln!(
        "kill -9 of A holding portal {victim} at {:?}",
        started.elapsed()
    );
    a.child.kill().expect("kill -9");
    a.child.wait().expect("reaped");
    let at_kill = counts(&store, &ids).await;
    let orphan = sync_leases(&store).await;
    assert!(
        orphan.iter().any(|(p, h)| *p == victim && *h == holder_a),
        "the killed process left its lease behind: {orphan:?}"
    );
    wait_until(
        "the survivor to sync every portal, the victim included",
        Duration::from_secs(60),
        || {
            let store = store.clone();
            let ids = ids.clone();
            let at_kill = at_kill.clone();
            let holder_b = holder_b.clone();
            async move {
                let now = counts(&store, &ids).await;
                ids.iter()
                    .all(|id| now[id].0 > at_kill[id].0 && now[id].1 == holder_b)
            }
        },
    )
    .await;
    assert!(
        !sync_leases(&store)
            .await
            .iter()
            .any(|(_, h)| *h == holder_a),
        "the dead process's lease was taken over"
    );
    assert_eq!(
        checksums(&store).await,
        reference,
        "after the takeover the data is still the single-process data"
    );

    eprintln!("survivor synced every portal at {:?}", started.elapsed());
    // SIGTERM: B stops cleanly and holds nothing afterwards.
    b.signal("-TERM");
    let status = b.wait_exit(Duration::from_secs(40)).await;
    assert!(status.success(), "graceful exit: {status}");
    assert!(
        !sync_leases(&store)
            .await
            .iter()
            .any(|(_, h)| *h == holder_b),
        "a stopped process holds no lease"
    );
    store.close().await;
    drop(a);
    drop(b);
    drop_database(&admin, &name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_mid_cycle_releases_the_lease_and_a_later_sync_completes() {
    let (_emu, hooks) = portals(1, 900).await;
    let reference = single_process_reference(hooks.clone()).await;
    let db = TestDb::postgres().await.expect("db");
    let store = db.store().clone();
    let ids = register(&store, &hooks).await;
    // No grace: the running cycle is cut between transactions.
    let mut s = Server::spawn(db.url(), &[("SHUTDOWN_GRACE_SECS", "0")]);
    s.wait_listening().await;
    let t0 = Instant::now();
    loop {
        if !sync_leases(&store).await.is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the server never took the lease"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    s.signal("-TERM");
    let status = s.wait_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "graceful exit: {status}");
    let cut = !s
        .json_events("sync cycle cut by shutdown; lease released")
        .is_empty();
    let finished = !s.json_events("sync cycle done").is_empty();
    eprintln!("SIGTERM mid-cycle: cut {cut}, finished {finished}");
    assert!(
        cut || finished,
        "the cycle was either cut or finished: {:?}",
        s.lines.lock().expect("lines")
    );
    assert!(
        sync_leases(&store).await.is_empty(),
        "no lease left behind after SIGTERM"
    );
    // Another process continues at once (no lease to wait for) and ends with the single-process data.
    let out = sync_if_due(
        &store,
        ids[0],
        &HashMap::new(),
        "after-restart",
        &b24a_client::ClientConfig::default(),
        &b24a_sync::SyncOptions::default(),
        i64::MAX,
    )
    .await;
    assert!(matches!(out, DueOutcome::Synced(..)), "later sync: {out:?}");
    assert_eq!(checksums(&store).await, reference);
    drop(s);
    db.cleanup().await;
}
