//! Benchmark of the six reports on a large generated portal (default 1M deals, 5M activities, 2M stage-history rows,
//! 200k leads, 200k tasks), on SQLite or PostgreSQL. Prints the median of N runs per report and period as a
//! Markdown table (copied into docs/REPORTS-BENCH.md).
//!
//!   cargo run --release -p b24a-reports --example reports_bench -- sqlite [deals] [activities]
//!   cargo run --release -p b24a-reports --example reports_bench -- postgres [deals] [activities]
//!
//! The data is generated deterministically (arithmetic on the row number) and written once; a second run reuses it
//! (SQLite file $CARGO_TARGET_DIR/bench-<deals>.db, PostgreSQL database b24a_reports_bench_<deals>).
//! BENCH_RUNS=n (default 5), BENCH_YEAR=1 adds a 12-month period, BENCH_ANALYZE=1 refreshes planner statistics
//! (run it once after the migration built the report indexes on already generated data).
//! Each report is timed cold (first call after the in-memory cache is cleared) and warm (median of the runs).
//! The report cache is sized by BENCH_CACHE_MB (default 1024; 0 = off, SQL only) and builds inline with
//! BENCH_CACHE_INLINE=1 (the server's `--report-cache-mb` / `--report-cache-inline-builds`). BENCH_REPORTS=a,b
//! times only the named reports (`marketing,managers`: to profile one).

use std::time::Instant;

use anyhow::{Context, Result};
use b24a_reports::r3_plan::PlanOptions;
use b24a_reports::{
    run_plan_report, run_report, CacheConfig, Filter, PortalContext, ReportCache, ReportId,
    ReportSource,
};
use b24a_store::testing::{count_rows, ensure_postgres_database, run_script};
use b24a_store::Store;

const DAY: i64 = 86_400;
const NOW: i64 = 1_773_576_000; // 2026-03-15 12:00 UTC
const SPAN_DAYS: i64 = 730;
const USERS: i64 = 200;

async fn exec(store: &Store, sql: &str) -> Result<()> {
    run_script(store, sql)
        .await
        .with_context(|| sql.chars().take(200).collect::<String>())
}

async fn count(store: &Store, table: &str) -> Result<i64> {
    Ok(count_rows(store, table, 1).await?)
}

/// Writes rows in multi-row INSERTs of `batch` rows, inside transactions of ~50k rows.
async fn insert_rows(store: &Store, head: &str, n: i64, row: impl Fn(i64) -> String) -> Result<()> {
    let batch = 500;
    let mut i = 1;
    while i <= n {
        let mut sql = String::from("BEGIN;");
        for _ in 0..100 {
            if i > n {
                break;
            }
            let end = (i + batch - 1).min(n);
            sql.push_str(head);
            sql.push_str(" VALUES ");
            for k in i..=end {
                if k > i {
                    sql.push(',');
                }
                sql.push_str(&row(k));
            }
            sql.push(';');
            i = end + 1;
        }
        sql.push_str("COMMIT;");
        exec(store, &sql).await?;
    }
    Ok(())
}

fn h(i: i64, salt: i64) -> i64 {
    ((i.wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503)))
        >> 3)
        .rem_euclid(1_000_003)
}

struct DealGen {
    created: i64,
    cat: i64,
    sem: &'static str,
    stage: String,
    close: Option<i64>,
}

fn deal_gen(i: i64, n: i64) -> DealGen {
    let created = NOW - SPAN_DAYS * DAY + i * (SPAN_DAYS * DAY) / n + h(i, 1) % DAY - DAY;
    let cat = h(i, 2) % 3;
    let age_days = (NOW - created) / DAY;
    let r = h(i, 3) % 100;
    let sem = if age_days > 90 {
        if r < 60 {
            "S"
        } else if r < 95 {
            "F"
        } else {
            "P"
        }
    } else if r < 30 {
        "S"
    } else if r < 50 {
        "F"
    } else {
        "P"
    };
    let code = match sem {
        "S" => "WON",
        "F" => "LOSE",
        _ => ["NEW", "WORK", "OFFER"][(h(i, 4) % 3) as usize],
    };
    let stage = if cat == 0 {
        code.to_string()
    } else {
        format!("C{cat}:{code}")
    };
    let close = (sem != "P").then(|| (created + (h(i, 5) % 60) * DAY + 3600).min(NOW - 3600));
    DealGen {
        created,
        cat,
        sem,
        stage,
        close,
    }
}

fn day(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

async fn generate(store: &Store, deals: i64, acts: i64) -> Result<()> {
    let t = Instant::now();
    exec(store, "INSERT INTO portals (id, member_id, domain, client_endpoint, time_zone, utc_offset_seconds, base_currency, installed_at, updated_at) VALUES (1, 'bench', 'bench.bitrix24.ru', 'https://bench/rest/', 'Europe/Moscow', 10800, 'RUB', 0, 0)").await?;
    exec(store, "INSERT INTO currencies (portal_id, currency, amount_cnt, amount, is_base, synced_at) VALUES (1, 'RUB', 1, 1, TRUE, 0), (1, 'USD', 1, 90, FALSE, 0)").await?;
    insert_rows(
        store,
        "INSERT INTO departments (portal_id, id, name, parent_id, synced_at)",
        10,
        |i| {
            format!(
                "(1, {i}, 'Dept {i}', {}, 0)",
                if i == 1 {
                    "NULL".into()
                } else {
                    "1".to_string()
                }
            )
        },
    )
    .await?;
    insert_rows(
        store,
        "INSERT INTO users (portal_id, id, name, last_name, active, synced_at)",
        USERS,
        |i| {
            format!(
                "(1, {i}, 'User', '{i}', {}, 0)",
                if i % 17 == 0 { "FALSE" } else { "TRUE" }
            )
        },
    )
    .await?;
    insert_rows(
        store,
        "INSERT INTO user_departments (portal_id, user_id, department_id)",
        USERS,
        |i| format!("(1, {i}, {})", i % 10 + 1),
    )
    .await?;
    exec(store, "INSERT INTO pipelines (portal_id, id, name, sort, is_default, synced_at) VALUES (1, 0, 'Main', 10, TRUE, 0), (1, 1, 'Repeat', 20, FALSE, 0), (1, 2, 'Partners', 30, FALSE, 0)").await?;
    let mut st = String::from("INSERT INTO crm_statuses (portal_id, entity_id, status_id, name, sort, semantics, category_id, synced_at) VALUES ");
    let mut first = true;
    for cat in 0..3 {
        for (k, (code, sem)) in [
            ("NEW", "P"),
            ("WORK", "P"),
            ("OFFER", "P"),
            ("WON", "S"),
            ("LOSE", "F"),
        ]
        .iter()
        .enumerate()
        {
            let (entity, id, c) = if cat == 0 {
                (
                    "DEAL_STAGE".to_string(),
                    code.to_string(),
                    "NULL".to_string(),
                )
            } else {
                (
                    format!("DEAL_STAGE_{cat}"),
                    format!("C{cat}:{code}"),
                    cat.to_string(),
                )
            };
            if !first {
                st.push(',');
            }
            first = false;
            st.push_str(&format!(
                "(1, '{entity}', '{id}', '{id}', {}, '{sem}', {c}, 0)",
                k * 10
            ));
        }
    }
    st.push_str(", (1, 'STATUS', 'NEW', 'New', 10, 'P', NULL, 0), (1, 'STATUS', 'CONVERTED', 'Converted', 20, 'S', NULL, 0), (1, 'STATUS', 'JUNK', 'Junk', 30, 'F', NULL, 0)");
    st.push_str(", (1, 'SOURCE', 'CALL', 'Call', 10, 'P', NULL, 0), (1, 'SOURCE', 'WEB', 'Web', 20, 'P', NULL, 0), (1, 'SOURCE', 'EMAIL', 'E-mail', 30, 'P', NULL, 0)");
    exec(store, &st).await?;
    let sources = ["'CALL'", "'WEB'", "'EMAIL'", "NULL"];
    insert_rows(
        store,
        "INSERT INTO deals (portal_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, assigned_by_id, date_create, date_modify, moved_time, closedate, closed, source_id, is_return_customer, company_id, utm_source, utm_medium, utm_campaign, synced_at)",
        deals,
        |i| {
            let g = deal_gen(i, deals);
            let moved = g.close.unwrap_or(g.created + (h(i, 6) % 20) * DAY).min(NOW - 60);
            format!(
                "(1, {i}, 'Deal {i}', {}, '{}', '{}', {}, '{}', {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0)",
                g.cat,
                g.stage,
                g.sem,
                (h(i, 7) % 100_000) * 100,
                if i % 50 == 0 { "USD" } else { "RUB" },
                h(i, 8) % USERS + 1,
                g.created,
                moved,
                moved,
                g.close.map(|c| format!("'{}'", day(c))).unwrap_or_else(|| format!("'{}'", day(g.created + 30 * DAY))),
                if g.sem == "P" { "FALSE" } else { "TRUE" },
                sources[(h(i, 9) % 4) as usize],
                if i % 5 == 0 { "TRUE" } else { "FALSE" },
                h(i, 10) % 50_000 + 1,
                if i % 3 == 0 { "'google'" } else { "NULL" },
                if i % 3 == 0 { "'cpc'" } else { "NULL" },
                if i % 3 == 0 { "'spring'" } else { "NULL" },
            )
        },
    )
    .await?;
    println!("deals written in {:.1}s", t.elapsed().as_secs_f64());
    // Two stage-history rows per deal: creation, and the current stage.
    insert_rows(
        store,
        "INSERT INTO stage_history (portal_id, entity_type_id, id, type_id, owner_id, created_time, category_id, stage_id, stage_semantic_id, synced_at)",
        deals * 2,
        |k| {
            let i = (k + 1) / 2;
            let g = deal_gen(i, deals);
            let first = if g.cat == 0 { "NEW".to_string() } else { format!("C{}:NEW", g.cat) };
            if k % 2 == 1 {
                format!("(1, 2, {k}, 1, {i}, {}, {}, '{first}', 'P', 0)", g.created, g.cat)
            } else {
                let t = g.close.unwrap_or(g.created + DAY).min(NOW - 60);
                format!("(1, 2, {k}, {}, {i}, {t}, {}, '{}', '{}', 0)", if g.sem == "P" { 2 } else { 3 }, g.cat, g.stage, g.sem)
            }
        },
    )
    .await?;
    println!("stage history written in {:.1}s", t.elapsed().as_secs_f64());
    let kinds = [
        ("2", "'VOXIMPLANT_CALL'", "'CALL'"),
        ("4", "'CRM_EMAIL'", "'EMAIL'"),
        ("1", "'CRM_MEETING'", "'MEETING'"),
        ("6", "'CRM_TODO'", "'TODO'"),
        ("6", "'CRM_TASKS_TASK'", "'TASKS_TASK'"),
    ];
    insert_rows(
        store,
        "INSERT INTO activities (portal_id, id, owner_type_id, owner_id, type_id, provider_id, provider_type_id, direction, completed, responsible_id, created, last_updated, start_time, deadline, synced_at)",
        acts,
        |i| {
            let owner = (i - 1) * deals / acts + 1;
            let g = deal_gen(owner, deals);
            let start = (g.created + (h(i, 11) % 40) * DAY).min(NOW + 10 * DAY);
            let (t, p, pt) = kinds[(h(i, 12) % 5) as usize];
            let done = start < NOW && h(i, 13) % 10 < 8;
            format!(
                "(1, {i}, 2, {owner}, {t}, {p}, {pt}, {}, {}, {}, {}, {}, {start}, {start}, 0)",
                h(i, 14) % 2 + 1,
                if done { "TRUE" } else { "FALSE" },
                h(owner, 8) % USERS + 1,
                g.created,
                if done { start } else { g.created },
            )
        },
    )
    .await?;
    println!("activities written in {:.1}s", t.elapsed().as_secs_f64());
    let leads = deals / 5;
    insert_rows(
        store,
        "INSERT INTO leads (portal_id, id, title, status_id, status_semantic_id, assigned_by_id, date_create, date_modify, date_closed, source_id, synced_at)",
        leads,
        |i| {
            let created = NOW - SPAN_DAYS * DAY + i * (SPAN_DAYS * DAY) / leads;
            let r = h(i, 15) % 10;
            let (st, sem) = if r < 4 { ("CONVERTED", "S") } else if r < 7 { ("JUNK", "F") } else { ("NEW", "P") };
            let closed = if sem == "P" { "NULL".to_string() } else { (created + (h(i, 16) % 10) * DAY).min(NOW).to_string() };
            format!("(1, {i}, 'Lead {i}', '{st}', '{sem}', {}, {created}, {created}, {closed}, {}, 0)", h(i, 17) % USERS + 1, sources[(h(i, 18) % 4) as usize])
        },
    )
    .await?;
    let tasks = deals / 5;
    exec(store, "INSERT INTO projects (portal_id, id, name, synced_at) VALUES (1, 1, 'P1', 0), (1, 2, 'P2', 0), (1, 3, 'P3', 0)").await?;
    insert_rows(
        store,
        "INSERT INTO tasks (portal_id, id, title, status, responsible_id, group_id, created_date, changed_date, closed_date, date_start, deadline, start_date_plan, synced_at)",
        tasks,
        |i| {
            let created = NOW - SPAN_DAYS * DAY + i * (SPAN_DAYS * DAY) / tasks;
            let deadline = created + (h(i, 19) % 20 + 1) * DAY;
            let done = deadline < NOW && h(i, 20) % 10 < 7;
            let start = created + (h(i, 21) % 25) * DAY;
            format!(
                "(1, {i}, 'Task {i}', {}, {}, {}, {created}, {created}, {}, {}, {}, NULL, 0)",
                if done { 5 } else { 2 },
                h(i, 22) % USERS + 1,
                if i % 4 == 0 { "NULL".to_string() } else { (i % 3 + 1).to_string() },
                if done { (start + (h(i, 23) % 10) * DAY).to_string() } else { "NULL".into() },
                if start < NOW { start.to_string() } else { "NULL".into() },
                if i % 10 == 0 { "NULL".to_string() } else { deadline.to_string() },
            )
        },
    )
    .await?;
    insert_rows(store, "INSERT INTO sales_plans (portal_id, user_id, category_id, period_kind, period_start, amount_cents, bonus_cents, updated_at)", USERS, |i| {
        format!("(1, {i}, NULL, 'month', '2026-03-01', 50000000, 1000000, 0)")
    })
    .await?;
    exec(store, "ANALYZE").await?;
    println!("generated in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map(String::as_str).unwrap_or("sqlite");
    let deals: i64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let acts: i64 = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5 * deals);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let url = match backend {
        "sqlite" => {
            let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
            format!("sqlite:{dir}/bench-{deals}.db")
        }
        _ => {
            let base = std::env::var("BENCH_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            let name = format!("b24a_reports_bench_{deals}");
            ensure_postgres_database(&base, &name).await?
        }
    };
    let store = Store::connect(&url).await?;
    if count(&store, "deals").await? != deals {
        generate(&store, deals, acts).await?;
    }
    if std::env::var("BENCH_ANALYZE").is_ok_and(|v| v == "1") {
        // Fresh planner statistics (and, on PostgreSQL, the visibility map that index-only scans need) after the
        // migration built the report indexes on existing data.
        let t = Instant::now();
        let sql = match store.backend() {
            b24a_store::Backend::Sqlite => "ANALYZE",
            b24a_store::Backend::Postgres => "VACUUM ANALYZE",
        };
        exec(&store, sql).await?;
        println!("{sql} in {:.1}s", t.elapsed().as_secs_f64());
    }
    let ctx = PortalContext::load(&store, 1, 24, NOW).await?;
    let cache = ReportCache::new(CacheConfig {
        megabytes: std::env::var("BENCH_CACHE_MB")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1024),
        inline_builds: std::env::var("BENCH_CACHE_INLINE").is_ok_and(|v| v == "1"),
        persist: !std::env::var("BENCH_PERSIST").is_ok_and(|v| v == "0"),
    });
    let store = ReportSource::new(store, cache.clone());
    let periods = [
        (
            "month (2026-02-14..03-15)",
            r#"{"period": {"preset": "custom", "from": "2026-02-14", "to": "2026-03-15"}, "compare": "previous"}"#,
        ),
        (
            "year (2025-03-16..2026-03-15)",
            r#"{"period": {"preset": "custom", "from": "2025-03-16", "to": "2026-03-15"}, "compare": "none", "bucket": "month"}"#,
        ),
    ];
    let anchor = duckdb_anchor(backend, deals);
    let with_year = std::env::var("BENCH_YEAR").is_ok_and(|v| v == "1");
    // Every part built once (and, persisting, kept in the database): on a first run this is the cost of the first
    // answers ever of a portal; on later runs the parts are loaded from the database at their version.
    let t = Instant::now();
    let filter = Filter::from_json(periods[0].1)?;
    for report in ReportId::ALL {
        run_report(&store, &ctx, report, &filter).await?;
    }
    while cache.builds_in_flight() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    println!(
        "\nparts ready (built or loaded, persisted: {}) in {:.1}s; peak RSS so far {} MB",
        !std::env::var("BENCH_PERSIST").is_ok_and(|v| v == "0"),
        t.elapsed().as_secs_f64(),
        rss_mb("VmHWM")
    );
    // From here on the peak RSS is that of answering (cold and warm), not of the first build.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    println!("\n{backend}: {deals} deals, {acts} activities; cold = first call with an empty in-memory cache (parts loaded from the database when persisted), warm = median of {runs} runs (ms); DuckDB = the same aggregation on the same rows (benches/duckdb_anchor.py)\n");
    println!("| report | period | cold ms | cache ready after ms | warm median ms | warm min ms | warm max ms | DuckDB cold / warm ms |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (label, json) in periods.into_iter().take(if with_year { 2 } else { 1 }) {
        let filter = Filter::from_json(json)?;
        // BENCH_REPORTS=marketing,managers times only those (a profile of one report).
        let only = std::env::var("BENCH_REPORTS").unwrap_or_default();
        for report in ReportId::ALL
            .into_iter()
            .filter(|r| only.is_empty() || only.split(',').any(|o| o == r.as_str()))
        {
            let run = || async {
                let t = Instant::now();
                let a = if report == ReportId::Plan {
                    run_plan_report(&store, &ctx, &filter, &PlanOptions::default()).await?
                } else {
                    run_report(&store, &ctx, report, &filter).await?
                };
                std::hint::black_box(a);
                anyhow::Ok(t.elapsed().as_secs_f64() * 1000.0)
            };
            cache.clear();
            let cold = run().await?;
            // The cold call starts building the cache in the background; time until it is ready.
            let t = Instant::now();
            while cache.builds_in_flight() > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let ready = cold + t.elapsed().as_secs_f64() * 1000.0;
            let mut times = vec![];
            for _ in 0..runs {
                times.push(run().await?);
            }
            times.sort_by(f64::total_cmp);
            let duck = match report {
                ReportId::SalesDynamics => anchor_cell(&anchor, "r1"),
                ReportId::Managers => anchor_cell(&anchor, "r2"),
                _ => "–".to_string(),
            };
            println!(
                "| {} | {label} | {cold:.0} | {ready:.0} | {:.0} | {:.0} | {:.0} | {duck} |",
                report.as_str(),
                times[times.len() / 2],
                times[0],
                times[times.len() - 1]
            );
        }
    }
    println!(
        "\npeak RSS while answering: {} MB (now {} MB); parts loaded from the database: {}, segments: {}",
        rss_mb("VmHWM"),
        rss_mb("VmRSS"),
        cache.loads(),
        cache.segment_loads()
    );
    if let Ok(sales) = run_report(&store, &ctx, ReportId::SalesDynamics, &filter).await {
        // The tiles the DuckDB anchor counts too (its `r1_totals` line): created, won, lost, in work.
        let json = serde_json::to_value(&sales)?;
        let tiles: Vec<String> = json["tiles"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| format!("{}={}/{}", t["metric"], t["value"], t["amount"]))
            .collect();
        println!("R1 tiles (value/amount): {}", tiles.join(" "));
    }
    let (parts, bytes) = cache.stats();
    println!(
        "\ncache after the last report: {parts} parts, {:.0} MB",
        bytes as f64 / 1e6
    );
    // Every part at once (what one portal of this size costs in memory).
    for report in ReportId::ALL {
        run_report(&store, &ctx, report, &filter).await?;
    }
    while cache.builds_in_flight() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (parts, bytes) = cache.stats();
    println!(
        "cache with every report answered: {parts} parts, {:.0} MB",
        bytes as f64 / 1e6
    );
    Ok(())
}

/// A line of /proc/self/status in MB (`VmHWM` = peak resident set, `VmRSS` = now); 0 where there is none.
fn rss_mb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Runs benches/duckdb_anchor.py with the Python named by BENCH_DUCKDB_PYTHON (a venv with `duckdb`) on the
/// SQLite bench file of this size (the PostgreSQL bench database holds the same generated rows); its
/// `anchor <name> <value>` lines, or nothing when not asked for or when it fails.
fn duckdb_anchor(backend: &str, deals: i64) -> Vec<(String, String)> {
    let Ok(python) = std::env::var("BENCH_DUCKDB_PYTHON") else {
        return vec![];
    };
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let db = format!("{dir}/bench-{deals}.db");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benches/duckdb_anchor.py"
    );
    let out = match std::process::Command::new(python)
        .arg(script)
        .arg(&db)
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).to_string(),
        Ok(o) => {
            println!(
                "DuckDB anchor failed ({backend}): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return vec![];
        }
        Err(e) => {
            println!("DuckDB anchor not run: {e}");
            return vec![];
        }
    };
    println!("\nDuckDB anchor on {db}:");
    out.lines()
        .filter_map(|l| {
            println!("  {l}");
            let mut w = l.splitn(3, ' ');
            (w.next() == Some("anchor")).then_some(())?;
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect()
}

fn anchor_cell(anchor: &[(String, String)], report: &str) -> String {
    let get = |k: &str| {
        anchor
            .iter()
            .find(|(n, _)| n == &format!("{report}_{k}"))
            .map_or("?".to_string(), |(_, v)| v.clone())
    };
    if anchor.is_empty() {
        return "–".to_string();
    }
    format!("{} / {}", get("cold_ms"), get("warm_ms"))
}
