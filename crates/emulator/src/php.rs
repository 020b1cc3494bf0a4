//! PHP wire conventions: `parse_str` for query strings and form bodies (bracket nesting), and the
//! way PHP's `json_encode` prints associative arrays (empty map -> `[]`, keys 0..n -> JSON array).
//!
//! Only data shaping lives here; it must never decide what a method answers.

use serde_json::{Map, Value};

const MAX_NESTING: usize = 64;

/// Parses `a=1&b[c]=2&d[]=x&d[]=y` like PHP's `parse_str`. Values are strings; maps whose keys
/// are exactly 0..n become arrays.
pub fn parse_str(query: &str) -> Value {
    let mut root = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        insert_key(&mut root, &k, Value::String(v.into_owned()));
    }
    listify(Value::Object(root))
}

/// Inserts `key` (possibly with `[..]` segments) into `root`.
pub fn insert_key(root: &mut Map<String, Value>, key: &str, value: Value) {
    let (base, rest) = match key.find('[') {
        Some(i) if key.ends_with(']') && i > 0 => (&key[..i], &key[i..]),
        _ => (key, ""),
    };
    let mut segments: Vec<&str> = Vec::new();
    let mut r = rest;
    while let Some(stripped) = r.strip_prefix('[') {
        // PHP's max_input_nesting_level: deeper keys are cut (also bounds our recursion).
        if segments.len() >= MAX_NESTING {
            break;
        }
        match stripped.find(']') {
            Some(end) => {
                segments.push(&stripped[..end]);
                r = &stripped[end + 1..];
            }
            None => break,
        }
    }
    insert_path(root, base, &segments, value);
}

fn next_index(map: &Map<String, Value>) -> String {
    let max = map.keys().filter_map(|k| k.parse::<i64>().ok()).max();
    max.map(|m| m + 1).unwrap_or(0).to_string()
}

fn insert_path(map: &mut Map<String, Value>, key: &str, segments: &[&str], value: Value) {
    let key = if key.is_empty() {
        next_index(map)
    } else {
        key.to_string()
    };
    if segments.is_empty() {
        map.insert(key, value);
        return;
    }
    let entry = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(child) = entry {
        insert_path(child, segments[0], &segments[1..], value);
    }
}

/// Turns maps keyed exactly "0".."n-1" (in order) into arrays, recursively.
pub fn listify(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let sequential =
                !m.is_empty() && m.keys().enumerate().all(|(i, k)| k == &i.to_string());
            if sequential {
                Value::Array(m.into_iter().map(|(_, v)| listify(v)).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, listify(v))).collect())
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(listify).collect()),
        other => other,
    }
}

/// How PHP prints an associative array: `[]` when empty, a JSON array when keys are 0..n-1.
pub fn php_map(m: Map<String, Value>) -> Value {
    if m.is_empty() {
        return Value::Array(Vec::new());
    }
    if m.keys().enumerate().all(|(i, k)| k == &i.to_string()) {
        return Value::Array(m.into_iter().map(|(_, v)| v).collect());
    }
    Value::Object(m)
}

/// Encodes a JSON value as PHP bracket form fields (`data[FIELDS][ID]=5`), as events are sent.
pub fn to_form_pairs(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                to_form_pairs(&key, v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                to_form_pairs(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::Bool(b) => out.push((
            prefix.to_string(),
            if *b { "1".into() } else { String::new() },
        )),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
    }
}

/// A scalar parameter as a string (PHP-style loose reading).
pub fn as_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1".into() } else { "0".into() }),
        _ => None,
    }
}

/// A scalar parameter as an integer, reading numeric strings like PHP's `intval`.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// PHP truthiness for flags like `halt` (`1`, `true`, `Y`).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "n" | "no"
        ),
        Value::Null => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_brackets_and_lists() {
        let v = parse_str("filter%5B%3EID%5D=10&select[]=ID&select[]=TITLE&order[ID]=ASC&start=-1");
        assert_eq!(
            v,
            json!({"filter": {">ID": "10"}, "select": ["ID", "TITLE"], "order": {"ID": "ASC"}, "start": "-1"})
        );
    }

    #[test]
    fn php_map_quirks() {
        assert_eq!(php_map(Map::new()), json!([]));
        let mut m = Map::new();
        m.insert("0".into(), json!(1));
        m.insert("1".into(), json!(2));
        assert_eq!(php_map(m), json!([1, 2]));
    }
}
