//! Changes made "by users" while the portal runs: create/update/move/delete deals, create leads and
//! move their status, add/complete activities, close tasks. Each records DATE_MODIFY, stage
//! history and MOVED_* like a real portal and returns the events to fire.
//!
//! Works on `PortalState` data only; delivery of the returned events is the caller's job.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::EmulatorError;
use crate::generator::dictionaries::stage_code;
use crate::model::{Activity, ActivityKind, Deal, Lead, PortalData, Semantic, StageHistory};
use crate::state::PortalState;

/// Fields of a new deal (admin API JSON uses the same names).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewDeal {
    pub title: String,
    pub category_id: i64,
    pub stage_id: Option<String>,
    pub opportunity: f64,
    pub currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub source_id: Option<String>,
    pub company_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub uf: HashMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DealPatch {
    pub title: Option<String>,
    pub opportunity: Option<f64>,
    pub currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub source_id: Option<String>,
    pub uf: HashMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewLead {
    pub title: String,
    pub name: String,
    pub last_name: String,
    pub status_id: Option<String>,
    pub source_id: Option<String>,
    pub opportunity: f64,
    pub assigned_by_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewTask {
    pub title: String,
    pub responsible_id: Option<i64>,
    pub created_by: Option<i64>,
    pub deadline: Option<i64>,
    pub start_date_plan: Option<i64>,
    pub group_id: i64,
    pub uf_crm_task: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NewActivity {
    /// 1 lead, 2 deal, 3 contact, 4 company.
    pub owner_type_id: u8,
    pub owner_id: i64,
    pub kind: ActivityKind,
    pub direction: u8,
    pub completed: bool,
    pub responsible_id: Option<i64>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub subject: Option<String>,
}

impl Default for NewActivity {
    fn default() -> Self {
        NewActivity {
            owner_type_id: 2,
            owner_id: 0,
            kind: ActivityKind::Call,
            direction: 2,
            completed: true,
            responsible_id: None,
            start_time: None,
            end_time: None,
            subject: None,
        }
    }
}

/// An event to fire: (name, data, object id, acting user).
pub type PendingEvent = (String, serde_json::Value, i64, i64);

pub(crate) fn fields_event(name: &str, id: i64, user: i64) -> PendingEvent {
    (
        name.to_string(),
        json!({"FIELDS": {"ID": id.to_string()}}),
        id,
        user,
    )
}

pub(crate) fn not_found(what: &str, id: i64) -> EmulatorError {
    EmulatorError::Invalid(format!("{what} {id} not found"))
}

fn uf_vec(
    defs: &[crate::model::UserFieldDef],
    values: &HashMap<String, String>,
    base: Vec<Option<String>>,
) -> Vec<Option<String>> {
    let mut out = base;
    out.resize(defs.len(), None);
    for (i, d) in defs.iter().enumerate() {
        if let Some(v) = values.get(&d.field_name) {
            out[i] = Some(v.clone());
        }
    }
    out
}

fn stage_info(data: &PortalData, category_id: i64, stage: &str) -> Result<Semantic, EmulatorError> {
    data.dictionary(&PortalData::stage_entity(category_id))
        .iter()
        .find(|s| s.status_id == stage)
        // A stage without semantics is a process stage (as the portal lists its own: `SEMANTICS` empty).
        .map(|s| s.semantics.unwrap_or(Semantic::Process))
        .ok_or_else(|| {
            EmulatorError::Invalid(format!("stage {stage} is not in pipeline {category_id}"))
        })
}

fn push_history(
    h: &mut Vec<StageHistory>,
    type_id: i64,
    owner_id: i64,
    t: i64,
    cat: i64,
    stage: &str,
    sem: Semantic,
) {
    let id = h.last().map(|r| r.id).unwrap_or(0) + 1;
    h.push(StageHistory {
        id,
        type_id,
        owner_id,
        created_time: t,
        category_id: cat,
        stage_id: stage.to_string(),
        semantic: sem,
    });
}

pub(crate) fn write(
    portal: &PortalState,
) -> Result<std::sync::RwLockWriteGuard<'_, PortalData>, EmulatorError> {
    portal
        .data
        .write()
        .map_err(|_| EmulatorError::Invalid("portal data lock poisoned".into()))
}

pub fn create_deal(
    portal: &PortalState,
    input: NewDeal,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let zone = portal.zone();
    let mut data = write(portal)?;
    if data.categories.iter().all(|c| c.id != input.category_id) {
        return Err(EmulatorError::Invalid(format!(
            "pipeline {} does not exist",
            input.category_id
        )));
    }
    let stage = input
        .stage_id
        .clone()
        .unwrap_or_else(|| stage_code(input.category_id, "NEW"));
    let sem = stage_info(&data, input.category_id, &stage)?;
    let id = data.deals.last().map(|d| d.id).unwrap_or(0) + 1;
    let user = input.assigned_by_id.unwrap_or(1);
    let day = |t: i64| (t + zone.offset_at(t) as i64).div_euclid(86_400) * 86_400;
    let uf = uf_vec(&data.deal_fields, &input.uf, Vec::new());
    let deal = Deal {
        id,
        title: if input.title.is_empty() {
            format!("Сделка #{id}")
        } else {
            input.title
        },
        type_id: "SALE".into(),
        category_id: input.category_id,
        stage_id: stage.clone(),
        semantic: sem,
        opportunity: input.opportunity,
        currency_id: input.currency_id.unwrap_or_else(|| "RUB".into()),
        is_manual_opportunity: false,
        probability: None,
        assigned_by_id: user,
        created_by_id: user,
        modify_by_id: user,
        moved_by_id: user,
        date_create: now,
        date_modify: now,
        moved_time: now,
        begindate: day(now),
        closedate: day(now
            + if sem == Semantic::Process {
                30 * 86_400
            } else {
                0
            }),
        closed: sem != Semantic::Process,
        opened: true,
        is_return_customer: false,
        source_id: input.source_id,
        company_id: input.company_id,
        contact_id: None,
        lead_id: input.lead_id,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        last_activity_time: None,
        last_activity_by: None,
        comments: String::new(),
        uf,
    };
    data.deals.push(deal);
    push_history(
        &mut data.deal_history,
        1,
        id,
        now,
        input.category_id,
        &stage,
        sem,
    );
    Ok((id, vec![fields_event("ONCRMDEALADD", id, user)]))
}

pub fn update_deal(
    portal: &PortalState,
    id: i64,
    patch: DealPatch,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let defs = data.deal_fields.clone();
    let idx = data
        .deals
        .binary_search_by_key(&id, |d| d.id)
        .map_err(|_| not_found("deal", id))?;
    let d = &mut data.deals[idx];
    if let Some(t) = patch.title {
        d.title = t;
    }
    if let Some(o) = patch.opportunity {
        d.opportunity = o;
    }
    if let Some(c) = patch.currency_id {
        d.currency_id = c;
    }
    if let Some(a) = patch.assigned_by_id {
        d.assigned_by_id = a;
    }
    if let Some(s) = patch.source_id {
        d.source_id = Some(s);
    }
    d.uf = uf_vec(&defs, &patch.uf, std::mem::take(&mut d.uf));
    d.date_modify = now;
    let user = d.assigned_by_id;
    d.modify_by_id = user;
    Ok(vec![fields_event("ONCRMDEALUPDATE", id, user)])
}

/// Moves a deal to another stage of its pipeline: history row type 2 (or 3 for a final stage),
/// MOVED_TIME/DATE_MODIFY now, CLOSED/CLOSEDATE for final stages.
pub fn move_deal_stage(
    portal: &PortalState,
    id: i64,
    stage_id: &str,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let zone = portal.zone();
    let mut data = write(portal)?;
    let idx = data
        .deals
        .binary_search_by_key(&id, |d| d.id)
        .map_err(|_| not_found("deal", id))?;
    let cat = data.deals[idx].category_id;
    let sem = stage_info(&data, cat, stage_id)?;
    let d = &mut data.deals[idx];
    if d.stage_id == stage_id {
        return Ok(Vec::new());
    }
    d.stage_id = stage_id.to_string();
    d.semantic = sem;
    d.moved_time = now;
    d.date_modify = now;
    d.closed = sem != Semantic::Process;
    if d.closed {
        d.closedate = (now + zone.offset_at(now) as i64).div_euclid(86_400) * 86_400;
    }
    let user = d.assigned_by_id;
    d.moved_by_id = user;
    let type_id = if sem == Semantic::Process { 2 } else { 3 };
    push_history(&mut data.deal_history, type_id, id, now, cat, stage_id, sem);
    Ok(vec![fields_event("ONCRMDEALUPDATE", id, user)])
}

/// Moves a deal to another pipeline (stage history TYPE_ID 5, ONCRMDEALMOVETOCATEGORY).
pub fn move_deal_category(
    portal: &PortalState,
    id: i64,
    category_id: i64,
    stage_id: Option<&str>,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let zone = portal.zone();
    let mut data = write(portal)?;
    let idx = data
        .deals
        .binary_search_by_key(&id, |d| d.id)
        .map_err(|_| not_found("deal", id))?;
    if data.deals[idx].category_id == category_id {
        return Err(EmulatorError::Invalid(format!(
            "deal {id} is already in pipeline {category_id}"
        )));
    }
    let stage = stage_id
        .map(str::to_string)
        .unwrap_or_else(|| stage_code(category_id, "NEW"));
    let sem = stage_info(&data, category_id, &stage)?;
    let d = &mut data.deals[idx];
    d.category_id = category_id;
    d.stage_id = stage.clone();
    d.semantic = sem;
    d.moved_time = now;
    d.date_modify = now;
    d.closed = sem != Semantic::Process;
    if d.closed {
        d.closedate = (now + zone.offset_at(now) as i64).div_euclid(86_400) * 86_400;
    }
    let user = d.assigned_by_id;
    d.moved_by_id = user;
    push_history(&mut data.deal_history, 5, id, now, category_id, &stage, sem);
    let moved = json!({"FIELDS": {"ID": id.to_string(), "CATEGORY_ID": category_id.to_string(), "STAGE_ID": stage}});
    Ok(vec![
        ("ONCRMDEALMOVETOCATEGORY".to_string(), moved, id, user),
        fields_event("ONCRMDEALUPDATE", id, user),
    ])
}

/// Deletes a deal with its stage history and activities (as the portal does).
pub fn delete_deal(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .deals
        .binary_search_by_key(&id, |d| d.id)
        .map_err(|_| not_found("deal", id))?;
    let user = data.deals[idx].assigned_by_id;
    data.deals.remove(idx);
    data.deal_history.retain(|h| h.owner_id != id);
    data.activities
        .retain(|a| !(a.owner_type_id == 2 && a.owner_id == id));
    Ok(vec![fields_event("ONCRMDEALDELETE", id, user)])
}

pub fn create_lead(
    portal: &PortalState,
    input: NewLead,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let status = input.status_id.unwrap_or_else(|| "NEW".into());
    let sem = data
        .lead_status(&status)
        .and_then(|s| s.semantics)
        .ok_or_else(|| EmulatorError::Invalid(format!("lead status {status} does not exist")))?;
    let id = data.leads.last().map(|l| l.id).unwrap_or(0) + 1;
    let user = input.assigned_by_id.unwrap_or(1);
    let n_uf = data.lead_fields.len();
    data.leads.push(Lead {
        id,
        title: if input.title.is_empty() {
            format!("Лид #{id}")
        } else {
            input.title
        },
        name: input.name,
        last_name: input.last_name,
        status_id: status.clone(),
        semantic: sem,
        source_id: input.source_id,
        opportunity: input.opportunity,
        currency_id: "RUB".into(),
        assigned_by_id: user,
        created_by_id: user,
        modify_by_id: user,
        moved_by_id: user,
        date_create: now,
        date_modify: now,
        moved_time: now,
        date_closed: (sem != Semantic::Process).then_some(now),
        company_id: None,
        is_return_customer: false,
        has_phone: false,
        has_email: false,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        last_activity_time: None,
        last_activity_by: None,
        uf: vec![None; n_uf],
    });
    push_history(&mut data.lead_history, 1, id, now, 0, &status, sem);
    Ok((id, vec![fields_event("ONCRMLEADADD", id, user)]))
}

pub fn move_lead_status(
    portal: &PortalState,
    id: i64,
    status_id: &str,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let sem = data
        .lead_status(status_id)
        .and_then(|s| s.semantics)
        .ok_or_else(|| EmulatorError::Invalid(format!("lead status {status_id} does not exist")))?;
    let idx = data
        .leads
        .binary_search_by_key(&id, |l| l.id)
        .map_err(|_| not_found("lead", id))?;
    let l = &mut data.leads[idx];
    if l.status_id == status_id {
        return Ok(Vec::new());
    }
    l.status_id = status_id.to_string();
    l.semantic = sem;
    l.moved_time = now;
    l.date_modify = now;
    l.date_closed = (sem != Semantic::Process).then_some(now);
    let user = l.assigned_by_id;
    push_history(
        &mut data.lead_history,
        if sem == Semantic::Process { 2 } else { 3 },
        id,
        now,
        0,
        status_id,
        sem,
    );
    Ok(vec![fields_event("ONCRMLEADUPDATE", id, user)])
}

pub fn add_activity(
    portal: &PortalState,
    input: NewActivity,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let owner_user = match input.owner_type_id {
        2 => data.deal(input.owner_id).map(|d| d.assigned_by_id),
        1 => data.lead(input.owner_id).map(|l| l.assigned_by_id),
        3 => crate::model::find_by_id(&data.contacts, input.owner_id, |c| c.id)
            .map(|c| c.assigned_by_id),
        4 => crate::model::find_by_id(&data.companies, input.owner_id, |c| c.id)
            .map(|c| c.assigned_by_id),
        _ => None,
    }
    .ok_or_else(|| {
        not_found(
            match input.owner_type_id {
                1 => "lead",
                3 => "contact",
                4 => "company",
                _ => "deal",
            },
            input.owner_id,
        )
    })?;
    let id = data.activities.last().map(|a| a.id).unwrap_or(0) + 1;
    let user = input.responsible_id.unwrap_or(owner_user);
    let start = input.start_time.unwrap_or(now);
    let end = input.end_time.unwrap_or(start);
    data.activities.push(Activity {
        id,
        kind: input.kind,
        owner_type_id: input.owner_type_id,
        owner_id: input.owner_id,
        direction: if matches!(input.kind, ActivityKind::Call | ActivityKind::Email) {
            input.direction
        } else {
            0
        },
        completed: input.completed,
        priority: 2,
        responsible_id: user,
        author_id: user,
        created: now,
        last_updated: now,
        start_time: start,
        end_time: end,
        subject: input.subject,
    });
    let owner_id = input.owner_id;
    // Contacts and companies keep no LAST_ACTIVITY_* here.
    let slot = match input.owner_type_id {
        3 | 4 => None,
        2 => data
            .deals
            .binary_search_by_key(&owner_id, |d| d.id)
            .ok()
            .map(|i| {
                let d = &mut data.deals[i];
                (&mut d.last_activity_time, &mut d.last_activity_by)
            }),
        _ => data
            .leads
            .binary_search_by_key(&owner_id, |l| l.id)
            .ok()
            .map(|i| {
                let l = &mut data.leads[i];
                (&mut l.last_activity_time, &mut l.last_activity_by)
            }),
    };
    if let Some((t, by)) = slot {
        *t = Some(now);
        *by = Some(user);
    }
    Ok((id, vec![fields_event("ONCRMACTIVITYADD", id, user)]))
}

pub fn complete_activity(
    portal: &PortalState,
    id: i64,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let idx = data
        .activities
        .binary_search_by_key(&id, |a| a.id)
        .map_err(|_| not_found("activity", id))?;
    let a = &mut data.activities[idx];
    a.completed = true;
    a.last_updated = now;
    let user = a.responsible_id;
    Ok(vec![fields_event("ONCRMACTIVITYUPDATE", id, user)])
}

/// Closes a task: status 5, CLOSED_DATE/CHANGED_DATE now; DATE_START set if it never started.
pub fn close_task(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let idx = data
        .tasks
        .binary_search_by_key(&id, |t| t.id)
        .map_err(|_| not_found("task", id))?;
    let t = &mut data.tasks[idx];
    t.status = 5;
    t.closed_date = Some(now);
    t.closed_by = Some(t.responsible_id);
    t.changed_date = now;
    if t.date_start.is_none() {
        t.date_start = Some(now);
    }
    let user = t.responsible_id;
    Ok(vec![task_event("ONTASKUPDATE", Some(id), Some(id), user)])
}

fn task_event(name: &str, before: Option<i64>, after: Option<i64>, user: i64) -> PendingEvent {
    let part = |v: Option<i64>| {
        v.map(|id| json!({"ID": id.to_string()}))
            .unwrap_or(json!("undefined"))
    };
    let id = after.or(before).unwrap_or(0);
    let data = json!({
        "FIELDS_BEFORE": part(before),
        "FIELDS_AFTER": part(after),
        "IS_ACCESSIBLE_BEFORE": if before.is_some() { "Y" } else { "undefined" },
        "IS_ACCESSIBLE_AFTER": if after.is_some() { "Y" } else { "undefined" },
    });
    (name.to_string(), data, id, user)
}

/// Creates a task (status 2, pending) and fires ONTASKADD.
pub fn create_task(
    portal: &PortalState,
    input: NewTask,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let id = data.tasks.last().map(|t| t.id).unwrap_or(0) + 1;
    let responsible = input.responsible_id.unwrap_or(1);
    if data.user(responsible).is_none() {
        return Err(not_found("user", responsible));
    }
    data.tasks.push(crate::model::Task {
        id,
        title: if input.title.is_empty() {
            format!("Задача #{id}")
        } else {
            input.title
        },
        status: 2,
        priority: 1,
        responsible_id: responsible,
        created_by: input.created_by.unwrap_or(responsible),
        created_date: now,
        changed_date: now,
        closed_date: None,
        closed_by: None,
        date_start: None,
        deadline: input.deadline,
        start_date_plan: input.start_date_plan,
        end_date_plan: input.start_date_plan.and(input.deadline),
        group_id: input.group_id,
        uf_crm_task: input.uf_crm_task,
    });
    Ok((
        id,
        vec![task_event("ONTASKADD", None, Some(id), responsible)],
    ))
}

/// Deletes a task and fires ONTASKDELETE.
pub fn delete_task(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .tasks
        .binary_search_by_key(&id, |t| t.id)
        .map_err(|_| not_found("task", id))?;
    let user = data.tasks[idx].responsible_id;
    data.tasks.remove(idx);
    Ok(vec![task_event("ONTASKDELETE", Some(id), None, user)])
}

/// Deletes a lead with its status history and activities.
pub fn delete_lead(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .leads
        .binary_search_by_key(&id, |l| l.id)
        .map_err(|_| not_found("lead", id))?;
    let user = data.leads[idx].assigned_by_id;
    data.leads.remove(idx);
    data.lead_history.retain(|h| h.owner_id != id);
    data.activities
        .retain(|a| !(a.owner_type_id == 1 && a.owner_id == id));
    Ok(vec![fields_event("ONCRMLEADDELETE", id, user)])
}
