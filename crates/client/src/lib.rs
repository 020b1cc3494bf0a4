//! Bitrix24 REST client: OAuth-app or webhook auth, the call envelope and typed errors, rate limiting and
//! per-method time budgets, `batch`, and fast full exports by ID cursor chained inside batches.
//! This crate must never touch the database: token persistence goes through the [`TokenStore`] trait.

pub mod auth;
pub mod batch;
pub mod client;
pub mod envelope;
pub mod error;
pub mod export;
pub mod limiter;
pub mod oauth;
pub mod observe;
pub mod row;
pub mod value;
pub mod windows;

pub use auth::{MemoryTokenStore, OAuthApp, TokenPair, TokenStore, TokenStoreError};
pub use batch::{Batch, BatchResponse};
pub use client::{Client, ClientConfig};
pub use envelope::{Envelope, TimeInfo};
pub use error::ApiError;
pub use export::{Direction, ExportChunk, IdCursorExport, ListSpec};
pub use limiter::RateLimits;
pub use row::{FieldError, Row};
pub use windows::{WindowedExport, WindowsChunk};
