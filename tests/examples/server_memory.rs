//! The server's own memory (issue #18, docs/REPORTS-BENCH.md "Server memory"): the portal emulator with a
//! generated company of ~10k deals runs in THIS process, our server (the `b24a-server` binary) in a child process of
//! its own on an SQLite file, so the resident size read from the child's /proc/<pid>/status is the server's alone.
//! Prints the server's VmRSS and VmHWM fresh, after the install's first import, after the six reports answered
//! (and their cache builds given time), after an optional load, and after a minute idle. A measuring tool, not a
//! test: it asserts nothing and stops on the first refused request.
//!
//!   CARGO_TARGET_DIR=target-release nice -n 19 cargo build --release -p b24a-server --bin b24a-server
//!   CARGO_TARGET_DIR=target-release nice -n 19 cargo run --release -p b24a-testkit --example server_memory -- [load seconds]
//!   LOAD_DEALS (default 10000), IDLE_SECS (default 60), SERVER_BIN (default: b24a-server beside this example's
//!   profile directory), SERVER_ARGS (extra server flags, space-separated, e.g. "--report-cache-mb 64"),
//!   SERVER_ENV (extra environment for the server, space-separated NAME=value).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use b24a_emulator::generator::Volumes;
use b24a_emulator::{AppRegistration, CompanyConfig, EmulatorOptions, PortalSpec, Size};
use b24a_testkit::bench::{env_usize, status_mb, SIX_REPORTS};
use b24a_testkit::{page, CLIENT_ID, SECRET, SESSION_SECRET};
use serde_json::json;

fn report(pid: u32, phase: &str, t: Instant) {
    println!(
        "server RSS {phase}: VmRSS {} MB, VmHWM {} MB  (t={:.1}s)",
        status_mb(&pid.to_string(), "VmRSS"),
        status_mb(&pid.to_string(), "VmHWM"),
        t.elapsed().as_secs_f64()
    );
}

/// The child server is killed when the example ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every report asked once over one connection; the first refusal stops the run.
async fn ask_all(http: &reqwest::Client, base: &str, session: &str) -> anyhow::Result<()> {
    for r in SIX_REPORTS {
        let resp = http
            .post(format!("{base}/api/reports/{r}"))
            .header("x-b24a-session", session)
            .json(&json!({"filter": {"period": {"preset": "this_month"}}}))
            .send()
            .await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            anyhow::bail!("{r} answered {status}: {}", String::from_utf8_lossy(&body));
        }
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let load_secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let deals = env_usize("LOAD_DEALS", 10_000);
    let idle = env_usize("IDLE_SECS", 60) as u64;
    let server_bin = match std::env::var("SERVER_BIN") {
        Ok(p) => std::path::PathBuf::from(p),
        Err(_) => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .context("no profile directory above the example")?
            .join("b24a-server"),
    };
    anyhow::ensure!(
        server_bin.exists(),
        "no server binary at {} (build it: cargo build -p b24a-server --bin b24a-server, same profile)",
        server_bin.display()
    );

    // The Demo preset's proportions scaled to `deals` (as the http_load example does).
    let demo = Size::Demo.volumes();
    let scale = |n: usize| n * deals / demo.deals;
    let mut company = CompanyConfig::new(42, Size::Demo);
    company.volumes = Some(Volumes {
        deals,
        leads: scale(demo.leads),
        activities: scale(demo.activities),
        tasks: scale(demo.tasks),
        ..demo
    });
    let emulator = b24a_emulator::start(EmulatorOptions::default()).await?;
    let portal = emulator.add_portal(PortalSpec::generated(&company)).await?;

    let dir = tempfile_dir()?;
    let db = format!("sqlite:{}/server-memory.db", dir.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend-assets");
    let apps =
        json!([{"client_id": CLIENT_ID, "client_secret": SECRET, "name": "Аналитика продаж"}]);
    let mut cmd = Command::new(&server_bin);
    cmd.args([
        "--database-url",
        &db,
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--apps",
        &apps.to_string(),
        "--session-secret",
        SESSION_SECRET,
        "--public-url",
        &base,
        "--oauth-server",
        &emulator.server_endpoint(),
        "--bx24-js-url",
        "",
        "--assets-dir",
        assets,
    ]);
    if let Ok(extra) = std::env::var("SERVER_ARGS") {
        cmd.args(extra.split_whitespace());
    }
    if let Ok(extra) = std::env::var("SERVER_ENV") {
        for kv in extra.split_whitespace() {
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
    }
    let log = std::fs::File::create(dir.join("server.log"))?;
    cmd.stdout(Stdio::null()).stderr(Stdio::from(log));
    let server = Server(cmd.spawn().context("starting the server")?);
    let pid = server.0.id();
    println!(
        "server pid {pid} ({}), database {db}, log {}/server.log",
        server_bin.display(),
        dir.display()
    );

    let http = reqwest::Client::new();
    let t = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(60),
            "the server never got ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report(pid, "fresh", t);

    let mut reg = AppRegistration::new(CLIENT_ID, SECRET, &format!("{base}/app/{CLIENT_ID}/"));
    reg.install_handler = Some(format!("{base}/install/{CLIENT_ID}"));
    emulator.register_app(reg);
    portal.install_app(CLIENT_ID).await?;

    // The first import is over when every source's full pass finished (read from the server's own database).
    let store = b24a_store::Store::connect(&db).await?;
    let portal_id = loop {
        if let Some(p) = store.portal_by_member_id(&portal.member_id()).await? {
            break p.id;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    loop {
        let s = store.sync_states(portal_id).await?;
        if !s.is_empty() && s.iter().all(|x| x.full_finished_at.is_some()) {
            break;
        }
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(3600),
            "no import within an hour"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    store.close().await;
    println!(
        "{deals} deals imported in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    report(pid, "after the import", t);

    let launch = portal.iframe_launch(CLIENT_ID, 1, "ru");
    let html = http
        .post(format!("{base}/app/{CLIENT_ID}/"))
        .query(&launch.query)
        .form(&launch.form)
        .send()
        .await?
        .text()
        .await?;
    let session = page::session_of(&html).context("the launch gave no session")?;
    // Every report answered, the cache's background builds given time to finish, three times.
    for _ in 0..3 {
        ask_all(&http, &base, &session).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    report(pid, "after the six reports", t);

    if load_secs > 0 {
        let until = Instant::now() + Duration::from_secs(load_secs);
        let mut tasks = vec![];
        for _ in 0..8 {
            let (http, base, session) = (http.clone(), base.clone(), session.clone());
            tasks.push(tokio::spawn(async move {
                while Instant::now() < until {
                    ask_all(&http, &base, &session).await?;
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        report(
            pid,
            &format!("after {load_secs}s of load on 8 connections"),
            t,
        );
    }

    tokio::time::sleep(Duration::from_secs(idle)).await;
    report(pid, &format!("after {idle}s idle"), t);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh directory under the system's temporary one for the database and the server's log.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("b24a-server-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
