//! Custom-field definitions of deals and leads (`crm.deal.userfield.list`, `crm.lead.userfield.list`), read with
//! the dictionaries: the first page of each list per label language rides in the dictionaries' batch, further
//! pages follow by `start`. The portal prints labels only when the filter names a `LANG` (as strings in that
//! language), so each list is asked once per language in [`LANGS`]; a label given as a per-language map (as
//! `*.userfield.get` prints them) is read too. Parsing is tolerant: a row that cannot be read is skipped with a
//! warning and the rest are stored. Each entity's stored set is replaced whole (fields gone from the portal go).
//!
//! Never touches the values of records, and never removes stored definitions when a list call failed.

use std::collections::BTreeMap;

use b24a_client::value;
use b24a_client::{Batch, BatchResponse};
use b24a_store::{CustomFieldDef, CustomFieldItem};
use serde_json::{json, Map, Value};

use crate::engine::PortalSync;
use crate::error::SyncError;

/// Label languages asked for: those the page speaks.
pub const LANGS: [&str; 2] = ["ru", "en"];

/// Entity type (as stored) and its list method.
pub const OWNERS: [(&str, &str); 2] = [
    ("DEAL", "crm.deal.userfield.list"),
    ("LEAD", "crm.lead.userfield.list"),
];

/// The batch key of one list's first page.
pub fn key(entity_type: &str, lang: &str) -> String {
    format!("uf_{entity_type}_{lang}")
}

/// The parameters of one list page in one label language.
pub fn params(lang: &str, start: i64) -> Value {
    json!({"filter": {"LANG": lang}, "order": {"SORT": "ASC", "ID": "ASC"}, "start": start})
}

/// Adds the first page of every list in every language to `batch`.
pub fn push_first_pages(batch: &mut Batch) -> Result<(), b24a_client::ApiError> {
    for (entity, method) in OWNERS {
        for lang in LANGS {
            batch.push(key(entity, lang), method, params(lang, 0))?;
        }
    }
    Ok(())
}

/// Definitions read from the pages of one entity, and a reason for each row skipped.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub defs: Vec<CustomFieldDef>,
    pub skipped: Vec<String>,
}

/// Label keys in order of preference: the filter's own, then the list's, then the form's.
const LABEL_KEYS: [&str; 3] = ["LIST_FILTER_LABEL", "LIST_COLUMN_LABEL", "EDIT_FORM_LABEL"];

/// Reads the rows of one entity's pages, each page with the language it was asked in. A field seen in several
/// languages is one definition with a label per language; the first page it appears in gives the rest.
pub fn parse(entity_type: &str, pages: &[(&str, Vec<Value>)]) -> Parsed {
    let mut out = Parsed::default();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (lang, rows) in pages {
        for row in rows {
            let Value::Object(m) = row else {
                out.skipped
                    .push(format!("{entity_type} ({lang}): a row is not an object"));
                continue;
            };
            let i = match index.get(&field_name(m).unwrap_or_default()) {
                Some(i) => *i,
                None => match definition(entity_type, m) {
                    Ok(d) => {
                        index.insert(d.field_name.clone(), out.defs.len());
                        out.defs.push(d);
                        out.defs.len() - 1
                    }
                    Err(why) => {
                        out.skipped.push(format!("{entity_type} ({lang}): {why}"));
                        continue;
                    }
                },
            };
            add_labels(&mut out.defs[i].labels, lang, m);
        }
    }
    // A row skipped in every language is one bad field, not one per language.
    let mut seen = std::collections::HashSet::new();
    out.skipped.retain(|s| seen.insert(strip_lang(s)));
    out
}

fn strip_lang(s: &str) -> String {
    s.split_once("): ")
        .map(|(_, r)| r.to_string())
        .unwrap_or_else(|| s.to_string())
}

fn text_of(v: &Value) -> Option<String> {
    value::text(v)
        .ok()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn field_name(m: &Map<String, Value>) -> Option<String> {
    m.get("FIELD_NAME").and_then(text_of)
}

fn definition(entity_type: &str, m: &Map<String, Value>) -> Result<CustomFieldDef, String> {
    let name = field_name(m).ok_or("no FIELD_NAME")?;
    if !name.starts_with("UF_") {
        return Err(format!("FIELD_NAME {name:?} is not a UF_ code"));
    }
    let null = Value::Null;
    let get = |k: &str| m.get(k).unwrap_or(&null);
    let user_type =
        text_of(get("USER_TYPE_ID")).ok_or_else(|| format!("{name}: no USER_TYPE_ID"))?;
    let flag = |k: &str| value::flag(get(k)).ok().flatten().unwrap_or(false);
    Ok(CustomFieldDef {
        entity_type: entity_type.to_string(),
        field_id: value::int(get("ID")).ok().flatten(),
        user_type,
        multiple: flag("MULTIPLE"),
        mandatory: flag("MANDATORY"),
        sort: value::int(get("SORT")).ok().flatten().unwrap_or(100),
        labels: BTreeMap::new(),
        items: items(get("LIST")),
        field_name: name,
    })
}

/// LIST: `[]`, an array of items or a PHP map of them; items without an ID or a text are left out.
fn items(list: &Value) -> Vec<CustomFieldItem> {
    let rows: Vec<&Value> = match list {
        Value::Array(a) => a.iter().collect(),
        Value::Object(m) => m.values().collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<CustomFieldItem> = rows
        .into_iter()
        .filter_map(|r| {
            let id = r.get("ID").and_then(text_of)?;
            Some(CustomFieldItem {
                value: r
                    .get("VALUE")
                    .and_then(text_of)
                    .unwrap_or_else(|| id.clone()),
                sort: r
                    .get("SORT")
                    .and_then(|s| value::int(s).ok().flatten())
                    .unwrap_or(0),
                def: r
                    .get("DEF")
                    .and_then(|d| value::flag(d).ok().flatten())
                    .unwrap_or(false),
                id,
            })
        })
        .collect();
    out.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.id.cmp(&b.id)));
    out
}

/// A label is a string in the page's language, or a map of language id → string; empty ones are no label.
fn add_labels(labels: &mut BTreeMap<String, String>, lang: &str, m: &Map<String, Value>) {
    for k in LABEL_KEYS {
        match m.get(k) {
            Some(Value::Object(per_lang)) => {
                for (l, v) in per_lang {
                    if let Some(t) = text_of(v) {
                        labels.entry(l.to_ascii_lowercase()).or_insert(t);
                    }
                }
            }
            Some(v) => {
                if let Some(t) = text_of(v) {
                    labels.entry(lang.to_string()).or_insert(t);
                }
            }
            None => {}
        }
    }
}

/// The rows of a page's `result`: a list, or a PHP map of rows.
fn rows_of(result: Option<&Value>) -> Result<Vec<Value>, String> {
    match result {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(Value::Object(m)) => Ok(m.values().cloned().collect()),
        Some(other) => Err(format!("rows are not a list: {other}")),
    }
}

impl PortalSync {
    /// Stores the custom-field definitions whose first pages came in `resp`: per entity, all its languages'
    /// pages (further pages fetched here) are parsed and replace the stored set. An entity whose lists failed
    /// keeps what is stored. Returns the number of definitions written, or the first failure.
    pub(crate) async fn store_custom_fields(&self, resp: &BatchResponse) -> Result<i64, SyncError> {
        let mut written = 0i64;
        let mut failure = None;
        for (entity, method) in OWNERS {
            let mut pages: Vec<(&str, Vec<Value>)> = Vec::new();
            let mut failed = None;
            for lang in LANGS {
                match self.list_pages(resp, entity, method, lang).await {
                    Ok(rows) => pages.push((lang, rows)),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failed {
                if e.needs_attention() {
                    return Err(e);
                }
                tracing::warn!(portal = self.portal_id, entity, error = %e, "custom fields not read; stored ones kept");
                failure.get_or_insert(e);
                continue;
            }
            let parsed = parse(entity, &pages);
            for why in &parsed.skipped {
                tracing::warn!(
                    portal = self.portal_id,
                    method,
                    "custom field row skipped: {why}"
                );
            }
            self.store
                .replace_custom_field_defs(
                    b24a_store::PortalId(self.portal_id),
                    entity,
                    &parsed.defs,
                )
                .await?;
            written += parsed.defs.len() as i64;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    /// Every row of one list in one language: the first page from `resp`, the rest by `start`.
    async fn list_pages(
        &self,
        resp: &BatchResponse,
        entity: &str,
        method: &str,
        lang: &str,
    ) -> Result<Vec<Value>, SyncError> {
        let k = key(entity, lang);
        if let Some(err) = resp.errors.get(&k) {
            return Err(SyncError::Api(err.clone()));
        }
        let malformed =
            |e: String| SyncError::Api(b24a_client::ApiError::Malformed(format!("{method}: {e}")));
        let mut rows = rows_of(resp.results.get(&k)).map_err(malformed)?;
        let mut next = resp.nexts.get(&k).copied();
        // A portal has tens of custom fields, rarely more than a page: one call per further page is enough.
        while let Some(start) = next.filter(|s| *s > 0 && rows.len() < 10_000) {
            let env = self.client.call(method, params(lang, start)).await?;
            let page = rows_of(Some(&env.result)).map_err(malformed)?;
            if page.is_empty() {
                break;
            }
            rows.extend(page);
            next = env.next.filter(|n| *n > start);
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_per_language_items_and_bad_rows() {
        let ru = vec![
            json!({"ID": "181", "FIELD_NAME": "UF_CRM_REGION", "USER_TYPE_ID": "enumeration", "MULTIPLE": "N",
                   "MANDATORY": "Y", "SORT": "100", "EDIT_FORM_LABEL": "Регион", "LIST_COLUMN_LABEL": "Регион",
                   "LIST_FILTER_LABEL": null,
                   "LIST": [{"ID": "47", "SORT": "20", "VALUE": "СПб", "DEF": "N"}, {"ID": 45, "SORT": 10, "VALUE": "Москва", "DEF": "Y"},
                            {"VALUE": "no id"}]}),
            json!("not a row"),
            json!({"ID": "190", "USER_TYPE_ID": "string"}),
            json!({"ID": "191", "FIELD_NAME": "UF_CRM_NO_TYPE"}),
            json!({"ID": 183, "FIELD_NAME": "UF_CRM_DELIVERY", "USER_TYPE_ID": "string", "MULTIPLE": true, "LIST": [],
                   "EDIT_FORM_LABEL": {"ru": "Доставка", "EN": "Delivery"}}),
        ];
        let en = vec![
            json!({"ID": "181", "FIELD_NAME": "UF_CRM_REGION", "USER_TYPE_ID": "enumeration", "EDIT_FORM_LABEL": "Region"}),
            json!({"ID": "190", "USER_TYPE_ID": "string"}),
        ];
        let p = parse("DEAL", &[("ru", ru), ("en", en)]);
        assert_eq!(p.defs.len(), 2, "{p:?}");
        let region = &p.defs[0];
        assert_eq!(region.field_name, "UF_CRM_REGION");
        assert_eq!(region.field_id, Some(181));
        assert!(region.mandatory && !region.multiple);
        assert_eq!(
            region.labels,
            BTreeMap::from([
                ("en".to_string(), "Region".to_string()),
                ("ru".to_string(), "Регион".to_string())
            ])
        );
        let items: Vec<(&str, &str, bool)> = region
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.value.as_str(), i.def))
            .collect();
        assert_eq!(items, vec![("45", "Москва", true), ("47", "СПб", false)]);
        let delivery = &p.defs[1];
        assert!(delivery.multiple && delivery.items.is_empty());
        assert_eq!(
            delivery.labels.get("en").map(String::as_str),
            Some("Delivery")
        );
        assert_eq!(
            delivery.labels.get("ru").map(String::as_str),
            Some("Доставка")
        );
        // The row without FIELD_NAME counts once although both languages listed it.
        assert_eq!(p.skipped.len(), 3, "{:?}", p.skipped);
    }
}
