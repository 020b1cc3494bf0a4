//! Changes to the portal's dictionaries made by an administrator: add or delete a `crm.status.list` row (stage,
//! lead status, source, industry ...), delete a currency, create or delete a deal pipeline. They fire no events
//! (Bitrix24 has none a sync could bind for these), so a sync learns of them only by re-reading the dictionaries.
//!
//! Refuses what the portal refuses: deleting a stage or lead status some card currently sits in, the base
//! currency, the default pipeline, or a pipeline that still holds deals. Never touches deals, leads or history.

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::generator::dictionaries::stage_code;
use crate::model::{Category, CrmStatus, PortalData, Semantic};
use crate::mutations::write;
use crate::state::PortalState;

/// A new `crm.status.list` row (admin API JSON uses the same names).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewStatus {
    /// `SOURCE`, `INDUSTRY`, `STATUS`, `DEAL_STAGE`, `DEAL_STAGE_<cat>` ...
    pub entity_id: String,
    pub status_id: String,
    pub name: String,
    pub sort: i64,
    /// For stage-like dictionaries: P (default), S or F.
    pub semantics: Option<String>,
}

fn invalid(msg: String) -> EmulatorError {
    EmulatorError::Invalid(msg)
}

fn stage_like(entity_id: &str) -> bool {
    entity_id == "STATUS" || entity_id.starts_with("DEAL_STAGE")
}

fn category_of(entity_id: &str) -> Option<i64> {
    entity_id
        .strip_prefix("DEAL_STAGE_")
        .and_then(|c| c.parse().ok())
}

fn push_status(
    data: &mut PortalData,
    entity_id: &str,
    status_id: String,
    name: &str,
    sort: i64,
    sem: Option<Semantic>,
) {
    let id = data.statuses.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    let extra = sem.map(|s| {
        match s {
            Semantic::Process => "process",
            Semantic::Success => "success",
            Semantic::Failure => "failure",
        }
        .to_string()
    });
    data.statuses.push(CrmStatus {
        id,
        entity_id: entity_id.to_string(),
        status_id,
        name: name.to_string(),
        sort,
        system: false,
        category_id: category_of(entity_id),
        color: "#39A8EF".into(),
        semantics: sem,
        extra_semantics: extra,
    });
}

/// Adds a dictionary row; an existing (entity, status) pair is an error.
pub fn add_status(portal: &PortalState, input: NewStatus) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    if input.entity_id.is_empty() || input.status_id.is_empty() {
        return Err(invalid("entity_id and status_id are required".into()));
    }
    if data
        .statuses
        .iter()
        .any(|s| s.entity_id == input.entity_id && s.status_id == input.status_id)
    {
        return Err(invalid(format!(
            "{} {} already exists",
            input.entity_id, input.status_id
        )));
    }
    if let Some(cat) = category_of(&input.entity_id) {
        if data.categories.iter().all(|c| c.id != cat) {
            return Err(invalid(format!("pipeline {cat} does not exist")));
        }
    }
    let sem = stage_like(&input.entity_id).then_some(match input.semantics.as_deref() {
        Some("S") => Semantic::Success,
        Some("F") => Semantic::Failure,
        _ => Semantic::Process,
    });
    let name = if input.name.is_empty() {
        input.status_id.clone()
    } else {
        input.name.clone()
    };
    push_status(
        &mut data,
        &input.entity_id,
        input.status_id,
        &name,
        input.sort,
        sem,
    );
    Ok(())
}

/// Deletes a dictionary row. A stage or lead status that a card currently sits in is refused; a source,
/// industry or deal type in use is deleted (cards keep the code, as on Bitrix24).
pub fn delete_status(
    portal: &PortalState,
    entity_id: &str,
    status_id: &str,
) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .statuses
        .iter()
        .position(|s| s.entity_id == entity_id && s.status_id == status_id)
        .ok_or_else(|| invalid(format!("{entity_id} {status_id} not found")))?;
    if entity_id == "STATUS" && data.leads.iter().any(|l| l.status_id == status_id) {
        return Err(invalid(format!("leads are in status {status_id}")));
    }
    if entity_id.starts_with("DEAL_STAGE") && data.deals.iter().any(|d| d.stage_id == status_id) {
        return Err(invalid(format!("deals are at stage {status_id}")));
    }
    data.statuses.remove(idx);
    Ok(())
}

/// Deletes a currency other than the base one (deals in it keep their CURRENCY_ID).
pub fn delete_currency(portal: &PortalState, code: &str) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .currencies
        .iter()
        .position(|c| c.code == code)
        .ok_or_else(|| invalid(format!("currency {code} not found")))?;
    if data.currencies[idx].base {
        return Err(invalid(format!("{code} is the base currency")));
    }
    data.currencies.remove(idx);
    Ok(())
}

/// Creates a deal pipeline with three stages (`C<id>:NEW` in work, `C<id>:WON`, `C<id>:LOSE`); returns its id.
pub fn create_category(portal: &PortalState, name: &str) -> Result<i64, EmulatorError> {
    let mut data = write(portal)?;
    let id = data.categories.iter().map(|c| c.id).max().unwrap_or(0) + 1;
    let sort = data.categories.iter().map(|c| c.sort).max().unwrap_or(0) + 100;
    data.categories.push(Category {
        id,
        name: if name.is_empty() {
            format!("Воронка {id}")
        } else {
            name.to_string()
        },
        sort,
        is_default: false,
    });
    let entity = PortalData::stage_entity(id);
    for (i, (code, title, sem)) in [
        ("NEW", "Новая", Semantic::Process),
        ("WON", "Сделка успешна", Semantic::Success),
        ("LOSE", "Сделка провалена", Semantic::Failure),
    ]
    .into_iter()
    .enumerate()
    {
        push_status(
            &mut data,
            &entity,
            stage_code(id, code),
            title,
            (i as i64 + 1) * 10,
            Some(sem),
        );
    }
    Ok(id)
}

/// Deletes an empty, non-default pipeline with its stages.
pub fn delete_category(portal: &PortalState, id: i64) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .categories
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| invalid(format!("pipeline {id} not found")))?;
    if id == 0 || data.categories[idx].is_default {
        return Err(invalid("the default pipeline cannot be deleted".into()));
    }
    if data.deals.iter().any(|d| d.category_id == id) {
        return Err(invalid(format!("pipeline {id} still has deals")));
    }
    data.categories.remove(idx);
    let entity = PortalData::stage_entity(id);
    data.statuses.retain(|s| s.entity_id != entity);
    Ok(())
}

/// Whose custom fields (`DEAL` or `LEAD`) a user-field mutation changes.
fn user_fields<'a>(
    data: &'a mut PortalData,
    entity: &str,
) -> Result<&'a mut Vec<crate::model::UserFieldDef>, EmulatorError> {
    match entity.to_ascii_uppercase().as_str() {
        "DEAL" | "CRM_DEAL" => Ok(&mut data.deal_fields),
        "LEAD" | "CRM_LEAD" => Ok(&mut data.lead_fields),
        other => Err(invalid(format!(
            "custom fields are DEAL or LEAD, not {other:?}"
        ))),
    }
}

/// Adds a custom field to deals or leads (`crm.*.userfield.add`): it gets the next field id (and, for an
/// enumeration, item ids after every existing one); records hold no value for it. Returns the field id.
pub fn add_user_field(
    portal: &PortalState,
    entity: &str,
    mut def: crate::model::UserFieldDef,
) -> Result<i64, EmulatorError> {
    let mut data = write(portal)?;
    if !def.field_name.starts_with("UF_CRM_") {
        return Err(invalid(format!(
            "{:?} is not a UF_CRM_ name",
            def.field_name
        )));
    }
    let all = data.deal_fields.iter().chain(data.lead_fields.iter());
    let id = all.clone().map(|f| f.id).max().unwrap_or(0) + 2;
    let mut item = all
        .flat_map(|f| f.items.iter().map(|i| i.id))
        .max()
        .unwrap_or(0)
        + 2;
    let fields = user_fields(&mut data, entity)?;
    if fields.iter().any(|f| f.field_name == def.field_name) {
        return Err(invalid(format!("{} already exists", def.field_name)));
    }
    def.id = id;
    for i in &mut def.items {
        i.id = item;
        item += 2;
    }
    fields.push(def);
    Ok(id)
}

/// Deletes a custom field of deals or leads (`crm.*.userfield.delete`): the definition and every record's value
/// of it go, as dropping the column does in a real portal.
pub fn delete_user_field(
    portal: &PortalState,
    entity: &str,
    field_name: &str,
) -> Result<(), EmulatorError> {
    let mut data = write(portal)?;
    let fields = user_fields(&mut data, entity)?;
    let idx = fields
        .iter()
        .position(|f| f.field_name == field_name)
        .ok_or_else(|| invalid(format!("custom field {entity} {field_name} not found")))?;
    fields.remove(idx);
    // Record values are aligned with the definitions by index.
    let drop_at = |uf: &mut Vec<Option<String>>| {
        if idx < uf.len() {
            uf.remove(idx);
        }
    };
    if entity.to_ascii_uppercase().ends_with("DEAL") {
        data.deals.iter_mut().for_each(|d| drop_at(&mut d.uf));
    } else {
        data.leads.iter_mut().for_each(|l| drop_at(&mut l.uf));
    }
    Ok(())
}
