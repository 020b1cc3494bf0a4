//! The filter every report shares (period, comparison, pipelines, departments, employees, sources, projects,
//! custom fields, cohort, time bucket), its validation and its resolution into concrete portal-day ranges,
//! clamped by the tier. A bad filter is rejected with a [`FilterError`] naming the field; this module must never
//! touch the store or silently "fix" a request (the only adjustment, the tier clamp, is reported in the answer).

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::context::PortalContext;

/// A rejected filter. The server answers HTTP 400 with this text; `field` is a JSON path into the filter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("invalid filter field `{field}`: {message}")]
    Invalid { field: String, message: String },
}

impl FilterError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> FilterError {
        FilterError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
    /// The JSON path of the bad field.
    pub fn field(&self) -> &str {
        match self {
            FilterError::Invalid { field, .. } => field,
        }
    }
}

/// Period presets of the filter bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    ThisWeek,
    LastWeek,
    #[default]
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
    ThisYear,
    LastYear,
    /// The last `days` days including today.
    LastDays,
    /// `from`..=`to`, portal-local calendar days.
    Custom,
}

/// The requested period. Days are inclusive, in the portal's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Period {
    pub preset: Preset,
    /// `YYYY-MM-DD`, for `custom`.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, for `custom`.
    pub to: Option<String>,
    /// For `last_days`.
    pub days: Option<u32>,
}

/// What the period is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    None,
    /// The previous period, like with like (`comparison::comparison_days`): the same days of the previous
    /// week / month / quarter / year for a period running to today, else the same number of days right before.
    #[default]
    Previous,
    /// The same days one year earlier.
    YearAgo,
}

/// Which deals a deal report counts (the R1/R2 conversion switch, docs/METRICS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    /// Deals created in the period; their current outcome.
    #[default]
    Created,
    /// Deals closed (won or lost) in the period.
    Closed,
}

/// Time bucket of dynamics charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    #[default]
    Day,
    Week,
    Month,
    Quarter,
}

impl Bucket {
    /// The first day of the bucket holding `day` (weeks start on Monday).
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Bucket::Day => day,
            Bucket::Week => day - Duration::days(day.weekday().num_days_from_monday() as i64),
            Bucket::Month => day.with_day(1).unwrap_or(day),
            Bucket::Quarter => {
                let m = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), m, 1).unwrap_or(day)
            }
        }
    }
}

/// A custom-field (UF_CRM_*) condition: the record's value equals one of `values` (for multiple fields: contains).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldFilter {
    pub field: String,
    pub values: Vec<String>,
}

/// The filter bar, as the UI sends it (JSON). Every list field empty = no restriction.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Filter {
    pub period: Period,
    pub compare: Compare,
    /// Deal pipelines (category ids; 0 = default pipeline).
    pub pipelines: Vec<i64>,
    /// Departments, each with all its sub-departments.
    pub departments: Vec<i64>,
    /// Employees (user ids). With departments too, the intersection counts.
    pub employees: Vec<i64>,
    /// Source codes (SOURCE dictionary STATUS_ID).
    pub sources: Vec<String>,
    /// Task projects (workgroup ids), for R5.
    pub projects: Vec<i64>,
    pub custom_fields: Vec<CustomFieldFilter>,
    pub cohort: Cohort,
    pub bucket: Bucket,
}

/// The longest period a filter may ask for (the paid tier's 24 months plus slack for calendar presets).
pub const MAX_PERIOD_DAYS: i64 = 800;
const MAX_LIST_LEN: usize = 2000;

impl Filter {
    /// Parses the filter JSON; a syntax or type error is a [`FilterError`] for field `filter`.
    pub fn from_json(text: &str) -> Result<Filter, FilterError> {
        serde_json::from_str(text).map_err(|e| FilterError::invalid("filter", e.to_string()))
    }

    /// Checks everything that can be checked without the store and resolves the period for the portal.
    pub fn resolve(&self, ctx: &PortalContext) -> Result<Resolved, FilterError> {
        self.validate_lists()?;
        let today = ctx.today();
        let (from, to) = self.requested_days(today)?;
        let floor = ctx.history_floor();
        let (period, clamp) = clamp_range(ctx, from, to, floor);
        let compared =
            crate::comparison::comparison_days(self.compare, self.period.preset, from, to);
        // A comparison the tier cuts (or locks entirely) is not like with like: no comparison, and the answer says
        // it lies beyond the plan (`comparison_clamp`, note `comparison_beyond_tier`).
        let (comparison, comparison_clamp) = match compared {
            Some((f, t, _)) => match clamp_range(ctx, f, t, floor) {
                (r, None) => (Some(r), None),
                (_, Some(c)) => (None, Some(c)),
            },
            None => (None, None),
        };
        Ok(Resolved {
            period,
            comparison,
            comparison_rule: comparison.and(compared.map(|c| c.2)),
            clamp,
            comparison_clamp,
            filter: self.clone(),
        })
    }

    fn requested_days(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), FilterError> {
        let p = &self.period;
        let week_start = Bucket::Week.start(today);
        let month_start = Bucket::Month.start(today);
        let quarter_start = Bucket::Quarter.start(today);
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let prev =
            |d: NaiveDate, months: u32| d.checked_sub_months(Months::new(months)).unwrap_or(d);
        let (from, to) = match p.preset {
            Preset::ThisWeek => (week_start, today),
            Preset::LastWeek => (
                week_start - Duration::days(7),
                week_start - Duration::days(1),
            ),
            Preset::ThisMonth => (month_start, today),
            Preset::LastMonth => (prev(month_start, 1), month_start - Duration::days(1)),
            Preset::ThisQuarter => (quarter_start, today),
            Preset::LastQuarter => (prev(quarter_start, 3), quarter_start - Duration::days(1)),
            Preset::ThisYear => (year_start, today),
            Preset::LastYear => (prev(year_start, 12), year_start - Duration::days(1)),
            Preset::LastDays => {
                let days = p.days.ok_or_else(|| {
                    FilterError::invalid("period.days", "required for preset last_days")
                })?;
                if days == 0 || days as i64 > MAX_PERIOD_DAYS {
                    return Err(FilterError::invalid(
                        "period.days",
                        format!("must be 1..={MAX_PERIOD_DAYS}, got {days}"),
                    ));
                }
                (today - Duration::days(days as i64 - 1), today)
            }
            Preset::Custom => {
                let from = parse_day("period.from", p.from.as_deref())?;
                let to = parse_day("period.to", p.to.as_deref())?;
                (from, to)
            }
        };
        if to < from {
            return Err(FilterError::invalid(
                "period.to",
                format!("{to} is before period.from {from}"),
            ));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(FilterError::invalid(
                "period",
                format!("longer than {MAX_PERIOD_DAYS} days"),
            ));
        }
        if to > today + Duration::days(366) {
            return Err(FilterError::invalid(
                "period.to",
                format!("{to} is more than a year in the future"),
            ));
        }
        Ok((from, to))
    }

    fn validate_lists(&self) -> Result<(), FilterError> {
        check_ids("pipelines", &self.pipelines, 0)?;
        check_ids("departments", &self.departments, 1)?;
        check_ids("employees", &self.employees, 1)?;
        check_ids("projects", &self.projects, 1)?;
        if self.sources.len() > MAX_LIST_LEN {
            return Err(FilterError::invalid("sources", "too many values"));
        }
        for (i, s) in self.sources.iter().enumerate() {
            if s.is_empty() || s.len() > 100 {
                return Err(FilterError::invalid(
                    format!("sources[{i}]"),
                    "must be a source code of 1..100 characters",
                ));
            }
        }
        if self.custom_fields.len() > 20 {
            return Err(FilterError::invalid(
                "custom_fields",
                "at most 20 conditions",
            ));
        }
        for (i, c) in self.custom_fields.iter().enumerate() {
            let ok = c.field.len() > 7
                && c.field.len() <= 64
                && c.field.starts_with("UF_CRM_")
                && c.field
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(FilterError::invalid(
                    format!("custom_fields[{i}].field"),
                    format!("{:?} is not a UF_CRM_* field name", c.field),
                ));
            }
            if c.values.is_empty() || c.values.len() > 100 {
                return Err(FilterError::invalid(
                    format!("custom_fields[{i}].values"),
                    "must hold 1..=100 values",
                ));
            }
        }
        Ok(())
    }
}

fn check_ids(field: &str, ids: &[i64], min: i64) -> Result<(), FilterError> {
    if ids.len() > MAX_LIST_LEN {
        return Err(FilterError::invalid(
            field,
            format!("at most {MAX_LIST_LEN} values"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if *id < min {
            return Err(FilterError::invalid(
                format!("{field}[{i}]"),
                format!("{id} is not a valid id"),
            ));
        }
    }
    Ok(())
}

fn parse_day(field: &str, v: Option<&str>) -> Result<NaiveDate, FilterError> {
    let v =
        v.ok_or_else(|| FilterError::invalid(field, "required for preset custom (YYYY-MM-DD)"))?;
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| FilterError::invalid(field, format!("{v:?} is not a date YYYY-MM-DD")))?;
    if d.year() < 2000 {
        return Err(FilterError::invalid(
            field,
            format!("{v} is before the year 2000"),
        ));
    }
    Ok(d)
}

/// A resolved range of portal days: `from..=to`, and the instants `[from_ts, to_ts)` covering them.
/// An empty range (`from > to`) is what a period fully behind the tier's horizon becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(skip)]
    pub from_ts: i64,
    #[serde(skip)]
    pub to_ts: i64,
}

impl Range {
    pub fn new(ctx: &PortalContext, from: NaiveDate, to: NaiveDate) -> Range {
        let from_ts = ctx.tz.day_start(from);
        let to_ts = ctx.tz.day_start(to + Duration::days(1));
        Range {
            from,
            to,
            from_ts,
            to_ts: to_ts.max(from_ts),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.from > self.to
    }
    pub fn contains_ts(&self, ts: i64) -> bool {
        !self.is_empty() && ts >= self.from_ts && ts < self.to_ts
    }
    pub fn contains_day(&self, d: NaiveDate) -> bool {
        d >= self.from && d <= self.to
    }
    /// Number of days in the range (0 when empty).
    pub fn days(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            (self.to - self.from).num_days() + 1
        }
    }
}

/// The tier cut a period: reported in every answer, never applied silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clamp {
    pub requested_from: NaiveDate,
    pub applied_from: NaiveDate,
    /// `free_tier` (3 months) or `tier_limit` (the subscription's 24 months).
    pub reason: &'static str,
    pub history_months: u32,
    /// The whole period lies beyond the horizon: the answer is empty and the UI shows the lock message.
    pub locked: bool,
}

fn clamp_range(
    ctx: &PortalContext,
    from: NaiveDate,
    to: NaiveDate,
    floor: NaiveDate,
) -> (Range, Option<Clamp>) {
    if from >= floor {
        return (Range::new(ctx, from, to), None);
    }
    let locked = to < floor;
    let reason = if ctx.history_months <= 3 {
        "free_tier"
    } else {
        "tier_limit"
    };
    let clamp = Clamp {
        requested_from: from,
        applied_from: floor,
        reason,
        history_months: ctx.history_months,
        locked,
    };
    let range = if locked {
        Range {
            from: floor,
            to: floor - Duration::days(1),
            from_ts: 0,
            to_ts: 0,
        }
    } else {
        Range::new(ctx, floor, to)
    };
    (range, Some(clamp))
}

/// A validated filter with its periods resolved for one portal.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub period: Range,
    pub comparison: Option<Range>,
    /// How `comparison` was chosen (shown next to every delta).
    pub comparison_rule: Option<crate::comparison::CompareRule>,
    pub clamp: Option<Clamp>,
    /// Set when the tier cut the comparison period: then there is no comparison.
    pub comparison_clamp: Option<Clamp>,
    pub filter: Filter,
}
