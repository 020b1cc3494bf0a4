//! `crm.company.list` / `crm.company.get`: the client companies (INDUSTRY for revenue by industry),
//! legacy UPPER_CASE with strings for numbers.
//!
//! Read-only.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    apply_select, field_ctx, id_param, legacy_query, page_output, select_of, Ctx, MethodResult,
    Output,
};
use crate::error::RestError;
use crate::format::*;
use crate::model::Company;
use crate::query::{self, FieldCtx, Fv, Paging, Record};

impl Record for Company {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "TITLE" => Fv::Str(Cow::Borrowed(&self.title)),
            "INDUSTRY" => Fv::Str(Cow::Borrowed(&self.industry)),
            "COMPANY_TYPE" => Fv::Str(Cow::Borrowed("CUSTOMER")),
            "ASSIGNED_BY_ID" => Fv::Int(self.assigned_by_id),
            "DATE_CREATE" => Fv::Time(self.date_create),
            "DATE_MODIFY" => Fv::Time(self.date_modify.max(self.date_create)),
            _ => return None,
        })
    }
}

fn render(c: &Company, off: Zone) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ID", s_int(c.id));
    put("COMPANY_TYPE", Value::String("CUSTOMER".into()));
    put("TITLE", Value::String(c.title.clone()));
    put("LOGO", Value::Null);
    put("LEAD_ID", Value::Null);
    put("HAS_PHONE", yn(false));
    put("HAS_EMAIL", yn(false));
    put("HAS_IMOL", yn(false));
    put("ASSIGNED_BY_ID", s_int(c.assigned_by_id));
    put("CREATED_BY_ID", s_int(c.assigned_by_id));
    put("MODIFY_BY_ID", s_int(c.assigned_by_id));
    put("BANKING_DETAILS", Value::Null);
    put("INDUSTRY", Value::String(c.industry.clone()));
    put("REVENUE", s_money(0.0));
    put("CURRENCY_ID", Value::String("RUB".into()));
    put("EMPLOYEES", Value::String("EMPLOYEES_2".into()));
    put("COMMENTS", Value::Null);
    put("DATE_CREATE", time(c.date_create, off));
    put("DATE_MODIFY", time(c.date_modify.max(c.date_create), off));
    put("OPENED", yn(true));
    put("IS_MY_COMPANY", yn(false));
    put("ORIGINATOR_ID", Value::Null);
    put("ORIGIN_ID", Value::Null);
    put("ORIGIN_VERSION", Value::Null);
    put("ADDRESS", Value::Null);
    put("UTM_SOURCE", Value::Null);
    put("UTM_MEDIUM", Value::Null);
    put("UTM_CAMPAIGN", Value::Null);
    put("UTM_CONTENT", Value::Null);
    put("UTM_TERM", Value::Null);
    put("LAST_ACTIVITY_TIME", Value::Null);
    put("LAST_ACTIVITY_BY", Value::Null);
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
    let fctx = field_ctx(&[], data.zone);
    let page = query::run(&data.companies, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|c| {
            Value::Object(apply_select(
                render(c, data.zone),
                Map::new(),
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
    let c = crate::model::find_by_id(&data.companies, id, |c| c.id)
        .ok_or_else(|| RestError::legacy("Not found"))?;
    Ok(Output::plain(Value::Object(render(c, data.zone)), ctx))
}
