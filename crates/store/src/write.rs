//! Writing synced records: idempotent batched upserts (multi-row `INSERT … ON CONFLICT DO UPDATE` in chunks under
//! both backends' bind limits, anonymous placeholders on SQLite), custom-field replacement, and [`Batch`]: everything
//! one sync step stores — records, dictionaries replaced whole (`replace.rs`), deletes by id (`delete.rs`), events
//! marked processed and the sync state — in one transaction. Every statement is scoped by `portal_id`.
//! Never writes a partial batch: a row failing validation (checked chunk by chunk inside the transaction) or a
//! database error rolls the whole call back; callers that must not lose a batch check records first
//! ([`crate::Validate`]).

use std::collections::{HashMap, HashSet};

use crate::clock::now;
use crate::delete::{delete_by_ids_in, delete_records_in};
use crate::events::mark_processed_in;
use crate::exec::Tx;
use crate::records::{
    Activity, Call, Company, Contact, CrmStatus, Currency, CustomFieldValue, Deal, Department,
    Lead, Pipeline, Project, StageHistory, Task, User,
};
use crate::replace::dictionary_in;
pub use crate::replace::{Dictionary, ReplaceOutcome};
use crate::sql::{Ph, Val, MAX_BINDS};
use crate::sync_state::{save_sync_state_in, SyncState};
use crate::table::Table;
use crate::{validate, Backend, Entity, PortalId, Store, StoreError};

/// A batch of one kind of synced record, for [`Store::write_records`].
#[derive(Debug, Clone, Copy)]
pub enum Records<'a> {
    Users(&'a [User]),
    Departments(&'a [Department]),
    Pipelines(&'a [Pipeline]),
    CrmStatuses(&'a [CrmStatus]),
    Currencies(&'a [Currency]),
    Companies(&'a [Company]),
    Contacts(&'a [Contact]),
    Deals(&'a [Deal]),
    Leads(&'a [Lead]),
    StageHistory(&'a [StageHistory]),
    Activities(&'a [Activity]),
    Calls(&'a [Call]),
    Projects(&'a [Project]),
    Tasks(&'a [Task]),
}

/// The rows to write: the last occurrence of each key wins (PostgreSQL refuses to update one row twice in a
/// statement, and the last copy is the newest the sync saw).
fn dedup_last<T: Table>(rows: &[T]) -> Vec<&T> {
    let mut last: HashMap<T::Key, usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        last.insert(r.key(), i);
    }
    if last.len() == rows.len() {
        return rows.iter().collect();
    }
    rows.iter()
        .enumerate()
        .filter(|(i, r)| last.get(&r.key()) == Some(i))
        .map(|(_, r)| r)
        .collect()
}

/// `INSERT … (portal_id, columns…, synced_at) VALUES (…), … ON CONFLICT (portal_id, key) DO UPDATE SET …`
/// for `n` rows; each row binds its portal, its column values, then the sync time.
fn upsert_sql<T: Table>(backend: Backend, n: usize) -> String {
    let cols = T::COLUMNS.len();
    let mut ph = Ph::new(backend);
    let mut sql = String::with_capacity(64 + n * cols * 8);
    sql.push_str("INSERT INTO ");
    sql.push_str(T::TABLE);
    sql.push_str(" (portal_id, ");
    sql.push_str(&T::COLUMNS.join(", "));
    sql.push_str(", synced_at) VALUES ");
    for row in 0..n {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        ph.list(&mut sql, cols + 2);
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (portal_id, ");
    sql.push_str(&T::KEY.join(", "));
    sql.push_str(") DO UPDATE SET ");
    for c in T::COLUMNS.iter().filter(|c| !T::KEY.contains(c)) {
        sql.push_str(c);
        sql.push_str(" = excluded.");
        sql.push_str(c);
        sql.push_str(", ");
    }
    sql.push_str("synced_at = excluded.synced_at");
    sql
}

/// Upserts `rows` inside `tx`; the number of distinct rows written.
pub(crate) async fn upsert_in<T: Table>(
    tx: &mut Tx,
    portal: PortalId,
    rows: &[T],
    now: i64,
) -> Result<usize, StoreError> {
    let rows = dedup_last(rows);
    let cols = T::COLUMNS.len();
    let per_chunk = (MAX_BINDS / (cols + 2)).max(1);
    let mut sql_for: Option<(usize, String)> = None;
    for chunk in rows.chunks(per_chunk) {
        let mut vals = Vec::with_capacity(chunk.len() * (cols + 2));
        for r in chunk {
            r.validate()?;
            vals.push(Val::I64(portal.0));
            r.values(&mut vals);
            vals.push(Val::I64(now));
        }
        let sql = match &sql_for {
            Some((n, sql)) if *n == chunk.len() => sql,
            _ => {
                &sql_for
                    .insert((chunk.len(), upsert_sql::<T>(tx.backend(), chunk.len())))
                    .1
            }
        };
        tx.execute(sql, &vals).await?;
    }
    Ok(rows.len())
}

/// Replaces the department membership of the given users with what the records say.
pub(crate) async fn replace_user_departments_in(
    tx: &mut Tx,
    portal: PortalId,
    users: &[User],
) -> Result<(), StoreError> {
    let users = dedup_last(users);
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    delete_by_ids_in(tx, portal, "user_departments", "user_id", "", &ids).await?;
    let pairs: Vec<(i64, i64)> = users
        .iter()
        .flat_map(|u| u.department_ids.iter().map(move |d| (u.id, *d)))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in pairs.chunks(MAX_BINDS / 3) {
        let mut ph = Ph::new(tx.backend());
        let mut sql = String::from(
            "INSERT INTO user_departments (portal_id, user_id, department_id) VALUES ",
        );
        let mut vals = Vec::with_capacity(chunk.len() * 3);
        for (i, (u, d)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            ph.list(&mut sql, 3);
            sql.push(')');
            vals.push(Val::I64(portal.0));
            vals.push(Val::I64(*u));
            vals.push(Val::I64(*d));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        tx.execute(&sql, &vals).await?;
    }
    Ok(())
}

/// Upserts one batch of records inside `tx`; the distinct rows written.
async fn records_in(
    tx: &mut Tx,
    portal: PortalId,
    records: Records<'_>,
    t: i64,
) -> Result<usize, StoreError> {
    Ok(match records {
        Records::Users(r) => {
            let n = upsert_in(tx, portal, r, t).await?;
            replace_user_departments_in(tx, portal, r).await?;
            n
        }
        Records::Departments(r) => upsert_in(tx, portal, r, t).await?,
        Records::Pipelines(r) => upsert_in(tx, portal, r, t).await?,
        Records::CrmStatuses(r) => upsert_in(tx, portal, r, t).await?,
        Records::Currencies(r) => upsert_in(tx, portal, r, t).await?,
        Records::Companies(r) => upsert_in(tx, portal, r, t).await?,
        Records::Contacts(r) => upsert_in(tx, portal, r, t).await?,
        Records::Deals(r) => upsert_in(tx, portal, r, t).await?,
        Records::Leads(r) => upsert_in(tx, portal, r, t).await?,
        Records::StageHistory(r) => upsert_in(tx, portal, r, t).await?,
        Records::Activities(r) => upsert_in(tx, portal, r, t).await?,
        Records::Calls(r) => upsert_in(tx, portal, r, t).await?,
        Records::Projects(r) => upsert_in(tx, portal, r, t).await?,
        Records::Tasks(r) => upsert_in(tx, portal, r, t).await?,
    })
}

/// The complete custom-field values of some deals or leads, for [`Store::replace_custom_field_values`] and
/// [`Batch`].
#[derive(Debug, Clone, Copy)]
pub struct CustomFieldSet<'a> {
    /// "DEAL" or "LEAD".
    pub entity_type: &'a str,
    /// The records whose values are replaced (a record listed without values loses all of its values).
    pub entity_ids: &'a [i64],
    /// Every value of those records; each must belong to one of `entity_ids`.
    pub values: &'a [CustomFieldValue],
}

/// Replaces the custom-field values of a set of records inside `tx`; the number of values written.
async fn custom_fields_in(
    tx: &mut Tx,
    portal: PortalId,
    set: CustomFieldSet<'_>,
) -> Result<usize, StoreError> {
    let CustomFieldSet {
        entity_type,
        entity_ids,
        values,
    } = set;
    validate::custom_field_entity(entity_type)?;
    let ids: HashSet<i64> = entity_ids.iter().copied().collect();
    let filter = if entity_type == "DEAL" {
        " AND entity_type = 'DEAL'"
    } else {
        " AND entity_type = 'LEAD'"
    };
    delete_by_ids_in(
        tx,
        portal,
        "custom_field_values",
        "entity_id",
        filter,
        entity_ids,
    )
    .await?;
    let mut last: HashMap<(i64, &str), usize> = HashMap::new();
    for (i, v) in values.iter().enumerate() {
        last.insert((v.entity_id, v.field_name.as_str()), i);
    }
    let rows: Vec<&CustomFieldValue> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| last.get(&(v.entity_id, v.field_name.as_str())) == Some(i))
        .map(|(_, v)| v)
        .collect();
    for chunk in rows.chunks(MAX_BINDS / 5) {
        let mut ph = Ph::new(tx.backend());
        let mut sql =
            String::from("INSERT INTO custom_field_values (portal_id, entity_type, entity_id, field_name, value) VALUES ");
        let mut vals = Vec::with_capacity(chunk.len() * 5);
        for (i, v) in chunk.iter().enumerate() {
            validate::custom_field_value(v)?;
            if v.entity_type != entity_type || !ids.contains(&v.entity_id) {
                return Err(StoreError::invalid(
                    "custom_field_value",
                    "entity_id",
                    format!(
                        "{} {} is not among the records being replaced",
                        v.entity_type, v.entity_id
                    ),
                ));
            }
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            ph.list(&mut sql, 5);
            sql.push(')');
            vals.push(Val::I64(portal.0));
            vals.push(Val::Str(entity_type));
            vals.push(Val::I64(v.entity_id));
            vals.push(Val::Str(&v.field_name));
            vals.push(Val::OptStr(v.value.as_deref()));
        }
        sql.push_str(" ON CONFLICT (portal_id, entity_type, entity_id, field_name) DO UPDATE SET value = excluded.value");
        tx.execute(&sql, &vals).await?;
    }
    Ok(rows.len())
}

/// Everything one sync step stores, written in one transaction by [`Store::write_batch`]: upserts, custom-field
/// replacements, deletes and the sync state that records how far the step got. A crash or an invalid part leaves
/// none of it stored, so a resumed sync never trusts a cursor for rows it does not have.
#[derive(Debug, Clone, Default)]
pub struct Batch<'a> {
    pub records: Vec<Records<'a>>,
    /// Dictionaries made exactly these sets (as in [`Store::replace_dictionary`]).
    pub dictionaries: Vec<Dictionary<'a>>,
    pub custom_fields: Vec<CustomFieldSet<'a>>,
    /// Records deleted on the portal (with their dependent rows, as in [`Store::delete_records`]).
    pub deletes: Vec<(Entity, &'a [i64])>,
    /// Pending events this step has applied (as in [`Store::mark_events_processed`]): marked with the writes they
    /// caused, so an event is never marked without its record stored.
    pub events_processed: &'a [i64],
    pub state: Option<&'a SyncState>,
}

/// What [`Store::write_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchOutcome {
    /// Distinct records written, over all `records` parts.
    pub written: usize,
    /// Dictionary rows written and deleted, over all `dictionaries` parts.
    pub dictionaries: ReplaceOutcome,
    /// Custom-field values written.
    pub custom_field_values: usize,
    /// Records deleted.
    pub deleted: u64,
}

impl Store {
    /// Upserts one batch of records in one transaction and, when `state` is given, saves that sync state in the
    /// same transaction (so a resumed sync never trusts a cursor for rows that were not stored).
    /// The same record written twice leaves one row; within a batch the last copy of a key wins.
    /// Users' department memberships are replaced by what their records say. Returns the distinct rows written.
    pub async fn write_records(
        &self,
        portal: PortalId,
        records: Records<'_>,
        state: Option<&SyncState>,
    ) -> Result<usize, StoreError> {
        let t = now();
        let mut tx = self.begin().await?;
        let n = records_in(&mut tx, portal, records, t).await?;
        if let Some(state) = state {
            save_sync_state_in(&mut tx, portal, state, t).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Writes every part of `batch` in one transaction: records first, then dictionaries, custom-field
    /// replacements, deletes, processed events, then the sync state. All or nothing.
    pub async fn write_batch(
        &self,
        portal: PortalId,
        batch: &Batch<'_>,
    ) -> Result<BatchOutcome, StoreError> {
        let t = now();
        let mut out = BatchOutcome::default();
        let mut tx = self.begin().await?;
        for records in &batch.records {
            out.written += records_in(&mut tx, portal, *records, t).await?;
        }
        for set in &batch.dictionaries {
            let o = dictionary_in(&mut tx, portal, *set, t).await?;
            out.dictionaries.written += o.written;
            out.dictionaries.deleted += o.deleted;
        }
        for set in &batch.custom_fields {
            out.custom_field_values += custom_fields_in(&mut tx, portal, *set).await?;
        }
        for (entity, ids) in &batch.deletes {
            out.deleted += delete_records_in(&mut tx, portal, *entity, ids).await?;
        }
        mark_processed_in(&mut tx, portal, batch.events_processed, t).await?;
        if let Some(state) = batch.state {
            save_sync_state_in(&mut tx, portal, state, t).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Makes the custom-field values of the records `entity_ids` (of `entity_type` "DEAL" or "LEAD") exactly
    /// `values`: their old values are deleted, the given ones written, in one transaction. Every value must belong
    /// to one of `entity_ids`. Returns the number of values written.
    pub async fn replace_custom_field_values(
        &self,
        portal: PortalId,
        entity_type: &str,
        entity_ids: &[i64],
        values: &[CustomFieldValue],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let n = custom_fields_in(
            &mut tx,
            portal,
            CustomFieldSet {
                entity_type,
                entity_ids,
                values,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// Typed shorthands: `upsert_deals(portal, &deals)` is `write_records(portal, Records::Deals(&deals), None)`.
macro_rules! typed_writes {
    ($($upsert:ident, $with_state:ident, $variant:ident, $ty:ty;)+) => {
        impl Store {
            $(
                #[doc = concat!("Upserts a batch of `", stringify!($ty), "` records (see [`Store::write_records`]).")]
                pub async fn $upsert(&self, portal: PortalId, rows: &[$ty]) -> Result<usize, StoreError> {
                    self.write_records(portal, Records::$variant(rows), None).await
                }
                #[doc = concat!("Upserts a batch of `", stringify!($ty), "` records and saves `state` in the same transaction.")]
                pub async fn $with_state(&self, portal: PortalId, rows: &[$ty], state: &SyncState) -> Result<usize, StoreError> {
                    self.write_records(portal, Records::$variant(rows), Some(state)).await
                }
            )+
        }
    };
}

typed_writes! {
    upsert_users, upsert_users_with_state, Users, User;
    upsert_departments, upsert_departments_with_state, Departments, Department;
    upsert_pipelines, upsert_pipelines_with_state, Pipelines, Pipeline;
    upsert_crm_statuses, upsert_crm_statuses_with_state, CrmStatuses, CrmStatus;
    upsert_currencies, upsert_currencies_with_state, Currencies, Currency;
    upsert_companies, upsert_companies_with_state, Companies, Company;
    upsert_contacts, upsert_contacts_with_state, Contacts, Contact;
    upsert_deals, upsert_deals_with_state, Deals, Deal;
    upsert_leads, upsert_leads_with_state, Leads, Lead;
    upsert_stage_history, upsert_stage_history_with_state, StageHistory, StageHistory;
    upsert_activities, upsert_activities_with_state, Activities, Activity;
    upsert_calls, upsert_calls_with_state, Calls, Call;
    upsert_projects, upsert_projects_with_state, Projects, Project;
    upsert_tasks, upsert_tasks_with_state, Tasks, Task;
}
