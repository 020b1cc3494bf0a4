//! Value formatting and parsing in the portal's conventions: ISO-8601 datetimes with the portal
//! offset, numbers as strings with PHP formatting, Y/N flags, and tolerant date parsing for filters.
//!
//! Pure functions; never decides which fields a method returns.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The portal's time zone: a named zone (with its summer time, if any) or a fixed UTC offset. A portal renders
/// every datetime with the offset in force at that instant, so a zone with summer time shows two offsets a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Fixed(i32),
    Named(chrono_tz::Tz),
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Fixed(0)
    }
}

impl Zone {
    /// Moscow, the zone of most generated companies (no summer time since 2014).
    pub const MOSCOW: Zone = Zone::Named(chrono_tz::Europe::Moscow);

    /// `Europe/Berlin` (a named zone) or `+10:00` / `-03:30` (a fixed offset).
    pub fn parse(s: &str) -> Option<Zone> {
        let s = s.trim();
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Some(Zone::Named(tz));
        }
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => return None,
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
        (secs <= 14 * 3600).then_some(Zone::Fixed(sign * secs))
    }

    /// The UTC offset in seconds in force at unix time `t`.
    pub fn offset_at(self, t: i64) -> i32 {
        match self {
            Zone::Fixed(s) => s,
            Zone::Named(tz) => DateTime::from_timestamp(t, 0)
                .map(|dt| dt.with_timezone(&tz).offset().fix().local_minus_utc())
                .unwrap_or(0),
        }
    }

    /// The IANA name, for a named zone.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Zone::Named(tz) => Some(tz.name()),
            Zone::Fixed(_) => None,
        }
    }

    /// The instant of a local wall-clock time (the earlier one in the autumn's repeated hour).
    fn instant_of(self, naive: &NaiveDateTime) -> Option<i64> {
        match self {
            Zone::Fixed(s) => FixedOffset::east_opt(s)?
                .from_local_datetime(naive)
                .earliest()
                .map(|d| d.timestamp()),
            Zone::Named(tz) => tz
                .from_local_datetime(naive)
                .earliest()
                .map(|d| d.timestamp()),
        }
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Fixed(s) => {
                let sign = if *s < 0 { '-' } else { '+' };
                let a = s.abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
            }
        }
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        let s = String::deserialize(d)?;
        Zone::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a time zone: {s:?}")))
    }
}

/// `2024-09-02T18:37:18+03:00` for a unix time in the portal's zone.
pub fn iso(t: i64, zone: Zone) -> String {
    let tz = FixedOffset::east_opt(zone.offset_at(t))
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

pub fn time(t: i64, off: Zone) -> Value {
    Value::String(iso(t, off))
}

/// Legacy CRM prints an empty datetime as `""`.
pub fn opt_time_empty(t: Option<i64>, off: Zone) -> Value {
    t.map(|t| time(t, off))
        .unwrap_or_else(|| Value::String(String::new()))
}

pub fn opt_time_null(t: Option<i64>, off: Zone) -> Value {
    t.map(|t| time(t, off)).unwrap_or(Value::Null)
}

/// Reads a filter date the way the portal accepts it: ISO-8601 with offset; naive values
/// (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, `DD.MM.YYYY[ HH:MM:SS]`) in the portal's zone.
pub fn parse_time(s: &str, zone: Zone) -> Option<i64> {
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
    zone.instant_of(&naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_uses_portal_offset() {
        assert_eq!(iso(0, Zone::Fixed(10800)), "1970-01-01T03:00:00+03:00");
    }

    #[test]
    fn a_zone_with_summer_time_renders_two_offsets_a_year() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // 2026-01-15 12:00 UTC and 2026-07-15 12:00 UTC.
        assert_eq!(iso(1_768_478_400, berlin), "2026-01-15T13:00:00+01:00");
        assert_eq!(iso(1_784_116_800, berlin), "2026-07-15T14:00:00+02:00");
        assert_eq!(
            parse_time("2026-07-15 14:00:00", berlin),
            Some(1_784_116_800)
        );
        assert_eq!(Zone::parse("+10:00"), Some(Zone::Fixed(36_000)));
        assert_eq!(Zone::parse("-03:30"), Some(Zone::Fixed(-12_600)));
        assert_eq!(Zone::Fixed(-12_600).to_string(), "-03:30");
        assert_eq!(Zone::parse("Mars/Olympus"), None);
    }

    #[test]
    fn parses_filter_dates() {
        assert_eq!(
            parse_time("1970-01-01T03:00:00+03:00", Zone::Fixed(0)),
            Some(0)
        );
        assert_eq!(parse_time("1970-01-01", Zone::Fixed(10800)), Some(-10800));
        assert_eq!(
            parse_time("01.01.1970 03:00:00", Zone::Fixed(10800)),
            Some(0)
        );
        assert_eq!(parse_time("yesterday", Zone::Fixed(0)), None);
    }
}
