//! The accumulator every report counts into, keyed by (metric, group). The same report code runs in two modes:
//! answering (counts and sums only) and drilling (additionally collecting the ids of one wanted key). Because the
//! drill-down list is produced by the very call that produced the count, the two cannot disagree.
//! Must never contain metric definitions: those live in `metrics` and in the reports.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::records::Text;

/// What a number is grouped by. `0` / `""` stand for "none" (unassigned, no source, no project ...). Texts are
/// shared ([`Text`]): a group made from a record's stage or source counts a reference, it copies nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "key", rename_all = "snake_case")]
pub enum Group {
    Total,
    Pipeline(i64),
    Stage(Text),
    Status(Text),
    User(i64),
    Department(i64),
    Bucket(NaiveDate),
    Source(Text),
    SourceUser(Text, i64),
    /// UTM source / medium / campaign.
    Utm(Text, Text, Text),
    Industry(Text),
    Project(i64),
    /// A department's bucket (R5 dynamics).
    DepartmentBucket(i64, NaiveDate),
    SourceBucket(Text, NaiveDate),
    /// Returning customers vs new (`true` = returning).
    Returning(bool),
    /// One row of the sales plan (`sales_plans.id`).
    Plan(i64),
    /// R7: a department's work — `deal:<pipeline>` or `smart:<entityTypeId>`.
    Work(Text),
    /// R7: one sale (parent deal id).
    Sale(i64),
}

/// Whether a number belongs to the main period or the comparison period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    #[default]
    Current,
    Comparison,
}

/// Count, base-currency sum and a value sum (days, minutes ...) of one (metric, group).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Agg {
    pub count: u64,
    /// The sum over the counted records that have an amount in the base currency.
    pub amount: i64,
    pub value: f64,
    /// Counted records whose currency has no rate: in `count`, not in `amount`.
    pub no_rate: u64,
}

impl Agg {
    /// How many counted records have an amount (the divisor of a money average).
    pub fn priced(&self) -> u64 {
        self.count - self.no_rate
    }
}

#[derive(Debug, Default)]
pub struct Tally {
    /// FxHash: the tallies hash a few keys per record on every answer, SipHash was ~6 % of a warm answer's time.
    /// Per metric, then per group: a record counted under a group already seen is looked up by reference, so the
    /// reports pass their groups borrowed and a group is cloned once per answer, not once per record (its texts shared)
    /// (R4 at 1M deals spent about a quarter of its time in the tally: cloning, hashing and dropping groups).
    /// A report counts a dozen metrics at most, so they are a short list found by the name's address first (the
    /// same literal at a call site), by its text only when that fails: hashing and comparing the metric's name on
    /// every record was a tenth of R4's time.
    map: Vec<(&'static str, FxHashMap<Group, Agg>)>,
    want: Option<(String, Group)>,
    hits: Vec<i64>,
    no_rate: BTreeSet<String>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }
    /// A tally that also collects the ids counted under `metric` × `group`.
    pub fn collecting(metric: &str, group: Group) -> Tally {
        Tally {
            want: Some((metric.to_string(), group)),
            ..Tally::default()
        }
    }

    /// Counts record `id` under (metric, group) with an amount and a value.
    pub fn add_full(
        &mut self,
        metric: &'static str,
        group: impl Borrow<Group>,
        id: i64,
        amount: impl Into<Money>,
        value: f64,
    ) {
        self.add_weighted(metric, group, id, 1, amount, value);
    }
    /// Counts `weight` records at once (a group of rows the database counted). Collecting tallies are always fed
    /// single records (weight 1), so every counted record has its id.
    pub fn add_weighted(
        &mut self,
        metric: &'static str,
        group: impl Borrow<Group>,
        id: i64,
        weight: u64,
        amount: impl Into<Money>,
        value: f64,
    ) {
        let amount: Money = amount.into();
        let group = group.borrow();
        if let Some((m, g)) = &self.want {
            if m == metric && g == group {
                self.hits.push(id);
            }
        }
        let groups = self.metric_mut(metric);
        let a = match groups.get_mut(group) {
            Some(a) => a,
            None => groups.entry(group.clone()).or_default(),
        };
        a.count += weight;
        a.amount += amount.or_zero();
        a.value += value;
        if let Some(code) = amount.missing_currency() {
            a.no_rate += weight;
            self.no_rate.insert(code);
        }
    }
    pub fn add(
        &mut self,
        metric: &'static str,
        group: impl Borrow<Group>,
        id: i64,
        amount: impl Into<Money>,
    ) {
        self.add_full(metric, group, id, amount, 0.0);
    }

    /// The groups of a metric, added when first counted.
    fn metric_mut(&mut self, metric: &'static str) -> &mut FxHashMap<Group, Agg> {
        let at = match self.map.iter().position(|(m, _)| std::ptr::eq(*m, metric)) {
            Some(i) => i,
            None => match self.map.iter().position(|(m, _)| *m == metric) {
                Some(i) => i,
                None => {
                    self.map.push((metric, FxHashMap::default()));
                    self.map.len() - 1
                }
            },
        };
        &mut self.map[at].1
    }

    fn metric(&self, metric: &str) -> Option<&FxHashMap<Group, Agg>> {
        self.map.iter().find(|(m, _)| *m == metric).map(|(_, g)| g)
    }

    pub fn get(&self, metric: &'static str, group: &Group) -> Agg {
        self.metric(metric)
            .and_then(|groups| groups.get(group))
            .copied()
            .unwrap_or_default()
    }
    /// All groups counted under a metric.
    pub fn groups(&self, metric: &'static str) -> Vec<Group> {
        let mut v: Vec<Group> = self
            .metric(metric)
            .map(|groups| groups.keys().cloned().collect())
            .unwrap_or_default();
        // Each group's text once, not once per comparison (R4 has thousands of groups).
        v.sort_by_cached_key(|g| format!("{g:?}"));
        v
    }
    /// The currencies without a rate of the records counted so far.
    pub fn no_rate_currencies(&self) -> &BTreeSet<String> {
        &self.no_rate
    }
    /// The ids collected for the wanted key, in counting order.
    pub fn into_hits(self) -> Vec<i64> {
        self.hits
    }
}
