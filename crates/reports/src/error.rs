//! Errors of the reports: a bad filter (the caller's fault, HTTP 400) versus a store failure (ours, HTTP 500).
//! Never put portal data from another portal or SQL text into a message shown to users.

use crate::filter::FilterError;

/// Anything a report, a drill-down or a list can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The filter (or a drill handle / list query) is malformed or absurd; names the bad field. Maps to HTTP 400.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// The portal does not exist in the store. Maps to HTTP 404.
    #[error("portal {0} not found")]
    UnknownPortal(i64),
    /// The store failed.
    #[error("store error: {0}")]
    Store(#[from] b24a_store::StoreError),
}
