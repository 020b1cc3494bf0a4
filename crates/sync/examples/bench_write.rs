//! Write throughput of the sync's chunk writes: 10,000 portal deal rows (3 custom fields each) mapped and stored
//! in chunks of 2,500 rows (one full-pass chunk: 50 pages of 50), each chunk one transaction with its sync state,
//! on a fresh SQLite file and a fresh PostgreSQL database, through `write::store_chunk` (the store's batch API).
//! Prints rows/s for docs/SYNC.md, where the figures of the former sink (commit e69b970) stand beside it.
//!
//! Run: `cargo run -p b24a-sync --example bench_write` (PostgreSQL from TEST_POSTGRES_URL or the default server).

use std::time::Instant;

use b24a_client::Row;
use b24a_store::testing::TestDb;
use b24a_store::{Backend, NewPortal, PortalId, Store};
use b24a_sync::entity::Entity;
use serde_json::json;

const ROWS: i64 = 10_000;
const CHUNK: usize = 2_500;

fn deal_row(id: i64) -> Row {
    Row::from_value(json!({
        "ID": id.to_string(), "TITLE": format!("Сделка {id}"), "TYPE_ID": "SALE",
        "CATEGORY_ID": (id % 4).to_string(), "STAGE_ID": format!("C{}:NEW", id % 4), "STAGE_SEMANTIC_ID": "P",
        "OPPORTUNITY": format!("{}.50", id * 10), "CURRENCY_ID": "RUB", "ASSIGNED_BY_ID": (1 + id % 25).to_string(),
        "DATE_CREATE": "2026-01-02T10:00:00+03:00", "DATE_MODIFY": "2026-01-03T10:00:00+03:00",
        "BEGINDATE": "2026-01-02T00:00:00+03:00", "CLOSEDATE": "2026-03-31T00:00:00+03:00",
        "CLOSED": "N", "OPENED": "Y", "SOURCE_ID": "WEB", "UTM_SOURCE": "google",
        "UF_CRM_REGION": "45", "UF_CRM_CHANNEL": "web", "UF_CRM_SCORE": (id % 100).to_string(),
    }))
    .expect("a deal row")
}

async fn portal(store: &Store) -> PortalId {
    store
        .upsert_portal(&NewPortal {
            member_id: "bench".into(),
            domain: "bench.bitrix24.ru".into(),
            client_endpoint: "https://bench.bitrix24.ru/rest/".into(),
            ..NewPortal::default()
        })
        .await
        .expect("portal")
}

async fn time_path(backend: Backend, rows: &[Row]) -> f64 {
    let db = TestDb::new(backend).await.expect("test database");
    let store = db.store().clone();
    let p = portal(&store).await;
    let start = Instant::now();
    let mut st = b24a_sync::state::load(&store, p.0, "deals")
        .await
        .expect("state");
    for chunk in rows.chunks(CHUNK) {
        st.done_count += chunk.len() as i64;
        b24a_sync::write::store_chunk(&store, Entity::Deals, p.0, chunk, Some(&st))
            .await
            .expect("write");
    }
    let secs = start.elapsed().as_secs_f64();
    db.cleanup().await;
    secs
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: Vec<Row> = (1..=ROWS).map(deal_row).collect();
    println!("| backend | rows | chunk | seconds | rows/s |\n|---|---|---|---|---|");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let secs = time_path(backend, &rows).await;
        println!(
            "| {backend:?} | {ROWS} | {CHUNK} | {secs:.2} | {:.0} |",
            ROWS as f64 / secs
        );
    }
}
