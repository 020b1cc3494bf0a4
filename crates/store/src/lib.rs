//! The local store of everything pulled from Bitrix24 portals, plus the app's own per-portal settings.
//!
//! One schema (see `migrations/`) on two backends chosen by `DATABASE_URL`: SQLite (a file, the embedded default)
//! and PostgreSQL (production). Every portal-owned row carries `portal_id`, and every query here filters by it.
//! This crate must never talk to Bitrix24 and never compute report metrics: it stores and retrieves records.
//!
//! The API is a set of methods on [`Store`], one module per concern:
//! portals ([`portals`]), app registrations and tokens ([`apps`]), synced records (`write`/`read`, typed in
//! [`records`]), custom-field definitions ([`custom_field_defs`]), smart-process types and items ([`linked_work`]), sync bookkeeping ([`sync_state`]), leases
//! ([`leases`]), pending events ([`events`]), settings, access rules, user presets and sales plans ([`settings`],
//! [`access`], [`presets`], [`plans`]), the reports' reads ([`report_reads`]), and [`testing`] helpers for tests of this and other crates on both backends.

pub mod access;
pub mod apps;
mod clock;
mod contacts;
pub mod custom_field_defs;
mod db;
mod delete;
pub mod digest;
mod entity;
mod error;
pub mod events;
mod exec;
pub mod leases;
pub mod linked_work;
pub mod list_rows;
pub mod plans;
pub mod portals;
pub mod presets;
pub mod read;
pub mod records;
mod replace;
pub mod report_reads;
pub mod settings;
mod sql;
pub mod sync_state;
mod table;
pub mod testing;
pub mod tidy;
pub mod tiers;
pub mod user_grants;
mod validate;
pub mod write;

pub use access::{AccessRule, AccessSubject, RuleScope};
pub use apps::{AppStatus, AppTokens, PortalApp, StoredTokens};
pub use custom_field_defs::{CustomFieldDef, CustomFieldItem, DefsOutcome};
pub use db::{Backend, Pool, Store};
pub use digest::{DigestRecord, DigestSettings};
pub use entity::Entity;
pub use error::StoreError;
pub use events::PendingEvent;
pub use exec::FromAnyRow;
pub use leases::Lease;
pub use linked_work::{CrmItem, CrmType};
pub use list_rows::{ActivityListRow, ClientListRow, DealListRow, LeadListRow, TaskListRow};
pub use plans::{NewSalesPlan, PeriodKind, SalesPlan};
pub use portals::{NewPortal, Portal, PortalId, PortalStatus};
pub use settings::ForgetMeNotSettings;
pub use sync_state::SyncState;
pub use table::Validate;
pub use tidy::{NewTidyRecord, TidyOutcome, TidyRecord, TidyRun};
pub use tiers::StoredTier;
pub use user_grants::StoredGrant;
pub use write::{Batch, BatchOutcome, CustomFieldSet, Dictionary, Records, ReplaceOutcome};
