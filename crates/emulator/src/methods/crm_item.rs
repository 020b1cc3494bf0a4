//! `crm.type.list`, `crm.item.list` and `crm.item.fields` for smart processes: the modern camelCase family with typed
//! values (`id: 253`, `opportunity: 19000`), rows under `result.types` / `result.items`, `total` and `next`, and the ID
//! cursor (`order: {id: ASC}`, `filter: {">id": N}`, `start: -1` gives no `total`). Filter and order keys are matched
//! case-insensitively (`>=updatedTime`, `parentId2`, `stageId`, `categoryId`, `assignedById`).
//!
//! Read-only.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::{page_output, Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::format::iso;
use crate::model::CrmItem;
use crate::query::{self, FieldCtx, Fv, ListQuery, Paging, Record};

impl Record for CrmItem {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        Some(match name {
            "ID" => Fv::Int(self.id),
            "TITLE" => Fv::Str(Cow::Borrowed(&self.title)),
            "CATEGORYID" => Fv::Int(self.category_id),
            "STAGEID" => Fv::Str(Cow::Borrowed(&self.stage_id)),
            "OPPORTUNITY" => Fv::Num(self.opportunity),
            "CURRENCYID" => Fv::Str(Cow::Borrowed(&self.currency_id)),
            "ASSIGNEDBYID" => Fv::Int(self.assigned_by_id),
            "CREATEDTIME" => Fv::Time(self.created_time),
            "UPDATEDTIME" => Fv::Time(self.updated_time),
            "MOVEDTIME" => Fv::Time(self.moved_time),
            "PARENTID2" => self.parent_deal_id.map(Fv::Int).unwrap_or(Fv::Null),
            _ => return None,
        })
    }
}

/// The `entityTypeId` parameter (any spelling the portal accepts).
fn entity_type(params: &Value) -> Option<i64> {
    params
        .get("entityTypeId")
        .or_else(|| params.get("ENTITY_TYPE_ID"))
        .or_else(|| params.get("entityTypeID"))
        .and_then(crate::php::as_i64)
}

fn not_found() -> RestError {
    RestError::new(400, "NOT_FOUND", "Smart process not found")
}

fn render(i: &CrmItem, off: crate::format::Zone) -> Value {
    json!({
        "id": i.id,
        "xmlId": null,
        "title": i.title,
        "createdBy": i.assigned_by_id,
        "updatedBy": i.assigned_by_id,
        "movedBy": i.assigned_by_id,
        "createdTime": iso(i.created_time, off),
        "updatedTime": iso(i.updated_time, off),
        "movedTime": iso(i.moved_time, off),
        "categoryId": i.category_id,
        "opened": "Y",
        "stageId": i.stage_id,
        "previousStageId": "",
        "begindate": iso(i.created_time, off),
        "closedate": iso(i.moved_time, off),
        "companyId": 0,
        "contactId": 0,
        "opportunity": i.opportunity,
        "isManualOpportunity": "Y",
        "taxValue": 0,
        "currencyId": i.currency_id,
        "mycompanyId": 0,
        "sourceId": "",
        "sourceDescription": "",
        "webformId": 0,
        "assignedById": i.assigned_by_id,
        "lastActivityBy": i.assigned_by_id,
        "lastActivityTime": iso(i.updated_time, off),
        "entityTypeId": i.entity_type_id,
        "parentId2": i.parent_deal_id,
        "contactIds": [],
        "observers": [],
    })
}

pub fn type_list(ctx: &Ctx, _params: &Value) -> MethodResult {
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let types: Vec<Value> = data
        .crm_types
        .iter()
        .map(|t| {
            let parent = if t.deal_parent {
                json!([{"entityTypeId": 2, "isChildrenListEnabled": "Y", "isPredefined": "N"}])
            } else {
                json!([])
            };
            json!({
                "id": t.id,
                "title": t.title,
                "code": "",
                "createdBy": 1,
                "entityTypeId": t.entity_type_id,
                "customSectionId": null,
                "isCategoriesEnabled": "Y",
                "isStagesEnabled": "Y",
                "isBeginCloseDatesEnabled": "Y",
                "isClientEnabled": "Y",
                "isLinkWithProductsEnabled": "N",
                "isUseInUserfieldEnabled": "Y",
                "relations": {"parent": parent, "child": []},
            })
        })
        .collect();
    let n = types.len() as i64;
    Ok(Output {
        result: json!({ "types": types }),
        total: Some(n),
        next: None,
        cost: ctx.cost.base_secs,
    })
}

pub fn item_list(ctx: &Ctx, params: &Value) -> MethodResult {
    let t = entity_type(params).ok_or_else(not_found)?;
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    if !data.crm_types.iter().any(|x| x.entity_type_id == t) {
        return Err(not_found());
    }
    let conds = query::parse_filter(params.get("filter"), false)
        .map_err(|e| RestError::new(400, "INVALID_ARG_VALUE", &e))?;
    let q = ListQuery {
        conds,
        order: query::parse_order(params.get("order"), false),
        start: query::start_of(params),
    };
    // Items are stored sorted by (type, id): one type's items are one contiguous run.
    let lo = data.crm_items.partition_point(|i| i.entity_type_id < t);
    let hi = data.crm_items.partition_point(|i| i.entity_type_id <= t);
    let items = &data.crm_items[lo..hi];
    let fctx = super::field_ctx(&[], data.zone);
    let unknown = query::unknown_fields(
        items.first().unwrap_or(&CrmItem {
            entity_type_id: t,
            id: 0,
            title: String::new(),
            category_id: 0,
            stage_id: String::new(),
            semantic: crate::model::Semantic::Process,
            opportunity: 0.0,
            currency_id: String::new(),
            assigned_by_id: 0,
            created_time: 0,
            updated_time: 0,
            moved_time: 0,
            parent_deal_id: None,
        }),
        &q,
        &fctx,
    );
    if let Some(f) = unknown.first() {
        return Err(RestError::new(
            400,
            "INVALID_ARG_VALUE",
            &format!("Unknown field {f}"),
        ));
    }
    let page = query::run(items, &q, Paging::Exact, &fctx);
    let rows: Vec<Value> = page.rows.iter().map(|i| render(i, data.zone)).collect();
    Ok(page_output(
        ctx,
        &page,
        json!({ "items": rows }),
        q.start >= 0,
    ))
}

pub fn item_fields(ctx: &Ctx, params: &Value) -> MethodResult {
    let t = entity_type(params).ok_or_else(not_found)?;
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    if !data.crm_types.iter().any(|x| x.entity_type_id == t) {
        return Err(not_found());
    }
    let f = |ty: &str, title: &str| json!({"type": ty, "isRequired": false, "isReadOnly": false, "isMultiple": false, "title": title});
    Ok(Output::plain(
        json!({"fields": {
            "id": f("integer", "ID"),
            "title": f("string", "Название"),
            "categoryId": f("crm_category", "Воронка"),
            "stageId": f("crm_status", "Стадия"),
            "opportunity": f("double", "Сумма"),
            "currencyId": f("crm_currency", "Валюта"),
            "assignedById": f("user", "Ответственный"),
            "createdTime": f("datetime", "Когда создан"),
            "updatedTime": f("datetime", "Когда обновлён"),
            "movedTime": f("datetime", "Когда перемещён"),
            "parentId2": f("crm_entity", "Сделка"),
        }}),
        ctx,
    ))
}
