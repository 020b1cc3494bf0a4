//! Value formatting and parsing in the portal's conventions: ISO-8601 datetimes with the portal
//! offset, numbers as strings with PHP formatting, Y/N flags, and tolerant date parsing for filters.
//!
//! Pure functions; never decides which fields a method returns.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::Value;

/// `2024-09-02T18:37:18+03:00` for a unix time in the portal's zone.
pub fn iso(t: i64, offset_secs: i32) -> String {
    let tz = FixedOffset::east_opt(offset_secs)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    match DateTime::from_timestamp(t, 0) {
        Some(dt) => dt
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => String::new(),
    }
}

pub fn s_int(v: i64) -> Value {
    Value::String(v.to_string())
}

pub fn s_money(v: f64) -> Value {
    Value::String(format!("{v:.2}"))
}

pub fn yn(b: bool) -> Value {
    Value::String(if b { "Y" } else { "N" }.to_string())
}

pub fn opt_id(v: Option<i64>) -> Value {
    v.map(s_int).unwrap_or(Value::Null)
}

pub fn opt_str(v: &Option<String>) -> Value {
    v.clone().map(Value::String).unwrap_or(Value::Null)
}

pub fn time(t: i64, off: i32) -> Value {
    Value::String(iso(t, off))
}

/// Legacy CRM prints an empty datetime as `""`.
pub fn opt_time_empty(t: Option<i64>, off: i32) -> Value {
    t.map(|t| time(t, off))
        .unwrap_or_else(|| Value::String(String::new()))
}

pub fn opt_time_null(t: Option<i64>, off: i32) -> Value {
    t.map(|t| time(t, off)).unwrap_or(Value::Null)
}

/// Reads a filter date the way the portal accepts it: ISO-8601 with offset; naive values
/// (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, `DD.MM.YYYY[ HH:MM:SS]`) in the portal's zone.
pub fn parse_time(s: &str, offset_secs: i32) -> Option<i64> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp());
    }
    if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z") {
        return Some(dt.timestamp());
    }
    if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(dt.timestamp());
    }
    let tz = FixedOffset::east_opt(offset_secs)?;
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%d.%m.%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    tz.from_local_datetime(&naive)
        .single()
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_uses_portal_offset() {
        assert_eq!(iso(0, 10800), "1970-01-01T03:00:00+03:00");
    }

    #[test]
    fn parses_filter_dates() {
        assert_eq!(parse_time("1970-01-01T03:00:00+03:00", 0), Some(0));
        assert_eq!(parse_time("1970-01-01", 10800), Some(-10800));
        assert_eq!(parse_time("01.01.1970 03:00:00", 10800), Some(0));
        assert_eq!(parse_time("yesterday", 0), None);
    }
}
