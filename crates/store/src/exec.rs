//! Running shared SQL with [`Val`] binds on whichever backend is active, on the pool or inside a transaction, so
//! the modules above it are ordinary backend-agnostic async code. It must never build SQL itself.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::sql::{bind_vals, Val};
use crate::{Pool, Store, StoreError};

/// A type readable from a result row of either backend (records, tuples of plain values).
pub trait FromAnyRow:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromAnyRow for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// An open transaction on the active backend; dropped without [`Tx::commit`] it rolls back.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) fn backend(&self) -> crate::Backend {
        match self {
            Tx::Sqlite(_) => crate::Backend::Sqlite,
            Tx::Postgres(_) => crate::Backend::Postgres,
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, vals: &[Val<'_>]) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_vals!(sqlx::query(sql), vals)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind_vals!(sqlx::query(sql), vals)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Runs one query and reads every row.
    pub(crate) async fn fetch_all<T: FromAnyRow>(
        &mut self,
        sql: &str,
        vals: &[Val<'_>],
    ) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs one query and reads at most one row.
    pub(crate) async fn fetch_optional<T: FromAnyRow>(
        &mut self,
        sql: &str,
        vals: &[Val<'_>],
    ) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        })
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

impl Store {
    /// Opens a transaction on the active backend.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self.pool() {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Runs one statement on the pool (its own implicit transaction); the number of rows it changed.
    pub(crate) async fn execute(&self, sql: &str, vals: &[Val<'_>]) -> Result<u64, StoreError> {
        Ok(match self.pool() {
            Pool::Sqlite(p) => bind_vals!(sqlx::query(sql), vals)
                .execute(p)
                .await?
                .rows_affected(),
            Pool::Postgres(p) => bind_vals!(sqlx::query(sql), vals)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    /// Runs one query on the pool and reads every row.
    pub(crate) async fn fetch_all<T: FromAnyRow>(
        &self,
        sql: &str,
        vals: &[Val<'_>],
    ) -> Result<Vec<T>, StoreError> {
        Ok(match self.pool() {
            Pool::Sqlite(p) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_all(p)
                    .await?
            }
            Pool::Postgres(p) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_all(p)
                    .await?
            }
        })
    }

    /// Runs one query on the pool and reads at most one row.
    pub(crate) async fn fetch_optional<T: FromAnyRow>(
        &self,
        sql: &str,
        vals: &[Val<'_>],
    ) -> Result<Option<T>, StoreError> {
        Ok(match self.pool() {
            Pool::Sqlite(p) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_optional(p)
                    .await?
            }
            Pool::Postgres(p) => {
                bind_vals!(sqlx::query_as::<_, T>(sql), vals)
                    .fetch_optional(p)
                    .await?
            }
        })
    }
}
