//! `batch`: building up to 50 sub-calls (keys `c0`, `c1` … — never numeric, so PHP keeps them a map), encoding each
//! sub-call's parameters in PHP bracket form, and reading the answer tolerantly (`[]` for empty maps, arrays for
//! sequential keys, per-sub-call errors and timings). This module must never send anything; the client does.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::envelope::{self, TimeInfo};
use crate::error::ApiError;

/// The most sub-calls one batch may carry.
pub const MAX_BATCH: usize = 50;

/// One sub-call.
#[derive(Debug, Clone, PartialEq)]
pub struct SubCall {
    pub key: String,
    pub method: String,
    pub params: Value,
}

/// A batch under construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    calls: Vec<SubCall>,
    halt: bool,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Stop at the first failing sub-call (needed for `$result[...]` chains: a failed link would feed garbage on).
    pub fn halt_on_error(mut self, halt: bool) -> Batch {
        self.halt = halt;
        self
    }

    /// Adds a sub-call under `key`; refuses a 51st call and numeric keys.
    pub fn push(
        &mut self,
        key: impl Into<String>,
        method: impl Into<String>,
        params: Value,
    ) -> Result<(), ApiError> {
        let key = key.into();
        if self.calls.len() >= MAX_BATCH {
            return Err(ApiError::Config(format!(
                "a batch holds at most {MAX_BATCH} calls"
            )));
        }
        if key.is_empty() || key.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::Config(format!(
                "batch key {key:?} must be non-numeric"
            )));
        }
        self.calls.push(SubCall {
            key,
            method: method.into(),
            params,
        });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
    pub fn calls(&self) -> &[SubCall] {
        &self.calls
    }

    /// The JSON body of the `batch` call.
    pub fn to_params(&self) -> Value {
        let mut cmd = Map::new();
        for c in &self.calls {
            let query = php_query(&c.params);
            let line = if query.is_empty() {
                c.method.clone()
            } else {
                format!("{}?{}", c.method, query)
            };
            cmd.insert(c.key.clone(), Value::String(line));
        }
        json!({ "halt": if self.halt { 1 } else { 0 }, "cmd": cmd })
    }
}

/// Encodes parameters as a PHP-style query string: `filter[>ID]=5&order[ID]=ASC&select[0]=ID`.
pub fn php_query(params: &Value) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    match params {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(k.clone(), v, &mut pairs);
            }
        }
        Value::Null => {}
        other => flatten("params".into(), other, &mut pairs),
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn flatten(prefix: String, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => out.push((prefix, String::new())),
        Value::Bool(b) => out.push((prefix, if *b { "1" } else { "0" }.into())),
        Value::Number(n) => out.push((prefix, n.to_string())),
        Value::String(s) => out.push((prefix, s.clone())),
    }
}

/// The answer of a batch, by sub-call key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResponse {
    pub results: HashMap<String, Value>,
    pub errors: HashMap<String, ApiError>,
    pub totals: HashMap<String, i64>,
    pub nexts: HashMap<String, i64>,
    pub times: HashMap<String, TimeInfo>,
    /// The outer call's timing (its `operating` > 0 means the portal also counts `batch` itself).
    pub time: TimeInfo,
}

/// A PHP map printed either as an object or, for empty / sequential keys, as an array.
fn php_map(v: Option<&Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v.clone()))
            .collect(),
        _ => Map::new(),
    }
}

impl BatchResponse {
    /// Reads the `result` of a batch envelope; `methods` maps sub-call keys to method names (for error typing).
    pub fn from_envelope(
        outer: envelope::Envelope,
        calls: &[SubCall],
    ) -> Result<BatchResponse, ApiError> {
        let method_of = |key: &str| {
            calls
                .iter()
                .find(|c| c.key == key)
                .map(|c| c.method.as_str())
                .unwrap_or("batch")
        };
        let obj = match &outer.result {
            Value::Object(o) => o,
            Value::Array(a) if a.is_empty() => {
                return Ok(BatchResponse {
                    time: outer.time,
                    ..Default::default()
                })
            }
            _ => return Err(ApiError::Malformed("batch result is not an object".into())),
        };
        let mut resp = BatchResponse {
            time: outer.time.clone(),
            ..Default::default()
        };
        resp.results = php_map(obj.get("result")).into_iter().collect();
        for (k, v) in php_map(obj.get("result_time")) {
            resp.times.insert(k, TimeInfo::from_value(&v));
        }
        for (k, v) in php_map(obj.get("result_error")) {
            let (code, description) =
                envelope::error_of(&v).unwrap_or_else(|| (String::new(), v.to_string()));
            let mut e = ApiError::from_code(400, &code, &description, method_of(&k));
            if let ApiError::OperationTimeLimit { reset_at, .. } = &mut e {
                *reset_at = resp.times.get(&k).and_then(|t| t.operating_reset_at);
            }
            resp.errors.insert(k, e);
        }
        for (k, v) in php_map(obj.get("result_total")) {
            if let Ok(Some(n)) = crate::value::int(&v) {
                resp.totals.insert(k, n);
            }
        }
        for (k, v) in php_map(obj.get("result_next")) {
            if let Ok(Some(n)) = crate::value::int(&v) {
                resp.nexts.insert(k, n);
            }
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_query_uses_brackets() {
        let q = php_query(
            &json!({"order": {"ID": "ASC"}, "filter": {">ID": "$result[c0][49][ID]"}, "select": ["ID", "TITLE"], "start": -1}),
        );
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            decoded,
            vec![
                ("order[ID]".to_string(), "ASC".to_string()),
                ("filter[>ID]".to_string(), "$result[c0][49][ID]".to_string()),
                ("select[0]".to_string(), "ID".to_string()),
                ("select[1]".to_string(), "TITLE".to_string()),
                ("start".to_string(), "-1".to_string()),
            ]
        );
    }

    #[test]
    fn refuses_numeric_keys_and_the_51st_call() {
        let mut b = Batch::new();
        assert!(b.push("0", "m", Value::Null).is_err());
        for i in 0..50 {
            b.push(format!("c{i}"), "m", Value::Null).unwrap();
        }
        assert!(b.push("c50", "m", Value::Null).is_err());
    }

    #[test]
    fn reads_php_quirks() {
        let calls = vec![
            SubCall {
                key: "c0".into(),
                method: "crm.deal.list".into(),
                params: Value::Null,
            },
            SubCall {
                key: "c1".into(),
                method: "crm.deal.list".into(),
                params: Value::Null,
            },
        ];
        let outer = envelope::parse(
            "batch",
            200,
            br#"{"result":{"result":{"c0":[{"ID":"1"}]},"result_error":{"c1":{"error":"OPERATION_TIME_LIMIT","error_description":"blocked"}},
                "result_total":[],"result_next":[],"result_time":{"c0":{"operating":2.5,"operating_reset_at":1700000600}}},"time":{"operating":0}}"#,
        )
        .unwrap();
        let r = BatchResponse::from_envelope(outer, &calls).unwrap();
        assert_eq!(r.results["c0"], json!([{"ID": "1"}]));
        assert!(r.totals.is_empty() && r.nexts.is_empty());
        assert_eq!(r.times["c0"].operating, Some(2.5));
        assert_eq!(
            r.errors["c1"],
            ApiError::OperationTimeLimit {
                method: "crm.deal.list".into(),
                reset_at: None
            }
        );

        // Sequential keys come back as arrays; an all-empty batch as [].
        let outer = envelope::parse(
            "batch",
            200,
            br#"{"result":{"result":[[1],[2]],"result_error":[]}}"#,
        )
        .unwrap();
        let r = BatchResponse::from_envelope(outer, &[]).unwrap();
        assert_eq!(r.results["1"], json!([2]));
        let outer = envelope::parse("batch", 200, br#"{"result":[]}"#).unwrap();
        assert!(BatchResponse::from_envelope(outer, &[])
            .unwrap()
            .results
            .is_empty());
    }
}
