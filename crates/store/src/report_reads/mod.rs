//! The reads of the reports crate: every query the seven reports, their drill-downs and their in-memory cache run,
//! behind typed methods on [`Store`] returning named rows. Rows come out as stored (or as the database counted
//! them); windows are supersets and the reports apply the exact predicates, so a metric's definition lives in the
//! reports only. Must never compute a metric, convert money, or name anything for display.
//!
//! Large reads go through [`packed`] (one text value per query, split here), declared with `packed_row!` so that a
//! row's fields and its selected columns are one list.

mod activities;
mod cache_keys;
mod clients;
mod custom_fields;
mod deals;
mod dictionaries;
mod leads;
mod linked;
pub(crate) mod packed;
mod parts;
mod setting_text;
mod tasks_calls;

pub use activities::{
    ActivityGroupRow, ActivityLogRow, ActivityRow, ActivitySelect, OpenDeadlineRow,
};
pub use cache_keys::CachedTable;
pub use clients::{ClientActivityRow, ClientCardRow, ClientCards, ClientTable, CompanyIndustryRow};
pub use custom_fields::FieldValueRow;
pub use deals::{DealHistoryRow, DealRow, DealSelect};
pub use dictionaries::{
    DepartmentRow, MembershipRow, NamedRow, ReportDictionaries, StatusRow, UserNameRow,
};
pub use leads::{LeadRow, LeadSelect};
pub use linked::FirstAmountRow;
pub use tasks_calls::{CallRow, TaskRow};
