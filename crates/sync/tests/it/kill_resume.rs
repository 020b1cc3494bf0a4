//! `kill -9` in the middle of a first import: the CLI runs as a child process against the emulator, is killed
//! with SIGKILL once deals are being stored, and a second process (another lease holder, so it must wait for the
//! dead one's lease to expire) resumes from the stored cursor and finishes; the store then holds exactly the
//! emulator's records, without duplicates.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use b24a_emulator::{CompanyConfig, Limits, Size};
use b24a_sync::{portal, state};

fn cli(db: &str, hook: &str, holder: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_b24a-sync"))
        .args([
            "--database-url",
            db,
            "sync",
            "--webhook",
            hook,
            "--holder",
            holder,
        ])
        .args([
            "--rate",
            "40",
            "--burst",
            "5",
            "--max-chain",
            "2",
            "--parallelism",
            "2",
            "--lease-ttl",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_resumes_and_matches() {
    let limits = Limits {
        burst: 5.0,
        drain_per_sec: 40.0,
        operating_enabled: false,
        ..Limits::default()
    };
    let (_emu, p) = common::emulator_with(&CompanyConfig::new(51, Size::Small), limits).await;
    let (store, db, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);

    // First process: read its progress until some deals are stored, then SIGKILL it.
    let mut first = cli(&db, &hook, "first");
    let stdout = first.stdout.take().unwrap();
    let killed_at = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("progress deals full ") {
                let done: i64 = rest.split('/').next().unwrap().parse().unwrap();
                if done >= 500 {
                    return done;
                }
            }
        }
        panic!("the first process ended before storing 500 deals");
    })
    .await
    .unwrap();
    first.kill().unwrap(); // SIGKILL: no cleanup, the lease stays until it expires
    first.wait().unwrap();

    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let deals = state::load(&store, portal_id, "deals").await.unwrap();
    assert_eq!(
        deals.phase, "full",
        "killed in the middle of the deals export"
    );
    assert!(deals.cursor_id > 0 && deals.done_count >= killed_at);
    let n_deals = p.snapshot().deals.len() as i64;
    assert!(deals.done_count < n_deals);
    // Newest first, without holes: what is stored is exactly the newest `done_count` deals, so recent periods
    // are complete while the import runs.
    let stored = b24a_sync::write::stored_ids(&store, b24a_sync::Entity::Deals, portal_id)
        .await
        .unwrap();
    let mut all: Vec<i64> = p.snapshot().deals.iter().map(|d| d.id).collect();
    all.sort_unstable();
    let newest: Vec<i64> = all[all.len() - stored.len()..].to_vec();
    assert_eq!(stored, newest);
    assert_eq!(
        stored.len() as i64,
        deals.done_count,
        "rows and progress were committed together"
    );

    // Second process: waits out the dead lease, resumes from the cursor, finishes.
    let started = Instant::now();
    let second = cli(&db, &hook, "second");
    let out = tokio::task::spawn_blocking(move || second.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cycle done"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(120));
    // It resumed: its first deals progress line starts above what the first process had stored.
    let first_progress: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("progress deals full "))
        .map(|r| r.split('/').next().unwrap().parse().unwrap())
        .unwrap_or(n_deals);
    assert!(
        first_progress > deals.done_count,
        "restarted from zero? {first_progress} <= {}",
        deals.done_count
    );

    common::assert_same(&store, portal_id, &p.snapshot()).await;
    let after = state::load(&store, portal_id, "deals").await.unwrap();
    assert_eq!(after.phase, "incremental");
    assert_eq!(after.done_count, n_deals, "every deal counted once");
}
