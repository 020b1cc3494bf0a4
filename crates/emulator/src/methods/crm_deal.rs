//! `crm.deal.list`, `crm.deal.get`, `crm.deal.fields`: legacy UPPER_CASE deals with numbers as
//! strings, Y/N flags, ISO dates with the portal offset, `UF_*` custom fields and `"error": ""`.
//!
//! Read-only; mutations live in `mutations`.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{
    apply_select, field_ctx, id_param, legacy_query, page_output, select_of, Ctx, MethodResult,
    Output,
};
use crate::error::RestError;
use crate::format::*;
use crate::model::Deal;
use crate::query::{self, FieldCtx, Fv, Paging, Record};

fn opt_int(v: Option<i64>) -> Fv<'static> {
    v.map(Fv::Int).unwrap_or(Fv::Null)
}

fn opt_s(v: &Option<String>) -> Fv<'_> {
    v.as_deref()
        .map(|s| Fv::Str(Cow::Borrowed(s)))
        .unwrap_or(Fv::Null)
}

fn flag(b: bool) -> Fv<'static> {
    Fv::Str(Cow::Borrowed(if b { "Y" } else { "N" }))
}

pub fn uf_field<'a>(uf: &'a [Option<String>], name: &str, ctx: &FieldCtx) -> Option<Fv<'a>> {
    let idx = ctx.uf_names.iter().position(|n| n == name)?;
    Some(
        uf.get(idx)
            .and_then(|v| v.as_deref())
            .map(|s| Fv::Str(Cow::Borrowed(s)))
            .unwrap_or(Fv::Null),
    )
}

impl Record for Deal {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "TITLE" => Fv::Str(Cow::Borrowed(&self.title)),
            "TYPE_ID" => Fv::Str(Cow::Borrowed(&self.type_id)),
            "CATEGORY_ID" => Fv::Int(self.category_id),
            "STAGE_ID" => Fv::Str(Cow::Borrowed(&self.stage_id)),
            "STAGE_SEMANTIC_ID" => Fv::Str(Cow::Borrowed(self.semantic.letter())),
            "OPPORTUNITY" => Fv::Num(self.opportunity),
            "CURRENCY_ID" => Fv::Str(Cow::Borrowed(&self.currency_id)),
            "IS_MANUAL_OPPORTUNITY" => flag(self.is_manual_opportunity),
            "PROBABILITY" => opt_int(self.probability),
            "ASSIGNED_BY_ID" => Fv::Int(self.assigned_by_id),
            "CREATED_BY_ID" => Fv::Int(self.created_by_id),
            "MODIFY_BY_ID" => Fv::Int(self.modify_by_id),
            "MOVED_BY_ID" => Fv::Int(self.moved_by_id),
            "DATE_CREATE" => Fv::Time(self.date_create),
            "DATE_MODIFY" => Fv::Time(self.date_modify),
            "MOVED_TIME" => Fv::Time(self.moved_time),
            "BEGINDATE" => Fv::Time(self.begindate),
            "CLOSEDATE" => Fv::Time(self.closedate),
            "CLOSED" => flag(self.closed),
            "OPENED" => flag(self.opened),
            "IS_RETURN_CUSTOMER" => flag(self.is_return_customer),
            "SOURCE_ID" => opt_s(&self.source_id),
            "COMPANY_ID" => opt_int(self.company_id),
            "CONTACT_ID" => opt_int(self.contact_id),
            "LEAD_ID" => opt_int(self.lead_id),
            "UTM_SOURCE" => opt_s(&self.utm_source),
            "UTM_MEDIUM" => opt_s(&self.utm_medium),
            "UTM_CAMPAIGN" => opt_s(&self.utm_campaign),
            "LAST_ACTIVITY_TIME" => self.last_activity_time.map(Fv::Time).unwrap_or(Fv::Null),
            "LAST_ACTIVITY_BY" => opt_int(self.last_activity_by),
            n if n.starts_with("UF_") => return uf_field(&self.uf, n, ctx),
            _ => return None,
        })
    }
}

/// Standard fields in the order a portal prints them.
/// Rate of a currency against the base one (1.0 when unknown).
pub fn rate_of(data: &crate::model::PortalData, code: &str) -> f64 {
    data.currencies
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.amount / c.amount_cnt.max(1) as f64)
        .unwrap_or(1.0)
}

/// Standard fields; `rate` converts the amount into the account (base) currency.
pub fn render(d: &Deal, off: Zone, rate: f64, base: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ID", s_int(d.id));
    put("TITLE", Value::String(d.title.clone()));
    put("TYPE_ID", Value::String(d.type_id.clone()));
    put("STAGE_ID", Value::String(d.stage_id.clone()));
    put("PROBABILITY", opt_id(d.probability));
    put("CURRENCY_ID", Value::String(d.currency_id.clone()));
    put("OPPORTUNITY", s_money(d.opportunity));
    put("IS_MANUAL_OPPORTUNITY", yn(d.is_manual_opportunity));
    put("TAX_VALUE", s_money(0.0));
    put("ACCOUNT_CURRENCY_ID", Value::String(base.to_string()));
    put(
        "OPPORTUNITY_ACCOUNT",
        s_money((d.opportunity * rate * 100.0).round() / 100.0),
    );
    put("TAX_VALUE_ACCOUNT", s_money(0.0));
    put("LEAD_ID", opt_id(d.lead_id));
    put("COMPANY_ID", opt_id(d.company_id));
    put("CONTACT_ID", opt_id(d.contact_id));
    put("QUOTE_ID", Value::Null);
    put("BEGINDATE", time(d.begindate, off));
    put("CLOSEDATE", time(d.closedate, off));
    put("ASSIGNED_BY_ID", s_int(d.assigned_by_id));
    put("CREATED_BY_ID", s_int(d.created_by_id));
    put("MODIFY_BY_ID", s_int(d.modify_by_id));
    put("DATE_CREATE", time(d.date_create, off));
    put("DATE_MODIFY", time(d.date_modify, off));
    put("OPENED", yn(d.opened));
    put("CLOSED", yn(d.closed));
    put(
        "COMMENTS",
        if d.comments.is_empty() {
            Value::Null
        } else {
            Value::String(d.comments.clone())
        },
    );
    put("ADDITIONAL_INFO", Value::Null);
    put("LOCATION_ID", Value::Null);
    put("CATEGORY_ID", s_int(d.category_id));
    put(
        "STAGE_SEMANTIC_ID",
        Value::String(d.semantic.letter().into()),
    );
    put("IS_NEW", yn(d.stage_id.ends_with("NEW")));
    put("IS_RECURRING", yn(false));
    put("IS_RETURN_CUSTOMER", yn(d.is_return_customer));
    put("IS_REPEATED_APPROACH", yn(false));
    put("SOURCE_ID", opt_str(&d.source_id));
    put("SOURCE_DESCRIPTION", Value::Null);
    put("ORIGINATOR_ID", Value::Null);
    put("ORIGIN_ID", Value::Null);
    put("MOVED_BY_ID", s_int(d.moved_by_id));
    put("MOVED_TIME", time(d.moved_time, off));
    put(
        "LAST_ACTIVITY_TIME",
        opt_time_null(d.last_activity_time, off),
    );
    put("UTM_SOURCE", opt_str(&d.utm_source));
    put("UTM_MEDIUM", opt_str(&d.utm_medium));
    put("UTM_CAMPAIGN", opt_str(&d.utm_campaign));
    put("UTM_CONTENT", Value::Null);
    put("UTM_TERM", Value::Null);
    put("LAST_ACTIVITY_BY", opt_id(d.last_activity_by));
    m
}

pub fn render_uf(uf: &[Option<String>], names: &[String]) -> Map<String, Value> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.clone(),
                uf.get(i)
                    .cloned()
                    .flatten()
                    .map(Value::String)
                    .unwrap_or(Value::Bool(false)),
            )
        })
        .collect()
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
        .deal_fields
        .iter()
        .map(|f| f.field_name.clone())
        .collect();
    let fctx = field_ctx(&names, data.zone);
    let page = query::run(&data.deals, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|d| {
            Value::Object(apply_select(
                render(
                    d,
                    data.zone,
                    rate_of(&data, &d.currency_id),
                    data.base_currency(),
                ),
                render_uf(&d.uf, &names),
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
        .deal_fields
        .iter()
        .map(|f| f.field_name.clone())
        .collect();
    let d = data
        .deal(id)
        .ok_or_else(|| RestError::legacy("Not found"))?;
    let mut m = render(
        d,
        data.zone,
        rate_of(&data, &d.currency_id),
        data.base_currency(),
    );
    m.extend(render_uf(&d.uf, &names));
    Ok(Output::plain(Value::Object(m), ctx))
}

pub fn fields(ctx: &Ctx) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let sample = Deal {
        id: 0,
        title: String::new(),
        type_id: String::new(),
        category_id: 0,
        stage_id: String::new(),
        semantic: crate::model::Semantic::Process,
        opportunity: 0.0,
        currency_id: String::new(),
        is_manual_opportunity: false,
        probability: None,
        assigned_by_id: 0,
        created_by_id: 0,
        modify_by_id: 0,
        moved_by_id: 0,
        date_create: 0,
        date_modify: 0,
        moved_time: 0,
        begindate: 0,
        closedate: 0,
        closed: false,
        opened: false,
        is_return_customer: false,
        source_id: None,
        company_id: None,
        contact_id: None,
        lead_id: None,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        last_activity_time: None,
        last_activity_by: None,
        comments: String::new(),
        uf: Vec::new(),
    };
    let mut m = Map::new();
    for k in render(&sample, Zone::Fixed(0), 1.0, "RUB").keys() {
        m.insert(k.clone(), json!({"type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": k}));
    }
    for f in &data.deal_fields {
        m.insert(f.field_name.clone(), json!({"type": "string", "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": f.field_name, "listLabel": f.labels.get("ru"), "formLabel": f.labels.get("ru")}));
    }
    Ok(Output::plain(Value::Object(m), ctx))
}
