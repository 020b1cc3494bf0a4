//! `crm.stagehistory.list`: stage transitions of deals (entityTypeId 2) and leads (1) under
//! `result.items`, with strings for numbers (as real responses show), exact-offset paging, and
//! `INVALID_ARG_VALUE` for unknown filter/order fields.
//!
//! Read-only.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{field_ctx, Ctx, MethodResult};
use crate::error::RestError;
use crate::format::*;
use crate::model::StageHistory;
use crate::php::as_i64;
use crate::query::{self, FieldCtx, Fv, ListQuery, Paging, Record};

impl Record for StageHistory {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>> {
        let h = self;
        let deal = !ctx.lead_rows;
        Some(match name {
            "ID" => Fv::Int(h.id),
            "TYPE_ID" => Fv::Int(h.type_id),
            "OWNER_ID" => Fv::Int(h.owner_id),
            "CREATED_TIME" => Fv::Time(h.created_time),
            "CATEGORY_ID" if deal => Fv::Int(h.category_id),
            "STAGE_ID" if deal => Fv::Str(Cow::Borrowed(&h.stage_id)),
            "STAGE_SEMANTIC_ID" if deal => Fv::Str(Cow::Borrowed(h.semantic.letter())),
            "STATUS_ID" if !deal => Fv::Str(Cow::Borrowed(&h.stage_id)),
            "STATUS_SEMANTIC_ID" if !deal => Fv::Str(Cow::Borrowed(h.semantic.letter())),
            _ => return None,
        })
    }
}

fn render(h: &StageHistory, deal: bool, off: Zone) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ID".into(), s_int(h.id));
    m.insert("TYPE_ID".into(), s_int(h.type_id));
    m.insert("OWNER_ID".into(), s_int(h.owner_id));
    m.insert("CREATED_TIME".into(), time(h.created_time, off));
    if deal {
        m.insert("CATEGORY_ID".into(), s_int(h.category_id));
        m.insert("STAGE_SEMANTIC_ID".into(), json!(h.semantic.letter()));
        m.insert("STAGE_ID".into(), json!(h.stage_id));
    } else {
        m.insert("STATUS_SEMANTIC_ID".into(), json!(h.semantic.letter()));
        m.insert("STATUS_ID".into(), json!(h.stage_id));
    }
    m
}

pub fn list(ctx: &Ctx, params: &Value) -> MethodResult {
    let deal = match params
        .get("entityTypeId")
        .or_else(|| params.get("ENTITY_TYPE_ID"))
        .and_then(as_i64)
    {
        Some(2) => true,
        Some(1) => false,
        _ => {
            return Err(RestError::new(
                400,
                "ENTITY_TYPE_NOT_SUPPORTED",
                "Entity type is not supported",
            ))
        }
    };
    let conds =
        query::parse_filter(params.get("filter"), false).map_err(|e| RestError::invalid_arg(&e))?;
    let order = query::parse_order(params.get("order"), false);
    let q = ListQuery {
        conds,
        order,
        start: query::start_of(params),
    };
    let select: Vec<String> = super::select_of(params);
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let mut fctx = field_ctx(&[], data.zone);
    fctx.lead_rows = !deal;
    let source = if deal {
        &data.deal_history
    } else {
        &data.lead_history
    };
    let probe = StageHistory {
        id: 0,
        type_id: 0,
        owner_id: 0,
        created_time: 0,
        category_id: 0,
        stage_id: String::new(),
        semantic: crate::model::Semantic::Process,
    };
    let bad = query::unknown_fields(&probe, &q, &fctx);
    if let Some(f) = bad.first() {
        return Err(RestError::invalid_arg(&format!(
            "The field '{f}' is not allowed"
        )));
    }
    let page = query::run(source, &q, Paging::Exact, &fctx);
    let items: Vec<Value> = page
        .rows
        .iter()
        .map(|r| {
            let m = render(r, deal, data.zone);
            if select.is_empty() || select.iter().any(|s| s == "*") {
                Value::Object(m)
            } else {
                Value::Object(
                    m.into_iter()
                        .filter(|(k, _)| select.iter().any(|s| s == k))
                        .collect(),
                )
            }
        })
        .collect();
    let mut out = super::page_output(ctx, &page, json!({ "items": items }), q.start >= 0);
    out.result = json!({ "items": out.result["items"].take() });
    Ok(out)
}
