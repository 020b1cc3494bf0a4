//! `crm.activity.list` / `crm.activity.get`: calls, e-mails, meetings and to-dos with TYPE_ID,
//! PROVIDER_ID/PROVIDER_TYPE_ID, DIRECTION, COMPLETED, derived DEADLINE, `SETTINGS: []`.
//!
//! Read-only. Default order is ID ascending (documented deviation: the portal sorts by START_TIME).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    apply_select, field_ctx, id_param, legacy_query, page_output, select_of, Ctx, MethodResult,
    Output,
};
use crate::error::RestError;
use crate::format::*;
use crate::model::{Activity, ActivityKind};
use crate::query::{self, FieldCtx, Fv, Paging, Record};

pub fn subject(a: &Activity) -> String {
    if let Some(s) = &a.subject {
        return s.clone();
    }
    match (a.kind, a.direction) {
        (ActivityKind::Call, 1) => "Входящий звонок".into(),
        (ActivityKind::Call, _) => "Исходящий звонок".into(),
        (ActivityKind::Email, 1) => "Письмо от клиента".into(),
        (ActivityKind::Email, _) => "Письмо клиенту".into(),
        (ActivityKind::Meeting, _) => "Встреча с клиентом".into(),
        (ActivityKind::Todo, _) => "Связаться с клиентом".into(),
    }
}

impl Record for Activity {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>> {
        if ctx.telephony {
            return super::telephony::call_field(self, name);
        }
        let f = |b: bool| Fv::Str(Cow::Borrowed(if b { "Y" } else { "N" }));
        Some(match name {
            "ID" => Fv::Int(self.id),
            "OWNER_ID" => Fv::Int(self.owner_id),
            "OWNER_TYPE_ID" => Fv::Int(self.owner_type_id as i64),
            "TYPE_ID" => Fv::Int(self.kind.type_id()),
            "PROVIDER_ID" => Fv::Str(Cow::Borrowed(self.kind.provider_id())),
            "PROVIDER_TYPE_ID" => Fv::Str(Cow::Borrowed(self.kind.provider_type_id())),
            "DIRECTION" => Fv::Int(self.direction as i64),
            "COMPLETED" => f(self.completed),
            "STATUS" => Fv::Int(if self.completed { 2 } else { 1 }),
            "PRIORITY" => Fv::Int(self.priority as i64),
            "RESPONSIBLE_ID" => Fv::Int(self.responsible_id),
            "AUTHOR_ID" => Fv::Int(self.author_id),
            "EDITOR_ID" => Fv::Int(self.author_id),
            "CREATED" => Fv::Time(self.created),
            "LAST_UPDATED" => Fv::Time(self.last_updated),
            "START_TIME" => Fv::Time(self.start_time),
            "END_TIME" => Fv::Time(self.end_time),
            "DEADLINE" => Fv::Time(self.deadline()),
            "SUBJECT" => Fv::Str(Cow::Owned(subject(self))),
            _ => return None,
        })
    }
}

pub fn render(a: &Activity, off: Zone) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ID", s_int(a.id));
    put("OWNER_ID", s_int(a.owner_id));
    put("OWNER_TYPE_ID", s_int(a.owner_type_id as i64));
    put("TYPE_ID", s_int(a.kind.type_id()));
    put("PROVIDER_ID", Value::String(a.kind.provider_id().into()));
    put(
        "PROVIDER_TYPE_ID",
        Value::String(a.kind.provider_type_id().into()),
    );
    put("PROVIDER_GROUP_ID", Value::Null);
    put("ASSOCIATED_ENTITY_ID", s_int(0));
    put("SUBJECT", Value::String(subject(a)));
    put("CREATED", time(a.created, off));
    put("LAST_UPDATED", time(a.last_updated, off));
    put("START_TIME", time(a.start_time, off));
    put("END_TIME", time(a.end_time, off));
    put("DEADLINE", time(a.deadline(), off));
    put("COMPLETED", yn(a.completed));
    put("STATUS", s_int(if a.completed { 2 } else { 1 }));
    put("RESPONSIBLE_ID", s_int(a.responsible_id));
    put("PRIORITY", s_int(a.priority as i64));
    put("NOTIFY_TYPE", s_int(0));
    put("NOTIFY_VALUE", s_int(0));
    put("DESCRIPTION", Value::String(String::new()));
    put("DESCRIPTION_TYPE", s_int(1));
    put("DIRECTION", s_int(a.direction as i64));
    put("LOCATION", Value::String(String::new()));
    put("SETTINGS", Value::Array(Vec::new()));
    put("ORIGINATOR_ID", Value::Null);
    put(
        "ORIGIN_ID",
        if a.kind == ActivityKind::Call {
            Value::String(format!("VI_{}", a.id))
        } else {
            Value::Null
        },
    );
    put("AUTHOR_ID", s_int(a.author_id));
    put("EDITOR_ID", s_int(a.author_id));
    put("PROVIDER_PARAMS", Value::Array(Vec::new()));
    put("PROVIDER_DATA", Value::Null);
    put("RESULT_MARK", s_int(0));
    put("RESULT_VALUE", Value::Null);
    put("RESULT_SUM", Value::Null);
    put("RESULT_CURRENCY_ID", Value::Null);
    put("RESULT_STATUS", s_int(0));
    put("RESULT_STREAM", s_int(0));
    put("RESULT_SOURCE_ID", Value::Null);
    put("AUTOCOMPLETE_RULE", s_int(0));
    put("IS_INCOMING_CHANNEL", yn(a.direction == 1));
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
    let page = query::run(&data.activities, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|a| {
            Value::Object(apply_select(
                render(a, data.zone),
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
    let a = crate::model::find_by_id(&data.activities, id, |a| a.id)
        .ok_or_else(|| RestError::legacy("Not found"))?;
    Ok(Output::plain(Value::Object(render(a, data.zone)), ctx))
}
