//! `crm.lead.list`, `crm.lead.get`, `crm.lead.fields`: legacy leads (strings for numbers, Y/N,
//! `""` for an open lead's DATE_CLOSED, `UF_*` fields, `"error": ""`).
//!
//! Read-only; mutations live in `mutations`.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::crm_deal::{render_uf, uf_field};
use super::{
    apply_select, field_ctx, id_param, legacy_query, page_output, select_of, Ctx, MethodResult,
    Output,
};
use crate::error::RestError;
use crate::format::*;
use crate::model::Lead;
use crate::query::{self, FieldCtx, Fv, Paging, Record};

impl Record for Lead {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>> {
        fn s(v: &Option<String>) -> Fv<'_> {
            v.as_deref()
                .map(|x| Fv::Str(Cow::Borrowed(x)))
                .unwrap_or(Fv::Null)
        }
        let f = |b: bool| Fv::Str(Cow::Borrowed(if b { "Y" } else { "N" }));
        Some(match name {
            "ID" => Fv::Int(self.id),
            "TITLE" => Fv::Str(Cow::Borrowed(&self.title)),
            "NAME" => Fv::Str(Cow::Borrowed(&self.name)),
            "LAST_NAME" => Fv::Str(Cow::Borrowed(&self.last_name)),
            "STATUS_ID" => Fv::Str(Cow::Borrowed(&self.status_id)),
            "STATUS_SEMANTIC_ID" => Fv::Str(Cow::Borrowed(self.semantic.letter())),
            "SOURCE_ID" => s(&self.source_id),
            "OPPORTUNITY" => Fv::Num(self.opportunity),
            "CURRENCY_ID" => Fv::Str(Cow::Borrowed(&self.currency_id)),
            "ASSIGNED_BY_ID" => Fv::Int(self.assigned_by_id),
            "CREATED_BY_ID" => Fv::Int(self.created_by_id),
            "MODIFY_BY_ID" => Fv::Int(self.modify_by_id),
            "MOVED_BY_ID" => Fv::Int(self.moved_by_id),
            "DATE_CREATE" => Fv::Time(self.date_create),
            "DATE_MODIFY" => Fv::Time(self.date_modify),
            "MOVED_TIME" => Fv::Time(self.moved_time),
            "DATE_CLOSED" => self.date_closed.map(Fv::Time).unwrap_or(Fv::Null),
            "COMPANY_ID" => self.company_id.map(Fv::Int).unwrap_or(Fv::Null),
            "IS_RETURN_CUSTOMER" => f(self.is_return_customer),
            "HAS_PHONE" => f(self.has_phone),
            "HAS_EMAIL" => f(self.has_email),
            "UTM_SOURCE" => s(&self.utm_source),
            "UTM_MEDIUM" => s(&self.utm_medium),
            "UTM_CAMPAIGN" => s(&self.utm_campaign),
            "LAST_ACTIVITY_TIME" => self.last_activity_time.map(Fv::Time).unwrap_or(Fv::Null),
            "LAST_ACTIVITY_BY" => self.last_activity_by.map(Fv::Int).unwrap_or(Fv::Null),
            n if n.starts_with("UF_") => return uf_field(&self.uf, n, ctx),
            _ => return None,
        })
    }
}

pub fn render(l: &Lead, off: Zone, rate: f64, base: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ID", s_int(l.id));
    put("TITLE", Value::String(l.title.clone()));
    put("HONORIFIC", Value::Null);
    put("NAME", Value::String(l.name.clone()));
    put("SECOND_NAME", Value::Null);
    put("LAST_NAME", Value::String(l.last_name.clone()));
    put("COMPANY_TITLE", Value::Null);
    put("COMPANY_ID", opt_id(l.company_id));
    put("CONTACT_ID", Value::Null);
    put("IS_RETURN_CUSTOMER", yn(l.is_return_customer));
    put("BIRTHDATE", Value::String(String::new()));
    put("SOURCE_ID", opt_str(&l.source_id));
    put("SOURCE_DESCRIPTION", Value::Null);
    put("STATUS_ID", Value::String(l.status_id.clone()));
    put("STATUS_DESCRIPTION", Value::Null);
    put("POST", Value::Null);
    put("COMMENTS", Value::Null);
    put("CURRENCY_ID", Value::String(l.currency_id.clone()));
    put("OPPORTUNITY", s_money(l.opportunity));
    put("ACCOUNT_CURRENCY_ID", Value::String(base.to_string()));
    put(
        "OPPORTUNITY_ACCOUNT",
        s_money((l.opportunity * rate * 100.0).round() / 100.0),
    );
    put("IS_MANUAL_OPPORTUNITY", yn(false));
    put("HAS_PHONE", yn(l.has_phone));
    put("HAS_EMAIL", yn(l.has_email));
    put("HAS_IMOL", yn(false));
    put("ASSIGNED_BY_ID", s_int(l.assigned_by_id));
    put("CREATED_BY_ID", s_int(l.created_by_id));
    put("MODIFY_BY_ID", s_int(l.modify_by_id));
    put("DATE_CREATE", time(l.date_create, off));
    put("DATE_MODIFY", time(l.date_modify, off));
    put("DATE_CLOSED", opt_time_empty(l.date_closed, off));
    put(
        "STATUS_SEMANTIC_ID",
        Value::String(l.semantic.letter().into()),
    );
    put("OPENED", yn(true));
    put("ORIGINATOR_ID", Value::Null);
    put("ORIGIN_ID", Value::Null);
    put("MOVED_BY_ID", s_int(l.moved_by_id));
    put("MOVED_TIME", time(l.moved_time, off));
    put("ADDRESS", Value::Null);
    put("UTM_SOURCE", opt_str(&l.utm_source));
    put("UTM_MEDIUM", opt_str(&l.utm_medium));
    put("UTM_CAMPAIGN", opt_str(&l.utm_campaign));
    put("UTM_CONTENT", Value::Null);
    put("UTM_TERM", Value::Null);
    put("LAST_ACTIVITY_BY", opt_id(l.last_activity_by));
    put(
        "LAST_ACTIVITY_TIME",
        opt_time_null(l.last_activity_time, off),
    );
    m
}

pub fn list(ctx: &Ctx, params: &Value) -> MethodResult {
    let q = legacy_query(params)?;
    let select = select_of(params);
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let names: Vec<String> = data
        .lead_fields
        .iter()
        .map(|f| f.field_name.clone())
        .collect();
    let fctx = field_ctx(&names, data.zone);
    let page = query::run(&data.leads, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|l| {
            Value::Object(apply_select(
                render(
                    l,
                    data.zone,
                    super::crm_deal::rate_of(&data, &l.currency_id),
                    data.base_currency(),
                ),
                render_uf(&l.uf, &names),
                &select,
                &["ID"],
            ))
        })
        .collect();
    Ok(page_output(ctx, &page, Value::Array(rows), q.start >= 0))
}

pub fn get(ctx: &Ctx, params: &Value) -> MethodResult {
    let id = id_param(params).ok_or_else(|| RestError::legacy("ID is not defined or invalid."))?;
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let names: Vec<String> = data
        .lead_fields
        .iter()
        .map(|f| f.field_name.clone())
        .collect();
    let l = data
        .lead(id)
        .ok_or_else(|| RestError::legacy("Not found"))?;
    let mut m = render(
        l,
        data.zone,
        super::crm_deal::rate_of(&data, &l.currency_id),
        data.base_currency(),
    );
    m.extend(render_uf(&l.uf, &names));
    Ok(Output::plain(Value::Object(m), ctx))
}

pub fn fields(ctx: &Ctx) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let mut m = Map::new();
    if let Some(l) = data.leads.first() {
        for k in render(l, Zone::Fixed(0), 1.0, "RUB").keys() {
            m.insert(k.clone(), json!({"type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": k}));
        }
    }
    for f in &data.lead_fields {
        m.insert(f.field_name.clone(), json!({"type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": f.field_name, "listLabel": f.labels.get("ru")}));
    }
    Ok(Output::plain(Value::Object(m), ctx))
}
