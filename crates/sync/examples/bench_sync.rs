//! The first-import benchmark of issue #18: one generated portal (default 100,000 deals, 100,000 leads, 500,000
//! activities, 20,000 tasks; stage history and calls follow from them) in the emulator over HTTP on 127.0.0.1,
//! imported into a fresh SQLite file by one `run_cycle`, three ways:
//! - `chained`: the sync as shipped (50 chained pages per request), no portal limits;
//! - `page`: the same with one page per request (`max_chain = 1`: a page-per-request client), no portal limits;
//! - `limits`: the sync as shipped under the portal's real limits (2 req/s leaky bucket burst 50, 480 s of server
//!   time per method per 600 s, the emulator's cost model) with the emulator's clock scaled: every duration of the
//!   limits divided by `--time-scale` (default 10: 20 req/s, 48 s per 60 s window, costs ÷10), so the run is
//!   up to `time-scale` times shorter than on a real portal when the limits, not this machine, bound it.
//! For each it prints HTTP requests (counted by the emulator) against Σ ceil(rows / 2,500) over every stored kind
//! (calls included), list sub-calls thrown away, wall time, the process's CPU time (user + system; the emulator
//! runs in the same process, so its work is included in both runs alike), cycles needed and failed sources.
//!
//! Run: `cargo run -p b24a-sync --example bench_sync -- [chained|page|limits ...] [--deals N] [--time-scale K]`.

use std::time::Instant;

use b24a_client::{Client, ClientConfig, RateLimits};
use b24a_emulator::generator::Volumes;
use b24a_emulator::limits::CostModel;
use b24a_emulator::{CompanyConfig, Limits, PortalSpec, Size};
use b24a_store::{PortalId, Store};
use b24a_sync::{portal, Entity, PortalSync, SyncOptions};

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, clock ticks of 1/100 s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line; here 0-based after ')' they are 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}

fn scaled_limits(scale: f64) -> Limits {
    let real = Limits::default();
    Limits {
        drain_per_sec: real.drain_per_sec * scale,
        operating_limit_secs: real.operating_limit_secs / scale,
        operating_window_secs: real.operating_window_secs / scale,
        min_fix_secs: real.min_fix_secs / scale,
        cost: CostModel {
            base_secs: real.cost.base_secs / scale,
            per_row_secs: real.cost.per_row_secs / scale,
            per_counted_row_secs: real.cost.per_counted_row_secs / scale,
        },
        ..real
    }
}

async fn run(mode: &str, deals: usize, scale: f64) {
    let cfg = CompanyConfig {
        linked_deals: false,
        volumes: Some(Volumes {
            managers: 100,
            deals,
            leads: deals,
            activities: deals * 5,
            tasks: deals / 5,
            projects: 10,
        }),
        ..CompanyConfig::new(18, Size::Tiny)
    };
    let limits = match mode {
        "limits" => scaled_limits(scale),
        _ => Limits::unlimited(),
    };
    let generated = Instant::now();
    let emulator = b24a_emulator::start(Default::default())
        .await
        .expect("emulator");
    let p = emulator
        .add_portal(PortalSpec::generated(&cfg).with_limits(limits))
        .await
        .expect("portal");
    let generation = generated.elapsed().as_secs_f64();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let store = Store::connect(&url).await.expect("store");
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook)
        .await
        .expect("portal row");
    let mut config = ClientConfig::default();
    if mode == "limits" {
        config.operating_limit_seconds = limits.operating_limit_secs;
    }
    let client = Client::webhook(&hook, config).expect("client");
    // Without portal limits the client does not pace either (both runs measure the sync, not a bucket).
    client.set_rate_limits(if mode == "limits" {
        RateLimits {
            per_second: limits.drain_per_sec,
            burst: limits.burst,
        }
    } else {
        RateLimits {
            per_second: 1e6,
            burst: 1e6,
        }
    });
    let opts = SyncOptions {
        max_chain: if mode == "page" { 1 } else { 50 },
        adopt_license_limits: false,
        ..SyncOptions::default()
    };
    let sync = PortalSync::new(store.clone(), client.clone(), pid, opts);
    let r0 = p.request_count();
    let (t0, c0) = (Instant::now(), cpu_secs());
    let mut cycles = 0;
    let mut failed = Vec::new();
    loop {
        cycles += 1;
        let report = sync.run_cycle().await.expect("cycle");
        failed.extend(report.failed.keys().cloned());
        let states = b24a_sync::state::load_all(&store, pid)
            .await
            .expect("states");
        let done = states.iter().all(|s| s.full_finished_at.is_some());
        if done || cycles >= 5 {
            break;
        }
    }
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    let requests = p.request_count() - r0;
    let mut bound = 0u64;
    let mut rows_line = Vec::new();
    for e in Entity::BULK.iter().chain([Entity::Calls].iter()) {
        let n = store.count(PortalId(pid), *e).await.expect("count");
        bound += (n as u64).div_ceil(2_500);
        rows_line.push(format!("{}={n}", e.name()));
    }
    println!(
        "mode={mode} deals={deals} generation={generation:.1}s rows[{}]",
        rows_line.join(" ")
    );
    println!(
        "mode={mode} requests={requests} bound=sum(ceil(rows/2500))={bound} ratio={:.3} wasted_subcalls={} \
         budget_waits={} retries={} wall={wall:.1}s{} cpu={cpu:.1}s cycles={cycles} failed={failed:?}",
        requests as f64 / bound.max(1) as f64,
        client.wasted_subcall_count(),
        client.budget_wait_count(),
        client.retry_count(),
        if mode == "limits" {
            format!(" (limits' durations /{scale})")
        } else {
            String::new()
        },
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let deals: usize = value("--deals")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let scale: f64 = value("--time-scale")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10.0);
    let mut modes: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "chained" | "page" | "limits"))
        .collect();
    if modes.is_empty() {
        modes = vec!["chained", "page", "limits"];
    }
    for mode in modes {
        run(mode, deals, scale).await;
    }
}
