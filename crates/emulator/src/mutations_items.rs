//! Changes to smart-process items, as a user makes them in the portal (tests and the demo): create one bound to a
//! deal, move its stage, delete it. Items stay sorted by (type, id); every change stamps `updatedTime` with the
//! portal clock. Fires no events (the app keeps items current by its incremental pass and deletion scan).

use crate::error::EmulatorError;
use crate::model::{CrmItem, Semantic};
use crate::mutations::{not_found, write};
use crate::state::PortalState;

fn semantic_of(stage_id: &str) -> Semantic {
    match stage_id.rsplit(':').next() {
        Some("SUCCESS") => Semantic::Success,
        Some("FAIL") => Semantic::Failure,
        _ => Semantic::Process,
    }
}

/// Creates an item of `entity_type_id` bound to `parent_deal_id`; its id.
pub fn create_item(
    portal: &PortalState,
    entity_type_id: i64,
    parent_deal_id: Option<i64>,
    opportunity: f64,
) -> Result<i64, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    if !data
        .crm_types
        .iter()
        .any(|t| t.entity_type_id == entity_type_id)
    {
        return Err(EmulatorError::Invalid(format!(
            "smart process {entity_type_id} does not exist"
        )));
    }
    let id = data
        .crm_items
        .iter()
        .filter(|i| i.entity_type_id == entity_type_id)
        .map(|i| i.id)
        .max()
        .unwrap_or(0)
        + 1;
    data.crm_items.push(CrmItem {
        entity_type_id,
        id,
        title: format!("Элемент № {id}"),
        category_id: 1,
        stage_id: format!("DT{entity_type_id}_1:NEW"),
        semantic: Semantic::Process,
        opportunity,
        currency_id: "RUB".into(),
        assigned_by_id: 1,
        created_time: now,
        updated_time: now,
        moved_time: now,
        parent_deal_id,
    });
    data.crm_items.sort_by_key(|i| (i.entity_type_id, i.id));
    Ok(id)
}

/// Moves an item to another stage of its process.
pub fn move_item_stage(
    portal: &PortalState,
    entity_type_id: i64,
    id: i64,
    stage_id: &str,
) -> Result<(), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let item = data
        .crm_items
        .iter_mut()
        .find(|i| i.entity_type_id == entity_type_id && i.id == id)
        .ok_or_else(|| not_found("item", id))?;
    item.stage_id = stage_id.to_string();
    item.semantic = semantic_of(stage_id);
    item.updated_time = now;
    item.moved_time = now;
    Ok(())
}

/// Deletes an item.
pub fn delete_item(
    portal: &PortalState,
    entity_type_id: i64,
    id: i64,
) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    let before = data.crm_items.len();
    data.crm_items
        .retain(|i| !(i.entity_type_id == entity_type_id && i.id == id));
    if data.crm_items.len() == before {
        return Err(not_found("item", id));
    }
    Ok(())
}
