//! `Row`: one record as the portal sent it (a JSON object), with typed, tolerant accessors. Unknown fields stay in
//! the row (custom `UF_CRM_*` fields are read from it). A row must never be trusted: every accessor validates and
//! names the field in its error.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::value::{self, ValueError};

/// A field that is missing or unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("field {field} is missing or empty")]
    Missing { field: String },
    #[error("field {field}: {source}")]
    Invalid { field: String, source: ValueError },
}

/// One record from a list method.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row(pub Map<String, Value>);

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => Ok(Row(m)),
            // PHP prints an empty map as [].
            Value::Array(a) if a.is_empty() => Ok(Row(Map::new())),
            other => Err(serde::de::Error::custom(format!(
                "expected an object, got {other}"
            ))),
        }
    }
}

impl Row {
    /// Wraps a JSON value; `[]` becomes an empty row, anything else that is not an object is refused.
    pub fn from_value(v: Value) -> Option<Row> {
        match v {
            Value::Object(m) => Some(Row(m)),
            Value::Array(a) if a.is_empty() => Some(Row(Map::new())),
            _ => None,
        }
    }

    /// The raw value of a field (`Null` when absent).
    pub fn raw(&self, field: &str) -> &Value {
        self.0.get(field).unwrap_or(&Value::Null)
    }

    fn wrap<T>(field: &str, r: Result<T, ValueError>) -> Result<T, FieldError> {
        r.map_err(|source| FieldError::Invalid {
            field: field.to_string(),
            source,
        })
    }

    fn required<T>(field: &str, v: Option<T>) -> Result<T, FieldError> {
        v.ok_or_else(|| FieldError::Missing {
            field: field.to_string(),
        })
    }

    pub fn opt_int(&self, field: &str) -> Result<Option<i64>, FieldError> {
        Self::wrap(field, value::int(self.raw(field)))
    }
    pub fn int(&self, field: &str) -> Result<i64, FieldError> {
        Self::required(field, self.opt_int(field)?)
    }
    /// An id-like reference where `0` means "none" (`closedBy: "0"`, `COMPANY_ID: "0"`).
    pub fn opt_ref(&self, field: &str) -> Result<Option<i64>, FieldError> {
        Ok(self.opt_int(field)?.filter(|v| *v != 0))
    }
    pub fn opt_money_cents(&self, field: &str) -> Result<Option<i64>, FieldError> {
        Self::wrap(field, value::money_cents(self.raw(field)))
    }
    pub fn opt_float(&self, field: &str) -> Result<Option<f64>, FieldError> {
        Self::wrap(field, value::float(self.raw(field)))
    }
    pub fn opt_flag(&self, field: &str) -> Result<Option<bool>, FieldError> {
        Self::wrap(field, value::flag(self.raw(field)))
    }
    /// A flag that defaults when absent or empty.
    pub fn flag_or(&self, field: &str, default: bool) -> Result<bool, FieldError> {
        Ok(self.opt_flag(field)?.unwrap_or(default))
    }
    pub fn opt_text(&self, field: &str) -> Result<Option<String>, FieldError> {
        Self::wrap(field, value::text(self.raw(field)))
    }
    pub fn text_or_empty(&self, field: &str) -> Result<String, FieldError> {
        Ok(self.opt_text(field)?.unwrap_or_default())
    }
    pub fn text(&self, field: &str) -> Result<String, FieldError> {
        Self::required(field, self.opt_text(field)?)
    }
    pub fn opt_instant(&self, field: &str) -> Result<Option<i64>, FieldError> {
        Self::wrap(field, value::instant(self.raw(field)))
    }
    pub fn instant(&self, field: &str) -> Result<i64, FieldError> {
        Self::required(field, self.opt_instant(field)?)
    }
    pub fn opt_date(&self, field: &str) -> Result<Option<String>, FieldError> {
        Self::wrap(field, value::date(self.raw(field)))
    }
    /// A list of integers (`UF_DEPARTMENT: [1, "2"]`); a single scalar counts as a one-element list.
    pub fn int_list(&self, field: &str) -> Result<Vec<i64>, FieldError> {
        match self.raw(field) {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(i) = Self::wrap(field, value::int(item))? {
                        out.push(i);
                    }
                }
                Ok(out)
            }
            other => Ok(Self::wrap(field, value::int(other))?.into_iter().collect()),
        }
    }

    /// Fields whose names start with `prefix` (e.g. `UF_CRM_`), values printed as stored text: scalars as the
    /// portal printed them, arrays and objects as JSON, empties as `None`.
    pub fn fields_with_prefix(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = self
            .0
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| {
                let text = match v {
                    // PHP prints an unset user field as `false` (boolean user fields use "0"/"1").
                    Value::Null | Value::Bool(false) => None,
                    Value::String(s) if s.is_empty() => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Array(a) if a.is_empty() => None,
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    other => Some(other.to_string()),
                };
                (k.clone(), text)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn row_accessors_are_tolerant_and_name_the_field() {
        let row: Row = serde_json::from_value(json!({
            "ID": "37", "OPPORTUNITY": "19999.99", "CLOSED": "N", "COMPANY_ID": "0",
            "DATE_CREATE": "2024-09-02T18:37:18+02:00", "BEGINDATE": "2024-08-30T02:00:00+02:00",
            "UF_DEPARTMENT": [1, "5"], "UF_CRM_COLOR": "red", "UF_CRM_TAGS": ["a", "b"], "UF_CRM_EMPTY": "", "UF_CRM_UNSET": false
        }))
        .unwrap();
        assert_eq!(row.int("ID").unwrap(), 37);
        assert_eq!(row.opt_money_cents("OPPORTUNITY").unwrap(), Some(1_999_999));
        assert!(!row.flag_or("CLOSED", true).unwrap());
        assert_eq!(row.opt_ref("COMPANY_ID").unwrap(), None);
        assert_eq!(row.instant("DATE_CREATE").unwrap(), 1_725_295_038);
        assert_eq!(
            row.opt_date("BEGINDATE").unwrap().as_deref(),
            Some("2024-08-30")
        );
        assert_eq!(row.int_list("UF_DEPARTMENT").unwrap(), vec![1, 5]);
        assert_eq!(
            row.fields_with_prefix("UF_CRM_"),
            vec![
                ("UF_CRM_COLOR".to_string(), Some("red".to_string())),
                ("UF_CRM_EMPTY".to_string(), None),
                ("UF_CRM_TAGS".to_string(), Some("[\"a\",\"b\"]".to_string())),
                ("UF_CRM_UNSET".to_string(), None),
            ]
        );
        assert_eq!(
            row.int("MISSING"),
            Err(FieldError::Missing {
                field: "MISSING".into()
            })
        );
        assert!(matches!(
            row.int("UF_CRM_COLOR"),
            Err(FieldError::Invalid { .. })
        ));
    }

    #[test]
    fn empty_php_map_is_an_empty_row() {
        let row: Row = serde_json::from_str("[]").unwrap();
        assert!(row.0.is_empty());
        assert!(serde_json::from_str::<Row>("[1]").is_err());
    }
}
