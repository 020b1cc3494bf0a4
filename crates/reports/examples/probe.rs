//! Times the loaders one by one on a bench database (diagnostics behind docs/REPORTS-BENCH.md).
//!   cargo run --release -p b24a-reports --example probe -- sqlite:target-reports/bench-1000000.db
//! PROBE_CACHE=1: through a report cache that loads the parts the bench persisted (each loader's first call is a
//! new process's cold read of its parts), each loader timed twice (cold, then warm).
use std::time::Instant;

use anyhow::Result;
use b24a_reports::load::{self, ActWindow, DealWindow, LeadWindow};
use b24a_reports::{Filter, PortalContext, Prepared, ReportCache, ReportSource};
use b24a_store::Store;

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite:target-reports/bench-1000000.db".into());
    let store = Store::connect(&url).await?;
    let ctx = PortalContext::load(&store, 1, 24, 1_773_576_000).await?;
    // Loaders timed against the database (the cache off), or through persisted parts.
    let cached = std::env::var("PROBE_CACHE").is_ok_and(|v| v == "1");
    let cache = if cached {
        ReportCache::new(b24a_reports::CacheConfig {
            megabytes: 1024,
            inline_builds: false,
            persist: true,
        })
    } else {
        ReportCache::off()
    };
    let store = ReportSource::new(store, cache);
    let f = Filter::from_json(
        r#"{"period": {"preset": "custom", "from": "2026-02-14", "to": "2026-03-15"}}"#,
    )?;
    let t = Instant::now();
    let p = Prepared::new(&store, &ctx, &f).await?;
    println!("prepare {:?}", t.elapsed());
    let r = p.resolved.period;
    for pass in if cached {
        ["cold", "warm"].as_slice()
    } else {
        ["sql"].as_slice()
    } {
        println!("-- {pass}");
        let t = Instant::now();
        let n = load::deals(&store, &ctx, DealWindow::CreatedOrClosed(r))
            .await?
            .len();
        println!("deals window {n} rows {:?}", t.elapsed());
        let t = Instant::now();
        let n = load::deal_history(&store, &ctx, DealWindow::CreatedOrClosed(r))
            .await?
            .len();
        println!("history {n} deals {:?}", t.elapsed());
        let t = Instant::now();
        let n = load::deals(&store, &ctx, DealWindow::Open).await?.len();
        println!("open deals {n} rows {:?}", t.elapsed());
        let t = Instant::now();
        let n = load::leads(&store, &ctx, LeadWindow::CreatedOrClosed(r))
            .await?
            .len();
        println!("leads {n} rows {:?}", t.elapsed());
        for (name, w) in [
            ("happened", ActWindow::CompletedIn(r)),
            ("overdue", ActWindow::OverdueAt(ctx.now)),
            ("open cards", ActWindow::OnOpenCards),
        ] {
            let t = Instant::now();
            let n = load::activity_groups(&store, &ctx, w).await?.len();
            println!("activity groups {name} {n} {:?}", t.elapsed());
        }
        for kind in [load::ClientKind::Company, load::ClientKind::Contact] {
            let t = Instant::now();
            let n = load::clients(&store, &ctx, kind).await?.len();
            println!("clients {kind:?} {n} cards {:?}", t.elapsed());
        }
    }
    let t = Instant::now();
    let n = ctx.freshness(&store).await?.len();
    println!("freshness {n} {:?}", t.elapsed());
    Ok(())
}
