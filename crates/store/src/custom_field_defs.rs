//! Custom-field definitions of deals and leads (`custom_field_defs`): what a `UF_CRM_*` code is called in each
//! language and, for list fields, which text each stored item id stands for. The sync replaces one entity's set
//! whole on every dictionary refresh (fields the portal no longer lists are removed); the web server reads them to
//! label the filter bar. Never touches the values of records (`custom_field_values`) and never interprets labels.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::validate::{custom_field_entity, not_empty};
use crate::{PortalId, Store, StoreError};

/// One custom field as the portal defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomFieldDef {
    /// `DEAL` or `LEAD`.
    pub entity_type: String,
    /// `UF_CRM_...`.
    pub field_name: String,
    /// The portal's ID of the field, when it gave one.
    pub field_id: Option<i64>,
    /// USER_TYPE_ID: `string`, `enumeration`, `double`, `date`, `boolean` ...
    pub user_type: String,
    pub multiple: bool,
    pub mandatory: bool,
    pub sort: i64,
    /// Language id (`ru`, `en` ...) → label; empty when the portal gave none.
    pub labels: BTreeMap<String, String>,
    /// Items of an enumeration in the portal's order; empty for other types.
    pub items: Vec<CustomFieldItem>,
}

/// One item of a list field: records hold `id` as their value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldItem {
    pub id: String,
    pub value: String,
    pub sort: i64,
    #[serde(default)]
    pub def: bool,
}

/// What [`Store::replace_custom_field_defs`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefsOutcome {
    pub written: usize,
    pub removed: usize,
}

fn validate(entity_type: &str, d: &CustomFieldDef) -> Result<(), StoreError> {
    if d.entity_type != entity_type {
        return Err(StoreError::invalid(
            "custom_field_def",
            "entity_type",
            format!("{:?} in a set of {entity_type}", d.entity_type),
        ));
    }
    not_empty("custom_field_def", "field_name", &d.field_name)?;
    not_empty("custom_field_def", "user_type", &d.user_type)
}

type DefRow = (
    String,
    String,
    Option<i64>,
    String,
    bool,
    bool,
    i64,
    String,
    String,
);

fn corrupt(column: &'static str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        table: "custom_field_defs",
        column,
        detail: e.to_string(),
    }
}

impl Store {
    /// Makes the stored definitions of `entity_type` (`DEAL` / `LEAD`) exactly `defs`, in one transaction: each is
    /// upserted by field name, stored fields not among them are removed. Nothing is written when one is invalid.
    pub async fn replace_custom_field_defs(
        &self,
        portal: PortalId,
        entity_type: &str,
        defs: &[CustomFieldDef],
    ) -> Result<DefsOutcome, StoreError> {
        custom_field_entity(entity_type)?;
        for d in defs {
            validate(entity_type, d)?;
        }
        let t = now();
        let mut tx = self.begin().await?;
        for d in defs {
            let labels = serde_json::to_string(&d.labels).map_err(|e| corrupt("labels", e))?;
            let items = serde_json::to_string(&d.items).map_err(|e| corrupt("items", e))?;
            tx.execute(
                "INSERT INTO custom_field_defs (portal_id, entity_type, field_name, field_id, user_type, multiple, \
                 mandatory, sort, labels, items, synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (portal_id, entity_type, field_name) DO UPDATE SET field_id = excluded.field_id, \
                 user_type = excluded.user_type, multiple = excluded.multiple, mandatory = excluded.mandatory, \
                 sort = excluded.sort, labels = excluded.labels, items = excluded.items, synced_at = excluded.synced_at",
                &[
                    Val::I64(portal.0),
                    Val::Str(entity_type),
                    Val::Str(&d.field_name),
                    Val::OptI64(d.field_id),
                    Val::Str(&d.user_type),
                    Val::Bool(d.multiple),
                    Val::Bool(d.mandatory),
                    Val::I64(d.sort),
                    Val::Str(&labels),
                    Val::Str(&items),
                    Val::I64(t),
                ],
            )
            .await?;
        }
        let fresh: HashSet<&str> = defs.iter().map(|d| d.field_name.as_str()).collect();
        let stored: Vec<(String,)> = tx
            .fetch_all(
                "SELECT field_name FROM custom_field_defs WHERE portal_id = $1 AND entity_type = $2",
                &[Val::I64(portal.0), Val::Str(entity_type)],
            )
            .await?;
        let mut removed = 0;
        for (name,) in stored.iter().filter(|(n,)| !fresh.contains(n.as_str())) {
            removed += tx
                .execute(
                    "DELETE FROM custom_field_defs WHERE portal_id = $1 AND entity_type = $2 AND field_name = $3",
                    &[Val::I64(portal.0), Val::Str(entity_type), Val::Str(name)],
                )
                .await? as usize;
            // The portal deleted the field and its values with it; the records themselves may not change (no
            // DATE_MODIFY), so the values would otherwise linger in filters until each record syncs again.
            tx.execute(
                "DELETE FROM custom_field_values WHERE portal_id = $1 AND entity_type = $2 AND field_name = $3",
                &[Val::I64(portal.0), Val::Str(entity_type), Val::Str(name)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(DefsOutcome {
            written: defs.len(),
            removed,
        })
    }

    /// Every stored custom-field definition of the portal (deals, then leads; by SORT, then code).
    pub async fn custom_field_defs(
        &self,
        portal: PortalId,
    ) -> Result<Vec<CustomFieldDef>, StoreError> {
        let rows: Vec<DefRow> = self
            .fetch_all(
                "SELECT entity_type, field_name, field_id, user_type, multiple, mandatory, sort, labels, items \
                 FROM custom_field_defs WHERE portal_id = $1 ORDER BY entity_type, sort, field_name",
                &[Val::I64(portal.0)],
            )
            .await?;
        rows.into_iter()
            .map(
                |(
                    entity_type,
                    field_name,
                    field_id,
                    user_type,
                    multiple,
                    mandatory,
                    sort,
                    labels,
                    items,
                )| {
                    Ok(CustomFieldDef {
                        entity_type,
                        field_name,
                        field_id,
                        user_type,
                        multiple,
                        mandatory,
                        sort,
                        labels: serde_json::from_str(&labels).map_err(|e| corrupt("labels", e))?,
                        items: serde_json::from_str(&items).map_err(|e| corrupt("items", e))?,
                    })
                },
            )
            .collect()
    }
}
