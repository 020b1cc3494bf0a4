//! The schema on both backends: `$n` placeholders bind by number on SQLite too, migrations build every table
//! from empty, and running them again changes nothing.

use crate::common;

use b24a_store::testing::TestDb;
use b24a_store::{store_test, with_pool, Backend, Store};

const TABLES: [&str; 33] = [
    "portals",
    "portal_apps",
    "users",
    "user_departments",
    "departments",
    "pipelines",
    "crm_statuses",
    "currencies",
    "deals",
    "leads",
    "companies",
    "contacts",
    "stage_history",
    "activities",
    "calls",
    "projects",
    "tasks",
    "custom_field_values",
    "custom_field_defs",
    "sync_state",
    "leases",
    "pending_events",
    "portal_settings",
    "access_rules",
    "sales_plans",
    "report_data_versions",
    "crm_types",
    "crm_items",
    "deal_first_amounts",
    "report_parts",
    "tidy_runs",
    "tidy_run_records",
    "user_grants",
];

/// The versions the migrations directory holds, read from the file names: an independent route to what a
/// migration from empty must have applied.
fn migration_files(backend: Backend) -> Vec<i64> {
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(dir);
    let mut versions: Vec<i64> = std::fs::read_dir(&path)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.split('_').next().and_then(|v| v.parse().ok())
        })
        .collect();
    versions.sort();
    assert!(versions.len() >= 5, "too few migrations found in {path:?}");
    versions
}

async fn table_names(store: &Store) -> Vec<String> {
    let mut names: Vec<String> = with_pool!(store.pool(), p => {
        match store.backend() {
            Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(p).await.unwrap(),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(p)
            .await
            .unwrap(),
        }
    });
    names.sort();
    names
}

async fn column_names(store: &Store, table: &str) -> Vec<String> {
    with_pool!(store.pool(), p => {
        match store.backend() {
            Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)").bind(table).fetch_all(p).await.unwrap(),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT column_name::TEXT FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
        }
    })
}

async fn applied_migrations(store: &Store) -> Vec<i64> {
    with_pool!(store.pool(), p => {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(p).await.unwrap()
    })
}

store_test!(dollar_placeholders_bind_by_number_and_repeat, |store| {
    // Out of order and repeated: $2 first, $1 twice.
    let row: (i64, String, String) = with_pool!(store.pool(), p => {
        sqlx::query_as("SELECT $2 * 10, $1, $1 || '-' || $1")
            .bind("ab")
            .bind(7_i64)
            .fetch_one(p)
            .await
            .unwrap()
    });
    assert_eq!(row, (70, "ab".to_string(), "ab-ab".to_string()));

    // The same in a multi-row INSERT sharing $1 across rows, as the batched upserts do.
    with_pool!(store.pool(), p => {
        sqlx::query(
            "INSERT INTO portals (member_id, domain, client_endpoint, installed_at, updated_at) \
             VALUES ($2, $1, $1, $4, $4), ($3, $1, $1, $4, $4)",
        )
        .bind("shared.example")
        .bind("m-one")
        .bind("m-two")
        .bind(42_i64)
        .execute(p)
        .await
        .unwrap()
        .rows_affected()
    });
    let rows: Vec<(String, String, String, i64)> = with_pool!(store.pool(), p => {
        sqlx::query_as("SELECT member_id, domain, client_endpoint, installed_at FROM portals ORDER BY member_id")
            .fetch_all(p)
            .await
            .unwrap()
    });
    assert_eq!(
        rows,
        vec![
            (
                "m-one".into(),
                "shared.example".into(),
                "shared.example".into(),
                42
            ),
            (
                "m-two".into(),
                "shared.example".into(),
                "shared.example".into(),
                42
            ),
        ]
    );
});

store_test!(
    migration_from_empty_creates_every_table_with_portal_ids,
    |store| {
        let names = table_names(&store).await;
        for t in TABLES {
            assert!(
                names.iter().any(|n| n == t),
                "table {t} missing from {names:?}"
            );
        }
        for t in TABLES.iter().filter(|t| **t != "portals") {
            let cols = column_names(&store, t).await;
            assert!(
                cols.iter().any(|c| c == "portal_id"),
                "{t} has no portal_id: {cols:?}"
            );
        }
        assert_eq!(
            applied_migrations(&store).await,
            migration_files(store.backend())
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_again_is_a_no_op_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await.unwrap();
        let store = db.store();
        let portal = common::portal(store, "again").await;
        store
            .upsert_deals(portal, &[common::deal(1)])
            .await
            .unwrap();
        let before = (table_names(store).await, applied_migrations(store).await);

        store.migrate().await.unwrap();
        // A second process connecting to the same database runs the migrations on start, too.
        let second = Store::connect(db.url()).await.unwrap();
        second.close().await;

        assert_eq!(
            (table_names(store).await, applied_migrations(store).await),
            before,
            "{backend:?}"
        );
        assert_eq!(
            store.deal(portal, 1).await.unwrap(),
            Some(common::deal(1)),
            "{backend:?}"
        );
        db.cleanup().await;
    }
}

async fn database_exists(name: &str) -> bool {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(b24a_store::testing::DEFAULT_TEST_POSTGRES_URL)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    n == 1
}

fn database_name(db: &TestDb) -> String {
    db.url().rsplit('/').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_test_databases_are_unique_and_dropped() {
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        return; // this test checks the default server only
    }
    let a = TestDb::postgres().await.unwrap();
    let b = TestDb::postgres().await.unwrap();
    let (name_a, name_b) = (database_name(&a), database_name(&b));
    assert_ne!(name_a, name_b);
    assert!(name_a.starts_with("b24a_t_"), "{name_a}");
    assert!(database_exists(&name_a).await && database_exists(&name_b).await);
    a.cleanup().await;
    assert!(!database_exists(&name_a).await);
    // Dropped without cleanup (as when a test panics): Drop removes it.
    drop(b);
    assert!(!database_exists(&name_b).await);
}
