//! Fresh, isolated databases for tests of this and other crates, on both backends.
//!
//! - [`TestDb::sqlite`]: a new SQLite file in its own temporary directory (removed when the `TestDb` drops).
//! - [`TestDb::postgres`]: a new, uniquely named database (`b24a_t_<unix>_<pid>_<n>_<random>`) on the server named
//!   by `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped by
//!   [`TestDb::cleanup`] or, failing that, when the `TestDb` drops. Databases left by killed runs are swept once
//!   per process when they are older than six hours; they never clash with new ones, whose names are unique.
//! - [`store_test!`](crate::store_test) writes one test body once and runs it as two tests, `sqlite` and
//!   `postgres`; [`on_both_backends`] runs a body on both backends in turn inside one test.
//!
//! Compiled always (other crates' tests use it) but never used by production code.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::Connection;

use crate::{Backend, Store, StoreError};

/// The server used when `TEST_POSTGRES_URL` is not set.
pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PREFIX: &str = "b24a_t_";
/// Test databases older than this are presumed left by a killed run.
const STALE_AFTER_SECS: i64 = 6 * 3600;

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

enum Kind {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
        dropped: bool,
    },
}

/// A fresh migrated database and a store connected to it. Keep it alive for as long as the store is used.
pub struct TestDb {
    store: Store,
    url: String,
    kind: Kind,
}

fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u32
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    format!("{root}/{name}{query}")
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string())
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Drops test databases whose creation time (in their name) is older than [`STALE_AFTER_SECS`].
async fn sweep_stale(conn: &mut sqlx::PgConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'b24a\\_t\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    let now = crate::clock::now();
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<i64>().ok());
        if created.is_some_and(|t| now - t > STALE_AFTER_SECS) {
            // Best effort: a database still in use simply stays.
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// Runs a script of seeding statements (test and benchmark data written as SQL literals, never user input).
pub async fn run_script(store: &Store, sql: &str) -> Result<(), StoreError> {
    crate::with_pool!(store.pool(), p => { sqlx::raw_sql(sql).execute(p).await.map(|_| ()) })
        .map_err(StoreError::from)
}

/// The number of rows of `table` held for portal `portal` (benchmarks check what they generated).
pub async fn count_rows(store: &Store, table: &str, portal: i64) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE portal_id = {portal}");
    let (n,): (i64,) =
        crate::with_pool!(store.pool(), p => { sqlx::query_as(&sql).fetch_one(p).await })?;
    Ok(n)
}

/// Creates the PostgreSQL database `name` on the server at `base` (`postgres://user@host:port`) unless it exists,
/// and returns its URL (a benchmark's database kept between runs).
pub async fn ensure_postgres_database(base: &str, name: &str) -> Result<String, StoreError> {
    let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut c)
        .await?;
    if exists.is_none() {
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut c)
            .await?;
    }
    Ok(format!("{base}/{name}"))
}

impl TestDb {
    /// A fresh SQLite file database in a new temporary directory.
    pub async fn sqlite() -> Result<TestDb, StoreError> {
        let dir = tempfile::tempdir().map_err(|e| {
            StoreError::UnsupportedUrl(format!("cannot create a temporary directory: {e}"))
        })?;
        let url = format!("sqlite:{}", dir.path().join("store.db").display());
        let store = Store::connect(&url).await?;
        Ok(TestDb {
            store,
            url,
            kind: Kind::Sqlite { _dir: dir },
        })
    }

    /// A fresh, uniquely named PostgreSQL database on the test server.
    pub async fn postgres() -> Result<TestDb, StoreError> {
        let admin_url = admin_url();
        let name = format!(
            "{PREFIX}{}_{}_{}_{:08x}",
            crate::clock::now(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
        if !SWEPT.swap(true, Ordering::Relaxed) {
            sweep_stale(&mut conn).await;
        }
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let url = with_database(&admin_url, &name);
        match Store::connect(&url).await {
            Ok(store) => Ok(TestDb {
                store,
                url,
                kind: Kind::Postgres {
                    admin_url,
                    name,
                    dropped: false,
                },
            }),
            Err(e) => {
                let _ = drop_database(&admin_url, &name).await;
                Err(e)
            }
        }
    }

    /// A fresh database on `backend`.
    pub async fn new(backend: Backend) -> Result<TestDb, StoreError> {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// The connected, migrated store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The database URL (for code under test that connects by itself).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the store and removes the database.
    pub async fn cleanup(mut self) {
        self.store.close().await;
        if let Kind::Postgres {
            admin_url,
            name,
            dropped,
        } = &mut self.kind
        {
            if drop_database(admin_url, name).await.is_ok() {
                *dropped = true;
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Kind::Postgres {
            admin_url,
            name,
            dropped: false,
        } = &self.kind
        {
            // Drop may run inside an async runtime (a failing test unwinding): use a thread with its own runtime.
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let worker = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(drop_database(&admin_url, &name));
                }
            });
            let _ = worker.join();
        }
    }
}

/// Runs `body` on a fresh SQLite store, then on a fresh PostgreSQL store. Panics (failing the test) when a
/// database cannot be created.
pub async fn on_both_backends<F, Fut>(mut body: F)
where
    F: FnMut(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = match TestDb::new(backend).await {
            Ok(db) => db,
            Err(e) => panic!("cannot create a {backend:?} test database: {e}"),
        };
        body(db.store().clone()).await;
        db.cleanup().await;
    }
}

/// The one way to run a test on both backends: declares a module `$name` with two tests, `sqlite` and
/// `postgres`, each running `$body` once. Two forms:
///
/// ```ignore
/// // `store` bound to a fresh migrated store of that backend (dropped after the body):
/// b24a_store::store_test!(upsert_is_idempotent, |store| {
///     let portal = store.upsert_portal(&portal_fixture()).await.unwrap();
///     // ...
/// });
/// // `backend` bound to the backend, for bodies that build their own world (emulator, server, several stores):
/// b24a_store::store_test!(two_apps_in_one_portal, |backend: Backend| {
///     two_apps_in_one_portal(backend).await;
/// });
/// ```
/// Run one backend with `cargo test ... two_apps_in_one_portal::postgres`. The calling crate needs `tokio` (with
/// the `macros` and `rt-multi-thread` features) as a dev-dependency.
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$backend:ident : Backend| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $backend: $crate::Backend = $crate::Backend::Sqlite;
                $body
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $backend: $crate::Backend = $crate::Backend::Postgres;
                $body
            }
        }
    };
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::sqlite()
                    .await
                    .expect("create a SQLite test database");
                {
                    let $store: $crate::Store = db.store().clone();
                    $body
                }
                db.cleanup().await;
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::testing::TestDb::postgres()
                    .await
                    .expect("create a PostgreSQL test database");
                {
                    let $store: $crate::Store = db.store().clone();
                    $body
                }
                db.cleanup().await;
            }
        }
    };
}
