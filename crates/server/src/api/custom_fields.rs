//! The custom fields (`UF_CRM_*`) of a portal's deals and leads as the filter bar offers them: each field with its
//! label in the page's language and the values its records hold (most frequent first), list items named by their
//! text. Reads the store only; it must never change what the filter sends (field codes and stored value ids) nor
//! compute metrics. A field the store has no definition of (old data, a deleted field) is shown by its code.

use std::collections::BTreeMap;

use b24a_store::{CustomFieldDef, PortalId, Store};
use serde_json::{json, Value};

use crate::error::AppError;

/// Most values a custom field offers in the picker (the most frequent first).
const CUSTOM_VALUES: usize = 50;

/// Longest value text offered (longer ones are free text no one picks from a list).
const MAX_VALUE_CHARS: usize = 200;

/// `[{field, label, type, entities, values: [{value, text, count, entities}]}]` for the portal, labels in `lang`.
pub async fn custom_fields(store: &Store, portal: i64, lang: &str) -> Result<Vec<Value>, AppError> {
    let counts = store
        .custom_field_value_counts(PortalId(portal))
        .await
        .map_err(|e| AppError::Internal(format!("custom fields: {e}")))?;
    let defs = store
        .custom_field_defs(PortalId(portal))
        .await
        .map_err(|e| AppError::Internal(format!("custom field definitions: {e}")))?;
    Ok(describe(&counts, &defs, lang))
}

/// The label in `lang`, else Russian, else English, else any the portal gave; `None` when it gave none.
fn label_of(def: &CustomFieldDef, lang: &str) -> Option<String> {
    [lang, "ru", "en"]
        .iter()
        .find_map(|l| def.labels.get(*l))
        .or_else(|| def.labels.values().next())
        .cloned()
}

/// The items of a stored value: a multiple field's JSON array counts each item.
fn items_of(v: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(v) {
        Ok(Value::Array(a)) if v.starts_with('[') => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect(),
        _ => vec![v.to_string()],
    }
}

#[derive(Default)]
struct Field {
    entities: Vec<String>,
    /// value → (count, entities holding it)
    values: BTreeMap<String, (i64, Vec<String>)>,
}

/// Builds the answer from the value counts and the definitions (pure, for tests).
pub fn describe(
    counts: &[(String, String, Option<String>, i64)],
    defs: &[CustomFieldDef],
    lang: &str,
) -> Vec<Value> {
    let mut fields: BTreeMap<&str, Field> = BTreeMap::new();
    for (entity, field, value, n) in counts {
        let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let f = fields.entry(field).or_default();
        if !f.entities.contains(entity) {
            f.entities.push(entity.clone());
        }
        for it in items_of(v)
            .into_iter()
            .filter(|i| !i.is_empty() && i.chars().count() <= MAX_VALUE_CHARS)
        {
            let slot = f.values.entry(it).or_default();
            slot.0 += n;
            if !slot.1.contains(entity) {
                slot.1.push(entity.clone());
            }
        }
    }
    let def_of = |entity: &str, field: &str| {
        defs.iter()
            .find(|d| d.entity_type == entity && d.field_name == field)
    };
    fields
        .into_iter()
        .filter(|(_, f)| !f.values.is_empty())
        .map(|(field, mut f)| {
            f.entities.sort();
            // Deals' definition first: it names the field when both kinds have one under the same code.
            let any_def = ["DEAL", "LEAD"].iter().find_map(|e| def_of(e, field));
            let label = any_def
                .and_then(|d| label_of(d, lang))
                .unwrap_or_else(|| field.to_string());
            let mut vals: Vec<(String, (i64, Vec<String>))> = f.values.into_iter().collect();
            vals.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
            vals.truncate(CUSTOM_VALUES);
            let values: Vec<Value> = vals
                .into_iter()
                .map(|(value, (count, mut entities))| {
                    entities.sort();
                    // The item's text from the definition of a kind that holds this value.
                    let text = entities.iter().find_map(|e| {
                        def_of(e, field)?
                            .items
                            .iter()
                            .find(|i| i.id == value)
                            .map(|i| i.value.clone())
                    });
                    json!({"value": value, "text": text, "count": count, "entities": entities})
                })
                .collect();
            json!({
                "field": field,
                "label": label,
                "type": any_def.map(|d| d.user_type.as_str()),
                "entities": f.entities,
                "values": values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use b24a_store::CustomFieldItem;

    fn def(
        entity: &str,
        field: &str,
        labels: &[(&str, &str)],
        items: &[(&str, &str)],
    ) -> CustomFieldDef {
        CustomFieldDef {
            entity_type: entity.into(),
            field_name: field.into(),
            field_id: None,
            user_type: if items.is_empty() {
                "string"
            } else {
                "enumeration"
            }
            .into(),
            multiple: false,
            mandatory: false,
            sort: 100,
            labels: labels
                .iter()
                .map(|(l, t)| (l.to_string(), t.to_string()))
                .collect(),
            items: items
                .iter()
                .map(|(id, v)| CustomFieldItem {
                    id: id.to_string(),
                    value: v.to_string(),
                    sort: 0,
                    def: false,
                })
                .collect(),
        }
    }

    #[test]
    fn labels_in_the_page_language_items_by_text_codes_without_definitions() {
        let c = |e: &str, f: &str, v: &str, n: i64| {
            (e.to_string(), f.to_string(), Some(v.to_string()), n)
        };
        let counts = vec![
            c("DEAL", "UF_CRM_REGION", "45", 5),
            c("LEAD", "UF_CRM_REGION", "61", 3),
            c("DEAL", "UF_CRM_REGION", "[\"45\",\"47\"]", 1),
            c("DEAL", "UF_CRM_DELIVERY", "Курьер", 2),
            c("DEAL", "UF_CRM_OLD", "x", 1),
        ];
        let defs = vec![
            def(
                "DEAL",
                "UF_CRM_REGION",
                &[("ru", "Регион"), ("en", "Region")],
                &[("45", "Москва"), ("47", "Казань")],
            ),
            def(
                "LEAD",
                "UF_CRM_REGION",
                &[("ru", "Регион")],
                &[("61", "Москва")],
            ),
            def("DEAL", "UF_CRM_DELIVERY", &[("ru", "Способ доставки")], &[]),
        ];
        let en = describe(&counts, &defs, "en");
        let by = |v: &[Value], f: &str| v.iter().find(|x| x["field"] == f).cloned().unwrap();
        assert_eq!(by(&en, "UF_CRM_REGION")["label"], "Region");
        assert_eq!(
            by(&en, "UF_CRM_DELIVERY")["label"],
            "Способ доставки",
            "no English label: Russian"
        );
        assert_eq!(
            by(&en, "UF_CRM_OLD")["label"],
            "UF_CRM_OLD",
            "no definition: the code"
        );
        assert_eq!(by(&en, "UF_CRM_OLD")["values"][0]["text"], Value::Null);
        let ru = describe(&counts, &defs, "ru");
        let region = by(&ru, "UF_CRM_REGION");
        assert_eq!(region["label"], "Регион");
        assert_eq!(region["entities"], json!(["DEAL", "LEAD"]));
        assert_eq!(
            region["values"],
            json!([
                {"value": "45", "text": "Москва", "count": 6, "entities": ["DEAL"]},
                {"value": "61", "text": "Москва", "count": 3, "entities": ["LEAD"]},
                {"value": "47", "text": "Казань", "count": 1, "entities": ["DEAL"]},
            ])
        );
        assert_eq!(
            by(&ru, "UF_CRM_DELIVERY")["values"][0]["text"],
            Value::Null,
            "a string field's value is its own text"
        );
    }
}
