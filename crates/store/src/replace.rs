//! Dictionary replacement: makes a portal's users, departments, pipelines, statuses, currencies or projects exactly
//! the set the portal listed (upsert the set, delete the rest, in one transaction or inside a [`crate::Batch`]).
//! Callers pass only complete, successful fetches: an empty set empties the dictionary. Never touches records that
//! carry dictionary codes (a deal keeps a deleted stage's code).

use std::collections::HashSet;

use crate::clock::now;
use crate::exec::Tx;
use crate::records::{CrmStatus, Currency, Department, Pipeline, Project, User};
use crate::sql::{Ph, Val, MAX_BINDS};
use crate::table::{KeyVals, Table};
use crate::write::{replace_user_departments_in, upsert_in};
use crate::{PortalId, Store, StoreError};

/// The complete current set of a small dictionary, for [`Store::replace_dictionary`].
#[derive(Debug, Clone, Copy)]
pub enum Dictionary<'a> {
    Users(&'a [User]),
    Departments(&'a [Department]),
    Pipelines(&'a [Pipeline]),
    CrmStatuses(&'a [CrmStatus]),
    Currencies(&'a [Currency]),
    Projects(&'a [Project]),
}

/// What a dictionary replacement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplaceOutcome {
    /// Distinct rows inserted or updated.
    pub written: usize,
    /// Rows of the portal that were not in the new set and were deleted.
    pub deleted: usize,
}

/// Deletes the rows of `portal` with these keys inside `tx`; the number deleted.
async fn delete_keys_in<T: Table>(
    tx: &mut Tx,
    portal: PortalId,
    keys: &[T::Key],
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    if T::KEY.len() == 1 {
        for chunk in keys.chunks(MAX_BINDS - 1) {
            let mut ph = Ph::new(tx.backend());
            let mut sql = format!(
                "DELETE FROM {} WHERE portal_id = {} AND {} IN (",
                T::TABLE,
                ph.next(),
                T::KEY[0]
            );
            ph.list(&mut sql, chunk.len());
            sql.push(')');
            let mut vals = vec![Val::I64(portal.0)];
            chunk.iter().for_each(|k| k.push(&mut vals));
            deleted += tx.execute(&sql, &vals).await?;
        }
    } else {
        // Composite keys (statuses) belong to small dictionaries: a plain OR of key matches is enough.
        for chunk in keys.chunks(200) {
            let mut ph = Ph::new(tx.backend());
            let mut sql = format!(
                "DELETE FROM {} WHERE portal_id = {} AND (",
                T::TABLE,
                ph.next()
            );
            let mut vals = vec![Val::I64(portal.0)];
            for (i, k) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                let cond: Vec<String> = T::KEY
                    .iter()
                    .map(|c| format!("{c} = {}", ph.next()))
                    .collect();
                sql.push('(');
                sql.push_str(&cond.join(" AND "));
                sql.push(')');
                k.push(&mut vals);
            }
            sql.push(')');
            deleted += tx.execute(&sql, &vals).await?;
        }
    }
    Ok(deleted)
}

/// Upserts the complete set `rows` and deletes the portal's rows whose key is not in it, inside `tx`.
async fn replace_in<T: Table>(
    tx: &mut Tx,
    portal: PortalId,
    rows: &[T],
    now: i64,
) -> Result<ReplaceOutcome, StoreError> {
    let written = upsert_in(tx, portal, rows, now).await?;
    let keep: HashSet<T::Key> = rows.iter().map(Table::key).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE portal_id = $1",
        T::KEY.join(", "),
        T::TABLE
    );
    let stored: Vec<T::Key> = tx.fetch_all(&sql, &[Val::I64(portal.0)]).await?;
    let stale: Vec<T::Key> = stored.into_iter().filter(|k| !keep.contains(k)).collect();
    let deleted = delete_keys_in::<T>(tx, portal, &stale).await? as usize;
    Ok(ReplaceOutcome { written, deleted })
}

/// Replaces one dictionary inside `tx` (see [`Store::replace_dictionary`]).
pub(crate) async fn dictionary_in(
    tx: &mut Tx,
    portal: PortalId,
    set: Dictionary<'_>,
    t: i64,
) -> Result<ReplaceOutcome, StoreError> {
    Ok(match set {
        Dictionary::Users(r) => {
            let o = replace_in(tx, portal, r, t).await?;
            replace_user_departments_in(tx, portal, r).await?;
            tx.execute(
                "DELETE FROM user_departments WHERE portal_id = $1 \
                 AND user_id NOT IN (SELECT id FROM users WHERE portal_id = $1)",
                &[Val::I64(portal.0)],
            )
            .await?;
            o
        }
        Dictionary::Departments(r) => replace_in(tx, portal, r, t).await?,
        Dictionary::Pipelines(r) => replace_in(tx, portal, r, t).await?,
        Dictionary::CrmStatuses(r) => replace_in(tx, portal, r, t).await?,
        Dictionary::Currencies(r) => replace_in(tx, portal, r, t).await?,
        Dictionary::Projects(r) => replace_in(tx, portal, r, t).await?,
    })
}

impl Store {
    /// Makes the portal's dictionary exactly `set`: upserts it and deletes the portal's rows not in it, in one
    /// transaction. An empty `set` empties the dictionary — callers pass only complete, successful fetches.
    pub async fn replace_dictionary(
        &self,
        portal: PortalId,
        set: Dictionary<'_>,
    ) -> Result<ReplaceOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let outcome = dictionary_in(&mut tx, portal, set, now()).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

macro_rules! typed_replaces {
    ($($replace:ident, $variant:ident, $ty:ty;)+) => {
        impl Store {
            $(
                #[doc = concat!("Makes the portal's `", stringify!($ty), "` rows exactly `set` (see [`Store::replace_dictionary`]).")]
                pub async fn $replace(&self, portal: PortalId, set: &[$ty]) -> Result<ReplaceOutcome, StoreError> {
                    self.replace_dictionary(portal, Dictionary::$variant(set)).await
                }
            )+
        }
    };
}

typed_replaces! {
    replace_users, Users, User;
    replace_departments, Departments, Department;
    replace_pipelines, Pipelines, Pipeline;
    replace_crm_statuses, CrmStatuses, CrmStatus;
    replace_currencies, Currencies, Currency;
    replace_projects, Projects, Project;
}
