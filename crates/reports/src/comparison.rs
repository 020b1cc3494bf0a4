//! What a period is compared with, like with like (docs/METRICS.md, "Comparison"), and the time buckets of a
//! period that are only partly inside it. Pure calendar arithmetic over portal days; must never read the store,
//! count records or decide tiers (the caller clamps the range it gets here).

use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;

use crate::filter::{Bucket, Compare, Preset};

/// Which comparison the answer's deltas are against; the page names it next to every delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareRule {
    /// The same number of days immediately before the period.
    PreviousPeriod,
    /// A period running to today ("this week / month / quarter / year"): the previous week / month / quarter / year
    /// from its first day to the same day (its last day when it is shorter).
    SameDaysPreviousWeek,
    SameDaysPreviousMonth,
    SameDaysPreviousQuarter,
    SameDaysPreviousYear,
    /// A whole calendar unit ("last week / month / quarter / year"): the whole unit before it — November compares
    /// with all of October (31 days against 30), not with the 30 days right before it.
    WholePreviousWeek,
    WholePreviousMonth,
    WholePreviousQuarter,
    WholePreviousYear,
    /// The same days twelve months earlier.
    YearAgo,
}

/// The comparison days of the requested period `from..=to` (before any tier clamp), and the rule that gave them.
///
/// "This month" on 4 December compares with 1–4 November; on 31 March with 1–28 (29) February — the whole
/// shorter month, never days of March; "this quarter" on 15 May (day 45) with 1 January – 15 February; "this week"
/// on Wednesday with Monday–Wednesday of the week before; "this year" on 29 February with 1 January – 28 February.
pub fn comparison_days(
    compare: Compare,
    preset: Preset,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<(NaiveDate, NaiveDate, CompareRule)> {
    let back = |d: NaiveDate, months: u32| d.checked_sub_months(Months::new(months)).unwrap_or(d);
    match compare {
        Compare::None => None,
        Compare::YearAgo => Some((back(from, 12), back(to, 12), CompareRule::YearAgo)),
        Compare::Previous => {
            let same = match preset {
                Preset::ThisWeek => Some((
                    from - Duration::days(7),
                    to - Duration::days(7),
                    CompareRule::SameDaysPreviousWeek,
                )),
                Preset::ThisMonth => Some((
                    back(from, 1),
                    back(to, 1),
                    CompareRule::SameDaysPreviousMonth,
                )),
                Preset::ThisQuarter => Some((
                    back(from, 3),
                    back(to, 3),
                    CompareRule::SameDaysPreviousQuarter,
                )),
                Preset::ThisYear => Some((
                    back(from, 12),
                    back(to, 12),
                    CompareRule::SameDaysPreviousYear,
                )),
                // A whole unit: the whole unit before it, from its first day to the day before the period.
                Preset::LastWeek => Some((
                    from - Duration::days(7),
                    from - Duration::days(1),
                    CompareRule::WholePreviousWeek,
                )),
                Preset::LastMonth => Some((
                    back(from, 1),
                    from - Duration::days(1),
                    CompareRule::WholePreviousMonth,
                )),
                Preset::LastQuarter => Some((
                    back(from, 3),
                    from - Duration::days(1),
                    CompareRule::WholePreviousQuarter,
                )),
                Preset::LastYear => Some((
                    back(from, 12),
                    from - Duration::days(1),
                    CompareRule::WholePreviousYear,
                )),
                _ => None,
            };
            // The shifted end never reaches into the period itself (a shift clamps at a month's end, so this holds;
            // kept as a guard).
            same.filter(|(_, t, _)| *t < from).or_else(|| {
                let len = (to - from).num_days();
                let cto = from - Duration::days(1);
                Some((cto - Duration::days(len), cto, CompareRule::PreviousPeriod))
            })
        }
    }
}

/// The part of bucket `start` that lies in `from..=to` when the bucket reaches outside it (a partial bucket),
/// else `None`.
pub fn partial_part(
    bucket: Bucket,
    start: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let end = crate::r1_sales_dynamics::next_bucket(bucket, start) - Duration::days(1);
    (start < from || end > to).then(|| (start.max(from), end.min(to)))
}

/// The label of a bucket row: its first day, or for a partial bucket the days of it inside the period
/// (`2026-12-01..2026-12-06`); the page and the exports show both as dates, the partial one marked.
pub fn bucket_label(
    bucket: Bucket,
    start: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> (String, Option<&'static str>) {
    match partial_part(bucket, start, from, to) {
        Some((a, b)) => (
            format!("{}..{}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d")),
            Some("partial"),
        ),
        None => (start.format("%Y-%m-%d").to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn this_month_compares_the_same_days_of_the_previous_month() {
        let c = |from: &str, to: &str| {
            comparison_days(Compare::Previous, Preset::ThisMonth, d(from), d(to)).unwrap()
        };
        assert_eq!(
            c("2026-12-01", "2026-12-04"),
            (
                d("2026-11-01"),
                d("2026-11-04"),
                CompareRule::SameDaysPreviousMonth
            )
        );
        // Month ends: 31 March compares with the whole (shorter) February; 30 April with 1–30 March.
        assert_eq!(c("2026-03-01", "2026-03-31").1, d("2026-02-28"));
        assert_eq!(c("2028-03-01", "2028-03-31").1, d("2028-02-29"));
        assert_eq!(c("2026-04-01", "2026-04-30").1, d("2026-03-30"));
        // January goes back to December of the year before.
        assert_eq!(c("2026-01-01", "2026-01-04").0, d("2025-12-01"));
    }

    #[test]
    fn a_whole_unit_compares_with_the_whole_unit_before_it() {
        let c = |preset: Preset, from: &str, to: &str| {
            comparison_days(Compare::Previous, preset, d(from), d(to)).unwrap()
        };
        // November (30 days) against all of October (31 days), not 2–31 October.
        assert_eq!(
            c(Preset::LastMonth, "2026-11-01", "2026-11-30"),
            (
                d("2026-10-01"),
                d("2026-10-31"),
                CompareRule::WholePreviousMonth
            )
        );
        // March against the whole February (28 days).
        assert_eq!(
            c(Preset::LastMonth, "2026-03-01", "2026-03-31").0,
            d("2026-02-01")
        );
        assert_eq!(
            c(Preset::LastQuarter, "2026-07-01", "2026-09-30"),
            (
                d("2026-04-01"),
                d("2026-06-30"),
                CompareRule::WholePreviousQuarter
            )
        );
        assert_eq!(
            c(Preset::LastYear, "2025-01-01", "2025-12-31"),
            (
                d("2024-01-01"),
                d("2024-12-31"),
                CompareRule::WholePreviousYear
            )
        );
        assert_eq!(
            c(Preset::LastWeek, "2026-11-23", "2026-11-29"),
            (
                d("2026-11-16"),
                d("2026-11-22"),
                CompareRule::WholePreviousWeek
            )
        );
    }

    #[test]
    fn other_presets_and_rules() {
        let w = comparison_days(
            Compare::Previous,
            Preset::ThisWeek,
            d("2026-12-07"),
            d("2026-12-09"),
        );
        assert_eq!(
            w,
            Some((
                d("2026-11-30"),
                d("2026-12-02"),
                CompareRule::SameDaysPreviousWeek
            ))
        );
        let q = comparison_days(
            Compare::Previous,
            Preset::ThisQuarter,
            d("2026-04-01"),
            d("2026-05-15"),
        );
        assert_eq!(
            q,
            Some((
                d("2026-01-01"),
                d("2026-02-15"),
                CompareRule::SameDaysPreviousQuarter
            ))
        );
        // A custom period: the same number of days right before.
        let p = comparison_days(
            Compare::Previous,
            Preset::Custom,
            d("2026-03-01"),
            d("2026-03-10"),
        );
        assert_eq!(
            p,
            Some((
                d("2026-02-19"),
                d("2026-02-28"),
                CompareRule::PreviousPeriod
            ))
        );
        let y = comparison_days(
            Compare::YearAgo,
            Preset::ThisMonth,
            d("2026-12-01"),
            d("2026-12-04"),
        );
        assert_eq!(
            y,
            Some((d("2025-12-01"), d("2025-12-04"), CompareRule::YearAgo))
        );
        assert_eq!(
            comparison_days(
                Compare::None,
                Preset::ThisMonth,
                d("2026-12-01"),
                d("2026-12-04")
            ),
            None
        );
    }

    #[test]
    fn buckets_reaching_outside_the_period_are_partial() {
        // December 2026: the week of Monday 30 November is partial (1–6 December inside); the week of 7 December is
        // whole; the last week (28 December – 3 January) is partial (28–31 December).
        let (from, to) = (d("2026-12-01"), d("2026-12-31"));
        assert_eq!(
            bucket_label(Bucket::Week, d("2026-11-30"), from, to),
            ("2026-12-01..2026-12-06".to_string(), Some("partial"))
        );
        assert_eq!(
            bucket_label(Bucket::Week, d("2026-12-07"), from, to),
            ("2026-12-07".to_string(), None)
        );
        assert_eq!(
            partial_part(Bucket::Week, d("2026-12-28"), from, to),
            Some((d("2026-12-28"), d("2026-12-31")))
        );
        assert_eq!(partial_part(Bucket::Month, d("2026-12-01"), from, to), None);
        assert_eq!(partial_part(Bucket::Day, d("2026-12-05"), from, to), None);
    }
}
