//! Upsert throughput of the store on both backends: 10,000 deals inserted in one call, the same 10,000 upserted
//! again (the update path), and 10,000 written the way a sync pages them (calls of 50 rows, each its own
//! transaction). Prints a Markdown table for docs/STORE-BENCH.md.
//!
//! Run: `cargo run -p b24a-store --example bench_upsert` (PostgreSQL from TEST_POSTGRES_URL or the default
//! test server; each run uses fresh databases and drops them).

use std::time::Instant;

use b24a_store::records::Deal;
use b24a_store::testing::TestDb;
use b24a_store::{Backend, Entity, NewPortal, Store};

const ROWS: i64 = 10_000;

fn deal(id: i64, round: i64) -> Deal {
    Deal {
        id,
        title: format!("Сделка {id} / {round}"),
        type_id: Some("SALE".into()),
        category_id: id % 4,
        stage_id: format!("C{}:NEW", id % 4),
        stage_semantic_id: "P".into(),
        opportunity_cents: id * 1_000 + round,
        currency_id: Some("RUB".into()),
        opportunity_account_cents: Some(id * 1_000),
        account_currency_id: Some("RUB".into()),
        probability: Some(20),
        assigned_by_id: Some(1 + id % 25),
        created_by_id: Some(1),
        modify_by_id: Some(1),
        moved_by_id: Some(1),
        date_create: 1_700_000_000 + id * 60,
        date_modify: 1_700_000_000 + id * 60 + round,
        moved_time: Some(1_700_000_000 + id * 60),
        last_activity_time: Some(1_700_000_000 + id * 60),
        last_activity_by: Some(1),
        begindate: Some("2026-01-15".into()),
        closedate: Some("2026-03-31".into()),
        closed: false,
        opened: true,
        is_new: false,
        is_recurring: false,
        is_return_customer: id % 3 == 0,
        is_repeated_approach: false,
        source_id: Some("WEB".into()),
        source_description: Some("лендинг".into()),
        company_id: Some(id / 3),
        contact_id: Some(id / 2),
        lead_id: None,
        utm_source: Some("yandex".into()),
        utm_medium: Some("cpc".into()),
        utm_campaign: Some("winter".into()),
        utm_content: None,
        utm_term: None,
    }
}

async fn timed(label: &str, backend: Backend, f: impl std::future::Future<Output = ()>) -> String {
    let started = Instant::now();
    f.await;
    let secs = started.elapsed().as_secs_f64();
    format!(
        "| {backend:?} | {label} | {ROWS} | {secs:.2} | {:.0} |",
        ROWS as f64 / secs
    )
}

async fn bench(store: &Store, backend: Backend) -> Vec<String> {
    let portal = store
        .upsert_portal(&NewPortal {
            member_id: "bench".into(),
            domain: "bench.bitrix24.ru".into(),
            client_endpoint: "https://bench.bitrix24.ru/rest/".into(),
            ..NewPortal::default()
        })
        .await
        .expect("portal");
    let first: Vec<Deal> = (1..=ROWS).map(|id| deal(id, 0)).collect();
    let second: Vec<Deal> = (1..=ROWS).map(|id| deal(id, 1)).collect();
    let paged: Vec<Deal> = (ROWS + 1..=2 * ROWS).map(|id| deal(id, 0)).collect();
    let mut out = Vec::new();
    out.push(
        timed("insert, one call", backend, async {
            store.upsert_deals(portal, &first).await.expect("insert");
        })
        .await,
    );
    out.push(
        timed("update same ids, one call", backend, async {
            store.upsert_deals(portal, &second).await.expect("update");
        })
        .await,
    );
    out.push(
        timed("insert, calls of 50", backend, async {
            for page in paged.chunks(50) {
                store.upsert_deals(portal, page).await.expect("page");
            }
        })
        .await,
    );
    assert_eq!(
        store.count(portal, Entity::Deals).await.expect("count"),
        2 * ROWS
    );
    assert_eq!(
        store.deal(portal, 5).await.expect("read").as_ref(),
        Some(&second[4])
    );
    out
}

#[tokio::main]
async fn main() {
    let mut lines = vec![
        "| backend | what | rows | seconds | rows/s |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await.expect("test database");
        lines.extend(bench(db.store(), backend).await);
        db.cleanup().await;
    }
    println!("{}", lines.join("\n"));
}
