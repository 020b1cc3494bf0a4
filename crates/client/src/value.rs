//! Tolerant parsers for the values a portal prints: numbers as strings, money as decimal strings, Y/N or JSON
//! booleans, ISO-8601 datetimes with offsets, date-only fields serialized as datetimes, `""`/`null` for "empty".
//! These functions must never panic and never guess silently: an unreadable value is a `ValueError`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// A value that could not be read as the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, got {got}")]
pub struct ValueError {
    pub expected: &'static str,
    pub got: String,
}

fn err(expected: &'static str, v: &Value) -> ValueError {
    let mut got = v.to_string();
    if got.len() > 80 {
        got.truncate(80);
    }
    ValueError { expected, got }
}

/// True for the portal's ways of saying "nothing": `null`, `""`, `[]`, `false`-less empties.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// An integer printed as a JSON number or a string (`"37"`, `37`, `37.0`); empty → `None`.
pub fn int(v: &Value) -> Result<Option<i64>, ValueError> {
    match v {
        _ if is_empty(v) => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(err("an integer", v)),
                }
            }
        }
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(i));
            }
            // "12.00" is still an integer; anything with a real fraction is not.
            match t.split_once('.') {
                Some((whole, frac)) if frac.chars().all(|c| c == '0') => whole
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| err("an integer", v)),
                _ => Err(err("an integer", v)),
            }
        }
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        _ => Err(err("an integer", v)),
    }
}

/// Money as printed (`"19999.99"`, `19999.99`, `"20000"`) → hundredths, exactly, without going through a float.
/// More than two decimals are rounded half away from zero.
pub fn money_cents(v: &Value) -> Result<Option<i64>, ValueError> {
    let text = match v {
        _ if is_empty(v) => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(err("an amount", v)),
    };
    decimal_to_cents(&text)
        .map(Some)
        .ok_or_else(|| err("an amount", v))
}

fn decimal_to_cents(text: &str) -> Option<i64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    // A float printed in exponent form (1e21) is beyond any sane amount.
    if body.is_empty() || body.contains(['e', 'E']) {
        return None;
    }
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut digits = frac.chars().map(|c| i64::from(c as u8 - b'0'));
    let d1 = digits.next().unwrap_or(0);
    let d2 = digits.next().unwrap_or(0);
    let round_up = digits.next().unwrap_or(0) >= 5;
    let cents = whole
        .checked_mul(100)?
        .checked_add(d1 * 10 + d2 + i64::from(round_up))?;
    Some(if negative { -cents } else { cents })
}

/// A floating value (currency rates `"68.7900"`).
pub fn float(v: &Value) -> Result<Option<f64>, ValueError> {
    match v {
        _ if is_empty(v) => Ok(None),
        Value::Number(n) => n.as_f64().map(Some).ok_or_else(|| err("a number", v)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| err("a number", v)),
        _ => Err(err("a number", v)),
    }
}

/// A flag: `"Y"`/`"N"`, JSON booleans, `1`/`0`, `"true"`/`"false"`; empty → `None`.
pub fn flag(v: &Value) -> Result<Option<bool>, ValueError> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        _ if is_empty(v) => Ok(None),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(err("a flag", v)),
        },
        Value::String(s) => match s.trim().to_ascii_uppercase().as_str() {
            "Y" | "1" | "TRUE" => Ok(Some(true)),
            "N" | "0" | "FALSE" => Ok(Some(false)),
            _ => Err(err("a flag", v)),
        },
        _ => Err(err("a flag", v)),
    }
}

/// Text; `null` and `""` → `None`. Numbers are printed (an id or code may come as a number).
pub fn text(v: &Value) -> Result<Option<String>, ValueError> {
    match v {
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(if *b { "Y" } else { "N" }.to_string())),
        Value::Array(a) if a.is_empty() => Ok(None),
        _ => Err(err("text", v)),
    }
}

/// A datetime → unix seconds. Accepts ISO-8601 with an offset (`2024-09-02T18:37:18+02:00`, `+0200`, `Z`),
/// unix seconds as a number, and naive forms (`2024-09-02 18:37:18`, `02.09.2024 18:37:18`, `2024-09-02`)
/// which are read in `naive_offset_seconds` (the portal's offset). Empty → `None`.
pub fn instant_in(v: &Value, naive_offset_seconds: i32) -> Result<Option<i64>, ValueError> {
    match v {
        _ if is_empty(v) => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| err("a datetime", v)),
        Value::String(s) => parse_instant(s.trim(), naive_offset_seconds)
            .map(Some)
            .ok_or_else(|| err("a datetime", v)),
        _ => Err(err("a datetime", v)),
    }
}

/// [`instant_in`] with naive forms read as UTC.
pub fn instant(v: &Value) -> Result<Option<i64>, ValueError> {
    instant_in(v, 0)
}

fn parse_instant(s: &str, naive_offset_seconds: i32) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp());
        }
    }
    let offset = chrono::FixedOffset::east_opt(naive_offset_seconds)?;
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return offset
                .from_local_datetime(&naive)
                .single()
                .map(|dt| dt.timestamp());
        }
    }
    for fmt in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(s, fmt) {
            let naive = date.and_hms_opt(0, 0, 0)?;
            return offset
                .from_local_datetime(&naive)
                .single()
                .map(|dt| dt.timestamp());
        }
    }
    None
}

/// A calendar date (deal `BEGINDATE`/`CLOSEDATE`) → `YYYY-MM-DD`.
///
/// The portal prints date-only fields as a datetime whose instant is 00:00 UTC of the date, shifted into the portal's
/// offset (`2024-08-30T02:00:00+02:00`, or `2024-08-29T19:00:00-05:00` for the same date). So the date is the UTC date
/// of the instant, never the local date part. A plain `YYYY-MM-DD` is taken as is.
pub fn date(v: &Value) -> Result<Option<String>, ValueError> {
    match v {
        _ if is_empty(v) => Ok(None),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return Ok(Some(d.format("%Y-%m-%d").to_string()));
            }
            if let Ok(d) = NaiveDate::parse_from_str(s, "%d.%m.%Y") {
                return Ok(Some(d.format("%Y-%m-%d").to_string()));
            }
            let secs = parse_instant(s, 0).ok_or_else(|| err("a date", v))?;
            let utc = Utc
                .timestamp_opt(secs, 0)
                .single()
                .ok_or_else(|| err("a date", v))?;
            Ok(Some(utc.format("%Y-%m-%d").to_string()))
        }
        _ => Err(err("a date", v)),
    }
}

/// Formats unix seconds as ISO-8601 with an explicit `+00:00` offset, the safe form for portal filters.
pub fn format_filter_instant(unix: i64) -> String {
    match Utc.timestamp_opt(unix, 0).single() {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        None => "1970-01-01T00:00:00+00:00".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_from_strings_numbers_and_empties() {
        assert_eq!(int(&json!("37")).unwrap(), Some(37));
        assert_eq!(int(&json!(37)).unwrap(), Some(37));
        assert_eq!(int(&json!(" 12.00 ")).unwrap(), Some(12));
        assert_eq!(int(&json!(5.0)).unwrap(), Some(5));
        assert_eq!(int(&json!("")).unwrap(), None);
        assert_eq!(int(&json!(null)).unwrap(), None);
        assert!(int(&json!("12.5")).is_err());
        assert!(int(&json!("abc")).is_err());
        assert!(int(&json!({"a": 1})).is_err());
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(money_cents(&json!("19999.99")).unwrap(), Some(1_999_999));
        assert_eq!(money_cents(&json!(19999.99)).unwrap(), Some(1_999_999));
        assert_eq!(money_cents(&json!("0.1")).unwrap(), Some(10));
        assert_eq!(money_cents(&json!("20000")).unwrap(), Some(2_000_000));
        assert_eq!(money_cents(&json!("-5.05")).unwrap(), Some(-505));
        assert_eq!(money_cents(&json!("1.005")).unwrap(), Some(101));
        assert_eq!(money_cents(&json!("1.004")).unwrap(), Some(100));
        // 0.1 + 0.2 as floats is 0.30000000000000004; the text path has no such error.
        assert_eq!(money_cents(&json!("0.30")).unwrap(), Some(30));
        assert_eq!(money_cents(&json!("")).unwrap(), None);
        assert!(money_cents(&json!("12,50")).is_err());
        assert!(money_cents(&json!("1e30")).is_err());
        assert!(money_cents(&json!("99999999999999999999")).is_err());
    }

    #[test]
    fn flags_in_every_spelling() {
        assert_eq!(flag(&json!("Y")).unwrap(), Some(true));
        assert_eq!(flag(&json!("N")).unwrap(), Some(false));
        assert_eq!(flag(&json!(true)).unwrap(), Some(true));
        assert_eq!(flag(&json!(0)).unwrap(), Some(false));
        assert_eq!(flag(&json!("")).unwrap(), None);
        assert!(flag(&json!("maybe")).is_err());
    }

    #[test]
    fn instants_with_offsets() {
        // 2024-09-02T16:37:18Z = 1725295038
        assert_eq!(
            instant(&json!("2024-09-02T18:37:18+02:00")).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(
            instant(&json!("2024-09-02T18:37:18+0200")).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(
            instant(&json!("2024-09-02T16:37:18Z")).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(
            instant(&json!("2024-09-02T11:37:18-05:00")).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(
            instant_in(&json!("2024-09-02 19:37:18"), 3 * 3600).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(
            instant_in(&json!("02.09.2024 19:37:18"), 3 * 3600).unwrap(),
            Some(1_725_295_038)
        );
        assert_eq!(instant(&json!(1_725_295_038)).unwrap(), Some(1_725_295_038));
        assert_eq!(instant(&json!("")).unwrap(), None);
        assert_eq!(instant(&json!(null)).unwrap(), None);
        assert!(instant(&json!("yesterday")).is_err());
    }

    #[test]
    fn date_only_fields_take_the_utc_date() {
        assert_eq!(
            date(&json!("2024-08-30T02:00:00+02:00"))
                .unwrap()
                .as_deref(),
            Some("2024-08-30")
        );
        assert_eq!(
            date(&json!("2024-08-29T19:00:00-05:00"))
                .unwrap()
                .as_deref(),
            Some("2024-08-30")
        );
        assert_eq!(
            date(&json!("2024-08-30T03:00:00+03:00"))
                .unwrap()
                .as_deref(),
            Some("2024-08-30")
        );
        assert_eq!(
            date(&json!("2024-08-30")).unwrap().as_deref(),
            Some("2024-08-30")
        );
        assert_eq!(date(&json!("")).unwrap(), None);
        assert!(date(&json!("30 Aug")).is_err());
    }

    #[test]
    fn filter_instants_carry_an_explicit_offset() {
        assert_eq!(
            format_filter_instant(1_725_295_038),
            "2024-09-02T16:37:18+00:00"
        );
    }
}
