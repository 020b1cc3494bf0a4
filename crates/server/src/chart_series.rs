//! Trend blocks whose rows are "series × bucket" pairs (R4 source dynamics: source × bucket, R5 department
//! dynamics: department × bucket) become charts with one line per series over an axis of dates: the top
//! [`TOP_SERIES`] series by volume, the rest summed into "Прочие / Other". This module only regroups the table's
//! own numbers; it must never invent or recompute a metric (shares are never summed into "other").

use std::collections::{BTreeMap, BTreeSet, HashMap};

use b24a_charts::{ChartKind, ChartSpec, Series};

use b24a_reports::answer::Table;
use b24a_reports::{Group, Unit};
use chrono::NaiveDate;

use crate::export::metric_name;
use crate::i18n::{block_title, Lang};

/// How many series keep their own line; with "other" a chart has at most this plus one.
pub const TOP_SERIES: usize = 7;

/// The series key and bucket day of a pivot row, or `None` for rows of any other kind.
fn pair(group: &Group) -> Option<(String, NaiveDate)> {
    match group {
        Group::SourceBucket(s, d) => Some((format!("s:{s}"), *d)),
        Group::DepartmentBucket(id, d) => Some((format!("d:{id}"), *d)),
        _ => None,
    }
}

/// The series' display name: the row label without its trailing ` YYYY-MM-DD` (the reports write
/// "<name> <day>").
fn series_name(label: &str) -> String {
    match label.rsplit_once(' ') {
        Some((name, day)) if NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok() => name.to_string(),
        _ => label.to_string(),
    }
}

/// Whether the table is a "series × bucket" trend.
pub fn is_pivot(t: &Table) -> bool {
    !t.rows.is_empty() && t.rows.iter().all(|r| pair(&r.group).is_some())
}

/// One row of the page table: "<name> · <local day>", so the page shows words and a local date.
pub fn row_label(label: &str, group: &Group, lang: Lang) -> Option<String> {
    let (_, day) = pair(group)?;
    Some(format!("{} · {}", series_name(label), local_day(day, lang)))
}

fn local_day(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ru => d.format("%d.%m.%y").to_string(),
        Lang::En => d.format("%m/%d/%y").to_string(),
    }
}

/// The column a chart of `unit` shows: R5's execution coefficient for shares, else the first of the unit.
fn column_of(t: &Table, unit: Unit) -> Option<usize> {
    let first = t.columns.iter().position(|c| c.unit == unit);
    if unit == Unit::Percent {
        return t
            .columns
            .iter()
            .position(|c| c.metric == "exec_coefficient")
            .or(first);
    }
    first
}

/// The charts of a pivot table: counts (lines), money (lines) and a share (lines, top series only).
pub fn pivot_charts(t: &Table, cur: &str, lang: Lang) -> Vec<(String, ChartSpec)> {
    let days: BTreeSet<NaiveDate> = t
        .rows
        .iter()
        .filter_map(|r| pair(&r.group))
        .map(|p| p.1)
        .collect();
    let days: Vec<NaiveDate> = days.into_iter().collect();
    if days.len() < 2 {
        return Vec::new();
    }
    let day_index: HashMap<NaiveDate, usize> =
        days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in &t.rows {
        if let Some((k, _)) = pair(&r.group) {
            names.entry(k).or_insert_with(|| series_name(&r.label));
        }
    }
    // Rank the series by the volume of the first count column (money when there is no count).
    let rank_col = column_of(t, Unit::Count).or_else(|| column_of(t, Unit::Money));
    let mut volume: HashMap<String, f64> = HashMap::new();
    for r in &t.rows {
        if let (Some((k, _)), Some(i)) = (pair(&r.group), rank_col) {
            *volume.entry(k).or_default() += r.cells.get(i).and_then(|c| c.value).unwrap_or(0.0);
        }
    }
    let mut keys: Vec<String> = names.keys().cloned().collect();
    keys.sort_by(|a, b| {
        let (va, vb) = (volume.get(a).unwrap_or(&0.0), volume.get(b).unwrap_or(&0.0));
        vb.partial_cmp(va)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| names[a].cmp(&names[b]))
    });
    let top: Vec<String> = keys.iter().take(TOP_SERIES).cloned().collect();
    let has_rest = keys.len() > TOP_SERIES;
    let other = match lang {
        Lang::Ru => "Прочие",
        Lang::En => "Other",
    };
    let categories: Vec<String> = days.iter().map(|d| local_day(*d, lang)).collect();
    let mut out = Vec::new();
    for (suffix, unit) in [
        ("", Unit::Count),
        ("__money", Unit::Money),
        ("__pct", Unit::Percent),
    ] {
        let Some(col) = column_of(t, unit) else {
            continue;
        };
        let sums = unit != Unit::Percent;
        let gap = if sums { 0.0 } else { f64::NAN };
        let mut lines: Vec<Vec<f64>> = vec![vec![gap; days.len()]; top.len()];
        let mut rest = vec![0.0; days.len()];
        for r in &t.rows {
            let Some((k, d)) = pair(&r.group) else {
                continue;
            };
            let i = day_index[&d];
            let v = r.cells.get(col).and_then(|c| c.value);
            match top.iter().position(|x| *x == k) {
                Some(s) => {
                    lines[s][i] = match unit {
                        Unit::Percent => v.map(|x| x / 100.0).unwrap_or(f64::NAN),
                        _ => v.unwrap_or(0.0),
                    }
                }
                None if sums => rest[i] += v.unwrap_or(0.0),
                None => {}
            }
        }
        let mut series: Vec<Series> = top
            .iter()
            .zip(lines)
            .map(|(k, values)| Series {
                name: names[k].clone(),
                values,
                color: None,
            })
            .collect();
        if has_rest && sums {
            // "Other" in the palette's grey: it reads as the rest, not as one more source. The grey is the palette's
            // tenth colour, beyond the seven the named series use, so it never repeats one of theirs.
            series.push(Series {
                name: other.to_string(),
                values: rest,
                color: Some(b24a_charts::spec::PALETTE[9].to_string()),
            });
        }
        let metric = metric_name(t.columns[col].metric, lang);
        let title = format!("{} — {metric}", block_title(lang, &t.key));
        let mut spec =
            crate::charts::spec(title, ChartKind::Line, lang, crate::charts::fmt(unit, cur));
        spec.categories = categories.clone();
        spec.series = series;
        spec.height = 380;
        out.push((format!("{}{suffix}", t.key), spec));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use b24a_reports::answer::{BlockKind, Cell, Row};

    fn row(src: &str, day: &str, n: f64, sum: f64) -> Row {
        let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a day");
        Row {
            group: Group::SourceBucket(src.into(), d),
            label: format!("{src} {day}"),
            note: None,
            cells: [n, sum]
                .into_iter()
                .map(|v| Cell {
                    value: Some(v),
                    drill: None,
                })
                .collect(),
        }
    }

    #[test]
    fn one_line_per_source_top_seven_and_the_rest_as_other() {
        let mut t = Table::new(
            "source_trend",
            BlockKind::Series,
            &[("deal_created", Unit::Count), ("deal_created", Unit::Money)],
        );
        // Nine sources over two weeks; source k has k+1 deals each week, so "s0" and "s1" are the smallest two.
        for k in 0..9 {
            for day in ["2026-11-02", "2026-11-09"] {
                t.rows.push(row(
                    &format!("s{k}"),
                    day,
                    (k + 1) as f64,
                    1000.0 * (k + 1) as f64,
                ));
            }
        }
        assert!(is_pivot(&t));
        let charts = pivot_charts(&t, "RUB", Lang::Ru);
        assert_eq!(charts.len(), 2, "counts and money");
        let counts = &charts[0].1;
        assert_eq!(counts.categories, ["02.11.26", "09.11.26"]);
        let names: Vec<&str> = counts.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["s8", "s7", "s6", "s5", "s4", "s3", "s2", "Прочие"]);
        assert_eq!(counts.series[0].values, [9.0, 9.0]);
        // Other = s1 (2) + s0 (1) per week, computed by hand.
        assert_eq!(counts.series[7].values, [3.0, 3.0]);
        assert_eq!(charts[1].1.series[7].values, [3000.0, 3000.0]);
        assert_eq!(
            row_label(&t.rows[0].label, &t.rows[0].group, Lang::Ru).as_deref(),
            Some("s0 · 02.11.26")
        );
    }
}
