//! `crm.deal.userfield.list` and `crm.lead.userfield.list`: the custom-field definitions of deals and leads as the
//! legacy CRM REST proxy prints them — numbers as strings, Y/N flags, `SETTINGS` per type, `LIST` items for
//! enumerations, default order `SORT, ID`, pages of 50 with `next`/`total`. Labels (`EDIT_FORM_LABEL`,
//! `LIST_COLUMN_LABEL`, `LIST_FILTER_LABEL`, `ERROR_MESSAGE`, `HELP_MESSAGE`) come back only when the filter names a
//! `LANG`, as strings in that language (null where the field has no text in it); without `LANG` they are absent.
//!
//! Read-only; it must never change a definition (that is `mutations_dict`).

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::{field_ctx, page_output, Ctx, MethodResult};
use crate::error::RestError;
use crate::format::{s_int, yn};
use crate::model::UserFieldDef;
use crate::query::{self, FieldCtx, Fv, ListQuery, Paging, Record};

/// Whose fields a call lists.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Deal,
    Lead,
}

impl Owner {
    fn entity_id(self) -> &'static str {
        match self {
            Owner::Deal => "CRM_DEAL",
            Owner::Lead => "CRM_LEAD",
        }
    }
}

impl Record for UserFieldDef {
    fn id(&self) -> i64 {
        self.id
    }
    fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
        let flag = |b: bool| Fv::Str(Cow::Borrowed(if b { "Y" } else { "N" }));
        Some(match name {
            "ID" => Fv::Int(self.id),
            "FIELD_NAME" => Fv::Str(Cow::Borrowed(&self.field_name)),
            "USER_TYPE_ID" => Fv::Str(Cow::Borrowed(&self.user_type)),
            "XML_ID" => Fv::Null,
            "SORT" => Fv::Int(self.sort),
            "MULTIPLE" => flag(self.multiple),
            "MANDATORY" => flag(self.mandatory),
            "SHOW_FILTER" => Fv::Str(Cow::Borrowed(show_filter(self))),
            "SHOW_IN_LIST" | "EDIT_IN_LIST" => flag(true),
            "IS_SEARCHABLE" => flag(false),
            _ => return None,
        })
    }
}

fn show_filter(f: &UserFieldDef) -> &'static str {
    if f.user_type == "enumeration" {
        "I"
    } else {
        "E"
    }
}

/// The type's settings as the portal keeps them (only their shape matters to a client).
fn settings(f: &UserFieldDef) -> Value {
    match f.user_type.as_str() {
        "enumeration" => {
            json!({"DISPLAY": "LIST", "LIST_HEIGHT": 1, "CAPTION_NO_VALUE": "", "SHOW_NO_VALUE": "Y"})
        }
        "string" => {
            json!({"SIZE": 20, "ROWS": 1, "REGEXP": "", "MIN_LENGTH": 0, "MAX_LENGTH": 0, "DEFAULT_VALUE": ""})
        }
        "double" => {
            json!({"PRECISION": 2, "SIZE": 20, "MIN_VALUE": 0, "MAX_VALUE": 0, "DEFAULT_VALUE": null})
        }
        "boolean" => {
            json!({"DEFAULT_VALUE": 0, "DISPLAY": "CHECKBOX", "LABEL": ["", ""], "LABEL_CHECKBOX": ""})
        }
        "date" | "datetime" => {
            json!({"DEFAULT_VALUE": {"TYPE": "NONE", "VALUE": ""}, "USE_SECOND": "Y"})
        }
        _ => json!({}),
    }
}

/// A stable 32-hex external code for an item, shaped like the md5 the portal generates.
fn xml_id(field: &str, item: i64) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in field.bytes().chain(item.to_le_bytes()) {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("{h:032x}")
}

fn render(f: &UserFieldDef, owner: Owner, lang: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("ID".into(), s_int(f.id));
    m.insert("ENTITY_ID".into(), json!(owner.entity_id()));
    m.insert("FIELD_NAME".into(), json!(f.field_name));
    m.insert("USER_TYPE_ID".into(), json!(f.user_type));
    m.insert("XML_ID".into(), Value::Null);
    m.insert("SORT".into(), s_int(f.sort));
    m.insert("MULTIPLE".into(), yn(f.multiple));
    m.insert("MANDATORY".into(), yn(f.mandatory));
    m.insert("SHOW_FILTER".into(), json!(show_filter(f)));
    m.insert("SHOW_IN_LIST".into(), yn(true));
    m.insert("EDIT_IN_LIST".into(), yn(true));
    m.insert("IS_SEARCHABLE".into(), yn(false));
    m.insert("SETTINGS".into(), settings(f));
    if let Some(lang) = lang {
        let label = f.labels.get(lang).map(|s| json!(s)).unwrap_or(Value::Null);
        for k in ["EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"] {
            m.insert(k.into(), label.clone());
        }
        m.insert("ERROR_MESSAGE".into(), Value::Null);
        m.insert("HELP_MESSAGE".into(), Value::Null);
    }
    if f.user_type == "enumeration" {
        let mut items: Vec<_> = f.items.iter().collect();
        items.sort_by_key(|i| (i.sort, i.id));
        let list: Vec<Value> = items
            .iter()
            .map(|i| {
                json!({"ID": i.id.to_string(), "SORT": i.sort.to_string(), "VALUE": i.value, "DEF": if i.def {"Y"} else {"N"},
                       "XML_ID": xml_id(&f.field_name, i.id)})
            })
            .collect();
        m.insert("LIST".into(), Value::Array(list));
    }
    Value::Object(m)
}

pub fn list(ctx: &Ctx, params: &Value, owner: Owner) -> MethodResult {
    let mut filter = params
        .get("filter")
        .or_else(|| params.get("FILTER"))
        .cloned();
    // LANG is no column: it asks for the labels in that language.
    let mut lang = None;
    if let Some(Value::Object(m)) = &mut filter {
        if let Some(k) = m.keys().find(|k| k.eq_ignore_ascii_case("LANG")).cloned() {
            lang = m
                .remove(&k)
                .and_then(|v| crate::php::as_str(&v))
                .map(|l| l.to_ascii_lowercase());
        }
    }
    let conds = query::parse_filter(filter.as_ref(), false).map_err(|e| RestError::legacy(&e))?;
    let order_v = params.get("order").or_else(|| params.get("ORDER"));
    let bad_order = match order_v {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(_) | Value::Bool(_)) => true,
        _ => false,
    };
    if bad_order {
        return Err(RestError::legacy("Parameter 'order' must be array."));
    }
    let mut order = query::parse_order(order_v, false);
    if order.is_empty() {
        order = vec![("SORT".into(), false), ("ID".into(), false)];
    }
    let q = ListQuery {
        conds,
        order,
        start: query::start_of(params),
    };
    let data = ctx
        .portal
        .data
        .read()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let defs = match owner {
        Owner::Deal => &data.deal_fields,
        Owner::Lead => &data.lead_fields,
    };
    let fctx = field_ctx(&[], data.zone);
    let page = query::run(defs, &q, Paging::LegacyRounded, &fctx);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|f| render(f, owner, lang.as_deref()))
        .collect();
    Ok(page_output(ctx, &page, Value::Array(rows), q.start >= 0))
}
