//! The portal's time zone, learned again every cycle from what the portal itself says, because every day boundary
//! of every report is drawn in it. Three answers ride in the cycle's dictionary batch:
//! - `server.time`: the portal's clock with the UTC offset in force now;
//! - the `DATE_CREATE` of a deal created about half a year ago: the offset in force then (a portal renders every
//!   datetime in its own zone), which tells a zone with summer time from one without;
//! - the `TIME_ZONE` that employees set in their profiles (IANA names; empty = "the portal's").
//!
//! An IANA name is kept only when it agrees with every offset the portal showed; otherwise the offset alone is kept
//! (and, the cycle after a clock change, the new one). It must never assume a zone the portal did not show.

use chrono::{DateTime, Offset, TimeZone};
use serde_json::{json, Value};

use b24a_client::{Batch, BatchResponse};

use crate::engine::PortalSync;
use crate::error::SyncError;

/// Batch keys of the answers this module reads.
pub const SERVER_TIME: &str = "tz_server_time";
pub const PAST_DEAL: &str = "tz_past_deal";

/// How far back the second sample is taken: half a year puts it in the other season.
const PAST_SAMPLE_SECS: i64 = 182 * 86_400;

/// What the portal showed about its zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneEvidence {
    /// `(unix time, UTC offset in seconds)` pairs the portal rendered.
    pub offsets: Vec<(i64, i32)>,
    /// `TIME_ZONE` values of employees' profiles (may repeat; empty ones left out).
    pub named: Vec<String>,
}

/// The zone to store: an IANA name when one fits everything the portal showed, and the offset in force now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedZone {
    pub name: Option<String>,
    pub offset_now: i32,
}

/// Zones tried, in this order, when summer time is evident but no employee named a zone that fits: the zones
/// of most portals with summer time (any of a group with the same rules gives the same days).
const USUAL_SUMMER_ZONES: [&str; 12] = [
    "Europe/Berlin",
    "Europe/London",
    "Europe/Kyiv",
    "Europe/Chisinau",
    "Europe/Lisbon",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
];

fn offset_of(tz: chrono_tz::Tz, t: i64) -> Option<i32> {
    DateTime::from_timestamp(t, 0).map(|dt| {
        tz.offset_from_utc_datetime(&dt.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

fn fits(tz: chrono_tz::Tz, offsets: &[(i64, i32)]) -> bool {
    offsets
        .iter()
        .all(|(t, off)| offset_of(tz, *t) == Some(*off))
}

/// Chooses the zone from the evidence; `None` when the portal showed no offset at all (nothing to learn).
pub fn infer(e: &ZoneEvidence) -> Option<LearnedZone> {
    let &(_, offset_now) = e.offsets.iter().max_by_key(|(t, _)| *t)?;
    // Employees' names, most frequent first (ties by name, so the choice is stable between cycles).
    let mut counts: Vec<(String, usize)> = Vec::new();
    for n in &e.named {
        match counts.iter_mut().find(|(x, _)| x == n) {
            Some((_, c)) => *c += 1,
            None => counts.push((n.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let named = counts
        .iter()
        .filter_map(|(n, _)| n.parse::<chrono_tz::Tz>().ok())
        .find(|tz| fits(*tz, &e.offsets));
    let summer_time = e.offsets.iter().any(|(_, o)| *o != offset_now);
    let name = named.or_else(|| {
        summer_time
            .then(|| {
                USUAL_SUMMER_ZONES
                    .iter()
                    .filter_map(|n| n.parse::<chrono_tz::Tz>().ok())
                    .chain(chrono_tz::TZ_VARIANTS.iter().copied())
                    .find(|tz| fits(*tz, &e.offsets))
            })
            .flatten()
    });
    Some(LearnedZone {
        name: name.map(|tz| tz.name().to_string()),
        offset_now,
    })
}

/// `2026-07-15T14:00:00+02:00` → (unix time, offset seconds).
fn instant_and_offset(s: &str) -> Option<(i64, i32)> {
    let dt = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    Some((dt.timestamp(), dt.offset().local_minus_utc()))
}

/// Adds the two zone probes to the cycle's first batch.
pub fn push_probes(batch: &mut Batch, now: i64) -> Result<(), SyncError> {
    batch.push(SERVER_TIME, "server.time", json!({}))?;
    let since = DateTime::from_timestamp(now - PAST_SAMPLE_SECS, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
        .unwrap_or_default();
    batch.push(
        PAST_DEAL,
        "crm.deal.list",
        json!({
            "order": {"DATE_CREATE": "ASC"},
            "filter": {">=DATE_CREATE": since},
            "select": ["ID", "DATE_CREATE"],
            "start": -1,
        }),
    )?;
    Ok(())
}

/// What the batch's answers show; `users_key` is the batch key of the first page of `user.get`.
pub fn evidence(resp: &BatchResponse, users_key: &str) -> ZoneEvidence {
    let mut e = ZoneEvidence::default();
    if let Some(p) = resp
        .results
        .get(SERVER_TIME)
        .and_then(Value::as_str)
        .and_then(instant_and_offset)
    {
        e.offsets.push(p);
    }
    if let Some(p) = resp
        .results
        .get(PAST_DEAL)
        .and_then(Value::as_array)
        .and_then(|rows| rows.first())
        .and_then(|r| r.get("DATE_CREATE"))
        .and_then(Value::as_str)
        .and_then(instant_and_offset)
    {
        e.offsets.push(p);
    }
    if let Some(users) = resp.results.get(users_key).and_then(Value::as_array) {
        e.named = users
            .iter()
            .filter_map(|u| u.get("TIME_ZONE").and_then(Value::as_str))
            .map(str::trim)
            .filter(|z| !z.is_empty())
            .map(str::to_string)
            .collect();
    }
    e
}

impl PortalSync {
    /// Stores the zone the batch's answers show. A portal that showed nothing keeps what was stored.
    pub(crate) async fn learn_time_zone(
        &self,
        resp: &BatchResponse,
        users_key: &str,
    ) -> Result<(), SyncError> {
        let Some(zone) = infer(&evidence(resp, users_key)) else {
            tracing::warn!(
                portal = self.portal_id,
                "the portal did not show its time zone this cycle"
            );
            return Ok(());
        };
        self.store
            .set_portal_time_zone(
                b24a_store::PortalId(self.portal_id),
                zone.name.as_deref(),
                i64::from(zone.offset_now),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-01-15 12:00 UTC and 2026-07-15 12:00 UTC.
    const JAN: i64 = 1_768_478_400;
    const JUL: i64 = 1_784_116_800;

    fn ev(offsets: &[(i64, i32)], named: &[&str]) -> ZoneEvidence {
        ZoneEvidence {
            offsets: offsets.to_vec(),
            named: named.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_named_zone_that_fits_every_offset_is_kept() {
        let z = infer(&ev(
            &[(JUL, 36_000), (JAN, 36_000)],
            &["Asia/Dubai", "Asia/Vladivostok"],
        ))
        .unwrap();
        assert_eq!(z.name.as_deref(), Some("Asia/Vladivostok"));
        assert_eq!(z.offset_now, 36_000);
    }

    #[test]
    fn summer_time_finds_a_zone_even_when_nobody_named_one() {
        // Winter now (2027-01-15, +01:00), summer half a year ago (+02:00).
        let jan_next = JAN + 365 * 86_400;
        let z = infer(&ev(&[(jan_next, 3_600), (JUL, 7_200)], &[])).unwrap();
        assert_eq!(z.name.as_deref(), Some("Europe/Berlin"));
        assert_eq!(z.offset_now, 3_600);
        // An employee's named zone with the same rules wins over the usual list.
        let z = infer(&ev(&[(jan_next, 3_600), (JUL, 7_200)], &["Europe/Warsaw"])).unwrap();
        assert_eq!(z.name.as_deref(), Some("Europe/Warsaw"));
    }

    #[test]
    fn without_summer_time_or_a_fitting_name_only_the_offset_is_kept() {
        let z = infer(&ev(&[(JUL, 36_000), (JAN, 36_000)], &["Europe/Moscow"])).unwrap();
        assert_eq!(
            z,
            LearnedZone {
                name: None,
                offset_now: 36_000
            }
        );
        assert_eq!(infer(&ev(&[], &["Europe/Moscow"])), None);
    }

    #[test]
    fn the_newest_offset_is_the_one_in_force() {
        let z = infer(&ev(&[(JUL, 7_200), (JAN, 3_600)], &[])).unwrap();
        assert_eq!(z.offset_now, 7_200, "July is the later sample");
    }

    #[test]
    fn datetimes_are_read_with_their_offsets() {
        assert_eq!(
            instant_and_offset("2026-07-15T14:00:00+02:00"),
            Some((JUL, 7_200))
        );
        assert_eq!(instant_and_offset("garbage"), None);
    }
}
