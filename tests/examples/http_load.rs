//! The HTTP load figure of issue #18 (docs/REPORTS-BENCH.md "HTTP load"): the emulator with a generated company of
//! ~10k deals, our server on SQLite in the same process (the testkit's `Kit`), installed, the first import waited
//! for; then the six reports' JSON API driven round-robin over 8 connections for N seconds, then R6 alone, printing
//! req/s, p50 and p99, and the process's RSS after the import (emulator and server together: an upper bound of the
//! server's). A measuring tool, not a test: it asserts nothing about speed and stops on the first refused request.
//!
//!   CARGO_TARGET_DIR=target-release nice -n 19 cargo run --release -p b24a-testkit --example http_load -- [seconds]
//!   LOAD_DEALS (default 10000), LOAD_CONNECTIONS (default 8).

use std::time::{Duration, Instant};

use b24a_emulator::generator::Volumes;
use b24a_emulator::{CompanyConfig, Size};
use b24a_testkit::bench::{env_usize, status_mb, SIX_REPORTS};
use b24a_testkit::{Kit, CLIENT_ID};
use serde_json::json;

/// Drives `reports` round-robin over `conns` connections for `secs`; per request (report index, milliseconds).
async fn drive(
    http: &reqwest::Client,
    base: &str,
    session: &str,
    reports: &'static [&'static str],
    conns: usize,
    secs: u64,
) -> anyhow::Result<Vec<(usize, f64)>> {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = vec![];
    for c in 0..conns {
        let (http, base, session) = (http.clone(), base.to_string(), session.to_string());
        tasks.push(tokio::spawn(async move {
            let mut out = vec![];
            let mut i = c;
            while Instant::now() < until {
                let r = i % reports.len();
                i += 1;
                let t = Instant::now();
                let resp = http
                    .post(format!("{base}/api/reports/{}", reports[r]))
                    .header("x-b24a-session", &session)
                    .json(&json!({"filter": {"period": {"preset": "this_month"}}}))
                    .send()
                    .await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                if !status.is_success() {
                    anyhow::bail!(
                        "{} answered {status}: {}",
                        reports[r],
                        String::from_utf8_lossy(&body)
                    );
                }
                out.push((r, t.elapsed().as_secs_f64() * 1000.0));
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

fn print(label: &str, times: &[f64], secs: u64) {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let at = |q: f64| {
        t.get(((t.len() as f64 * q) as usize).min(t.len().saturating_sub(1)))
            .copied()
    };
    println!(
        "{label}: {} requests, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
        t.len(),
        t.len() as f64 / secs as f64,
        at(0.5).unwrap_or(0.0),
        at(0.99).unwrap_or(0.0)
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let conns = env_usize("LOAD_CONNECTIONS", 8);
    let deals = env_usize("LOAD_DEALS", 10_000);
    // The Demo preset's proportions scaled to `deals`.
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
    let t = Instant::now();
    let app = Kit::e2e(Size::Demo).company_config(company).start().await?;
    // The emulator holds its generated company from here on; the server's import has only just started.
    println!(
        "started (company generated, import starting) in {:.1}s: RSS {} MB",
        t.elapsed().as_secs_f64(),
        status_mb("self", "VmRSS")
    );
    app.wait_first_import(Duration::from_secs(3600)).await;
    println!(
        "{deals} deals: installed and imported in {:.1}s; RSS after the import {} MB (peak {} MB), emulator and server in one process",
        t.elapsed().as_secs_f64(),
        status_mb("self", "VmRSS"),
        status_mb("self", "VmHWM")
    );
    let session = app.session(CLIENT_ID, 1, "ru").await;
    let http = reqwest::Client::new();
    // Warm-up: every report answered once, the cache's background builds given time to finish.
    for _ in 0..3 {
        drive(&http, &app.base, &session, &SIX_REPORTS, 1, 1).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!(
        "after warm-up: RSS {} MB (peak {} MB)",
        status_mb("self", "VmRSS"),
        status_mb("self", "VmHWM")
    );
    let mix = drive(&http, &app.base, &session, &SIX_REPORTS, conns, secs).await?;
    let all: Vec<f64> = mix.iter().map(|(_, ms)| *ms).collect();
    print(
        &format!("mix of six, {conns} connections, {secs} s"),
        &all,
        secs,
    );
    for (i, name) in SIX_REPORTS.iter().enumerate() {
        let one: Vec<f64> = mix
            .iter()
            .filter(|(r, _)| *r == i)
            .map(|(_, ms)| *ms)
            .collect();
        print(&format!("  {name} within the mix"), &one, secs);
    }
    static R6: [&str; 1] = ["forget_me_not"];
    let r6 = drive(&http, &app.base, &session, &R6, conns, secs).await?;
    let r6: Vec<f64> = r6.iter().map(|(_, ms)| *ms).collect();
    print(
        &format!("R6 alone, {conns} connections, {secs} s"),
        &r6,
        secs,
    );
    println!(
        "RSS at the end {} MB (peak {} MB)",
        status_mb("self", "VmRSS"),
        status_mb("self", "VmHWM")
    );
    Ok(())
}
