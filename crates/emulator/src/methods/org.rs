//! Company structure methods: `user.get`, `user.current`, `profile`, `department.get`,
//! `sonet_group.get` — each with its own mix of types (ACTIVE as a JSON boolean, department SORT
//! as an int, UF_DEPARTMENT as ints, everything else strings).
//!
//! Read-only.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{field_ctx, Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::format::*;
use crate::model::{Department, Project, User};
use crate::php::as_str;
use crate::query::{self, Cond, FieldCtx, Fv, ListQuery, Paging, Record};

impl Record for User {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "ACTIVE" => Fv::Str(Cow::Borrowed(if self.active { "Y" } else { "N" })),
            "NAME" => Fv::Str(Cow::Borrowed(&self.name)),
            "LAST_NAME" => Fv::Str(Cow::Borrowed(&self.last_name)),
            "EMAIL" => Fv::Str(Cow::Borrowed(&self.email)),
            "WORK_POSITION" => Fv::Str(Cow::Borrowed(&self.work_position)),
            "UF_DEPARTMENT" => self
                .departments
                .first()
                .map(|d| Fv::Int(*d))
                .unwrap_or(Fv::Null),
            "USER_TYPE" => Fv::Str(Cow::Borrowed("employee")),
            "DATE_REGISTER" => Fv::Time(self.date_register),
            "LAST_LOGIN" => Fv::Time(self.last_login),
            _ => return None,
        })
    }
}

pub fn render_user(u: &User, off: Zone) -> Value {
    json!({
        "ID": u.id.to_string(),
        "XML_ID": format!("user{}", u.id),
        "ACTIVE": u.active,
        "NAME": u.name,
        "LAST_NAME": u.last_name,
        "SECOND_NAME": u.second_name,
        "EMAIL": u.email,
        "LAST_LOGIN": iso(u.last_login, off),
        "DATE_REGISTER": iso(u.date_register, off),
        "IS_ONLINE": "N",
        "TIME_ZONE": u.time_zone,
        "TIMESTAMP_X": iso(u.date_register, off),
        "LAST_ACTIVITY_DATE": iso(u.last_login, off),
        "PERSONAL_GENDER": u.gender.to_string(),
        "PERSONAL_BIRTHDAY": "",
        "WORK_POSITION": u.work_position,
        "UF_EMPLOYMENT_DATE": iso(u.date_register, off),
        "UF_DEPARTMENT": u.departments,
        "USER_TYPE": "employee",
    })
}

/// Filter conditions from `FILTER`/`filter` or, for older clients, top-level field params.
fn conds_from(params: &Value, reserved: &[&str]) -> Result<Vec<Cond>, RestError> {
    if let Some(f) = params.get("FILTER").or_else(|| params.get("filter")) {
        return query::parse_filter(Some(f), false)
            .map_err(|e| RestError::new(400, "ERROR_CORE", &e));
    }
    let mut out = Vec::new();
    if let Value::Object(m) = params {
        for (k, v) in m {
            if reserved.iter().any(|r| r.eq_ignore_ascii_case(k)) {
                continue;
            }
            let (op, name) = query::split_prefix(k);
            out.push(Cond::new(
                name.to_ascii_uppercase(),
                op,
                as_str(v).into_iter().collect(),
            ));
        }
    }
    Ok(out)
}

fn sort_order(params: &Value, default_desc: bool) -> Vec<(String, bool)> {
    let field = params
        .get("sort")
        .or_else(|| params.get("SORT"))
        .and_then(as_str);
    let dir = params
        .get("order")
        .or_else(|| params.get("ORDER"))
        .and_then(as_str);
    match (field, dir) {
        (Some(f), d) => vec![(
            f.to_ascii_uppercase(),
            d.is_some_and(|d| d.eq_ignore_ascii_case("desc")),
        )],
        (None, Some(d)) => vec![("ID".into(), d.eq_ignore_ascii_case("desc"))],
        (None, None) => vec![("ID".into(), default_desc)],
    }
}

pub fn user_get(ctx: &Ctx, params: &Value) -> MethodResult {
    let conds = conds_from(
        params,
        &[
            "sort",
            "order",
            "start",
            "ADMIN_MODE",
            "select",
            "IMAGE_RESIZE",
            "auth",
        ],
    )?;
    let q = ListQuery {
        conds,
        order: sort_order(params, false),
        start: query::start_of(params),
    };
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let fctx = field_ctx(&[], data.zone);
    let page = query::run(&data.users, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|u| render_user(u, data.zone))
        .collect();
    Ok(super::page_output(
        ctx,
        &page,
        Value::Array(rows),
        q.start >= 0,
    ))
}

pub fn user_current(ctx: &Ctx) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let u = data
        .user(ctx.caller.user_id)
        .ok_or_else(|| RestError::new(400, "ERROR_NOT_FOUND", "User not found"))?;
    Ok(Output::plain(render_user(u, data.zone), ctx))
}

pub fn profile(ctx: &Ctx) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let result = match data.user(ctx.caller.user_id) {
        Some(u) if u.active => json!({
            "ID": u.id.to_string(),
            "ADMIN": u.is_admin,
            "NAME": u.name,
            "LAST_NAME": u.last_name,
            "PERSONAL_GENDER": u.gender.to_string(),
            "TIME_ZONE": u.time_zone,
            // The core's CTimeZone offset: the user's own zone against the portal's (0 when he follows it).
            "TIME_ZONE_OFFSET": Zone::parse(&u.time_zone)
                .map(|z| z.offset_at(ctx.now) - data.zone.offset_at(ctx.now))
                .unwrap_or(0),
        }),
        _ => Value::Array(Vec::new()),
    };
    Ok(Output::plain(result, ctx))
}

impl Record for Department {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "NAME" => Fv::Str(Cow::Borrowed(&self.name)),
            "SORT" => Fv::Int(self.sort),
            "PARENT" => self.parent.map(Fv::Int).unwrap_or(Fv::Null),
            "UF_HEAD" => self.head.map(Fv::Int).unwrap_or(Fv::Null),
            _ => return None,
        })
    }
}

pub fn department_get(ctx: &Ctx, params: &Value) -> MethodResult {
    let conds = conds_from(params, &["sort", "order", "start", "auth"])?;
    let q = ListQuery {
        conds,
        order: sort_order(params, false),
        start: query::start_of(params),
    };
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let fctx = field_ctx(&[], data.zone);
    let page = query::run(&data.departments, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|d| {
            let mut m = Map::new();
            m.insert("ID".into(), s_int(d.id));
            m.insert("NAME".into(), json!(d.name));
            m.insert("SORT".into(), json!(d.sort));
            if let Some(p) = d.parent {
                m.insert("PARENT".into(), s_int(p));
            }
            if let Some(h) = d.head {
                m.insert("UF_HEAD".into(), s_int(h));
            }
            Value::Object(m)
        })
        .collect();
    Ok(super::page_output(
        ctx,
        &page,
        Value::Array(rows),
        q.start >= 0,
    ))
}

impl Record for Project {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "NAME" => Fv::Str(Cow::Borrowed(&self.name)),
            "OWNER_ID" => Fv::Int(self.owner_id),
            "CLOSED" => Fv::Str(Cow::Borrowed(if self.closed { "Y" } else { "N" })),
            "PROJECT" => Fv::Str(Cow::Borrowed(if self.is_project { "Y" } else { "N" })),
            "ACTIVE" => Fv::Str(Cow::Borrowed("Y")),
            "DATE_CREATE" => Fv::Time(self.date_create),
            "DATE_ACTIVITY" => Fv::Time(self.date_activity),
            _ => return None,
        })
    }
}

pub fn sonet_group_get(ctx: &Ctx, params: &Value) -> MethodResult {
    let conds = query::parse_filter(params.get("FILTER").or_else(|| params.get("filter")), false)
        .map_err(|e| RestError::new(400, "ERROR_CORE", &e))?;
    let mut order = query::parse_order(params.get("ORDER").or_else(|| params.get("order")), false);
    if order.is_empty() {
        order = vec![("ID".into(), true)];
    }
    let q = ListQuery {
        conds,
        order,
        start: query::start_of(params),
    };
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let off = data.zone;
    let fctx = field_ctx(&[], off);
    let page = query::run(&data.projects, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|p| {
            json!({
                "ID": p.id.to_string(),
                "SITE_ID": "s1",
                "NAME": p.name,
                "DESCRIPTION": p.description,
                "DATE_CREATE": iso(p.date_create, off),
                "DATE_UPDATE": iso(p.date_activity, off),
                "DATE_ACTIVITY": iso(p.date_activity, off),
                "ACTIVE": "Y",
                "VISIBLE": "Y",
                "OPENED": "N",
                "CLOSED": if p.closed {"Y"} else {"N"},
                "SUBJECT_ID": "1",
                "SUBJECT_NAME": "Рабочие группы",
                "OWNER_ID": p.owner_id.to_string(),
                "KEYWORDS": "",
                "NUMBER_OF_MEMBERS": p.members.len().to_string(),
                "PROJECT": if p.is_project {"Y"} else {"N"},
                "IS_EXTRANET": "N",
            })
        })
        .collect();
    Ok(super::page_output(
        ctx,
        &page,
        Value::Array(rows),
        q.start >= 0,
    ))
}
