//! `tasks.task.list`: rows under `result.tasks` with camelCase keys regardless of the UPPER_CASE
//! `select`, string scalars, `null` for empty dates, `group: []` when there is no project, and
//! `ufCrmTask` only when selected.
//!
//! Read-only. Filter `STATUS` is the meta-status (-1 overdue); -2/-3 are not modelled.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{field_ctx, Ctx, MethodResult};
use crate::error::RestError;
use crate::format::*;
use crate::model::{PortalData, Task};
use crate::query::{self, FieldCtx, Fv, ListQuery, Paging, Record};

impl Record for Task {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>> {
        let t = |v: Option<i64>| v.map(Fv::Time).unwrap_or(Fv::Null);
        Some(match name {
            "ID" => Fv::Int(self.id),
            "TITLE" => Fv::Str(Cow::Borrowed(&self.title)),
            "REAL_STATUS" => Fv::Int(self.status),
            // Filter STATUS is the meta-status: -1 for open tasks past their deadline.
            "STATUS" => Fv::Int(sub_status(self, ctx.now)),
            "PRIORITY" => Fv::Int(self.priority),
            "RESPONSIBLE_ID" => Fv::Int(self.responsible_id),
            "CREATED_BY" => Fv::Int(self.created_by),
            "CREATED_DATE" => Fv::Time(self.created_date),
            "CHANGED_DATE" => Fv::Time(self.changed_date),
            "CLOSED_DATE" => t(self.closed_date),
            "CLOSED_BY" => self.closed_by.map(Fv::Int).unwrap_or(Fv::Null),
            "DATE_START" => t(self.date_start),
            "DEADLINE" => t(self.deadline),
            "START_DATE_PLAN" => t(self.start_date_plan),
            "END_DATE_PLAN" => t(self.end_date_plan),
            "GROUP_ID" => Fv::Int(self.group_id),
            "PARENT_ID" => Fv::Null,
            "UF_CRM_TASK" => self
                .uf_crm_task
                .first()
                .map(|s| Fv::Str(Cow::Borrowed(s.as_str())))
                .unwrap_or(Fv::Null),
            _ => return None,
        })
    }
}

/// `subStatus`: -1 when open (not completed/deferred) and past the deadline, else the status.
fn sub_status(t: &Task, now: i64) -> i64 {
    let open = t.closed_date.is_none() && t.status != 5 && t.status != 6;
    if open && t.deadline.is_some_and(|d| d < now) {
        -1
    } else {
        t.status
    }
}

fn person(data: &PortalData, id: i64) -> Value {
    match data.user(id) {
        Some(u) => json!({
            "id": id.to_string(),
            "name": format!("{} {}", u.name, u.last_name),
            "link": format!("/company/personal/user/{id}/"),
            "icon": "/bitrix/images/tasks/default_avatar.png",
            "workPosition": u.work_position,
        }),
        None => {
            json!({"id": id.to_string(), "name": "", "link": format!("/company/personal/user/{id}/"), "icon": "", "workPosition": ""})
        }
    }
}

fn camel_to_upper(k: &str) -> String {
    let mut out = String::new();
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn render(t: &Task, data: &PortalData, now: i64) -> Map<String, Value> {
    let off = data.zone;
    let group = if t.group_id > 0 {
        data.projects
            .iter()
            .find(|p| p.id == t.group_id)
            .map(|p| json!({"id": p.id.to_string(), "name": p.name, "opened": false, "membersCount": p.members.len(), "image": "", "additionalData": []}))
            .unwrap_or(json!([]))
    } else {
        json!([])
    };
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", s_int(t.id));
    put("parentId", Value::Null);
    put("title", json!(t.title));
    put("description", json!(""));
    put("mark", Value::Null);
    put("priority", s_int(t.priority));
    put("multitask", yn(false));
    put("notViewed", yn(false));
    put("replicate", yn(false));
    put("stageId", s_int(0));
    put("createdBy", s_int(t.created_by));
    put("createdDate", time(t.created_date, off));
    put("responsibleId", s_int(t.responsible_id));
    put("changedBy", s_int(t.responsible_id));
    put("changedDate", time(t.changed_date, off));
    put("statusChangedBy", s_int(t.responsible_id));
    put("closedBy", s_int(t.closed_by.unwrap_or(0)));
    put("closedDate", opt_time_null(t.closed_date, off));
    put("activityDate", time(t.changed_date, off));
    put("dateStart", opt_time_null(t.date_start, off));
    put("deadline", opt_time_null(t.deadline, off));
    put("startDatePlan", opt_time_null(t.start_date_plan, off));
    put("endDatePlan", opt_time_null(t.end_date_plan, off));
    put(
        "guid",
        json!(format!("{{{:08x}-0000-4000-8000-{:012x}}}", t.id, t.id)),
    );
    put("xmlId", Value::Null);
    put("commentsCount", Value::Null);
    put("serviceCommentsCount", Value::Null);
    put("allowChangeDeadline", yn(true));
    put("allowTimeTracking", yn(false));
    put("taskControl", yn(false));
    put("addInReport", yn(false));
    put("forkedByTemplateId", Value::Null);
    put("timeEstimate", s_int(0));
    put("timeSpentInLogs", Value::Null);
    put("matchWorkTime", yn(false));
    put("forumTopicId", Value::Null);
    put("forumId", Value::Null);
    put("siteId", json!("s1"));
    put("subordinate", yn(false));
    put("exchangeModified", Value::Null);
    put("exchangeId", Value::Null);
    put("outlookVersion", s_int(1));
    put("viewedDate", Value::Null);
    put("sorting", Value::Null);
    put("durationFact", Value::Null);
    put("isMuted", yn(false));
    put("isPinned", yn(false));
    put("isPinnedInGroup", yn(false));
    put("flowId", Value::Null);
    put("descriptionInBbcode", yn(true));
    put("status", s_int(t.status));
    put("statusChangedDate", time(t.changed_date, off));
    put("durationPlan", Value::Null);
    put("durationType", json!("days"));
    put("favorite", yn(false));
    put("groupId", s_int(t.group_id));
    put("auditors", json!([]));
    put("accomplices", json!([]));
    put("checklist", json!([]));
    put("group", group);
    put("creator", person(data, t.created_by));
    put("responsible", person(data, t.responsible_id));
    put("accomplicesData", json!([]));
    put("auditorsData", json!([]));
    put("newCommentsCount", json!(0));
    put(
        "action",
        json!({"accept": false, "decline": false, "complete": t.closed_date.is_none(), "approve": false, "disapprove": false, "start": t.date_start.is_none(), "pause": false, "delegate": true, "remove": true, "edit": true, "defer": true, "renew": false, "create": true, "changeDeadline": true, "checklistAddItems": true, "addFavorite": true, "deleteFavorite": false, "rate": true, "edit.originator": false, "checklist.reorder": true, "elapsedtime.add": true, "dayplan.timer.toggle": false, "edit.plan": true, "checklist.add": true, "favorite.add": true, "favorite.delete": false}),
    );
    put("subStatus", s_int(sub_status(t, now)));
    put("ufCrmTask", json!(t.uf_crm_task));
    m
}

/// Companion keys a portal adds when the base field is selected.
fn companions(key: &str) -> &'static [&'static str] {
    match key {
        "RESPONSIBLE_ID" => &["responsible"],
        "CREATED_BY" => &["creator"],
        "GROUP_ID" => &["group"],
        "STATUS" | "REAL_STATUS" => &["subStatus", "status"],
        _ => &[],
    }
}

pub fn list(ctx: &Ctx, params: &Value) -> MethodResult {
    let conds = query::parse_filter(params.get("filter").or_else(|| params.get("FILTER")), false)
        .map_err(|e| RestError::new(400, "ERROR_CORE", &e))?;
    let mut order = query::parse_order(params.get("order").or_else(|| params.get("ORDER")), false);
    if order.is_empty() {
        order = vec![("ID".into(), true)];
    }
    let q = ListQuery {
        conds,
        order,
        start: query::start_of(params),
    };
    let select = super::select_of(params);
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let mut fctx = field_ctx(&[], data.zone);
    fctx.now = ctx.now;
    let page = query::run(&data.tasks, &q, Paging::Exact, &fctx);
    let all = select.is_empty() || select.iter().any(|s| s == "*");
    let wants_uf = select.iter().any(|s| s == "UF_CRM_TASK" || s == "UF_*");
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|t| {
            let full = render(t, &data, ctx.now);
            let kept: Map<String, Value> = full
                .into_iter()
                .filter(|(k, _)| {
                    if k == "ufCrmTask" {
                        return wants_uf;
                    }
                    if all || k == "id" {
                        return true;
                    }
                    let upper = camel_to_upper(k);
                    select
                        .iter()
                        .any(|s| s == &upper || companions(s).contains(&k.as_str()))
                })
                .collect();
            Value::Object(kept)
        })
        .collect();
    let mut out = super::page_output(ctx, &page, Value::Null, q.start >= 0);
    out.result = json!({ "tasks": rows });
    Ok(out)
}
