//! The reads of R7 "linked work": deals by id (the children and parents a link names, whatever their dates), the
//! first amount the app stored of each deal, the smart-process items bound to deals and items by (type, id) for
//! the lists behind R7's numbers. Rows come out as stored;
//! which link counts and what a child's state means is decided in the reports. Must never compute a metric.

use super::deals::DealRow;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// The amount of a deal when the app first stored it (`deal_first_amounts`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FirstAmountRow {
    pub deal_id: i64,
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
}

/// Ids per query: ids are integers, written into the statement (never text from outside), in chunks.
const CHUNK: usize = 500;

fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// The deals with these ids (missing ones are simply absent), in no particular order.
    pub async fn report_deals_by_ids(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<DealRow>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let from = format!(
                "deals d WHERE d.portal_id = $1 AND d.id IN ({})",
                id_list(chunk)
            );
            out.extend(
                self.fetch_packed::<DealRow>("", &from, &[Val::I64(portal.0)])
                    .await?,
            );
        }
        Ok(out)
    }

    /// The first stored amounts of these deals.
    pub async fn report_first_amounts(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<FirstAmountRow>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT deal_id, opportunity_cents, currency_id FROM deal_first_amounts \
                 WHERE portal_id = $1 AND deal_id IN ({})",
                id_list(chunk)
            );
            out.extend(
                self.fetch_all::<FirstAmountRow>(&sql, &[Val::I64(portal.0)])
                    .await?,
            );
        }
        Ok(out)
    }

    /// The lead each of these deals came from (deals without a lead are absent).
    pub async fn report_deal_leads(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, lead_id FROM deals WHERE portal_id = $1 AND lead_id IS NOT NULL AND lead_id > 0 AND id IN ({})",
                id_list(chunk)
            );
            out.extend(
                self.fetch_all::<(i64, i64)>(&sql, &[Val::I64(portal.0)])
                    .await?,
            );
        }
        Ok(out)
    }

    /// Smart-process items bound to a deal (`parentId2` set).
    pub async fn report_bound_items(
        &self,
        portal: PortalId,
    ) -> Result<Vec<crate::linked_work::CrmItem>, StoreError> {
        self.fetch_all(
            "SELECT entity_type_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, \
             assigned_by_id, created_time, updated_time, moved_time, parent_deal_id FROM crm_items \
             WHERE portal_id = $1 AND parent_deal_id IS NOT NULL",
            &[Val::I64(portal.0)],
        )
        .await
    }

    /// The smart-process items with these (entityTypeId, id) keys (missing ones are simply absent), in no
    /// particular order.
    pub async fn report_items_by_keys(
        &self,
        portal: PortalId,
        keys: &[(i64, i64)],
    ) -> Result<Vec<crate::linked_work::CrmItem>, StoreError> {
        let mut by_type: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
        for (t, id) in keys {
            by_type.entry(*t).or_default().push(*id);
        }
        let mut out = Vec::new();
        for (t, ids) in by_type {
            for chunk in ids.chunks(CHUNK) {
                let sql = format!(
                    "SELECT entity_type_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, \
                     currency_id, assigned_by_id, created_time, updated_time, moved_time, parent_deal_id FROM crm_items \
                     WHERE portal_id = $1 AND entity_type_id = {t} AND id IN ({})",
                    id_list(chunk)
                );
                out.extend(self.fetch_all(&sql, &[Val::I64(portal.0)]).await?);
            }
        }
        Ok(out)
    }
}
