//! Opening the store: picks the backend from the URL, sizes the pool, applies the embedded migrations.
//!
//! Both backends run the same SQL text: statements use `$1`-style placeholders (which sqlx accepts for SQLite
//! too), `ON CONFLICT … DO UPDATE` upserts and no dialect-only functions. [`with_pool!`] runs one body against
//! whichever pool is active, so a query is written once.
//!
//! Verified (tests/schema.rs): sqlx-sqlite binds `$1, $2` by number, out of order and with a `$1` used twice.
//! But SQLite looks a numbered parameter up by a linear scan, so a statement with thousands of `$n` costs
//! O(n^2) (a 32,000-parameter upsert took 30 s): statements with more than a few hundred binds must use
//! anonymous `?` on SQLite, as the store's bulk writers do (`sql::Ph`, docs/STORE-BENCH.md).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool of the active backend.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the active backend's pool (`&SqlitePool` or `&PgPool`).
/// The body is compiled once per backend, so it must be valid for both — which the shared SQL is.
#[macro_export]
macro_rules! with_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

/// Prepared statements kept per SQLite connection (see [`Store::connect`]).
const SQLITE_STATEMENT_CACHE: usize = 16;

/// The store: a pool on one backend with the schema migrated.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Opens (creating an SQLite file if needed) the database at `url` and applies pending migrations.
    ///
    /// `sqlite:path/to/file.db` or `sqlite::memory:` for SQLite, `postgres://…` for PostgreSQL.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                // WAL lets report reads run while the sync writes; NORMAL is durable at checkpoints under WAL.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                // Each connection keeps its prepared statements inside SQLite's own heap (sqlx's default: 100 per
                // connection). The sync's batch upserts compile to large programs, so 8 connections × 100 held
                // ~120 MB of the server's resident memory after a 10k-deal import (heap profile in
                // docs/REPORTS-BENCH.md "Server memory"); 16 keep the hot statements of a request or a batch.
                .statement_cache_capacity(SQLITE_STATEMENT_CACHE);
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                // An in-memory database lives in one connection; a file is shared by several.
                .max_connections(if in_memory { 1 } else { 8 })
                .connect_with(options)
                .await?;
            Store {
                pool: Pool::Sqlite(pool),
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Store {
                pool: Pool::Postgres(pool),
            }
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations not yet applied. Safe to call from several processes at once:
    /// sqlx takes an advisory lock on PostgreSQL and SQLite serialises writers.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// The active backend.
    pub fn backend(&self) -> Backend {
        match &self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The pool, for modules (here and in the reports crate) that run their own queries through [`with_pool!`].
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Whether the database answers a trivial statement (the server's readiness probe).
    pub async fn answers(&self) -> bool {
        with_pool!(&self.pool, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    /// Closes every connection; pending statements finish first.
    pub async fn close(&self) {
        with_pool!(&self.pool, p => p.close().await)
    }
}
