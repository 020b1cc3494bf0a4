//! CRM dictionaries: `crm.category.list` (camelCase, real ints), `crm.dealcategory.list` (legacy,
//! no row for funnel 0), `crm.status.list` (strings, EXTRA for stages) and `crm.currency.list`.
//!
//! Read-only.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{field_ctx, legacy_query, Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::format::*;
use crate::model::{CrmStatus, Semantic};
use crate::php::as_i64;
use crate::query::{self, FieldCtx, Fv, Record};

pub fn category_list(ctx: &Ctx, params: &Value) -> MethodResult {
    let et = params
        .get("entityTypeId")
        .or_else(|| params.get("ENTITY_TYPE_ID"))
        .and_then(as_i64);
    match et {
        Some(2) => {}
        Some(_) => {
            return Err(RestError::new(
                400,
                "ENTITY_TYPE_NOT_SUPPORTED",
                "Entity type is not supported",
            ))
        }
        None => return Err(RestError::new(400, "NOT_FOUND", "Smart process not found")),
    }
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let mut cats: Vec<_> = data.categories.iter().collect();
    cats.sort_by_key(|c| (c.sort, c.id));
    let rows: Vec<Value> = cats
        .iter()
        .map(|c| {
            let mut m = json!({"id": c.id, "name": c.name, "sort": c.sort, "entityTypeId": 2, "isDefault": if c.is_default {"Y"} else {"N"}});
            if !c.is_default {
                m["originId"] = json!("");
                m["originatorId"] = json!("");
            }
            m
        })
        .collect();
    let total = rows.len() as i64;
    Ok(Output {
        result: json!({"categories": rows}),
        total: Some(total),
        next: None,
        cost: ctx.cost.base_secs,
    })
}

pub fn dealcategory_list(ctx: &Ctx, _params: &Value) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let off = data.zone;
    let rows: Vec<Value> = data
        .categories
        .iter()
        .filter(|c| c.id != 0)
        .map(|c| json!({"ID": c.id.to_string(), "CREATED_DATE": iso(data.now - 400 * 86_400, off), "NAME": c.name, "IS_LOCKED": "N", "SORT": c.sort.to_string()}))
        .collect();
    let total = rows.len() as i64;
    Ok(Output {
        result: Value::Array(rows),
        total: Some(total),
        next: None,
        cost: ctx.cost.base_secs,
    })
}

impl Record for CrmStatus {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "ENTITY_ID" => Fv::Str(Cow::Borrowed(&self.entity_id)),
            "STATUS_ID" => Fv::Str(Cow::Borrowed(&self.status_id)),
            "NAME" => Fv::Str(Cow::Borrowed(&self.name)),
            "SORT" => Fv::Int(self.sort),
            "CATEGORY_ID" => self.category_id.map(Fv::Int).unwrap_or(Fv::Null),
            "SEMANTICS" => match self.semantics {
                Some(Semantic::Success) => Fv::Str(Cow::Borrowed("S")),
                Some(Semantic::Failure) => Fv::Str(Cow::Borrowed("F")),
                _ => Fv::Null,
            },
            "SYSTEM" => Fv::Str(Cow::Borrowed(if self.system { "Y" } else { "N" })),
            _ => return None,
        })
    }
}

pub fn render_status(s: &CrmStatus) -> Value {
    let sem = match s.semantics {
        Some(Semantic::Success) => json!("S"),
        Some(Semantic::Failure) => json!("F"),
        _ => Value::Null,
    };
    let mut m = Map::new();
    m.insert("ID".into(), s_int(s.id));
    m.insert("ENTITY_ID".into(), json!(s.entity_id));
    m.insert("STATUS_ID".into(), json!(s.status_id));
    m.insert("NAME".into(), json!(s.name));
    m.insert(
        "NAME_INIT".into(),
        if s.system { json!(s.name) } else { json!("") },
    );
    m.insert("SORT".into(), s_int(s.sort));
    m.insert("SYSTEM".into(), yn(s.system));
    m.insert("CATEGORY_ID".into(), opt_id(s.category_id));
    m.insert("COLOR".into(), json!(s.color));
    m.insert("SEMANTICS".into(), sem);
    if let Some(extra) = &s.extra_semantics {
        m.insert(
            "EXTRA".into(),
            json!({"SEMANTICS": extra, "COLOR": s.color}),
        );
    }
    Value::Object(m)
}

pub fn status_list(ctx: &Ctx, params: &Value) -> MethodResult {
    let mut q = legacy_query(params)?;
    if q.order.is_empty() {
        q.order = vec![("SORT".into(), false)];
    }
    if let Some(Value::Object(f)) = params.get("filter") {
        if f.get("ENTITY_ID")
            .is_some_and(|v| v.is_array() || v.is_object())
        {
            return Err(RestError::legacy("Invalid parameters."));
        }
    }
    q.start = 0;
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let fctx = field_ctx(&[], data.zone);
    // The dictionary is small and returned whole (no 50-row paging).
    let mut all: Vec<&CrmStatus> = data
        .statuses
        .iter()
        .filter(|s| query::passes(*s, &q.conds, &fctx))
        .collect();
    all.sort_by(|a, b| {
        for (f, desc) in &q.order {
            let o = match (a.field(f, &fctx), b.field(f, &fctx)) {
                (Some(Fv::Int(x)), Some(Fv::Int(y))) => x.cmp(&y),
                (Some(Fv::Str(x)), Some(Fv::Str(y))) => x.cmp(&y),
                _ => std::cmp::Ordering::Equal,
            };
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    });
    let rows: Vec<Value> = all.iter().map(|s| render_status(s)).collect();
    let total = rows.len() as i64;
    Ok(Output {
        result: Value::Array(rows),
        total: Some(total),
        next: None,
        cost: ctx.cost.base_secs,
    })
}

pub fn currency_list(ctx: &Ctx, _params: &Value) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let off = data.zone;
    let rows: Vec<Value> = data
        .currencies
        .iter()
        .map(|c| {
            json!({
                "CURRENCY": c.code,
                "AMOUNT_CNT": c.amount_cnt.to_string(),
                "AMOUNT": format!("{:.4}", c.amount),
                "SORT": c.sort.to_string(),
                "BASE": if c.base {"Y"} else {"N"},
                "FULL_NAME": c.full_name,
                "LID": "ru",
                "FORMAT_STRING": if c.code == "RUB" {"# руб."} else {"$#"},
                "DEC_POINT": ".",
                "THOUSANDS_SEP": "&nbsp;",
                "DECIMALS": "2",
                "DATE_UPDATE": iso(c.date_update, off),
            })
        })
        .collect();
    let total = rows.len() as i64;
    Ok(Output {
        result: Value::Array(rows),
        total: Some(total),
        next: None,
        cost: ctx.cost.base_secs,
    })
}
