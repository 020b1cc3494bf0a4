//! Deletes by Bitrix24 id with what depends on the deleted records, as the portal does it: a deal's or lead's
//! custom-field values, stage history and the activities bound to it; a user's department memberships. Every
//! statement is scoped by `portal_id`. Never deletes by anything but ids the caller names.

use crate::exec::Tx;
use crate::sql::{Ph, Val, MAX_BINDS};
use crate::{Entity, PortalId, Store, StoreError};

/// Deletes rows of `table` whose `column` is one of `ids` (plus `filter`), inside `tx`.
pub(crate) async fn delete_by_ids_in(
    tx: &mut Tx,
    portal: PortalId,
    table: &str,
    column: &str,
    filter: &str,
    ids: &[i64],
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for chunk in ids.chunks(MAX_BINDS - 1) {
        let mut ph = Ph::new(tx.backend());
        let mut sql = format!(
            "DELETE FROM {table} WHERE portal_id = {}{filter} AND {column} IN (",
            ph.next()
        );
        ph.list(&mut sql, chunk.len());
        sql.push(')');
        let mut vals = vec![Val::I64(portal.0)];
        vals.extend(chunk.iter().map(|id| Val::I64(*id)));
        deleted += tx.execute(&sql, &vals).await?;
    }
    Ok(deleted)
}

/// Deletes records by id with their dependent rows inside `tx`; the number of records deleted.
pub(crate) async fn delete_records_in(
    tx: &mut Tx,
    portal: PortalId,
    entity: Entity,
    ids: &[i64],
) -> Result<u64, StoreError> {
    entity.numeric_id()?;
    let n = delete_by_ids_in(tx, portal, entity.table(), "id", entity.filter(), ids).await?;
    match entity {
        Entity::Deals => {
            delete_by_ids_in(
                tx,
                portal,
                "custom_field_values",
                "entity_id",
                " AND entity_type = 'DEAL'",
                ids,
            )
            .await?;
            delete_by_ids_in(
                tx,
                portal,
                "stage_history",
                "owner_id",
                " AND entity_type_id = 2",
                ids,
            )
            .await?;
            delete_by_ids_in(
                tx,
                portal,
                "activities",
                "owner_id",
                " AND owner_type_id = 2",
                ids,
            )
            .await?;
        }
        Entity::Leads => {
            delete_by_ids_in(
                tx,
                portal,
                "custom_field_values",
                "entity_id",
                " AND entity_type = 'LEAD'",
                ids,
            )
            .await?;
            delete_by_ids_in(
                tx,
                portal,
                "stage_history",
                "owner_id",
                " AND entity_type_id = 1",
                ids,
            )
            .await?;
            delete_by_ids_in(
                tx,
                portal,
                "activities",
                "owner_id",
                " AND owner_type_id = 1",
                ids,
            )
            .await?;
        }
        Entity::Users => {
            delete_by_ids_in(tx, portal, "user_departments", "user_id", "", ids).await?;
        }
        _ => {}
    }
    Ok(n)
}

impl Store {
    /// Deletes records of `entity` by Bitrix24 id, with what depends on them: a deal's or lead's custom-field
    /// values, stage history and bound activities (the portal deletes those with it), a user's department
    /// memberships. Statuses and currencies are refused (keyed by codes: replace them whole). Returns the number
    /// of records deleted.
    pub async fn delete_records(
        &self,
        portal: PortalId,
        entity: Entity,
        ids: &[i64],
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = delete_records_in(&mut tx, portal, entity, ids).await?;
        tx.commit().await?;
        Ok(n)
    }
}

macro_rules! typed_deletes {
    ($($delete:ident, $entity:ident;)+) => {
        impl Store {
            $(
                #[doc = concat!("Deletes by id (see [`Store::delete_records`] for what goes with them).")]
                pub async fn $delete(&self, portal: PortalId, ids: &[i64]) -> Result<u64, StoreError> {
                    self.delete_records(portal, Entity::$entity, ids).await
                }
            )+
        }
    };
}

typed_deletes! {
    delete_users, Users;
    delete_departments, Departments;
    delete_companies, Companies;
    delete_contacts, Contacts;
    delete_deals, Deals;
    delete_leads, Leads;
    delete_activities, Activities;
    delete_calls, Calls;
    delete_projects, Projects;
    delete_tasks, Tasks;
}
