//! The sync's write path, pinned: for generated portals (fixed seeds and a fixed generation `now`, so the portal's
//! clock and every record are the same on every run) a first import, then deletions found by an event and by
//! reconciliation, must leave exactly the rows recorded in `tests/golden/differential_<seed>.txt` — one line per
//! table: row count and a checksum over every row, every column but the ones holding the wall-clock time of the
//! sync itself (`synced_at`, `sync_state`'s timestamps and its watermarks, which are portal-clock instants).
//!
//! The goldens were recorded from the sync as it wrote through its own SQL (`sink.rs`) before it moved onto the
//! store's write API; the same goldens hold for SQLite and PostgreSQL (values are rendered backend-independently:
//! booleans as 0/1, floats scaled to integers). Re-record with `B24A_RECORD_GOLDENS=1` only for an intended change.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, PortalHandle, Size};
use b24a_store::{with_pool, Store};
use b24a_sync::{events, portal, PortalSync, SyncOptions};

/// The generation instant of every portal here (2026-05-28): fixed, so the portal clock starts here on every run.
const GENERATED_AT: i64 = 1_780_000_000;

/// The tables the sync writes (the portal row itself holds install and locale facts, not synced records).
const TABLES: [&str; 18] = [
    "users",
    "user_departments",
    "departments",
    "pipelines",
    "crm_statuses",
    "currencies",
    "companies",
    "contacts",
    "deals",
    "leads",
    "stage_history",
    "activities",
    "calls",
    "projects",
    "tasks",
    "custom_field_values",
    "custom_field_defs",
    "sync_state",
];

/// Columns holding the wall-clock time of the sync (or, for watermarks, the portal clock at the moment of a pass).
fn excluded(table: &str, column: &str) -> bool {
    column == "portal_id"
        || column == "synced_at"
        || (table == "sync_state"
            && matches!(
                column,
                "updated_at"
                    | "full_started_at"
                    | "full_finished_at"
                    | "last_success_at"
                    | "last_error_at"
                    | "reconciled_at"
                    | "watermark"
            ))
}

/// (name, declared type) of a table's columns, by name.
async fn columns(store: &Store, table: &str) -> Vec<(String, String)> {
    let mut cols: Vec<(String, String)> = match store.pool() {
        b24a_store::Pool::Sqlite(p) => sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
        b24a_store::Pool::Postgres(p) => sqlx::query_as(
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_name = $1 AND table_schema = current_schema()",
        )
        .bind(table)
        .fetch_all(p)
        .await
        .unwrap(),
    };
    cols.sort();
    assert!(!cols.is_empty(), "table {table} has no columns");
    cols
}

/// One column as text the same way on both backends.
fn render(column: &str, ty: &str) -> String {
    let ty = ty.to_ascii_lowercase();
    if ty.contains("bool") {
        format!("CASE WHEN {column} IS NULL THEN '~' WHEN {column} THEN '1' ELSE '0' END")
    } else if ty.contains("double") || ty.contains("real") {
        format!("CASE WHEN {column} IS NULL THEN '~' ELSE CAST(CAST(ROUND({column} * 1000000) AS BIGINT) AS TEXT) END")
    } else {
        format!("COALESCE(CAST({column} AS TEXT), '~')")
    }
}

/// FNV-1a, 64 bits: a checksum with no dependency and the same value everywhere.
fn fnv1a(lines: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for l in lines {
        for b in l.bytes().chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// `table rows checksum` for every synced table of the portal.
async fn checksums(store: &Store, portal_id: i64) -> String {
    let mut out = String::new();
    for table in TABLES {
        let exprs: Vec<String> = columns(store, table)
            .await
            .into_iter()
            .filter(|(c, _)| !excluded(table, c))
            .map(|(c, ty)| render(&c, &ty))
            .collect();
        let mut sql = format!(
            "SELECT {} FROM {table} WHERE portal_id = $1",
            exprs.join(" || '|' || ")
        );
        if table == "sync_state" {
            // An append-only kind's watermark is an id, not a time: it is part of what the sync must store.
            sql = sql.replacen(
                " FROM",
                " || '|' || CASE WHEN entity LIKE '%stage_history' THEN COALESCE(CAST(watermark AS TEXT), '~') ELSE '' END FROM",
                1,
            );
        }
        let mut lines: Vec<String> = with_pool!(store.pool(), p => {
            sqlx::query_scalar::<_, String>(&sql).bind(portal_id).fetch_all(p).await.unwrap()
        });
        lines.sort();
        out.push_str(&format!("{table} {} {:016x}\n", lines.len(), fnv1a(&lines)));
    }
    out
}

/// A deal of the snapshot that has activities and stage history (its deletion takes them along), other than `not`.
fn deal_with_dependants(p: &PortalHandle, not: &[i64]) -> i64 {
    let data = p.snapshot();
    data.deals
        .iter()
        .find(|d| {
            !not.contains(&d.id)
                && data
                    .activities
                    .iter()
                    .any(|a| a.owner_type_id == 2 && a.owner_id == d.id)
        })
        .expect("a deal with activities")
        .id
}

/// Imports a generated portal, deletes two deals (one reported by an event, one found by reconciliation) and a lead
/// (event), runs a second cycle; the checksums after each cycle.
async fn run(store: Store, seed: u64) -> String {
    let cfg = CompanyConfig::new(seed, Size::Tiny).with_now(GENERATED_AT);
    let (_emu, p) = common::emulator_with(&cfg, common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let opts = SyncOptions {
        // Reconciliation runs in every cycle, so its id listing and deletes are covered too.
        reconcile_every_secs: 0,
        ..SyncOptions::default()
    };
    let sync = PortalSync::new(store.clone(), client, portal_id, opts);
    let first = sync.run_cycle().await.unwrap();
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let mut out = format!(
        "# after the first import\n{}",
        checksums(&store, portal_id).await
    );

    let by_event = deal_with_dependants(&p, &[]);
    let by_reconcile = deal_with_dependants(&p, &[by_event]);
    let lead = p.snapshot().leads[0].id;
    p.delete_deal(by_event).await.unwrap();
    p.delete_deal(by_reconcile).await.unwrap();
    p.delete_lead(lead).await.unwrap();
    events::enqueue(&store, portal_id, "ONCRMDEALDELETE", by_event)
        .await
        .unwrap();
    events::enqueue(&store, portal_id, "ONCRMLEADDELETE", lead)
        .await
        .unwrap();
    let second = sync.run_cycle().await.unwrap();
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    out.push_str(&format!(
        "# after deleting deals {by_event} (event), {by_reconcile} (reconciliation) and lead {lead} (event)\n{}",
        checksums(&store, portal_id).await
    ));
    out
}

async fn check(store: Store, seed: u64) {
    let got = run(store, seed).await;
    let path = format!(
        "{}/tests/golden/differential_{seed}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("B24A_RECORD_GOLDENS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(got, want, "the store's rows differ from the golden {path}");
}

b24a_store::store_test!(stores_what_the_goldens_say, |backend: Backend| {
    for seed in [61, 62] {
        let (store, _url, _db) = common::store_on(backend).await;
        check(store, seed).await;
    }
});
