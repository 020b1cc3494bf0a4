//! R3 — sales plan: plan rows (employee or department × pipeline or all × month / quarter / year) against the fact
//! (won deals closed in the row's period, in its pipeline, by the responsible employee), with % done, remaining,
//! forecast at the current pace, coverage by open deals due in the period, and the bonus by threshold or ladder.
//! Also the validation of plan rows for the server's plan editor. Counting happens in `compute` (re-run by
//! drill-downs); it must never read the store.
//!
//! Rows shown: those whose plan period overlaps the filter period. A row's fact, coverage and forecast are taken over
//! the part of its period inside the filter period, and its plan, count and bonus are prorated by days to that part
//! (a quarter row in a month view counts a month's share, marked "prorated"), so the team's fact is R1's won.
//! A deal matching two rows of one employee counts once in that employee's (and department's, and the team's) fact.
//! The path to the bonus (per-day needs and the deals that lift an employee over the next step) is `path`.

pub mod path;

use std::collections::{BTreeMap, HashMap, HashSet};

use b24a_store::PortalId;
use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::answer::{
    count_cell, drill, money, value_cell, Answer, BlockKind, Cell, Row, Table, Tile, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::{FilterError, Range};
use crate::load::{self, DealRec, DealWindow};
use crate::metrics::{self, pct, LadderStep, Status};
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

/// Bonus rules chosen on the report page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanOptions {
    /// The single threshold slider, 80..=110 % (default 100 %): the whole bonus from this % done on.
    pub threshold_pct: f64,
    /// A bonus ladder; when non-empty it replaces the threshold.
    pub ladder: Vec<LadderStep>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            threshold_pct: 100.0,
            ladder: vec![],
        }
    }
}

impl PlanOptions {
    pub fn validate(&self) -> Result<(), FilterError> {
        if !(80.0..=110.0).contains(&self.threshold_pct) {
            return Err(FilterError::invalid(
                "plan.threshold_pct",
                format!("{} is outside 80..=110", self.threshold_pct),
            ));
        }
        if self.ladder.len() > 10 {
            return Err(FilterError::invalid("plan.ladder", "at most 10 steps"));
        }
        for (i, s) in self.ladder.iter().enumerate() {
            if !(s.percent_done.is_finite() && (1.0..=500.0).contains(&s.percent_done)) {
                return Err(FilterError::invalid(
                    format!("plan.ladder[{i}].percent_done"),
                    "must be 1..=500",
                ));
            }
            if !(s.bonus_share.is_finite() && (0.0..=1000.0).contains(&s.bonus_share)) {
                return Err(FilterError::invalid(
                    format!("plan.ladder[{i}].bonus_share"),
                    "must be 0..=1000",
                ));
            }
        }
        Ok(())
    }
    pub(crate) fn steps(&self) -> Vec<LadderStep> {
        if self.ladder.is_empty() {
            vec![LadderStep {
                percent_done: self.threshold_pct,
                bonus_share: 100.0,
            }]
        } else {
            self.ladder.clone()
        }
    }
}

/// A plan row as the editor sends it (also used to validate pasted spreadsheet rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRowInput {
    pub user_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Pipeline; `None` = all pipelines.
    pub category_id: Option<i64>,
    /// month | quarter | year
    pub period_kind: String,
    /// `YYYY-MM-DD`, the first day of the period.
    pub period_start: String,
    pub amount_cents: i64,
    pub deal_count: Option<i64>,
    #[serde(default)]
    pub bonus_cents: i64,
    pub grade: Option<String>,
}

/// Checks a plan row against the portal's dictionaries. `row` prefixes the field names (e.g. `rows[3]`).
pub fn validate_plan_row(
    row: &str,
    r: &PlanRowInput,
    dicts: &crate::dicts::Dicts,
) -> Result<(NaiveDate, NaiveDate), FilterError> {
    let f = |name: &str| format!("{row}.{name}");
    match (r.user_id, r.department_id) {
        (None, None) => {
            return Err(FilterError::invalid(
                f("user_id"),
                "an employee or a department is required",
            ))
        }
        (Some(u), _) if !dicts.users.contains_key(&u) => {
            return Err(FilterError::invalid(
                f("user_id"),
                format!("unknown employee {u}"),
            ))
        }
        (_, Some(d)) if !dicts.departments.contains_key(&d) => {
            return Err(FilterError::invalid(
                f("department_id"),
                format!("unknown department {d}"),
            ))
        }
        _ => {}
    }
    if let Some(c) = r.category_id {
        if !dicts.pipelines.iter().any(|(p, _)| *p == c) {
            return Err(FilterError::invalid(
                f("category_id"),
                format!("unknown pipeline {c}"),
            ));
        }
    }
    let start = NaiveDate::parse_from_str(&r.period_start, "%Y-%m-%d")
        .map_err(|_| FilterError::invalid(f("period_start"), "not a date YYYY-MM-DD"))?;
    let end = period_end(&r.period_kind, start)
        .ok_or_else(|| FilterError::invalid(f("period_kind"), "must be month, quarter or year"))?;
    let aligned = start.day() == 1
        && match r.period_kind.as_str() {
            "quarter" => start.month0() % 3 == 0,
            "year" => start.month() == 1,
            _ => true,
        };
    if !aligned || start.year() < 2000 || start.year() > 2100 {
        return Err(FilterError::invalid(
            f("period_start"),
            format!("{start} does not start a {}", r.period_kind),
        ));
    }
    const MAX: i64 = 100_000_000_000_000; // 1e12 currency units in cents
    if !(0..=MAX).contains(&r.amount_cents) {
        return Err(FilterError::invalid(f("amount_cents"), "must be 0..=1e14"));
    }
    if !(0..=MAX).contains(&r.bonus_cents) {
        return Err(FilterError::invalid(f("bonus_cents"), "must be 0..=1e14"));
    }
    if r.deal_count.is_some_and(|c| !(0..=1_000_000).contains(&c)) {
        return Err(FilterError::invalid(f("deal_count"), "must be 0..=1000000"));
    }
    if r.grade.as_ref().is_some_and(|g| g.len() > 50) {
        return Err(FilterError::invalid(f("grade"), "at most 50 characters"));
    }
    Ok((start, end))
}

/// The last day of a plan period.
pub fn period_end(kind: &str, start: NaiveDate) -> Option<NaiveDate> {
    let months = match kind {
        "month" => 1,
        "quarter" => 3,
        "year" => 12,
        _ => return None,
    };
    start
        .checked_add_months(Months::new(months))
        .map(|d| d - Duration::days(1))
}

#[derive(Debug, Clone)]
pub(crate) struct PlanRow {
    id: i64,
    user: Option<i64>,
    department: Option<i64>,
    pipeline: Option<i64>,
    /// The row's own period.
    range: Range,
    /// The part of the row's period inside the chosen period: fact, coverage and forecast are taken over it.
    window: Range,
    /// Plan, count and bonus prorated by days to `window` (the whole row when its period lies inside the view).
    amount: i64,
    count: Option<i64>,
    bonus: i64,
    grade: Option<String>,
    prorated: bool,
}

/// `value` × `part` ÷ `whole` days, rounded.
fn prorate(value: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 || part >= whole {
        return value;
    }
    (value as f64 * part as f64 / whole as f64).round() as i64
}

pub(crate) struct Data {
    rows: Vec<PlanRow>,
    deals: Vec<DealRec>,
}

pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    range: Range,
) -> Result<Data, ReportError> {
    // Every row of the portal, in the order they were entered (id).
    let mut plans = src.store().plans(PortalId(ctx.portal_id)).await?;
    plans.sort_by_key(|p| p.id);
    let mut rows = Vec::new();
    for plan in plans {
        let (id, user, department, pipeline, kind, start, amount, count, bonus, grade) = (
            plan.id,
            plan.user_id,
            plan.department_id,
            plan.category_id,
            plan.period_kind,
            plan.period_start,
            plan.amount_cents,
            plan.deal_count,
            plan.bonus_cents,
            plan.grade,
        );
        // Rows are validated when written; one that no longer parses is skipped rather than failing the report.
        let Some(s) = metrics::parse_day(Some(&start)) else {
            continue;
        };
        let Some(e) = period_end(&kind, s) else {
            continue;
        };
        if range.is_empty() || e < range.from || s > range.to {
            continue;
        }
        let own = Range::new(ctx, s, e);
        // A view reaching today ("this month" ends today) is taken to the row's end: the rest of the row's period is
        // still ahead of it, not outside it, so a month row in "this month" is never cut to the days so far.
        let to = if range.to >= ctx.today() {
            e
        } else {
            e.min(range.to)
        };
        let window = Range::new(ctx, s.max(range.from), to);
        let (part, whole) = (window.days(), own.days());
        rows.push(PlanRow {
            id,
            user,
            department,
            pipeline,
            range: own,
            window,
            amount: prorate(amount, part, whole),
            count: count.map(|c| prorate(c, part, whole)),
            bonus: prorate(bonus, part, whole),
            grade,
            prorated: part < whole,
        });
    }
    let deals = match (
        rows.iter().map(|r| r.window.from).min(),
        rows.iter().map(|r| r.window.to).max(),
    ) {
        (Some(from), Some(to)) => {
            load::deals(
                src,
                ctx,
                DealWindow::ClosedOrPlanned(Range::new(ctx, from, to)),
            )
            .await?
        }
        _ => vec![],
    };
    Ok(Data { rows, deals })
}

fn row_matches(p: &Prepared, r: &PlanRow, d: &DealRec) -> bool {
    if !p
        .scope
        .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        || r.pipeline.is_some_and(|c| c != d.pipeline)
    {
        return false;
    }
    match (r.user, r.department) {
        (Some(u), _) => d.manager == Some(u),
        (None, Some(dep)) => p.dicts.main_department(d.manager) == dep,
        (None, None) => false,
    }
}

/// Counts fact (`plan_fact`) and coverage (`plan_open`) per plan row, employee, department and team, each deal once
/// per group.
pub(crate) fn compute(p: &Prepared, data: &Data, t: &mut Tally) {
    let mut seen: HashSet<(&'static str, Group, i64)> = HashSet::new();
    let mut add = |t: &mut Tally, metric: &'static str, g: Group, d: &DealRec| {
        if seen.insert((metric, g.clone(), d.id)) {
            t.add(metric, g, d.id, d.amount);
        }
    };
    // An employee's row can only match that employee's deals: look only at those (same order, same predicate).
    let mut by_manager: HashMap<Option<i64>, Vec<&DealRec>> = HashMap::new();
    for d in &data.deals {
        by_manager.entry(d.manager).or_default().push(d);
    }
    let all: Vec<&DealRec> = data.deals.iter().collect();
    for r in &data.rows {
        if !p.scope.plan_row(r.user, r.department) {
            continue;
        }
        let candidates = match r.user {
            Some(u) => by_manager.get(&Some(u)).map_or(&[][..], |v| v.as_slice()),
            None => all.as_slice(),
        };
        for d in candidates.iter().copied() {
            if !row_matches(p, r, d) {
                continue;
            }
            let metric = match (d.status, d.close_day, d.closedate) {
                (Status::Won, Some(c), _) if r.window.contains_day(c) => "plan_fact",
                (Status::InWork, _, Some(planned)) if r.window.contains_day(planned) => "plan_open",
                _ => continue,
            };
            add(t, metric, Group::Plan(r.id), d);
            let dept = r
                .department
                .unwrap_or_else(|| p.dicts.main_department(d.manager));
            if let Some(u) = r.user {
                add(t, metric, Group::User(u), d);
            }
            if r.user.is_some() || r.department.is_some() {
                add(t, metric, Group::Department(dept), d);
            }
            add(t, metric, Group::Total, d);
        }
    }
}

const COLUMNS: &[(&str, Unit)] = &[
    ("plan_amount", Unit::Money),
    ("plan_count", Unit::Count),
    ("plan_fact", Unit::Count),
    ("plan_fact", Unit::Money),
    ("plan_done_pct", Unit::Percent),
    ("plan_remaining", Unit::Money),
    ("plan_forecast", Unit::Money),
    ("plan_open", Unit::Count),
    ("plan_open", Unit::Money),
    ("plan_bonus", Unit::Money),
];

#[derive(Default, Clone, Copy)]
struct Sums {
    plan: i64,
    count: Option<i64>,
    /// Σ over the rows of (row forecast − row fact): what the pace adds to the group's fact (0 once every row's
    /// period is over, so a finished period's forecast is its fact).
    ahead: i64,
    bonus: i64,
    /// Set for groups whose remainder is the sum of their members' (departments, team); rows and employees take
    /// plan − fact.
    remaining: Option<i64>,
}

pub async fn run(
    src: &ReportSource,
    p: &Prepared,
    opts: &PlanOptions,
) -> Result<Answer, ReportError> {
    opts.validate()?;
    let data = load(src, &p.ctx, p.resolved.period).await?;
    let mut t = Tally::new();
    compute(p, &data, &mut t);
    let steps = opts.steps();
    let today = p.ctx.today();
    // Per row: its own % done, forecast and bonus; then summed per employee / department / team.
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    let key = |g: &Group| format!("{g:?}");
    let mut table = Table::new("plan_rows", BlockKind::Table, COLUMNS);
    let mut people = Table::new("by_employee", BlockKind::Table, COLUMNS);
    let mut depts = Table::new("by_department", BlockKind::Table, COLUMNS);
    let mut explicit_dept: HashSet<i64> = HashSet::new();
    let mut user_rows: BTreeMap<i64, Vec<&PlanRow>> = BTreeMap::new();
    for r in &data.rows {
        if !p.scope.plan_row(r.user, r.department) {
            continue;
        }
        let g = Group::Plan(r.id);
        let fact = t.get("plan_fact", &g);
        let done = pct(fact.amount as f64, r.amount as f64);
        let w = r.window;
        let elapsed = if today < w.from {
            0
        } else {
            (today.min(w.to) - w.from).num_days() + 1
        };
        let forecast = metrics::forecast(fact.amount, elapsed, w.days());
        let bonus = metrics::bonus_earned(r.bonus, done, &steps);
        let s = Sums {
            plan: r.amount,
            count: r.count,
            ahead: forecast - fact.amount,
            bonus,
            remaining: None,
        };
        let mut targets = vec![Group::Total];
        match (r.user, r.department) {
            (Some(u), _) => {
                user_rows.entry(u).or_default().push(r);
                targets.push(Group::User(u));
                targets.push(Group::Department(p.dicts.main_department(Some(u))));
            }
            (None, Some(d)) => {
                explicit_dept.insert(d);
                targets.push(Group::Department(d));
            }
            _ => {}
        }
        for tg in targets {
            let e = sums.entry(key(&tg)).or_default();
            e.plan += s.plan;
            e.count = match (e.count, s.count) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            };
            e.ahead += s.ahead;
            e.bonus += s.bonus;
        }
        let who = match (r.user, r.department) {
            (Some(u), _) => p.dicts.user_name(Some(u)),
            (None, Some(d)) => p.dicts.dept_name(d),
            _ => String::new(),
        };
        let pipeline = r
            .pipeline
            .map(|c| p.dicts.pipeline_name(c))
            .unwrap_or_else(|| "*".into());
        let grade = r
            .grade
            .as_ref()
            .map(|g| format!(" ({g})"))
            .unwrap_or_default();
        let mut shown = row(
            &t,
            g,
            format!("{who}{grade} · {pipeline} · {}", r.range.from),
            s,
        );
        if r.prorated {
            shown.note = Some("prorated");
        }
        table.rows.push(shown);
    }
    // A department plan set explicitly replaces the sum of its employees' plans (the sums above added both: the
    // employees' part is taken out again).
    for d in &explicit_dept {
        let members: Sums = user_rows
            .iter()
            .filter(|(u, _)| p.dicts.main_department(Some(**u)) == *d)
            .flat_map(|(_, rows)| rows.iter())
            .fold(Sums::default(), |mut acc, r| {
                acc.plan += r.amount;
                acc
            });
        for g in [Group::Department(*d), Group::Total] {
            if let Some(e) = sums.get_mut(&key(&g)) {
                e.plan -= members.plan;
            }
        }
    }
    // Remaining: an employee's (or an explicit department row's) plan − fact, not below 0; a department without its
    // own row and the team add up their members' remainders (one employee ahead of plan never hides another's gap).
    let left = |g: &Group| {
        let s = sums.get(&key(g)).copied().unwrap_or_default();
        (s.plan - t.get("plan_fact", g).amount).max(0)
    };
    let mut dept_left: BTreeMap<i64, i64> = BTreeMap::new();
    for u in user_rows.keys() {
        let d = p.dicts.main_department(Some(*u));
        if !explicit_dept.contains(&d) {
            *dept_left.entry(d).or_default() += left(&Group::User(*u));
        }
    }
    for d in &explicit_dept {
        dept_left.insert(*d, left(&Group::Department(*d)));
    }
    for (d, rem) in &dept_left {
        if let Some(e) = sums.get_mut(&key(&Group::Department(*d))) {
            e.remaining = Some(*rem);
        }
    }
    if let Some(e) = sums.get_mut(&key(&Group::Total)) {
        e.remaining = Some(dept_left.values().sum());
    }
    for u in user_rows.keys() {
        let g = Group::User(*u);
        let s = sums.get(&key(&g)).copied().unwrap_or_default();
        let note = if !p.dicts.user_active(*u) {
            Some("inactive")
        } else {
            None
        };
        let mut r = row(&t, g, p.dicts.user_name(Some(*u)), s);
        r.note = note;
        people.rows.push(r);
    }
    let mut dept_ids: Vec<i64> = user_rows
        .keys()
        .map(|u| p.dicts.main_department(Some(*u)))
        .chain(explicit_dept.iter().copied())
        .collect();
    dept_ids.sort();
    dept_ids.dedup();
    for d in dept_ids {
        let g = Group::Department(d);
        let s = sums.get(&key(&g)).copied().unwrap_or_default();
        depts.rows.push(row(&t, g, p.dicts.dept_name(d), s));
    }
    let total = sums.get(&key(&Group::Total)).copied().unwrap_or_default();
    people.total = Some(row(&t, Group::Total, "Итого".into(), total));
    let fact = t.get("plan_fact", &Group::Total);
    let v = |x: i64| Some(money(x));
    let tiles = vec![
        Tile {
            metric: "plan_amount",
            unit: Unit::Money,
            value: v(total.plan),
            amount: None,
            previous: None,
            previous_amount: None,
            delta: None,
            delta_unit: crate::answer::delta_unit(Unit::Money),
            drill: None,
        },
        Tile {
            metric: "plan_fact",
            unit: Unit::Money,
            value: v(fact.amount),
            amount: None,
            previous: None,
            previous_amount: None,
            delta: None,
            delta_unit: crate::answer::delta_unit(Unit::Money),
            drill: drill("plan_fact", &Group::Total, Side::Current, fact.count),
        },
        Tile {
            metric: "plan_done_pct",
            unit: Unit::Percent,
            value: pct(fact.amount as f64, total.plan as f64),
            amount: None,
            previous: None,
            previous_amount: None,
            delta: None,
            delta_unit: crate::answer::delta_unit(Unit::Percent),
            drill: None,
        },
        Tile {
            metric: "plan_forecast",
            unit: Unit::Money,
            value: v(fact.amount + total.ahead),
            amount: None,
            previous: None,
            previous_amount: None,
            delta: None,
            delta_unit: crate::answer::delta_unit(Unit::Money),
            drill: None,
        },
        Tile {
            metric: "plan_bonus",
            unit: Unit::Money,
            value: v(total.bonus),
            amount: None,
            previous: None,
            previous_amount: None,
            delta: None,
            delta_unit: crate::answer::delta_unit(Unit::Money),
            drill: None,
        },
    ];
    let empty = data.rows.is_empty();
    let mut meta = p
        .meta(src, ReportId::Plan, empty, "no_plan_rows_for_period")
        .await?;
    meta.note_money(&[Some(&t)]);
    meta.notes
        .push(("threshold_pct".into(), opts.threshold_pct.to_string()));
    if data.rows.iter().any(|r| r.prorated) {
        // Rows whose period reaches beyond the chosen one count the part inside it, prorated by days.
        meta.notes.push(("plan_prorated".into(), "days".into()));
    }
    if !opts.ladder.is_empty() {
        meta.notes.push((
            "ladder".into(),
            serde_json::to_string(&opts.ladder).unwrap_or_default(),
        ));
    }
    Ok(Answer {
        meta,
        tiles,
        tables: vec![people, depts, table],
    })
}

fn row(t: &Tally, g: Group, label: String, s: Sums) -> Row {
    let fact = t.get("plan_fact", &g);
    let open = t.get("plan_open", &g);
    let cells: Vec<Cell> = vec![
        value_cell(Some(money(s.plan))),
        value_cell(s.count.map(|c| c as f64)),
        count_cell(t, "plan_fact", &g, Side::Current),
        value_cell(Some(money(fact.amount))),
        value_cell(pct(fact.amount as f64, s.plan as f64)),
        value_cell(Some(money(
            s.remaining.unwrap_or((s.plan - fact.amount).max(0)),
        ))),
        value_cell(Some(money(fact.amount + s.ahead))),
        count_cell(t, "plan_open", &g, Side::Current),
        value_cell(Some(money(open.amount))),
        value_cell(Some(money(s.bonus))),
    ];
    Row {
        group: g,
        label,
        note: None,
        cells,
    }
}

pub(crate) async fn hits(
    src: &ReportSource,
    p: &Prepared,
    range: Range,
    metric: &str,
    group: &Group,
) -> Result<Vec<i64>, ReportError> {
    let data = load(src, &p.ctx, range).await?;
    let mut t = Tally::collecting(metric, group.clone());
    compute(p, &data, &mut t);
    Ok(t.into_hits())
}
