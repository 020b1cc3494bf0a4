//! Smart-process types and items (`crm_types`, `crm_items`) for R7 "linked work": the sync replaces the set of types
//! whole, upserts items by (type, id) and deletes the items the portal no longer lists; the reports read them through
//! `report_reads::linked`. Must never call the portal or decide what counts as a child of a sale.

use crate::clock::now;
use crate::sql::Val;
use crate::validate::positive_id;
use crate::{PortalId, Store, StoreError};

/// A smart process of the portal (`crm.type.list`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CrmType {
    pub entity_type_id: i64,
    pub title: String,
}

/// One smart-process item (`crm.item.list`), as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CrmItem {
    pub entity_type_id: i64,
    pub id: i64,
    pub title: String,
    pub category_id: Option<i64>,
    pub stage_id: String,
    /// `P` in work, `S` success, `F` failure.
    pub stage_semantic_id: String,
    /// Hundredths of `currency_id`.
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
    pub moved_time: Option<i64>,
    /// `parentId2`: the deal the item is bound to.
    pub parent_deal_id: Option<i64>,
}

fn validate_item(i: &CrmItem) -> Result<(), StoreError> {
    positive_id("crm_item", "entity_type_id", i.entity_type_id)?;
    positive_id("crm_item", "id", i.id)?;
    if !matches!(i.stage_semantic_id.as_str(), "P" | "S" | "F") {
        return Err(StoreError::invalid(
            "crm_item",
            "stage_semantic_id",
            format!("{:?} is not P, S or F", i.stage_semantic_id),
        ));
    }
    if let Some(p) = i.parent_deal_id {
        positive_id("crm_item", "parent_deal_id", p)?;
    }
    if i.created_time < 0 || i.updated_time < 0 {
        return Err(StoreError::invalid(
            "crm_item",
            "created_time",
            "instants are unix seconds",
        ));
    }
    Ok(())
}

impl Store {
    /// Makes the stored smart-process types exactly `types` (one transaction); items of types gone are removed.
    /// Returns how many types were removed.
    pub async fn replace_crm_types(
        &self,
        portal: PortalId,
        types: &[CrmType],
    ) -> Result<usize, StoreError> {
        for t in types {
            positive_id("crm_type", "entity_type_id", t.entity_type_id)?;
        }
        let t = now();
        let mut tx = self.begin().await?;
        for ty in types {
            tx.execute(
                "INSERT INTO crm_types (portal_id, entity_type_id, title, synced_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (portal_id, entity_type_id) DO UPDATE SET title = excluded.title, synced_at = excluded.synced_at",
                &[Val::I64(portal.0), Val::I64(ty.entity_type_id), Val::Str(&ty.title), Val::I64(t)],
            )
            .await?;
        }
        let stored: Vec<(i64,)> = tx
            .fetch_all(
                "SELECT entity_type_id FROM crm_types WHERE portal_id = $1",
                &[Val::I64(portal.0)],
            )
            .await?;
        let mut removed = 0;
        for (id,) in stored {
            if types.iter().any(|t| t.entity_type_id == id) {
                continue;
            }
            for table in ["crm_types", "crm_items"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE portal_id = $1 AND entity_type_id = $2"),
                    &[Val::I64(portal.0), Val::I64(id)],
                )
                .await?;
            }
            removed += 1;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The stored smart-process types, by id.
    pub async fn crm_types(&self, portal: PortalId) -> Result<Vec<CrmType>, StoreError> {
        self.fetch_all(
            "SELECT entity_type_id, title FROM crm_types WHERE portal_id = $1 ORDER BY entity_type_id",
            &[Val::I64(portal.0)],
        )
        .await
    }

    /// Upserts items by (type, id) in one transaction; nothing is written when one is invalid.
    pub async fn upsert_crm_items(
        &self,
        portal: PortalId,
        items: &[CrmItem],
    ) -> Result<usize, StoreError> {
        for i in items {
            validate_item(i)?;
        }
        let t = now();
        let mut tx = self.begin().await?;
        for i in items {
            tx.execute(
                "INSERT INTO crm_items (portal_id, entity_type_id, id, title, category_id, stage_id, stage_semantic_id, \
                 opportunity_cents, currency_id, assigned_by_id, created_time, updated_time, moved_time, parent_deal_id, \
                 synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 ON CONFLICT (portal_id, entity_type_id, id) DO UPDATE SET title = excluded.title, \
                 category_id = excluded.category_id, stage_id = excluded.stage_id, \
                 stage_semantic_id = excluded.stage_semantic_id, opportunity_cents = excluded.opportunity_cents, \
                 currency_id = excluded.currency_id, assigned_by_id = excluded.assigned_by_id, \
                 created_time = excluded.created_time, updated_time = excluded.updated_time, \
                 moved_time = excluded.moved_time, parent_deal_id = excluded.parent_deal_id, synced_at = excluded.synced_at",
                &[
                    Val::I64(portal.0),
                    Val::I64(i.entity_type_id),
                    Val::I64(i.id),
                    Val::Str(&i.title),
                    Val::OptI64(i.category_id),
                    Val::Str(&i.stage_id),
                    Val::Str(&i.stage_semantic_id),
                    Val::I64(i.opportunity_cents),
                    Val::OptStr(i.currency_id.as_deref()),
                    Val::OptI64(i.assigned_by_id),
                    Val::I64(i.created_time),
                    Val::I64(i.updated_time),
                    Val::OptI64(i.moved_time),
                    Val::OptI64(i.parent_deal_id),
                    Val::I64(t),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(items.len())
    }

    /// Deletes the items of one type by id (the portal deleted them); how many were stored.
    pub async fn delete_crm_items(
        &self,
        portal: PortalId,
        entity_type_id: i64,
        ids: &[i64],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let mut n = 0;
        for id in ids {
            n += tx
                .execute(
                    "DELETE FROM crm_items WHERE portal_id = $1 AND entity_type_id = $2 AND id = $3",
                    &[Val::I64(portal.0), Val::I64(entity_type_id), Val::I64(*id)],
                )
                .await? as usize;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The stored ids of one type's items, ascending (the sync compares them with the portal's to find deletions).
    pub async fn crm_item_ids(
        &self,
        portal: PortalId,
        entity_type_id: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = self
            .fetch_all(
                "SELECT id FROM crm_items WHERE portal_id = $1 AND entity_type_id = $2 ORDER BY id",
                &[Val::I64(portal.0), Val::I64(entity_type_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The latest `updated_time` among one type's stored items: the next incremental pass reads from there.
    pub async fn crm_items_updated_max(
        &self,
        portal: PortalId,
        entity_type_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> = self
            .fetch_optional(
                "SELECT MAX(updated_time) FROM crm_items WHERE portal_id = $1 AND entity_type_id = $2",
                &[Val::I64(portal.0), Val::I64(entity_type_id)],
            )
            .await?;
        Ok(row.and_then(|(m,)| m))
    }

    /// Every stored item of the portal, by type and id (tests and the reports' reads).
    pub async fn crm_items(&self, portal: PortalId) -> Result<Vec<CrmItem>, StoreError> {
        self.fetch_all(
            "SELECT entity_type_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, \
             assigned_by_id, created_time, updated_time, moved_time, parent_deal_id FROM crm_items WHERE portal_id = $1 \
             ORDER BY entity_type_id, id",
            &[Val::I64(portal.0)],
        )
        .await
    }
}
