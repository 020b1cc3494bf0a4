//! The portal's context every report needs: time zone (days are portal days), base currency and rates, the tier's
//! history depth and "now". Loaded once per request; must never decide anything about access or tiers itself —
//! the server passes `history_months` from the verified app status.

use std::collections::HashMap;

use b24a_store::{PortalId, Store};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone};
use serde::Serialize;

use crate::error::ReportError;
use crate::money::Money;

/// The portal's clock: an IANA zone when the portal told us one, else its fixed UTC offset.
#[derive(Debug, Clone, Copy)]
pub enum PortalTz {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl PortalTz {
    /// Builds from the `portals` row: the IANA name wins when it parses, the offset is the fallback.
    pub fn from_parts(name: Option<&str>, utc_offset_seconds: i64) -> PortalTz {
        if let Some(tz) = name.and_then(|n| n.parse::<chrono_tz::Tz>().ok()) {
            return PortalTz::Named(tz);
        }
        let secs = i32::try_from(utc_offset_seconds).unwrap_or(0);
        PortalTz::Fixed(FixedOffset::east_opt(secs).unwrap_or_else(utc))
    }

    /// The portal-local calendar day of an instant.
    pub fn day(&self, ts: i64) -> NaiveDate {
        let utc = DateTime::from_timestamp(ts, 0).unwrap_or_default();
        match self {
            PortalTz::Named(tz) => utc.with_timezone(tz).date_naive(),
            PortalTz::Fixed(off) => utc.with_timezone(off).date_naive(),
        }
    }

    /// The first instant of a portal-local day (the earliest valid local time at or after midnight; DST-safe).
    pub fn day_start(&self, day: NaiveDate) -> i64 {
        let mut local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        for _ in 0..4 {
            let found = match self {
                PortalTz::Named(tz) => tz
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.timestamp()),
                PortalTz::Fixed(off) => off
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.timestamp()),
            };
            if let Some(ts) = found {
                return ts;
            }
            local += chrono::Duration::minutes(30);
        }
        local.and_utc().timestamp()
    }

    /// Back from [`PortalTz::name`] (an answer's `meta.time_zone`): an IANA name or `+03:00`; anything else is UTC.
    pub fn from_name(name: &str) -> PortalTz {
        if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
            return PortalTz::Named(tz);
        }
        let offset = name
            .parse::<FixedOffset>()
            .or_else(|_| {
                chrono::DateTime::parse_from_str(
                    &format!("2000-01-01T00:00:00{name}"),
                    "%Y-%m-%dT%H:%M:%S%:z",
                )
                .map(|d| *d.offset())
            })
            .unwrap_or_else(|_| utc());
        PortalTz::Fixed(offset)
    }

    /// The portal's wall-clock time of an instant.
    pub fn local(&self, ts: i64) -> chrono::NaiveDateTime {
        let utc = DateTime::from_timestamp(ts, 0).unwrap_or_default();
        match self {
            PortalTz::Named(tz) => utc.with_timezone(tz).naive_local(),
            PortalTz::Fixed(off) => utc.with_timezone(off).naive_local(),
        }
    }

    /// A printable name (IANA or "+03:00").
    pub fn name(&self) -> String {
        match self {
            PortalTz::Named(tz) => tz.name().to_string(),
            PortalTz::Fixed(off) => off.fix().to_string(),
        }
    }
}

fn utc() -> FixedOffset {
    chrono::Utc.fix()
}

/// Everything about the portal a report computes with.
#[derive(Debug, Clone)]
pub struct PortalContext {
    pub portal_id: i64,
    pub tz: PortalTz,
    /// The base (report) currency code; amounts in answers are hundredths of it. Empty when the portal named none
    /// (never assumed: the answer says so, note `base_currency_unknown`).
    pub base_currency: String,
    /// Units of base currency per one unit of each currency (`amount / amount_cnt`).
    pub rates: HashMap<String, f64>,
    /// How deep the tier lets this portal look back: 3 (free) or 24 (subscription) months.
    pub history_months: u32,
    /// The moment the report is computed for (unix seconds); passed in so answers are reproducible.
    pub now: i64,
    /// Whose records the caller may see; [`PortalContext::load`] gives the whole company, the server narrows it
    /// for the caller (see `data_scope`).
    pub data_scope: crate::data_scope::DataScope,
}

/// The honest freshness of one synced source, shown with every report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Freshness {
    pub entity: String,
    pub phase: String,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

impl PortalContext {
    /// Reads the portal's time zone and currencies. `history_months` comes from the tier (the server knows it).
    pub async fn load(
        store: &Store,
        portal_id: i64,
        history_months: u32,
        now: i64,
    ) -> Result<PortalContext, ReportError> {
        let portal = PortalId(portal_id);
        let Some(p) = store.portal(portal).await? else {
            return Err(ReportError::UnknownPortal(portal_id));
        };
        let (tz_name, offset, base) = (p.time_zone, p.utc_offset_seconds, p.base_currency);
        let currencies = store.currencies(portal).await?;
        let mut rates = HashMap::new();
        let mut base_from_table = None;
        for c in currencies {
            let (code, cnt, amount, is_base) = (c.currency, c.amount_cnt, c.amount, c.is_base);
            if is_base {
                base_from_table = Some(code.clone());
            }
            let cnt = if cnt <= 0 { 1 } else { cnt };
            if amount.is_finite() && amount > 0.0 {
                rates.insert(code, amount / cnt as f64);
            }
        }
        let base_currency = base
            .filter(|b| !b.is_empty())
            .or(base_from_table)
            .unwrap_or_default();
        if !base_currency.is_empty() {
            rates.insert(base_currency.clone(), 1.0);
        }
        Ok(PortalContext {
            portal_id,
            tz: PortalTz::from_parts(tz_name.as_deref(), offset),
            base_currency,
            rates,
            history_months,
            now,
            data_scope: crate::data_scope::DataScope::Company,
        })
    }

    /// An amount in hundredths of the base currency.
    ///
    /// The account-currency amount (OPPORTUNITY_ACCOUNT) wins when the portal gave it and its currency is the base
    /// (or unnamed); otherwise the record's own amount is converted by the portal's rate. A currency the portal
    /// has no rate for gives no amount ([`Money::no_rate`]): the record counts, its money does not.
    pub fn to_base_cents(
        &self,
        cents: i64,
        currency: Option<&str>,
        account_cents: Option<i64>,
        account_currency: Option<&str>,
    ) -> Money {
        if let Some(acc) = account_cents {
            match account_currency.filter(|c| !c.is_empty()) {
                None => return Money::cents(acc),
                Some(c) if c == self.base_currency => return Money::cents(acc),
                _ => {}
            }
        }
        match currency.filter(|c| !c.is_empty()) {
            None => Money::cents(cents),
            Some(c) if c == self.base_currency => Money::cents(cents),
            Some(c) => match self.rates.get(c) {
                Some(rate) => Money::cents((cents as f64 * rate).round() as i64),
                None => Money::no_rate(c),
            },
        }
    }

    /// Today in the portal's time zone.
    pub fn today(&self) -> NaiveDate {
        self.tz.day(self.now)
    }

    /// The earliest day the tier lets this portal see: today minus `history_months` months.
    pub fn history_floor(&self) -> NaiveDate {
        let today = self.today();
        let months = self.history_months.max(1);
        today
            .checked_sub_months(chrono::Months::new(months))
            .unwrap_or(today.with_day(1).unwrap_or(today))
    }

    /// Last sync outcome of every source, from `sync_state`.
    pub async fn freshness(&self, store: &Store) -> Result<Vec<Freshness>, ReportError> {
        let states = store.sync_states(PortalId(self.portal_id)).await?;
        Ok(states
            .into_iter()
            .map(|s| Freshness {
                entity: s.entity,
                phase: s.phase,
                last_success_at: s.last_success_at,
                last_error: s.last_error,
                last_error_at: s.last_error_at,
            })
            .collect())
    }
}
