//! Errors of the sync engine, typed so the scheduler can tell "portal needs a human" from "try again later".

use b24a_client::{ApiError, FieldError};
use b24a_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The portal refused the app for good (revoked, unpaid, deleted): the portal is flagged; nothing is deleted.
    #[error("portal needs attention: {0}")]
    NeedsAttention(String),
    /// A call to the portal failed.
    #[error("portal API: {0}")]
    Api(#[from] ApiError),
    /// A row from the portal could not be read; the batch it came in is not stored.
    #[error("bad {entity} row {id:?}: {source}")]
    BadRow {
        entity: &'static str,
        id: Option<i64>,
        source: FieldError,
    },
    /// A row was read but the store's checks refuse the record (an empty stage, a non-positive id …); the row is
    /// left out, the rest of its chunk stored.
    #[error("bad {entity} row {id:?}: {source}")]
    Rejected {
        entity: &'static str,
        id: Option<i64>,
        source: StoreError,
    },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Another process holds the portal's sync lease.
    #[error("portal {0} is being synced by another process")]
    Busy(i64),
    #[error("{0}")]
    Config(String),
}

impl SyncError {
    /// True when the portal must be left alone until a human acts.
    pub fn needs_attention(&self) -> bool {
        match self {
            SyncError::NeedsAttention(_) => true,
            SyncError::Api(e) => e.needs_attention(),
            _ => false,
        }
    }
}
