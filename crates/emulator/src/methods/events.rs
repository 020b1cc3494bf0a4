//! Event methods: `event.bind`, `event.unbind`, `event.get` and the offline queue
//! (`event.offline.get/list/clear/error`) with `clear=0` reservations under a `process_id`.
//!
//! Only bookkeeping of bindings and the queue; delivery is in `crate::events`.

use serde_json::{json, Value};

use super::{Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::php::{as_i64, as_str, truthy};
use crate::state::Binding;

pub const KNOWN_EVENTS: &[&str] = &[
    "ONAPPINSTALL",
    "ONAPPUNINSTALL",
    "ONAPPUPDATE",
    "ONAPPPAYMENT",
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMDEALDELETE",
    "ONCRMDEALMOVETOCATEGORY",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMLEADDELETE",
    "ONCRMACTIVITYADD",
    "ONCRMACTIVITYUPDATE",
    "ONCRMACTIVITYDELETE",
    "ONCRMCOMPANYADD",
    "ONCRMCOMPANYUPDATE",
    "ONCRMCOMPANYDELETE",
    "ONCRMCONTACTADD",
    "ONCRMCONTACTUPDATE",
    "ONCRMCONTACTDELETE",
    "ONTASKADD",
    "ONTASKUPDATE",
    "ONTASKDELETE",
    "ONOFFLINEEVENT",
];

fn app_context(ctx: &Ctx) -> Result<String, RestError> {
    ctx.caller
        .client_id
        .clone()
        .ok_or_else(|| RestError::new(403, "WRONG_AUTH_TYPE", "Application context required"))
}

fn str_param(params: &Value, key: &str) -> Option<String> {
    params
        .get(key)
        .or_else(|| params.get(key.to_ascii_uppercase().as_str()))
        .and_then(as_str)
}

fn valid_handler(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| h.contains('.'))
        }
        Err(_) => false,
    }
}

pub fn bind(ctx: &Ctx, params: &Value) -> MethodResult {
    let client_id = app_context(ctx)?;
    let event = str_param(params, "event")
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !KNOWN_EVENTS.contains(&event.as_str()) {
        return Err(RestError::new(
            400,
            "ERROR_EVENT_NOT_FOUND",
            "Event not found",
        ));
    }
    let offline =
        str_param(params, "event_type").is_some_and(|t| t.eq_ignore_ascii_case("offline"));
    let handler = str_param(params, "handler").unwrap_or_default();
    let auth_type = params
        .get("auth_type")
        .and_then(as_i64)
        .unwrap_or(ctx.caller.user_id);
    if (offline || auth_type != ctx.caller.user_id) && !ctx.caller.is_admin {
        return Err(RestError::access_denied(
            "Access denied! Admin permissions required",
        ));
    }
    if !offline && !valid_handler(&handler) {
        return Err(RestError::new(
            400,
            "ERROR_WRONG_HANDLER_URL",
            "Wrong handler URL",
        ));
    }
    let binding = Binding {
        event,
        handler: if offline { String::new() } else { handler },
        auth_type,
        offline,
        auth_connector: str_param(params, "auth_connector").unwrap_or_default(),
    };
    let mut installs = ctx
        .portal
        .installs
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let inst = installs
        .get_mut(&client_id)
        .ok_or_else(|| RestError::new(401, "APPLICATION_NOT_FOUND", "Application not found"))?;
    if inst.bindings.iter().any(|b| {
        b.event == binding.event && b.handler == binding.handler && b.offline == binding.offline
    }) {
        return Err(RestError::new(
            400,
            "ERROR_HANDLER_ALREADY_EXIST",
            "Handler already exists!",
        ));
    }
    inst.bindings.push(binding);
    Ok(Output::plain(Value::Bool(true), ctx))
}

pub fn unbind(ctx: &Ctx, params: &Value) -> MethodResult {
    let client_id = app_context(ctx)?;
    let event = str_param(params, "event")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let handler = str_param(params, "handler");
    let offline = str_param(params, "event_type").map(|t| t.eq_ignore_ascii_case("offline"));
    let mut installs = ctx
        .portal
        .installs
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let inst = installs
        .get_mut(&client_id)
        .ok_or_else(|| RestError::new(401, "APPLICATION_NOT_FOUND", "Application not found"))?;
    let before = inst.bindings.len();
    inst.bindings.retain(|b| {
        let hit = b.event == event
            && handler
                .as_ref()
                .is_none_or(|h| h.is_empty() || &b.handler == h)
            && offline.is_none_or(|o| o == b.offline);
        !hit
    });
    Ok(Output::plain(
        json!({"count": before - inst.bindings.len()}),
        ctx,
    ))
}

pub fn get(ctx: &Ctx) -> MethodResult {
    let client_id = app_context(ctx)?;
    let installs = ctx
        .portal
        .installs
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let rows: Vec<Value> = installs
        .get(&client_id)
        .map(|i| {
            i.bindings
                .iter()
                .filter(|b| ctx.caller.is_admin || b.auth_type == ctx.caller.user_id)
                .map(|b| json!({"event": b.event, "handler": b.handler, "auth_type": b.auth_type.to_string(), "offline": i64::from(b.offline)}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Output::plain(Value::Array(rows), ctx))
}

fn list_of(params: &Value, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(as_str).collect(),
        Some(Value::Object(m)) => m.values().filter_map(as_str).collect(),
        Some(v) => as_str(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `event.offline.get` (`take` = true) and `event.offline.list` (`take` = false, read-only).
pub fn offline_get(ctx: &Ctx, params: &Value, take: bool) -> MethodResult {
    let client_id = app_context(ctx)?;
    if !ctx.caller.is_admin {
        return Err(RestError::access_denied(
            "Access denied! Admin permissions required",
        ));
    }
    let limit = params
        .get("limit")
        .and_then(as_i64)
        .filter(|l| *l > 0)
        .unwrap_or(50) as usize;
    let clear = params.get("clear").map(truthy).unwrap_or(true);
    let with_errors = params.get("error").map(truthy).unwrap_or(false);
    let connector = str_param(params, "auth_connector").unwrap_or_default();
    let wanted_process = str_param(params, "process_id");
    let off = ctx.portal.zone();
    let mut queue = ctx
        .portal
        .offline
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let render = |e: &crate::state::OfflineEvent, list: bool| {
        let mut v = json!({
            "ID": e.id.to_string(),
            "TIMESTAMP_X": crate::format::iso(e.timestamp, off),
            "EVENT_NAME": e.event_name,
            "EVENT_DATA": e.data,
            "EVENT_ADDITIONAL": [],
            "MESSAGE_ID": e.message_id,
        });
        if list {
            v["PROCESS_ID"] = e
                .process_id
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null);
            v["ERROR"] = json!(if e.error { "1" } else { "0" });
        }
        v
    };
    let mine = |e: &crate::state::OfflineEvent| {
        e.client_id == client_id && e.auth_connector == connector && (with_errors || !e.error)
    };
    if !take {
        let rows: Vec<Value> = queue
            .iter()
            .filter(|e| mine(e))
            .take(limit)
            .map(|e| render(e, true))
            .collect();
        let total = queue.iter().filter(|e| mine(e)).count() as i64;
        return Ok(Output {
            result: Value::Array(rows),
            total: Some(total),
            next: None,
            cost: ctx.cost.base_secs,
        });
    }
    let process_id = wanted_process
        .clone()
        .unwrap_or_else(|| crate::state::random_token(32));
    let picked: Vec<usize> = queue
        .iter()
        .enumerate()
        .filter(|(_, e)| mine(e))
        .filter(|(_, e)| match &wanted_process {
            Some(p) => e.process_id.as_deref() == Some(p.as_str()),
            None => e.process_id.is_none(),
        })
        .map(|(i, _)| i)
        .take(limit)
        .collect();
    let events: Vec<Value> = picked.iter().map(|i| render(&queue[*i], false)).collect();
    if clear {
        let mut idx = 0usize;
        queue.retain(|_| {
            let keep = !picked.contains(&idx);
            idx += 1;
            keep
        });
    } else {
        for i in &picked {
            queue[*i].process_id = Some(process_id.clone());
        }
    }
    Ok(Output::plain(
        json!({"process_id": process_id, "events": events}),
        ctx,
    ))
}

pub fn offline_clear(ctx: &Ctx, params: &Value) -> MethodResult {
    let client_id = app_context(ctx)?;
    let process_id = str_param(params, "process_id").ok_or_else(|| {
        RestError::new(
            400,
            "ERROR_ARGUMENT",
            "Argument 'process_id' is null or empty",
        )
    })?;
    let ids = list_of(params, "id");
    let messages = list_of(params, "message_id");
    let mut queue = ctx
        .portal
        .offline
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    queue.retain(|e| {
        let hit = e.client_id == client_id
            && e.process_id.as_deref() == Some(process_id.as_str())
            && (ids.is_empty() || ids.contains(&e.id.to_string()))
            && (messages.is_empty() || messages.contains(&e.message_id));
        !hit
    });
    Ok(Output::plain(Value::Bool(true), ctx))
}

pub fn offline_error(ctx: &Ctx, params: &Value) -> MethodResult {
    let client_id = app_context(ctx)?;
    let process_id = str_param(params, "process_id").ok_or_else(|| {
        RestError::new(
            400,
            "ERROR_ARGUMENT",
            "Argument 'process_id' is null or empty",
        )
    })?;
    let messages = list_of(params, "message_id");
    let mut queue = ctx
        .portal
        .offline
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    for e in queue.iter_mut() {
        if e.client_id == client_id
            && e.process_id.as_deref() == Some(process_id.as_str())
            && messages.contains(&e.message_id)
        {
            e.error = true;
            e.process_id = None;
        }
    }
    Ok(Output::plain(Value::Bool(true), ctx))
}
