//! REST method table: maps a lower-cased method name to its scope and implementation, and holds the
//! helpers every method family shares (context, output, `select` handling, cost).
//!
//! Methods are synchronous and side-effect free except the event and write families (`crm_write`); they must
//! never write HTTP responses (the envelope does that).

mod app;
mod crm_activity;
mod crm_company;
mod crm_contact;
mod crm_deal;
mod crm_dict;
mod crm_history;
mod crm_item;
mod crm_lead;
mod crm_timeline;
mod crm_userfield;
mod crm_write;
pub mod events;
pub mod im;
mod org;
mod tasks;
mod telephony;

use serde_json::{Map, Value};

use crate::error::RestError;
use crate::limits::CostModel;
use crate::query::{FieldCtx, Page};
use crate::state::{Caller, PortalState};

/// Everything a method may look at.
pub struct Ctx<'a> {
    pub portal: &'a PortalState,
    pub caller: &'a Caller,
    /// Portal clock (unix seconds).
    pub now: i64,
    pub cost: CostModel,
}

/// A method's answer before it is wrapped into the envelope.
#[derive(Debug, Clone)]
pub struct Output {
    pub result: Value,
    pub total: Option<i64>,
    pub next: Option<i64>,
    /// Synthetic server seconds (operating budget input).
    pub cost: f64,
}

impl Output {
    pub fn plain(result: Value, ctx: &Ctx) -> Self {
        Output {
            result,
            total: None,
            next: None,
            cost: ctx.cost.base_secs,
        }
    }
}

pub type MethodResult = Result<Output, RestError>;

/// Scope a method needs; `None` if the method does not exist.
pub fn scope_of(method: &str) -> Option<&'static str> {
    Some(match method {
        "crm.deal.list"
        | "crm.deal.get"
        | "crm.deal.fields"
        | "crm.lead.list"
        | "crm.lead.get"
        | "crm.lead.fields"
        | "crm.deal.userfield.list"
        | "crm.lead.userfield.list"
        | "crm.category.list"
        | "crm.status.list"
        | "crm.stagehistory.list"
        | "crm.activity.list"
        | "crm.activity.get"
        | "crm.company.list"
        | "crm.company.get"
        | "crm.contact.list"
        | "crm.contact.get"
        | "crm.currency.list"
        | "crm.dealcategory.list"
        | "crm.type.list"
        | "crm.item.list"
        | "crm.item.fields"
        | "crm.deal.update"
        | "crm.lead.update"
        | "crm.activity.todo.add"
        | "crm.activity.update"
        | "crm.timeline.comment.add" => "crm",
        "tasks.task.list" => "task",
        "im.notify.system.add" | "im.notify.personal.add" => "im",
        "voximplant.statistic.get" => "telephony",
        "user.get" | "user.current" => "user",
        "department.get" => "department",
        "sonet_group.get" => "sonet_group",
        "app.info"
        | "profile"
        | "user.admin"
        | "batch"
        | "server.time"
        | "scope"
        | "event.bind"
        | "event.unbind"
        | "event.get"
        | "event.offline.get"
        | "event.offline.clear"
        | "event.offline.list"
        | "event.offline.error" => "basic",
        _ => return None,
    })
}

/// Runs one method (batch is handled by the caller).
pub fn call(ctx: &Ctx, method: &str, params: &Value) -> MethodResult {
    match method {
        "crm.deal.list" => crm_deal::list(ctx, params),
        "crm.deal.get" => crm_deal::get(ctx, params),
        "crm.deal.fields" => crm_deal::fields(ctx),
        "crm.lead.list" => crm_lead::list(ctx, params),
        "crm.lead.get" => crm_lead::get(ctx, params),
        "crm.lead.fields" => crm_lead::fields(ctx),
        "crm.deal.userfield.list" => crm_userfield::list(ctx, params, crm_userfield::Owner::Deal),
        "crm.lead.userfield.list" => crm_userfield::list(ctx, params, crm_userfield::Owner::Lead),
        "crm.category.list" => crm_dict::category_list(ctx, params),
        "crm.dealcategory.list" => crm_dict::dealcategory_list(ctx, params),
        "crm.status.list" => crm_dict::status_list(ctx, params),
        "crm.currency.list" => crm_dict::currency_list(ctx, params),
        "crm.stagehistory.list" => crm_history::list(ctx, params),
        "crm.type.list" => crm_item::type_list(ctx, params),
        "crm.item.list" => crm_item::item_list(ctx, params),
        "crm.item.fields" => crm_item::item_fields(ctx, params),
        "crm.activity.list" => crm_activity::list(ctx, params),
        "crm.activity.get" => crm_activity::get(ctx, params),
        "crm.deal.update" => crm_write::deal_update(ctx, params),
        "crm.lead.update" => crm_write::lead_update(ctx, params),
        "crm.activity.todo.add" => crm_write::todo_add(ctx, params),
        "crm.activity.update" => crm_timeline::activity_update(ctx, params),
        "crm.timeline.comment.add" => crm_timeline::comment_add(ctx, params),
        "crm.company.list" => crm_company::list(ctx, params),
        "crm.company.get" => crm_company::get(ctx, params),
        "crm.contact.list" => crm_contact::list(ctx, params),
        "crm.contact.get" => crm_contact::get(ctx, params),
        "tasks.task.list" => tasks::list(ctx, params),
        "im.notify.system.add" => im::system_add(ctx, params),
        "im.notify.personal.add" => im::personal_add(ctx, params),
        "voximplant.statistic.get" => telephony::statistic_get(ctx, params),
        "user.get" => org::user_get(ctx, params),
        "user.current" => org::user_current(ctx),
        "user.admin" => Ok(Output::plain(Value::Bool(ctx.caller.is_admin), ctx)),
        "profile" => org::profile(ctx),
        "department.get" => org::department_get(ctx, params),
        "sonet_group.get" => org::sonet_group_get(ctx, params),
        "app.info" => app::app_info(ctx),
        "server.time" => Ok(Output::plain(
            Value::String(crate::format::iso(ctx.now, ctx.portal.zone())),
            ctx,
        )),
        "scope" => Ok(Output::plain(
            Value::Array(
                ctx.caller
                    .scope
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
            ctx,
        )),
        "event.bind" => events::bind(ctx, params),
        "event.unbind" => events::unbind(ctx, params),
        "event.get" => events::get(ctx),
        "event.offline.get" => events::offline_get(ctx, params, true),
        "event.offline.list" => events::offline_get(ctx, params, false),
        "event.offline.clear" => events::offline_clear(ctx, params),
        "event.offline.error" => events::offline_error(ctx, params),
        _ => Err(RestError::method_not_found()),
    }
}

/// Upper-cased `select` list (accepts an array or a map of values).
pub fn select_of(params: &Value) -> Vec<String> {
    let v = params.get("select").or_else(|| params.get("SELECT"));
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(crate::php::as_str)
            .map(|s| s.to_ascii_uppercase())
            .collect(),
        Some(Value::Object(m)) => m
            .values()
            .filter_map(crate::php::as_str)
            .map(|s| s.to_ascii_uppercase())
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.to_ascii_uppercase()],
        _ => Vec::new(),
    }
}

/// Applies a legacy `select`: empty or `*` = all standard fields, `UF_*` = all custom fields,
/// plus explicitly named ones. `always` fields (ID) are kept.
pub fn apply_select(
    all: Map<String, Value>,
    uf: Map<String, Value>,
    select: &[String],
    always: &[&str],
) -> Map<String, Value> {
    let star = select.is_empty() || select.iter().any(|s| s == "*");
    let uf_star = select.iter().any(|s| s == "UF_*");
    let mut out = Map::new();
    for (k, v) in all {
        if star || always.contains(&k.as_str()) || select.iter().any(|s| s == &k) {
            out.insert(k, v);
        }
    }
    for (k, v) in uf {
        if uf_star || select.iter().any(|s| s == &k) {
            out.insert(k, v);
        }
    }
    out
}

/// Cost of a list call per the cost model.
pub fn list_cost<T>(ctx: &Ctx, page: &Page<T>, counted: bool) -> f64 {
    let c = &ctx.cost;
    c.base_secs
        + page.rows.len() as f64 * c.per_row_secs
        + if counted {
            page.scanned as f64 * c.per_counted_row_secs
        } else {
            0.0
        }
}

/// Wraps a page of rendered rows into an `Output` with `total`/`next`.
pub fn page_output<T>(ctx: &Ctx, page: &Page<T>, rows: Value, counted: bool) -> Output {
    Output {
        result: rows,
        total: page.total.map(|t| t as i64),
        next: page.next,
        cost: list_cost(ctx, page, counted),
    }
}

pub fn field_ctx<'a>(uf_names: &'a [String], offset: crate::format::Zone) -> FieldCtx<'a> {
    FieldCtx {
        uf_names,
        offset,
        lead_rows: false,
        now: 0,
        telephony: false,
    }
}

/// `id` / `ID` parameter of `*.get` methods.
pub fn id_param(params: &Value) -> Option<i64> {
    params
        .get("id")
        .or_else(|| params.get("ID"))
        .and_then(crate::php::as_i64)
        .filter(|id| *id > 0)
}

/// A legacy list query from `filter`, `order`, `start`.
pub fn legacy_query(params: &Value) -> Result<crate::query::ListQuery, RestError> {
    let filter = params.get("filter").or_else(|| params.get("FILTER"));
    let conds = crate::query::parse_filter(filter, false).map_err(|e| RestError::legacy(&e))?;
    let order =
        crate::query::parse_order(params.get("order").or_else(|| params.get("ORDER")), false);
    Ok(crate::query::ListQuery {
        conds,
        order,
        start: crate::query::start_of(params),
    })
}
