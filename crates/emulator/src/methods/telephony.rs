//! `voximplant.statistic.get`: call records derived from the completed call activities (one
//! record per call, ID = the activity's ID, CRM_ACTIVITY_ID links back). UPPER_CASE `FILTER`,
//! `SORT` (a field name) + `ORDER`, lowercase `start`; strings for numbers.
//!
//! Read-only; stores nothing (records are computed from activities on the fly).

use std::borrow::Cow;

use serde_json::{json, Value};

use super::{field_ctx, Ctx, MethodResult};
use crate::error::RestError;
use crate::format::iso;
use crate::model::{Activity, ActivityKind, PortalData};
use crate::php::as_str;
use crate::query::{self, Cond, Fv, ListQuery, Op, Paging};

/// Every tenth incoming call was missed (304, no talk time).
pub fn missed(a: &Activity) -> bool {
    a.direction == 1 && a.id % 10 == 0
}

pub fn duration(a: &Activity) -> i64 {
    if missed(a) {
        0
    } else {
        (a.end_time - a.start_time).max(0)
    }
}

/// Statistics fields of a call activity; `None` for names the statistics do not have.
pub fn call_field<'a>(a: &'a Activity, name: &str) -> Option<Fv<'a>> {
    Some(match name {
        "__IS_CALL" => Fv::Str(Cow::Borrowed(
            if a.kind == ActivityKind::Call && a.completed {
                "Y"
            } else {
                "N"
            },
        )),
        "ID" | "CRM_ACTIVITY_ID" => Fv::Int(a.id),
        "PORTAL_USER_ID" => Fv::Int(a.responsible_id),
        "CALL_TYPE" => Fv::Int(if a.direction == 1 { 2 } else { 1 }),
        "CALL_DURATION" => Fv::Int(duration(a)),
        "CALL_START_DATE" => Fv::Time(a.start_time),
        "CALL_FAILED_CODE" => Fv::Str(Cow::Borrowed(if missed(a) { "304" } else { "200" })),
        "CRM_ENTITY_TYPE" => Fv::Str(Cow::Borrowed(if a.owner_type_id == 1 {
            "LEAD"
        } else {
            "DEAL"
        })),
        "CRM_ENTITY_ID" => Fv::Int(a.owner_id),
        "CALL_CATEGORY" => Fv::Str(Cow::Borrowed("external")),
        _ => return None,
    })
}

fn render(a: &Activity, data: &PortalData) -> Value {
    let off = data.zone;
    json!({
        "ID": a.id.to_string(),
        "PORTAL_USER_ID": a.responsible_id.to_string(),
        "PORTAL_NUMBER": "reg74950000000",
        "PHONE_NUMBER": format!("+7916{:07}", (a.owner_id * 7919) % 10_000_000),
        "CALL_ID": format!("externalCall.{:032x}", a.id as u128 * 2_654_435_761),
        "EXTERNAL_CALL_ID": Value::Null,
        "CALL_CATEGORY": "external",
        "CALL_DURATION": duration(a).to_string(),
        "CALL_START_DATE": iso(a.start_time, off),
        "CALL_RECORD_URL": "",
        "CALL_VOTE": "0",
        "COST": "0.0000",
        "COST_CURRENCY": "RUR",
        "CALL_FAILED_CODE": if missed(a) { "304" } else { "200" },
        "CALL_FAILED_REASON": if missed(a) { "Missed call" } else { "Success call" },
        "CRM_ENTITY_TYPE": if a.owner_type_id == 1 { "LEAD" } else { "DEAL" },
        "CRM_ENTITY_ID": a.owner_id.to_string(),
        "CRM_ACTIVITY_ID": a.id.to_string(),
        "REST_APP_ID": Value::Null,
        "REST_APP_NAME": Value::Null,
        "TRANSCRIPT_ID": Value::Null,
        "TRANSCRIPT_PENDING": "N",
        "SESSION_ID": (a.id + 500_000).to_string(),
        "REDIAL_ATTEMPT": Value::Null,
        "COMMENT": Value::Null,
        "RECORD_DURATION": Value::Null,
        "RECORD_FILE_ID": Value::Null,
        "CALL_TYPE": if a.direction == 1 { "2" } else { "1" },
    })
}

pub fn statistic_get(ctx: &Ctx, params: &Value) -> MethodResult {
    let mut conds =
        query::parse_filter(params.get("FILTER").or_else(|| params.get("filter")), false)
            .map_err(|e| RestError::new(400, "ERROR_ARGUMENT", &e))?;
    conds.push(Cond::new("__IS_CALL".into(), Op::Eq, vec!["Y".into()]));
    let field = params
        .get("SORT")
        .or_else(|| params.get("sort"))
        .and_then(as_str)
        .unwrap_or_else(|| "ID".into());
    let desc = params
        .get("ORDER")
        .or_else(|| params.get("order"))
        .and_then(as_str)
        .is_some_and(|o| o.eq_ignore_ascii_case("desc"));
    let q = ListQuery {
        conds,
        order: vec![(field.to_ascii_uppercase(), desc)],
        start: query::start_of(params),
    };
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let mut fctx = field_ctx(&[], data.zone);
    fctx.telephony = true;
    let page = query::run(&data.activities, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page.rows.iter().map(|a| render(a, &data)).collect();
    Ok(super::page_output(
        ctx,
        &page,
        Value::Array(rows),
        q.start >= 0,
    ))
}
