//! Smart processes for R7 "linked work": `crm.type.list` (the types, replaced whole each cycle) and, per type,
//! `crm.item.list` by ID cursor (`order {id: ASC}`, `filter {">id": last}`, `start: -1`, pages of 50): a full pass
//! while a type has nothing stored, then incremental passes from the latest stored `updatedTime`, and an id-only
//! cursor pass every cycle whose missing ids are the items the portal deleted. Items are parsed tolerantly (typed
//! or string numbers, dates with offsets); an item that cannot be read is skipped with a warning. A stage's
//! semantics come from the portal's stage dictionary (`DYNAMIC_<type>_STAGE_<category>` rows of crm.status.list,
//! stored with the dictionaries), else from the system codes (`:SUCCESS` success, `:FAIL` failure).
//!
//! Links through deal user fields of type `crm` need nothing here: the deal sync stores every `UF_CRM_*` value.
//! Never deletes anything when a list call failed.

use std::collections::{BTreeSet, HashMap};

use b24a_client::value;
use b24a_store::{CrmItem, CrmType, PortalId};
use serde_json::{json, Value};

use crate::engine::PortalSync;
use crate::error::SyncError;

/// The name of this step in cycle reports.
pub const LINKED: &str = "smart_processes";
const PAGE: usize = 50;
/// The pause between two item pages of one read: half the portal's two requests a second stay for others.
const PAGE_PAUSE: std::time::Duration = std::time::Duration::from_millis(1000);

/// Reads one `crm.type.list` row.
pub fn parse_type(v: &Value) -> Option<CrmType> {
    let entity_type_id = value::int(v.get("entityTypeId")?).ok()??;
    let title = v
        .get("title")
        .and_then(|t| value::text(t).ok().flatten())
        .unwrap_or_default();
    (entity_type_id > 0).then_some(CrmType {
        entity_type_id,
        title,
    })
}

/// A stage's semantics by the portal's dictionary, else by the system codes.
fn semantic(stage: &str, known: &HashMap<String, String>) -> String {
    if let Some(s) = known
        .get(stage)
        .filter(|s| matches!(s.as_str(), "P" | "S" | "F"))
    {
        return s.clone();
    }
    match stage.rsplit(':').next() {
        Some("SUCCESS") => "S",
        Some("FAIL") => "F",
        _ => "P",
    }
    .to_string()
}

/// Reads one `crm.item.list` row.
pub fn parse_item(
    entity_type_id: i64,
    v: &Value,
    known: &HashMap<String, String>,
) -> Option<CrmItem> {
    let int = |k: &str| v.get(k).and_then(|x| value::int(x).ok().flatten());
    let text = |k: &str| v.get(k).and_then(|x| value::text(x).ok().flatten());
    let at = |k: &str| v.get(k).and_then(|x| value::instant(x).ok().flatten());
    let id = int("id").filter(|i| *i > 0)?;
    let created = at("createdTime")?;
    let stage_id = text("stageId").unwrap_or_default();
    Some(CrmItem {
        entity_type_id,
        id,
        title: text("title").unwrap_or_default(),
        category_id: int("categoryId"),
        stage_semantic_id: semantic(&stage_id, known),
        stage_id,
        opportunity_cents: v
            .get("opportunity")
            .and_then(|x| value::money_cents(x).ok().flatten())
            .unwrap_or(0),
        currency_id: text("currencyId").filter(|c| !c.is_empty()),
        assigned_by_id: int("assignedById").filter(|u| *u > 0),
        created_time: created,
        updated_time: at("updatedTime").unwrap_or(created),
        moved_time: at("movedTime"),
        parent_deal_id: int("parentId2").filter(|p| *p > 0),
    })
}

impl PortalSync {
    /// One cycle's smart-process step: types, then each type's items; how many items were written.
    pub(crate) async fn sync_linked(&self) -> Result<usize, SyncError> {
        let portal = PortalId(self.portal_id);
        let env = self.client.call("crm.type.list", json!({})).await?;
        let rows = env
            .result
            .get("types")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let types: Vec<CrmType> = rows.iter().filter_map(parse_type).collect();
        self.store.replace_crm_types(portal, &types).await?;
        let known: HashMap<String, String> = self
            .store
            .report_dictionaries(portal)
            .await?
            .statuses
            .into_iter()
            .map(|s| (s.status_id, s.semantics))
            .collect();
        let mut written = 0;
        for t in &types {
            let ety = t.entity_type_id;
            let since = self.store.crm_items_updated_max(portal, ety).await?;
            let mut filter = serde_json::Map::new();
            if let Some(s) = since {
                filter.insert(
                    ">=updatedTime".into(),
                    json!(value::format_filter_instant(s)),
                );
            }
            let mut seen: BTreeSet<i64> = BTreeSet::new();
            let full = since.is_none();
            for row in self.item_pages(ety, filter, None).await? {
                match parse_item(ety, &row, &known) {
                    Some(item) => {
                        seen.insert(item.id);
                        written += self.store.upsert_crm_items(portal, &[item]).await?;
                    }
                    None => tracing::warn!(
                        portal = self.portal_id,
                        entity_type = ety,
                        "unreadable smart-process item skipped"
                    ),
                }
            }
            // Deletions: the ids the portal lists now (one id-only pass; the full pass already saw them all).
            let listed: BTreeSet<i64> = if full {
                seen
            } else {
                self.item_pages(ety, serde_json::Map::new(), Some(&["id"]))
                    .await?
                    .iter()
                    .filter_map(|r| r.get("id").and_then(|x| value::int(x).ok().flatten()))
                    .collect()
            };
            let gone: Vec<i64> = self
                .store
                .crm_item_ids(portal, ety)
                .await?
                .into_iter()
                .filter(|id| !listed.contains(id))
                .collect();
            if !gone.is_empty() {
                self.store.delete_crm_items(portal, ety, &gone).await?;
            }
        }
        Ok(written)
    }

    /// Every row of one type matching `filter`, by ID cursor, one page a second at most (see `PAGE_PAUSE`).
    async fn item_pages(
        &self,
        entity_type_id: i64,
        filter: serde_json::Map<String, Value>,
        select: Option<&[&str]>,
    ) -> Result<Vec<Value>, SyncError> {
        let mut out = Vec::new();
        let mut last = 0i64;
        loop {
            let mut f = filter.clone();
            f.insert(">id".into(), json!(last));
            let mut params = json!({
                "entityTypeId": entity_type_id,
                "order": {"id": "ASC"},
                "filter": Value::Object(f),
                "start": -1,
            });
            if let Some(s) = select {
                params["select"] = json!(s);
            }
            let env = self.client.call("crm.item.list", params).await?;
            let rows = env
                .result
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = rows.len();
            let next = rows
                .iter()
                .filter_map(|r| r.get("id").and_then(|x| value::int(x).ok().flatten()))
                .max();
            out.extend(rows);
            match next {
                Some(id) if n >= PAGE && id > last => last = id,
                _ => break,
            }
            // Item pages are plain calls: at the portal's full pace they would hold its request budget for as long
            // as they last, and a person opening the app meanwhile (whose launch checks share that budget) would be
            // told the portal is busy. At one page a second half the budget stays free.
            tokio::time::sleep(PAGE_PAUSE).await;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_tolerantly() {
        let known = HashMap::from([("DT1032_1:UC_X".to_string(), "F".to_string())]);
        let row = json!({"id": "7", "title": "Поставка", "categoryId": 1, "stageId": "DT1032_1:SUCCESS",
            "opportunity": "1500.50", "currencyId": "RUB", "assignedById": 3,
            "createdTime": "2026-03-01T10:00:00+03:00", "updatedTime": "2026-03-02T10:00:00+03:00",
            "movedTime": null, "parentId2": 12});
        let i = parse_item(1032, &row, &known).unwrap();
        assert_eq!(
            (
                i.id,
                i.stage_semantic_id.as_str(),
                i.opportunity_cents,
                i.parent_deal_id
            ),
            (7, "S", 150_050, Some(12))
        );
        assert_eq!(i.created_time, 1_772_348_400);
        let custom = json!({"id": 8, "stageId": "DT1032_1:UC_X", "createdTime": "2026-03-01T10:00:00+03:00", "parentId2": 0});
        let i = parse_item(1032, &custom, &known).unwrap();
        assert_eq!(
            (i.stage_semantic_id.as_str(), i.parent_deal_id),
            ("F", None)
        );
        assert!(
            parse_item(1032, &json!({"id": 9}), &known).is_none(),
            "no creation time"
        );
        assert!(parse_type(&json!({"title": "x"})).is_none());
        assert_eq!(
            parse_type(&json!({"entityTypeId": "1032", "title": "Снабжение"}))
                .unwrap()
                .entity_type_id,
            1032
        );
    }
}
