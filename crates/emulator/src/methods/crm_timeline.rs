//! The write methods on activities and card timelines the app's tidy-up actions use: `crm.activity.update`
//! (responsible and completion of an activity, legacy envelope: `"error": ""` with "Access denied." / "Not found")
//! and `crm.timeline.comment.add` (a comment on a lead's or deal's timeline, new-style envelope: `ACCESS_DENIED` with
//! 403, answers the comment's id). Rights follow the card: a user may change an activity or comment on a card when he
//! may edit the card the activity belongs to (`rights::may_edit` with the card's responsible; an activity whose card
//! is gone falls back to the activity's responsible). Changes fire the portal's events like the other mutations and
//! run through the same limiter as reads.
//!
//! Must never change an activity or a timeline the caller may not edit, and never answer with anything but the
//! portal's shapes.

use serde_json::{json, Value};

use super::crm_write::{fire, internal, read, user_exists};
use super::{id_param, Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::model::{PortalData, TimelineComment};
use crate::mutations;

/// The responsible of the card an activity or comment belongs to (1 lead, 2 deal, 3 contact, 4 company).
fn card_owner(data: &PortalData, owner_type: i64, owner_id: i64) -> Option<i64> {
    match owner_type {
        1 => data.lead(owner_id).map(|l| l.assigned_by_id),
        2 => data.deal(owner_id).map(|d| d.assigned_by_id),
        3 => crate::model::find_by_id(&data.contacts, owner_id, |c| c.id).map(|c| c.assigned_by_id),
        4 => {
            crate::model::find_by_id(&data.companies, owner_id, |c| c.id).map(|c| c.assigned_by_id)
        }
        _ => None,
    }
}

/// `COMPLETED` as the portal takes it: `Y`/`N` (also `true`/`false`, `1`/`0`); anything else is no change.
fn completed_flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_uppercase().as_str() {
            "Y" | "1" | "TRUE" => Some(true),
            "N" | "0" | "FALSE" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `crm.activity.update`: `id`, `fields[RESPONSIBLE_ID]`, `fields[COMPLETED]` (`Y`/`N`); other fields are accepted
/// and ignored. Answers `true`.
pub fn activity_update(ctx: &Ctx, params: &Value) -> MethodResult {
    let id = id_param(params).ok_or_else(|| RestError::legacy("ID is not defined or invalid."))?;
    {
        let data = read(ctx.portal)?;
        let a = crate::model::find_by_id(&data.activities, id, |a| a.id)
            .ok_or_else(|| RestError::legacy("Not found"))?;
        let owner =
            card_owner(&data, a.owner_type_id as i64, a.owner_id).unwrap_or(a.responsible_id);
        if !crate::rights::may_edit(&data, ctx.caller.user_id, ctx.caller.is_admin, owner) {
            return Err(RestError::legacy("Access denied."));
        }
    }
    let fields = params
        .get("fields")
        .or_else(|| params.get("FIELDS"))
        .and_then(Value::as_object)
        .ok_or_else(|| RestError::legacy("Parameter 'fields' must be array."))?;
    let responsible = match fields.get("RESPONSIBLE_ID") {
        None => None,
        Some(v) => {
            let r = crate::php::as_i64(v)
                .filter(|r| *r > 0)
                .ok_or_else(|| RestError::legacy("Responsible user not found."))?;
            if !user_exists(ctx, r)? {
                return Err(RestError::legacy("Responsible user not found."));
            }
            Some(r)
        }
    };
    let completed = fields.get("COMPLETED").and_then(completed_flag);
    if responsible.is_none() && completed.is_none() {
        return Ok(Output::plain(Value::Bool(true), ctx));
    }
    let now = ctx.portal.clock();
    let user = {
        let mut data = mutations::write(ctx.portal).map_err(internal)?;
        let i = data
            .activities
            .binary_search_by_key(&id, |a| a.id)
            .map_err(|_| RestError::legacy("Not found"))?;
        let a = &mut data.activities[i];
        if let Some(r) = responsible {
            a.responsible_id = r;
        }
        if let Some(c) = completed {
            a.completed = c;
        }
        a.last_updated = now;
        a.responsible_id
    };
    fire(
        ctx.portal,
        vec![mutations::fields_event("ONCRMACTIVITYUPDATE", id, user)],
    );
    Ok(Output::plain(Value::Bool(true), ctx))
}

/// `crm.timeline.comment.add`: `fields[ENTITY_ID]`, `fields[ENTITY_TYPE]` (`lead`, `deal`, `contact`, `company`),
/// `fields[COMMENT]`, `fields[AUTHOR_ID]` (default: the caller). Only the lower-case `fields` key is taken, as the
/// portal does since CRM 23.100. Answers the comment's id.
pub fn comment_add(ctx: &Ctx, params: &Value) -> MethodResult {
    let fields = params
        .get("fields")
        .and_then(Value::as_object)
        .ok_or_else(|| RestError::new(400, "100", "Required fields: fields"))?;
    let entity_type = fields
        .get("ENTITY_TYPE")
        .and_then(crate::php::as_str)
        .map(|s| s.trim().to_ascii_lowercase())
        .ok_or_else(|| RestError::new(400, "100", "Required fields: ENTITY_TYPE"))?;
    let owner_type = match entity_type.as_str() {
        "lead" => 1,
        "deal" => 2,
        "contact" => 3,
        "company" => 4,
        _ => return Err(RestError::invalid_arg("ENTITY_TYPE: unknown type")),
    };
    let entity_id = fields
        .get("ENTITY_ID")
        .and_then(crate::php::as_i64)
        .filter(|i| *i > 0)
        .ok_or_else(|| RestError::new(400, "100", "Required fields: ENTITY_ID"))?;
    let comment = fields
        .get("COMMENT")
        .and_then(crate::php::as_str)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| RestError::invalid_arg("Empty comment"))?;
    {
        let data = read(ctx.portal)?;
        let owner = card_owner(&data, owner_type, entity_id)
            .ok_or_else(|| RestError::new(400, "OWNER_NOT_FOUND", "Owner element not found"))?;
        if !crate::rights::may_edit(&data, ctx.caller.user_id, ctx.caller.is_admin, owner) {
            return Err(RestError::access_denied("Access denied."));
        }
    }
    let author = fields
        .get("AUTHOR_ID")
        .and_then(crate::php::as_i64)
        .filter(|i| *i > 0)
        .unwrap_or(ctx.caller.user_id);
    let now = ctx.portal.clock();
    let id = {
        let mut data = mutations::write(ctx.portal).map_err(internal)?;
        let id = data.timeline_comments.last().map(|c| c.id).unwrap_or(0) + 1;
        data.timeline_comments.push(TimelineComment {
            id,
            entity_type,
            entity_id,
            comment,
            author_id: author,
            created: now,
        });
        id
    };
    fire(
        ctx.portal,
        vec![mutations::fields_event(
            "ONCRMTIMELINECOMMENTADD",
            id,
            author,
        )],
    );
    Ok(Output::plain(json!(id), ctx))
}
