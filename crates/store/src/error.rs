//! Errors of the store: what went wrong talking to the database, typed so callers can tell them apart.

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` names no backend we support or cannot be parsed.
    #[error("unsupported database URL {0:?}: expected sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    /// The database refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed; the database is left as the failed migration's transaction left it.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A value read back from the database does not fit what the schema promises.
    #[error("corrupt stored value in {table}.{column}: {detail}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        detail: String,
    },
    /// The caller asked for something that does not exist (unknown portal, plan row ...).
    #[error("{0} not found")]
    NotFound(String),
    /// A write lost a race (e.g. a token pair changed since it was read).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller handed over a value the store refuses to keep; nothing of that call was written.
    /// `record` names the kind of value (deal, sales_plan …), `field` the offending field.
    #[error("invalid {record}: {field} {reason}")]
    Invalid {
        record: &'static str,
        field: &'static str,
        reason: String,
    },
    /// A plan row repeats a stored one (or another row of the same paste): same employee / department, pipeline
    /// and period. `row` is its index in the submitted rows; nothing of that call was written.
    #[error("rows[{row}].period_start: a plan for the same {who}, pipeline and period {repeats}")]
    DuplicatePlan {
        row: usize,
        who: &'static str,
        repeats: String,
    },
}

impl StoreError {
    /// The database aborted the transaction to break a deadlock (PostgreSQL SQLSTATE 40P01): nothing of it was
    /// written, and running it again is safe.
    pub fn is_deadlock(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d)) if d.code().as_deref() == Some("40P01"))
    }

    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(
        record: &'static str,
        field: &'static str,
        reason: impl Into<String>,
    ) -> StoreError {
        StoreError::Invalid {
            record,
            field,
            reason: reason.into(),
        }
    }

    /// The offending field when this is an [`StoreError::Invalid`].
    pub fn invalid_field(&self) -> Option<&'static str> {
        match self {
            StoreError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
