//! The local store of everything pulled from Bitrix24 portals, plus the app's own per-portal settings.
//!
//! One schema (see `migrations/`) on two backends chosen by `DATABASE_URL`: SQLite (a file, the embedded default)
//! and PostgreSQL (production). Every portal-owned row carries `portal_id`, and every query here filters by it.
//! This crate must never talk to Bitrix24 and never compute report metrics: it stores and retrieves records.

mod db;
mod error;
pub mod records;

pub use db::{Backend, Pool, Store};
pub use error::StoreError;
