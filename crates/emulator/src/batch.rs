//! `batch`: up to 50 sub-calls (`cmd` map or list of `method?query`), `halt`, `$result[key][...]`
//! references (also `$next`, `$total`, `$time`, `$error`), and the PHP-shaped answer
//! (`result`, `result_error`, `result_total`, `result_next`, `result_time`; `[]` when empty,
//! arrays when keys are 0..n).
//!
//! Runs sub-calls through the caller-supplied executor; never touches HTTP or limits itself.

use serde_json::{json, Map, Value};

use crate::envelope::error_body;
use crate::error::RestError;
use crate::methods::Output;
use crate::php::{parse_str, php_map, truthy};

pub const MAX_COMMANDS: usize = 50;

/// Result of one sub-call: its output or error, plus its `time` object.
pub type SubResult = (Result<Output, RestError>, Value);

struct Acc {
    result: Map<String, Value>,
    error: Map<String, Value>,
    total: Map<String, Value>,
    next: Map<String, Value>,
    time: Map<String, Value>,
}

impl Acc {
    fn section(&self, name: &str) -> Option<&Map<String, Value>> {
        match name {
            "result" => Some(&self.result),
            "error" => Some(&self.error),
            "total" => Some(&self.total),
            "next" => Some(&self.next),
            "time" => Some(&self.time),
            _ => None,
        }
    }
}

/// A parsed `$section[key][a][b]` reference found at `start..end` of a string.
struct Reference {
    start: usize,
    end: usize,
    section: String,
    path: Vec<String>,
}

fn find_refs(s: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(pos) = s[i..].find('$') {
        let start = i + pos;
        let rest = &s[start + 1..];
        let name_len = rest.find('[').unwrap_or(0);
        let section = &rest[..name_len];
        if name_len == 0 || !matches!(section, "result" | "error" | "total" | "next" | "time") {
            i = start + 1;
            continue;
        }
        let mut j = start + 1 + name_len;
        let mut path = Vec::new();
        while j < bytes.len() && bytes[j] == b'[' {
            match s[j + 1..].find(']') {
                Some(close) => {
                    path.push(s[j + 1..j + 1 + close].to_string());
                    j = j + 1 + close + 1;
                }
                None => break,
            }
        }
        if path.is_empty() {
            i = start + 1;
            continue;
        }
        out.push(Reference {
            start,
            end: j,
            section: section.to_string(),
            path,
        });
        i = j;
    }
    out
}

/// Walks the path, stopping at the deepest node that exists (as the core does).
fn resolve(acc: &Acc, r: &Reference) -> Option<Value> {
    let section = acc.section(&r.section)?;
    let mut node = section.get(&r.path[0])?.clone();
    for seg in &r.path[1..] {
        let next = match &node {
            Value::Object(m) => m.get(seg).cloned(),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i).cloned()),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    Some(node)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1".into() } else { String::new() }),
        _ => None,
    }
}

fn substitute(v: Value, acc: &Acc) -> Value {
    match v {
        Value::String(s) => {
            let refs = find_refs(&s);
            if refs.is_empty() {
                return Value::String(s);
            }
            if refs.len() == 1 && refs[0].start == 0 && refs[0].end == s.len() {
                return resolve(acc, &refs[0]).unwrap_or(Value::String(s));
            }
            let mut out = String::new();
            let mut last = 0;
            for r in &refs {
                out.push_str(&s[last..r.start]);
                match resolve(acc, r).as_ref().and_then(scalar_text) {
                    Some(t) => out.push_str(&t),
                    None => out.push_str(&s[r.start..r.end]),
                }
                last = r.end;
            }
            out.push_str(&s[last..]);
            Value::String(out)
        }
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, substitute(v, acc)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| substitute(v, acc)).collect()),
        other => other,
    }
}

/// Splits `crm.deal.list?filter[>ID]=5` into the lower-cased method and parsed params.
fn parse_command(cmd: &str) -> (String, Value) {
    let (path, query) = cmd.split_once('?').unwrap_or((cmd, ""));
    let method = path
        .trim()
        .trim_start_matches('/')
        .trim_end_matches(".json")
        .to_ascii_lowercase();
    (method, parse_str(query))
}

/// Runs a batch. `exec` runs one sub-call (with limits) and returns its output and time.
pub fn run(params: &Value, exec: &mut dyn FnMut(&str, &Value) -> SubResult) -> Output {
    let halt = params.get("halt").map(truthy).unwrap_or(false);
    let commands: Vec<(String, String)> = match params.get("cmd") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), crate::php::as_str(v).unwrap_or_default()))
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), crate::php::as_str(v).unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    };
    let mut acc = Acc {
        result: Map::new(),
        error: Map::new(),
        total: Map::new(),
        next: Map::new(),
        time: Map::new(),
    };
    for (i, (key, cmd)) in commands.iter().enumerate() {
        if i >= MAX_COMMANDS {
            acc.error.insert(key.clone(), json!({"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}));
            if halt {
                break;
            }
            continue;
        }
        let (method, raw) = parse_command(cmd);
        let sub_params = substitute(raw, &acc);
        let (res, time) = if method == "batch" {
            (
                Err(RestError::new(
                    405,
                    "ERROR_BATCH_METHOD_NOT_ALLOWED",
                    "Method is not allowed for batch usage",
                )),
                Value::Null,
            )
        } else {
            exec(&method, &sub_params)
        };
        match res {
            Ok(out) => {
                acc.result.insert(key.clone(), out.result);
                if let Some(t) = out.total {
                    acc.total.insert(key.clone(), json!(t));
                }
                if let Some(n) = out.next {
                    acc.next.insert(key.clone(), json!(n));
                }
                acc.time.insert(key.clone(), time);
            }
            Err(e) => {
                acc.error.insert(key.clone(), error_body(&e));
                if halt {
                    break;
                }
            }
        }
    }
    let result = json!({
        "result": php_map(acc.result),
        "result_error": php_map(acc.error),
        "result_total": php_map(acc.total),
        "result_next": php_map(acc.next),
        "result_time": php_map(acc.time),
    });
    Output {
        result,
        total: None,
        next: None,
        cost: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references() {
        let refs = find_refs("$result[page][49][ID]");
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].path, vec!["page", "49", "ID"]);
        assert!(find_refs("price $5").is_empty());
    }
}
