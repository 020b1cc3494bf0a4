//! Smart processes for R7 "linked work": `crm.type.list` (the types, replaced whole each cycle), one batch of
//! one-row ID probes per 25 types (each type's lowest and highest item id), then, per type, `crm.item.list` by ID
//! cursor through the client's chained export (`order {id: ASC}`, `filter {">id": ...}`, `start: -1`, pages of 50,
//! up to 50 pages chained in one `batch`, the chain sized from the probed far end): a full pass while a type has
//! nothing stored, then incremental passes from the latest stored `updatedTime`, and an id-only cursor pass every
//! cycle whose missing ids are the items the portal deleted. Items are parsed tolerantly (typed or string numbers,
//! dates with offsets); an item that cannot be read is skipped with a warning. A stage's semantics come from the
//! portal's stage dictionary (`DYNAMIC_<type>_STAGE_<category>` rows of crm.status.list, stored with the
//! dictionaries), else from the system codes (`:SUCCESS` success, `:FAIL` failure).
//!
//! The step keeps a `sync_state` row of its own (`smart_processes`): part of the first import (the import is not
//! finished before the items are stored) and of its progress bar (probed total, items stored so far).
//! Links through deal user fields of type `crm` need nothing here: the deal sync stores every `UF_*` value.
//! Never deletes anything when a list call failed.

use std::collections::{BTreeSet, HashMap};

use b24a_client::batch::MAX_BATCH;
use b24a_client::{value, ApiError, Batch, Direction, IdCursorExport, ListSpec};
use b24a_store::{CrmItem, CrmType, PortalId};
use serde_json::{json, Map, Value};

use crate::engine::{now, PortalSync};
use crate::error::SyncError;
use crate::state;

/// The name of this step in cycle reports.
pub const LINKED: &str = "smart_processes";

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

/// The portal has no smart processes for us (no method on an old portal, no scope, no access): nothing to read.
fn unavailable(e: &SyncError) -> bool {
    matches!(e, SyncError::Api(ApiError::Method { code, .. })
        if matches!(code.as_str(), "insufficient_scope" | "ACCESS_DENIED" | "ERROR_METHOD_NOT_FOUND"))
}

/// The ID-cursor list of one type's items matching `filter` (selecting `select`, or every field).
fn item_spec(entity_type_id: i64, filter: Map<String, Value>, select: Option<&[&str]>) -> ListSpec {
    let mut params = json!({ "entityTypeId": entity_type_id, "filter": Value::Object(filter) });
    if let Some(s) = select {
        params["select"] = json!(s);
    }
    ListSpec {
        cursor_field: "id".into(),
        row_id_field: "id".into(),
        rows_path: Some("items".into()),
        ..ListSpec::crm("crm.item.list", params)
    }
}

/// Types probed per batch: two sub-calls (lowest and highest id) each, a batch holds 50.
const PROBES_PER_BATCH: usize = MAX_BATCH / 2;

impl PortalSync {
    /// Keeps the first import open for the smart-process step: called before anything of a first import is
    /// stored (see `engine::hold_first_import_open`). A portal whose first import finished before this step had a
    /// row of its own gets the row when the step next succeeds, and never sees its progress bar again.
    pub(crate) async fn hold_linked_open(&self, first_import: bool) -> Result<(), SyncError> {
        let st = state::load(&self.store, self.portal_id, LINKED).await?;
        if first_import && st.phase == state::PHASE_PENDING && st.full_finished_at.is_none() {
            state::save(&self.store, self.portal_id, &st).await?;
        }
        Ok(())
    }

    /// One cycle's smart-process step: types, then each type's items; how many items were written. A portal
    /// without smart processes for the app finishes the step with a note, so its first import can finish.
    pub async fn sync_linked(&self) -> Result<usize, SyncError> {
        match self.linked_pass().await {
            Err(e) if unavailable(&e) => {
                let t = now();
                let mut st = state::load(&self.store, self.portal_id, LINKED).await?;
                st.phase = state::PHASE_INCREMENTAL.into();
                st.full_finished_at.get_or_insert(t);
                st.last_success_at = Some(t);
                // A note, not a failure: no error time, so the page does not show the source as failed.
                st.last_error = Some(format!("smart processes not available: {e}"));
                st.last_error_at = None;
                state::save(&self.store, self.portal_id, &st).await?;
                Ok(0)
            }
            other => other,
        }
    }

    async fn linked_pass(&self) -> Result<usize, SyncError> {
        let portal = PortalId(self.portal_id);
        let mut st = state::load(&self.store, self.portal_id, LINKED).await?;
        // A first import holds this step's row from its start (`hold_linked_open`); a portal imported before the
        // step had a row gets it quietly at the end of this pass.
        let held = state::load_all(&self.store, self.portal_id)
            .await?
            .iter()
            .any(|s| s.entity == LINKED);
        let first = held && st.full_finished_at.is_none();
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
        let ends = self.probe_items(&types).await?;
        if first {
            // The progress bar's share of this step: the probed id spans (ids may have gaps: an upper bound,
            // corrected to the stored count when the step finishes).
            st.phase = state::PHASE_FULL.into();
            st.full_started_at.get_or_insert(now());
            st.estimated_total = Some(
                ends.values()
                    .flatten()
                    .map(|(lo, hi)| hi - lo + 1)
                    .sum::<i64>(),
            );
            st.done_count = 0;
            state::save(&self.store, self.portal_id, &st).await?;
        }
        let mut written = 0;
        for t in &types {
            let ety = t.entity_type_id;
            let probe = ends.get(&ety).copied().flatten();
            let since = self.store.crm_items_updated_max(portal, ety).await?;
            let mut filter = Map::new();
            if let Some(s) = since {
                filter.insert(
                    ">=updatedTime".into(),
                    json!(value::format_filter_instant(s)),
                );
            }
            let full = since.is_none();
            // A full pass knows how far the ids reach (the chain is sized from it); an incremental one does not
            // (few rows usually: the chain starts at one page and grows).
            let mut export = IdCursorExport::new(
                self.client.clone(),
                item_spec(ety, filter, None),
                Direction::Asc,
                None,
                if full { probe.map(|p| p.1) } else { None },
            )
            .with_near_end(if full { probe.map(|p| p.0) } else { None })
            .with_max_chain(self.opts.max_chain);
            let mut seen: BTreeSet<i64> = BTreeSet::new();
            if !full || probe.is_some() {
                while let Some(chunk) = export.next_chunk().await? {
                    self.keep_alive().await?;
                    let mut items = Vec::with_capacity(chunk.rows.len());
                    for row in chunk.rows {
                        match parse_item(ety, &Value::Object(row.0), &known) {
                            Some(item) => {
                                seen.insert(item.id);
                                items.push(item);
                            }
                            None => tracing::warn!(
                                portal = self.portal_id,
                                entity_type = ety,
                                "unreadable smart-process item skipped"
                            ),
                        }
                    }
                    let n = self.store.upsert_crm_items(portal, &items).await?;
                    written += n;
                    if first {
                        st.done_count += items.len() as i64;
                        state::save(&self.store, self.portal_id, &st).await?;
                    }
                }
            }
            // Deletions: the ids the portal lists now (one id-only pass; a full pass already saw them all). Only
            // stored ids up to the probed highest are candidates: an item created after the probe and read by
            // this cycle's incremental pass is not "missing" from a listing that stopped at the probe.
            let listed: BTreeSet<i64> =
                if full {
                    seen.clone()
                } else if let Some((lo, hi)) = probe {
                    let mut ids = IdCursorExport::new(
                        self.client.clone(),
                        item_spec(ety, Map::new(), Some(&["id"])),
                        Direction::Asc,
                        None,
                        Some(hi),
                    )
                    .with_near_end(Some(lo))
                    .with_max_chain(self.opts.max_chain);
                    let mut listed = BTreeSet::new();
                    while let Some(chunk) = ids.next_chunk().await? {
                        self.keep_alive().await?;
                        listed.extend(chunk.rows.iter().filter_map(|r| {
                            r.0.get("id").and_then(|x| value::int(x).ok().flatten())
                        }));
                    }
                    listed
                } else {
                    BTreeSet::new()
                };
            let bound = probe.map(|p| p.1);
            let gone: Vec<i64> = self
                .store
                .crm_item_ids(portal, ety)
                .await?
                .into_iter()
                .filter(|id| !listed.contains(id) && !seen.contains(id))
                .filter(|id| bound.is_none_or(|hi| *id <= hi))
                .collect();
            if !gone.is_empty() {
                self.store.delete_crm_items(portal, ety, &gone).await?;
            }
        }
        let t = now();
        let mut stored = 0i64;
        for ty in &types {
            stored += self
                .store
                .crm_item_ids(portal, ty.entity_type_id)
                .await?
                .len() as i64;
        }
        st.phase = state::PHASE_INCREMENTAL.into();
        st.full_finished_at.get_or_insert(t);
        st.last_success_at = Some(t);
        st.done_count = stored;
        st.estimated_total = Some(stored);
        st.last_error = None;
        state::save(&self.store, self.portal_id, &st).await?;
        Ok(written)
    }

    /// Each type's (lowest, highest) item id, `None` for a type without items: one batch per 25 types, two
    /// one-page sub-calls each (`start: -1`, id only).
    async fn probe_items(
        &self,
        types: &[CrmType],
    ) -> Result<HashMap<i64, Option<(i64, i64)>>, SyncError> {
        let mut out = HashMap::new();
        for group in types.chunks(PROBES_PER_BATCH) {
            let mut batch = Batch::new();
            for t in group {
                let spec = item_spec(t.entity_type_id, Map::new(), Some(&["id"]));
                batch.push(
                    format!("lo{}", t.entity_type_id),
                    "crm.item.list",
                    spec.probe_params(Direction::Asc),
                )?;
                batch.push(
                    format!("hi{}", t.entity_type_id),
                    "crm.item.list",
                    spec.probe_params(Direction::Desc),
                )?;
            }
            let resp = self.client.batch(&batch).await?;
            for t in group {
                let spec = item_spec(t.entity_type_id, Map::new(), None);
                let end = |key: String| -> Result<Option<i64>, SyncError> {
                    if let Some(e) = resp.errors.get(&key) {
                        return Err(e.clone().into());
                    }
                    let rows = match resp.results.get(&key) {
                        Some(r) => spec.rows_of(r)?,
                        None => Vec::new(),
                    };
                    Ok(match rows.first() {
                        Some(r) => Some(spec.id_of(r)?),
                        None => None,
                    })
                };
                let lo = end(format!("lo{}", t.entity_type_id))?;
                let hi = end(format!("hi{}", t.entity_type_id))?;
                out.insert(t.entity_type_id, lo.zip(hi).filter(|(l, h)| l <= h));
            }
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
