//! The shape of every report's answer (the JSON API): a header with the applied period, clamp, currency and
//! freshness; tiles (value, comparison, delta); tables and chart series (rows of cells). Every count carries a
//! [`Drill`] handle; every column names its metric, whose definition text is in `definitions`.
//! This module only shapes numbers; it must never compute a metric.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::context::Freshness;
use crate::filter::{Bucket, Clamp, Cohort, FilterError, Range};
use crate::tally::{Group, Side, Tally};

/// The seven reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportId {
    SalesDynamics,
    Managers,
    Plan,
    Marketing,
    Tasks,
    ForgetMeNot,
    Linked,
}

impl ReportId {
    pub const ALL: [ReportId; 7] = [
        ReportId::SalesDynamics,
        ReportId::Managers,
        ReportId::Plan,
        ReportId::Marketing,
        ReportId::Tasks,
        ReportId::ForgetMeNot,
        ReportId::Linked,
    ];
    /// The id used in URLs and in `access_rules.report`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportId::SalesDynamics => "sales_dynamics",
            ReportId::Managers => "managers",
            ReportId::Plan => "plan",
            ReportId::Marketing => "marketing",
            ReportId::Tasks => "tasks",
            ReportId::ForgetMeNot => "forget_me_not",
            ReportId::Linked => "linked",
        }
    }
}

impl FromStr for ReportId {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportId::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| FilterError::invalid("report", format!("unknown report {s:?}")))
    }
}

/// A handle that turns a number into the list of records behind it: send it back with the same filter to
/// `drill_down`. The list has exactly as many records as the number counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drill {
    pub metric: String,
    pub group: Group,
    #[serde(default)]
    pub side: Side,
}

/// How a value is to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    /// Base-currency units (two decimals).
    Money,
    Percent,
    Days,
    Minutes,
    /// 100 = the average.
    Index,
    /// A unix timestamp (seconds).
    Instant,
    /// Percentage points: the difference of two percents (a conversion's delta), never shown as "%".
    Points,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tile {
    /// Definition key (see `definitions`).
    pub metric: &'static str,
    pub unit: Unit,
    pub value: Option<f64>,
    /// The base-currency sum of the counted records, for count tiles that have one.
    pub amount: Option<f64>,
    pub previous: Option<f64>,
    pub previous_amount: Option<f64>,
    /// value − previous.
    pub delta: Option<f64>,
    /// The unit of `delta`: percentage points for a percent tile, else the tile's unit.
    pub delta_unit: Unit,
    pub drill: Option<Drill>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub metric: &'static str,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub value: Option<f64>,
    pub drill: Option<Drill>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub group: Group,
    pub label: String,
    /// E.g. "inactive" for a dismissed employee.
    pub note: Option<&'static str>,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Table,
    /// Rows are time buckets in order: a chart.
    Series,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Stable block id (also the Excel sheet name).
    pub key: String,
    pub kind: BlockKind,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub total: Option<Row>,
}

impl Table {
    pub fn new(key: impl Into<String>, kind: BlockKind, columns: &[(&'static str, Unit)]) -> Table {
        Table {
            key: key.into(),
            kind,
            columns: columns
                .iter()
                .map(|(m, u)| Column {
                    metric: m,
                    unit: *u,
                })
                .collect(),
            rows: vec![],
            total: None,
        }
    }
    /// The cell of `metric` in the row of `group`, for tests and exports.
    pub fn cell(&self, group: &Group, metric: &str) -> Option<&Cell> {
        let col = self.columns.iter().position(|c| c.metric == metric)?;
        let row = self
            .rows
            .iter()
            .chain(self.total.iter())
            .find(|r| &r.group == group)?;
        row.cells.get(col)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub report: ReportId,
    pub portal_id: i64,
    pub period: Range,
    pub comparison: Option<Range>,
    /// How the comparison period was chosen (the page names it next to every delta).
    pub comparison_rule: Option<crate::comparison::CompareRule>,
    /// Set when the tier cut the period (never silently).
    pub clamp: Option<Clamp>,
    pub comparison_clamp: Option<Clamp>,
    pub cohort: Cohort,
    pub bucket: Bucket,
    pub currency: String,
    pub time_zone: String,
    pub generated_at: i64,
    pub freshness: Vec<Freshness>,
    /// Nothing counted in the period: the UI shows the empty-state text `empty_reason` (one of [`EMPTY_REASONS`]).
    pub empty: bool,
    pub empty_reason: Option<&'static str>,
    /// Report-specific facts the page states (e.g. R6's clock and settings).
    pub notes: Vec<(String, String)>,
}

/// Every reason a report gives for an empty answer: the server names each one (a test checks it has words).
pub const EMPTY_REASONS: &[&str] = &[
    "period_beyond_tier",
    "no_deals_in_period",
    "no_employees_in_scope",
    "no_plan_rows_for_period",
    "no_leads_or_deals_in_period",
    "no_tasks_with_deadline_in_period",
    "nothing_forgotten",
    "no_linked_work",
];

impl Meta {
    /// The money notes of a report that sums amounts: `no_rate` names the currencies without a rate among the
    /// records counted in any of `tallies` (those records are counted, their money is not), and
    /// `base_currency_unknown` says the portal named no base currency (sums are then in an unnamed currency).
    pub(crate) fn note_money(&mut self, tallies: &[Option<&Tally>]) {
        let mut codes = std::collections::BTreeSet::new();
        for t in tallies.iter().flatten() {
            codes.extend(t.no_rate_currencies().iter().cloned());
        }
        if !codes.is_empty() {
            let list: Vec<String> = codes.into_iter().collect();
            self.notes.push(("no_rate".into(), list.join(", ")));
        }
        if self.currency.is_empty() {
            self.notes
                .push(("base_currency_unknown".into(), String::new()));
        }
    }
}

/// One report's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub meta: Meta,
    pub tiles: Vec<Tile>,
    pub tables: Vec<Table>,
}

impl Answer {
    pub fn tile(&self, metric: &str) -> Option<&Tile> {
        self.tiles.iter().find(|t| t.metric == metric)
    }
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.key == key)
    }
}

pub(crate) fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// A count cell with its drill handle (no handle when the count is 0: an empty list needs no link).
pub(crate) fn count_cell(t: &Tally, metric: &'static str, group: &Group, side: Side) -> Cell {
    let a = t.get(metric, group);
    Cell {
        value: Some(a.count as f64),
        drill: drill(metric, group, side, a.count),
    }
}
pub(crate) fn amount_cell(t: &Tally, metric: &'static str, group: &Group) -> Cell {
    Cell {
        value: Some(money(t.get(metric, group).amount)),
        drill: None,
    }
}
/// An average cell (value sum ÷ count) whose drill lists the records averaged over.
pub(crate) fn avg_cell(t: &Tally, metric: &'static str, group: &Group) -> Cell {
    let a = t.get(metric, group);
    Cell {
        value: crate::metrics::mean(a.value, a.count),
        drill: drill(metric, group, Side::Current, a.count),
    }
}
pub(crate) fn value_cell(v: Option<f64>) -> Cell {
    Cell {
        value: v,
        drill: None,
    }
}
pub(crate) fn drill(metric: &'static str, group: &Group, side: Side, count: u64) -> Option<Drill> {
    (count > 0).then(|| Drill {
        metric: metric.to_string(),
        group: group.clone(),
        side,
    })
}

/// A tile from the current and the comparison tallies: `value` computes the shown number from a tally.
pub(crate) fn tile(
    metric: &'static str,
    unit: Unit,
    cur: &Tally,
    prev: Option<&Tally>,
    value: impl Fn(&Tally) -> Option<f64>,
    with_amount: bool,
    drill_metric: Option<&'static str>,
) -> Tile {
    let v = value(cur);
    let p = prev.and_then(&value);
    let amount = with_amount.then(|| money(cur.get(metric, &Group::Total).amount));
    let previous_amount = if with_amount {
        prev.map(|t| money(t.get(metric, &Group::Total).amount))
    } else {
        None
    };
    let drill = drill_metric.and_then(|m| {
        drill(
            m,
            &Group::Total,
            Side::Current,
            cur.get(m, &Group::Total).count,
        )
    });
    Tile {
        metric,
        unit,
        value: v,
        amount,
        previous: p,
        previous_amount,
        delta: v.zip(p).map(|(a, b)| a - b),
        delta_unit: delta_unit(unit),
        drill,
    }
}

/// The unit of a difference of two values in `unit`: percents differ by percentage points.
pub fn delta_unit(unit: Unit) -> Unit {
    if unit == Unit::Percent {
        Unit::Points
    } else {
        unit
    }
}

/// A plain count tile with its sum.
pub(crate) fn count_tile(
    metric: &'static str,
    cur: &Tally,
    prev: Option<&Tally>,
    with_amount: bool,
) -> Tile {
    tile(
        metric,
        Unit::Count,
        cur,
        prev,
        |t| Some(t.get(metric, &Group::Total).count as f64),
        with_amount,
        Some(metric),
    )
}
