//! Prints generation time per preset and HTTP page latencies (ID cursor with start=-1 vs counted
//! offset pages, batch of 50 chained pages) on the large preset. Run:
//! `cargo bench -p b24a-emulator --bench emulator_speed [-- tiny|small|demo|large]`.
//! Figures are recorded in docs/EMULATOR.md; nothing here asserts timings.

use std::time::Instant;

use b24a_emulator::*;
use serde_json::{json, Value};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sizes: Vec<Size> = if which.is_empty() {
        vec![Size::Tiny, Size::Small, Size::Demo, Size::Large]
    } else {
        which.iter().filter_map(|s| s.parse().ok()).collect()
    };
    for size in sizes {
        let t = Instant::now();
        let cfg = CompanyConfig::new(1, size).with_now(1_767_225_600);
        let data = generate(&cfg);
        println!(
            "generate {:?}: {:.2?}  deals={} leads={} activities={} deal_history={} tasks={}  rss={:.0} MB",
            size,
            t.elapsed(),
            data.deals.len(),
            data.leads.len(),
            data.activities.len(),
            data.deal_history.len(),
            data.tasks.len(),
            rss_mb()
        );
        if size != Size::Large && which.is_empty() {
            continue;
        }
        let emu = start(EmulatorOptions::default()).await.unwrap();
        let spec = PortalSpec {
            data,
            ..PortalSpec::generated(&CompanyConfig::new(1, Size::Tiny))
        }
        .with_limits(Limits::unlimited());
        let portal = emu.add_portal(spec).await.unwrap();
        let hook = portal.create_webhook(1);
        let http = reqwest::Client::new();
        let url = format!("{hook}crm.activity.list");
        // ID cursor pages deep into the table.
        let t = Instant::now();
        let n = 20;
        for i in 0..n {
            let r = post(&http, &url, json!({"order": {"ID": "ASC"}, "filter": {">ID": 4_000_000 + i * 50}, "select": ["ID", "OWNER_ID"], "start": -1})).await;
            assert_eq!(r["result"].as_array().map(|a| a.len()), Some(50));
        }
        println!(
            "  crm.activity.list ID-cursor page (start=-1, >ID deep): {:.2?} per page",
            t.elapsed() / n as u32
        );
        let t = Instant::now();
        let r = post(&http, &url, json!({"select": ["ID"], "start": 0})).await;
        println!(
            "  crm.activity.list counted page (start=0, total={}): {:.2?}",
            r["total"],
            t.elapsed()
        );
        let deal_url = format!("{hook}batch");
        let mut cmd = serde_json::Map::new();
        cmd.insert("p0".into(), json!("crm.deal.list?order[ID]=ASC&select[]=ID&select[]=STAGE_ID&start=-1&filter[>ID]=500000"));
        for i in 1..50 {
            cmd.insert(format!("p{i}"), json!(format!("crm.deal.list?order[ID]=ASC&select[]=ID&select[]=STAGE_ID&start=-1&filter[>ID]=$result[p{}][49][ID]", i - 1)));
        }
        let t = Instant::now();
        let r = post(&http, &deal_url, json!({"cmd": cmd})).await;
        let pages = r["result"]["result"]
            .as_object()
            .map(|m| m.len())
            .unwrap_or(0);
        println!(
            "  batch of 50 chained crm.deal.list pages (2,500 rows): {:.2?} ({pages} pages)",
            t.elapsed()
        );
        let t = Instant::now();
        let r = post(
            &http,
            &format!("{hook}crm.deal.list"),
            json!({"select": ["*", "UF_*"], "start": -1}),
        )
        .await;
        println!(
            "  crm.deal.list all fields + UF, first page: {:.2?} ({} rows)",
            t.elapsed(),
            r["result"].as_array().map(|a| a.len()).unwrap_or(0)
        );
    }
}
