//! The CRM write methods the app's tidy-up actions use: `crm.deal.update` and `crm.lead.update` (responsible and
//! stage/status, legacy envelope: `"error": ""` with "Access denied." / "Not found"), and `crm.activity.todo.add`
//! (a to-do on a lead or deal, new-style envelope: `ACCESS_DENIED` with 403). Each checks the caller's edit right
//! on the card (`rights`), changes it through `mutations` (DATE_MODIFY, stage history) and fires the portal's
//! events, so the app's next sync sees the change. Writes run through the same limiter as reads (`server::execute`).
//!
//! Must never change a card the caller may not edit, and never answer with anything but the portal's shapes.

use serde_json::{json, Value};

use super::{id_param, Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::model::{ActivityKind, PortalData};
use crate::mutations::{self, DealPatch, NewActivity, PendingEvent};
use crate::state::PortalState;

/// Posts the events of a change without holding the method up (the portal's queue service delivers later too).
pub(super) fn fire(portal: &PortalState, pending: Vec<PendingEvent>) {
    let mut deliveries = Vec::new();
    for (name, data, id, user) in pending {
        deliveries.extend(crate::events::fire(portal, &name, data, id, user));
    }
    if deliveries.is_empty() {
        return;
    }
    let http = portal.shared.http.clone();
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            for d in deliveries {
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(5),
                    http.post(&d.url).form(&d.form).send(),
                )
                .await;
            }
        });
    }
}

fn fields_of(params: &Value) -> Option<&serde_json::Map<String, Value>> {
    params
        .get("fields")
        .or_else(|| params.get("FIELDS"))
        .and_then(Value::as_object)
}

pub(super) fn read(
    portal: &PortalState,
) -> Result<std::sync::RwLockReadGuard<'_, PortalData>, RestError> {
    portal
        .data
        .read()
        .map_err(|_| RestError::new(500, "INTERNAL_SERVER_ERROR", "Internal server error"))
}

pub(super) fn internal(e: crate::error::EmulatorError) -> RestError {
    RestError::legacy(&e.to_string())
}

/// The responsible of a card the caller asks to change, after the edit-right check.
fn editable_owner(ctx: &Ctx, owner: Option<i64>) -> Result<i64, RestError> {
    let owner = owner.ok_or_else(|| RestError::legacy("Not found"))?;
    let data = read(ctx.portal)?;
    if crate::rights::may_edit(&data, ctx.caller.user_id, ctx.caller.is_admin, owner) {
        Ok(owner)
    } else {
        Err(RestError::legacy("Access denied."))
    }
}

pub(super) fn user_exists(ctx: &Ctx, id: i64) -> Result<bool, RestError> {
    Ok(read(ctx.portal)?.users.iter().any(|u| u.id == id))
}

/// `crm.deal.update`: `id`, `fields[ASSIGNED_BY_ID]`, `fields[STAGE_ID]` (other fields are accepted and ignored).
pub fn deal_update(ctx: &Ctx, params: &Value) -> MethodResult {
    let id = id_param(params).ok_or_else(|| RestError::legacy("ID is not defined or invalid."))?;
    let owner = read(ctx.portal)?.deal(id).map(|d| d.assigned_by_id);
    editable_owner(ctx, owner)?;
    let fields =
        fields_of(params).ok_or_else(|| RestError::legacy("Parameter 'fields' must be array."))?;
    let assignee = fields.get("ASSIGNED_BY_ID").and_then(crate::php::as_i64);
    if let Some(a) = assignee {
        if !user_exists(ctx, a)? {
            return Err(RestError::legacy("Responsible user not found."));
        }
    }
    let mut events = Vec::new();
    if let Some(stage) = fields.get("STAGE_ID").and_then(crate::php::as_str) {
        events.extend(mutations::move_deal_stage(ctx.portal, id, &stage).map_err(internal)?);
    }
    if assignee.is_some() {
        let patch = DealPatch {
            assigned_by_id: assignee,
            ..Default::default()
        };
        events.extend(mutations::update_deal(ctx.portal, id, patch).map_err(internal)?);
    }
    events.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
    fire(ctx.portal, events);
    Ok(Output::plain(Value::Bool(true), ctx))
}

/// `crm.lead.update`: `id`, `fields[ASSIGNED_BY_ID]`, `fields[STATUS_ID]`.
pub fn lead_update(ctx: &Ctx, params: &Value) -> MethodResult {
    let id = id_param(params).ok_or_else(|| RestError::legacy("ID is not defined or invalid."))?;
    let owner = read(ctx.portal)?.lead(id).map(|l| l.assigned_by_id);
    editable_owner(ctx, owner)?;
    let fields =
        fields_of(params).ok_or_else(|| RestError::legacy("Parameter 'fields' must be array."))?;
    let assignee = fields.get("ASSIGNED_BY_ID").and_then(crate::php::as_i64);
    if let Some(a) = assignee {
        if !user_exists(ctx, a)? {
            return Err(RestError::legacy("Responsible user not found."));
        }
    }
    let mut events = Vec::new();
    if let Some(status) = fields.get("STATUS_ID").and_then(crate::php::as_str) {
        events.extend(mutations::move_lead_status(ctx.portal, id, &status).map_err(internal)?);
    }
    if let Some(a) = assignee {
        let now = ctx.portal.clock();
        let mut data = mutations::write(ctx.portal).map_err(internal)?;
        if let Ok(i) = data.leads.binary_search_by_key(&id, |l| l.id) {
            let l = &mut data.leads[i];
            l.assigned_by_id = a;
            l.modify_by_id = ctx.caller.user_id;
            l.date_modify = now;
        }
        events.push(mutations::fields_event(
            "ONCRMLEADUPDATE",
            id,
            ctx.caller.user_id,
        ));
    }
    events.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
    fire(ctx.portal, events);
    Ok(Output::plain(Value::Bool(true), ctx))
}

/// `crm.activity.todo.add`: `ownerTypeId` (1 lead, 2 deal), `ownerId`, `deadline`, `title`, `description`,
/// `responsibleId` (default: the caller). Answers `{"id": N}`.
pub fn todo_add(ctx: &Ctx, params: &Value) -> MethodResult {
    let num = |k: &str| params.get(k).and_then(crate::php::as_i64);
    let owner_type = num("ownerTypeId")
        .filter(|t| matches!(t, 1 | 2))
        .ok_or_else(|| {
            RestError::invalid_arg("ownerTypeId: only leads (1) and deals (2) are supported")
        })?;
    let owner_id = num("ownerId")
        .filter(|i| *i > 0)
        .ok_or_else(|| RestError::invalid_arg("ownerId is required"))?;
    let deadline = params
        .get("deadline")
        .and_then(crate::php::as_str)
        .and_then(|s| crate::format::parse_time(&s, ctx.portal.zone()))
        .ok_or_else(|| RestError::invalid_arg("deadline: a date and time is required"))?;
    let owner = {
        let data = read(ctx.portal)?;
        if owner_type == 2 {
            data.deal(owner_id).map(|d| d.assigned_by_id)
        } else {
            data.lead(owner_id).map(|l| l.assigned_by_id)
        }
    };
    let Some(owner) = owner else {
        return Err(RestError::new(400, "NOT_FOUND", "Owner element not found"));
    };
    {
        let data = read(ctx.portal)?;
        if !crate::rights::may_edit(&data, ctx.caller.user_id, ctx.caller.is_admin, owner) {
            return Err(RestError::access_denied("Access denied."));
        }
    }
    let responsible = num("responsibleId")
        .filter(|i| *i > 0)
        .unwrap_or(ctx.caller.user_id);
    if !user_exists(ctx, responsible)? {
        return Err(RestError::invalid_arg("responsibleId: user not found"));
    }
    let subject = params
        .get("title")
        .and_then(crate::php::as_str)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| params.get("description").and_then(crate::php::as_str));
    let input = NewActivity {
        owner_type_id: owner_type as u8,
        owner_id,
        kind: ActivityKind::Todo,
        direction: 0,
        completed: false,
        responsible_id: Some(responsible),
        start_time: Some(deadline),
        end_time: Some(deadline),
        subject,
    };
    let (id, events) = mutations::add_activity(ctx.portal, input).map_err(internal)?;
    fire(ctx.portal, events);
    Ok(Output::plain(json!({ "id": id }), ctx))
}
