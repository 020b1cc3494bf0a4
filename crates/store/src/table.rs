//! How each synced record maps onto its table: name, columns (in bind order), conflict key, validation.
//! One macro lists each record's fields once; destructuring `Self` without `..` makes the compiler reject a
//! record field that is missing from its column list. Never holds SQL beyond column and key names.

use std::hash::Hash;

use crate::exec::FromAnyRow;
use crate::records::{
    Activity, Call, Company, Contact, CrmStatus, Currency, Deal, Department, Lead, Pipeline,
    Project, StageHistory, Task, User,
};
use crate::sql::{ToVal, Val};
use crate::{validate, StoreError};

/// A key value, bindable in key-column order.
pub(crate) trait KeyVals {
    fn push<'a>(&'a self, out: &mut Vec<Val<'a>>);
}
impl KeyVals for (i64,) {
    fn push<'a>(&'a self, out: &mut Vec<Val<'a>>) {
        out.push(Val::I64(self.0));
    }
}
impl KeyVals for (i64, i64) {
    fn push<'a>(&'a self, out: &mut Vec<Val<'a>>) {
        out.push(Val::I64(self.0));
        out.push(Val::I64(self.1));
    }
}
impl KeyVals for (String,) {
    fn push<'a>(&'a self, out: &mut Vec<Val<'a>>) {
        out.push(Val::Str(&self.0));
    }
}
impl KeyVals for (String, String) {
    fn push<'a>(&'a self, out: &mut Vec<Val<'a>>) {
        out.push(Val::Str(&self.0));
        out.push(Val::Str(&self.1));
    }
}

/// The store's checks of one record (`validate.rs`), the same ones every write runs. Public so a writer that must
/// not lose a whole batch to one bad record (the sync) can check each record first, leave the bad ones out and
/// report them by kind, id and field ([`StoreError::Invalid`]).
pub trait Validate {
    fn validate(&self) -> Result<(), StoreError>;
}

impl Validate for crate::records::CustomFieldValue {
    fn validate(&self) -> Result<(), StoreError> {
        validate::custom_field_value(self)
    }
}

/// A record stored one row per key in a portal-owned table with `portal_id` and `synced_at` columns.
pub(crate) trait Table: FromAnyRow + Validate + Sync {
    const TABLE: &'static str;
    /// Record columns in bind order (without `portal_id` and `synced_at`).
    const COLUMNS: &'static [&'static str];
    /// The key within a portal (the primary key minus `portal_id`).
    const KEY: &'static [&'static str];
    type Key: Hash + Eq + Clone + KeyVals + FromAnyRow + Sync;
    fn key(&self) -> Self::Key;
    /// Pushes the values of [`Table::COLUMNS`], in that order.
    fn values<'a>(&'a self, out: &mut Vec<Val<'a>>);
}

macro_rules! table {
    ($ty:ident, $table:literal, key: [$($k:ident),+] as $key_ty:ty, check: $check:path,
     columns: [$($c:ident),+ $(,)?] $(, skip: [$($skip:ident),*])?) => {
        impl Table for $ty {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($c)),+];
            const KEY: &'static [&'static str] = &[$(stringify!($k)),+];
            type Key = $key_ty;
            fn key(&self) -> $key_ty {
                ($(self.$k.clone(),)+)
            }
            fn values<'a>(&'a self, out: &mut Vec<Val<'a>>) {
                let $ty { $($c,)+ $($($skip: _,)*)? } = self;
                $(out.push(ToVal::to_val($c));)+
            }
        }
        impl Validate for $ty {
            fn validate(&self) -> Result<(), StoreError> {
                $check(self)
            }
        }
    };
}

table!(User, "users", key: [id] as (i64,), check: validate::user,
    columns: [id, name, last_name, second_name, email, work_position, active, user_type, date_register],
    skip: [department_ids]);

table!(Department, "departments", key: [id] as (i64,), check: validate::department,
    columns: [id, name, parent_id, head_user_id, sort]);

table!(Pipeline, "pipelines", key: [id] as (i64,), check: validate::pipeline,
    columns: [id, name, sort, is_default]);

table!(CrmStatus, "crm_statuses", key: [entity_id, status_id] as (String, String), check: validate::crm_status,
    columns: [entity_id, status_id, name, sort, semantics, extra_semantics, category_id]);

table!(Currency, "currencies", key: [currency] as (String,), check: validate::currency,
    columns: [currency, amount_cnt, amount, is_base, sort, full_name]);

table!(Company, "companies", key: [id] as (i64,), check: validate::company,
    columns: [id, title, company_type, industry, assigned_by_id, date_create, date_modify]);

table!(Contact, "contacts", key: [id] as (i64,), check: crate::contacts::validate,
    columns: [id, name, last_name, second_name, type_id, source_id, company_id, assigned_by_id, date_create,
        date_modify, last_activity_time]);

table!(Deal, "deals", key: [id] as (i64,), check: validate::deal,
    columns: [id, title, type_id, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id,
        opportunity_account_cents, account_currency_id, probability, assigned_by_id, created_by_id, modify_by_id,
        moved_by_id, date_create, date_modify, moved_time, last_activity_time, last_activity_by, begindate,
        closedate, closed, opened, is_new, is_recurring, is_return_customer, is_repeated_approach, source_id,
        source_description, company_id, contact_id, lead_id, utm_source, utm_medium, utm_campaign, utm_content,
        utm_term]);

table!(Lead, "leads", key: [id] as (i64,), check: validate::lead,
    columns: [id, title, status_id, status_semantic_id, source_id, source_description, opportunity_cents,
        currency_id, assigned_by_id, created_by_id, modify_by_id, moved_by_id, date_create, date_modify,
        moved_time, date_closed, last_activity_time, last_activity_by, company_id, contact_id, company_title,
        is_return_customer, opened, utm_source, utm_medium, utm_campaign, utm_content, utm_term]);

table!(StageHistory, "stage_history", key: [entity_type_id, id] as (i64, i64), check: validate::stage_history,
    columns: [entity_type_id, id, type_id, owner_id, created_time, category_id, stage_id, stage_semantic_id]);

table!(Activity, "activities", key: [id] as (i64,), check: validate::activity,
    columns: [id, owner_type_id, owner_id, type_id, provider_id, provider_type_id, direction, completed, status,
        priority, responsible_id, author_id, subject, created, last_updated, start_time, end_time, deadline,
        is_incoming_channel, origin_id]);

table!(Call, "calls", key: [id] as (i64,), check: validate::call,
    columns: [id, user_id, call_type, duration_seconds, start_time, failed_code, crm_activity_id]);

table!(Project, "projects", key: [id] as (i64,), check: validate::project,
    columns: [id, name, active, closed, is_project, owner_id, date_create]);

table!(Task, "tasks", key: [id] as (i64,), check: validate::task,
    columns: [id, title, status, priority, responsible_id, created_by, closed_by, group_id, parent_id,
        created_date, changed_date, closed_date, date_start, deadline, start_date_plan, end_date_plan]);
