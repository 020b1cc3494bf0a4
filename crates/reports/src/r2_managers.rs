//! R2 — manager efficiency: per employee (with department subtotals and a team total) the completed activities,
//! the activity index, deal and lead results under the chosen conversion method, and overdue open activities.
//! Counting happens in `compute` (re-run by drill-downs); it must never read the store.
//!
//! Every record is counted under its responsible person (`User`), that person's main department (`Department`)
//! and the team (`Total`), so a subtotal's drill-down lists exactly the records of its rows.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::answer::{
    amount_cell, avg_cell, count_cell, count_tile, drill, money, tile, value_cell, Answer,
    BlockKind, Cell, Row, Table, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::{Cohort, Range};
use crate::load::{self, ActRec, ActWindow, DealRec, DealWindow, LeadRec, LeadWindow};
use crate::metrics::{self, pct, ActivityKind, Status};
use crate::money::Money;
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

pub(crate) struct Data {
    deals: Vec<DealRec>,
    leads: Vec<LeadRec>,
    acts: Vec<ActRec>,
    overdue: Vec<ActRec>,
    calls: Vec<(i64, i64, Option<i64>)>,
}

/// `grouped`: activities counted by the database (answers); single activities (drill-downs, which need ids).
/// `full`: also overdue activities and call statistics (the comparison period feeds only tiles, which need neither).
pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    range: Range,
    grouped: bool,
    full: bool,
) -> Result<Data, ReportError> {
    let acts = |w| async move {
        if grouped {
            load::activity_groups(src, ctx, w).await
        } else {
            load::activities(src, ctx, w).await
        }
    };
    let overdue = async {
        if full {
            acts(ActWindow::OverdueAt(ctx.now)).await
        } else {
            Ok(vec![])
        }
    };
    let calls = async {
        if full {
            load::call_seconds(src, ctx, range).await
        } else {
            Ok(vec![])
        }
    };
    let (deals, leads, acts, overdue, calls) = futures::try_join!(
        load::deals(src, ctx, DealWindow::CreatedOrClosed(range)),
        load::leads(src, ctx, LeadWindow::CreatedOrClosed(range)),
        acts(ActWindow::CompletedIn(range)),
        overdue,
        calls
    )?;
    Ok(Data {
        deals,
        leads,
        acts,
        overdue,
        calls,
    })
}

/// The activity column a completed activity counts in, if any (the activity index sums exactly these).
pub(crate) fn activity_metric(a: &ActRec) -> Option<&'static str> {
    if !a.completed {
        return None;
    }
    match a.kind {
        ActivityKind::Call if a.direction == 2 => Some("act_calls_out"),
        ActivityKind::Call if a.direction == 1 => Some("act_calls_in"),
        ActivityKind::Email if a.direction == 2 => Some("act_emails_sent"),
        ActivityKind::Meeting => Some("act_meetings_held"),
        ActivityKind::Todo | ActivityKind::Task => Some("act_todos_done"),
        _ => None,
    }
}

struct Counter<'a> {
    t: &'a mut Tally,
    p: &'a Prepared,
}

impl Counter<'_> {
    /// Counts under the person, their main department and the team.
    fn add(
        &mut self,
        metric: &'static str,
        user: Option<i64>,
        id: i64,
        amount: impl Into<Money>,
        value: f64,
    ) {
        self.add_n(metric, user, id, 1, amount, value);
    }
    /// Counts `n` records at once (a group the database counted).
    fn add_n(
        &mut self,
        metric: &'static str,
        user: Option<i64>,
        id: i64,
        n: u64,
        amount: impl Into<Money>,
        value: f64,
    ) {
        let amount: Money = amount.into();
        let dept = Group::Department(self.p.dicts.main_department(user));
        for g in [Group::User(user.unwrap_or(0)), dept, Group::Total] {
            self.t.add_weighted(metric, g, id, n, amount, value);
        }
    }
}

pub(crate) fn compute(p: &Prepared, range: Range, data: &Data, t: &mut Tally) {
    let tz = &p.ctx.tz;
    let cohort = p.resolved.filter.cohort;
    let mut c = Counter { t, p };
    for a in &data.acts {
        if !p.scope.person(a.responsible) || !range.contains_ts(a.when) {
            continue;
        }
        if let Some(m) = activity_metric(a) {
            c.add_n(m, a.responsible, a.id, a.weight, 0, 0.0);
            c.add_n("act_completed", a.responsible, a.id, a.weight, 0, 0.0);
        }
    }
    for a in &data.overdue {
        if p.scope.person(a.responsible)
            && metrics::activity_overdue(a.completed, a.deadline, p.ctx.now)
        {
            c.add_n("act_overdue", a.responsible, a.id, a.weight, 0, 0.0);
        }
    }
    for d in &data.deals {
        if !p
            .scope
            .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        {
            continue;
        }
        let created_in = range.contains_ts(d.created);
        let closed_in = d.close_day.is_some_and(|x| range.contains_day(x));
        if created_in {
            c.add("deal_created", d.manager, d.id, d.amount, 0.0);
            if d.status == Status::InWork {
                c.add("deal_in_work", d.manager, d.id, d.amount, 0.0);
            }
        }
        // Won / lost in the period = closed in the period (close day), whatever the cohort switch.
        match (closed_in, d.status, d.close_day) {
            (true, Status::Won, Some(day)) => {
                c.add("deal_won", d.manager, d.id, d.amount, 0.0);
                c.add(
                    "deal_cycle",
                    d.manager,
                    d.id,
                    d.amount,
                    metrics::cycle_days(d.created, day, tz) as f64,
                );
            }
            (true, Status::Lost, _) => c.add("deal_lost", d.manager, d.id, d.amount, 0.0),
            _ => {}
        }
        if created_in && d.status == Status::Won {
            c.add("cohort_won", d.manager, d.id, d.amount, 0.0);
        }
        let member = match cohort {
            Cohort::Created => created_in,
            Cohort::Closed => closed_in,
        };
        if member {
            c.add("deals_cohort", d.manager, d.id, d.amount, 0.0);
        }
    }
    for l in &data.leads {
        if !p.scope.lead(l.id, l.manager, l.source.as_deref()) {
            continue;
        }
        if range.contains_ts(l.created) {
            c.add("lead_created", l.manager, l.id, l.amount, 0.0);
            if l.status == Status::Won {
                c.add("lead_converted", l.manager, l.id, l.amount, 0.0);
            }
        }
        if l.closed_at.is_some_and(|x| range.contains_ts(x)) {
            c.add("leads_processed", l.manager, l.id, l.amount, 0.0);
        }
    }
}

const COLUMNS: &[(&str, Unit)] = &[
    ("act_calls_out", Unit::Count),
    ("act_calls_in", Unit::Count),
    ("call_minutes", Unit::Minutes),
    ("act_emails_sent", Unit::Count),
    ("act_meetings_held", Unit::Count),
    ("act_todos_done", Unit::Count),
    ("act_completed", Unit::Count),
    ("activity_index", Unit::Index),
    ("deal_created", Unit::Count),
    ("deal_won", Unit::Count),
    ("deal_won", Unit::Money),
    ("deal_lost", Unit::Count),
    ("deal_in_work", Unit::Count),
    ("conversion", Unit::Percent),
    ("cohort_conversion", Unit::Percent),
    ("deal_cycle", Unit::Days),
    ("avg_check", Unit::Money),
    ("lead_created", Unit::Count),
    ("leads_processed", Unit::Count),
    ("lead_conversion", Unit::Percent),
    ("act_overdue", Unit::Count),
    ("act_overdue_oldest", Unit::Instant),
];

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let range = p.resolved.period;
    let prev_data = async {
        match p.resolved.comparison {
            Some(r) => load(src, &p.ctx, r, true, false)
                .await
                .map(|d| Some((r, d))),
            None => Ok(None),
        }
    };
    let (data, prev_data) = futures::try_join!(load(src, &p.ctx, range, true, true), prev_data)?;
    let mut cur = Tally::new();
    compute(p, range, &data, &mut cur);
    let prev = prev_data.map(|(r, d)| {
        let mut t = Tally::new();
        compute(p, r, &d, &mut t);
        t
    });

    // Talk minutes from call statistics and the oldest overdue deadline: values, not counts (no drill).
    let mut minutes: HashMap<Group, f64> = HashMap::new();
    for (_, secs, user) in &data.calls {
        if p.scope.person(*user) {
            for g in [
                Group::User(user.unwrap_or(0)),
                Group::Department(p.dicts.main_department(*user)),
                Group::Total,
            ] {
                *minutes.entry(g).or_default() += *secs as f64 / 60.0;
            }
        }
    }
    let mut oldest: HashMap<Group, i64> = HashMap::new();
    for a in &data.overdue {
        if p.scope.person(a.responsible)
            && metrics::activity_overdue(a.completed, a.deadline, p.ctx.now)
        {
            if let Some(dl) = a.deadline {
                for g in [
                    Group::User(a.responsible.unwrap_or(0)),
                    Group::Department(p.dicts.main_department(a.responsible)),
                    Group::Total,
                ] {
                    let e = oldest.entry(g).or_insert(dl);
                    *e = (*e).min(dl);
                }
            }
        }
    }

    // Rows: the employees in scope who are active, plus anyone with counted records (inactive ones marked).
    let mut users: HashSet<i64> = match &p.scope.people {
        Some(people) => people.clone(),
        None => p
            .dicts
            .users
            .iter()
            .filter(|(_, u)| u.active)
            .map(|(id, _)| *id)
            .collect(),
    };
    for m in [
        "act_completed",
        "deal_created",
        "deals_cohort",
        "deal_won",
        "deal_lost",
        "lead_created",
        "leads_processed",
        "act_overdue",
    ] {
        for g in cur.groups(m) {
            if let Group::User(u) = g {
                users.insert(u);
            }
        }
    }
    let mean_completed = if users.is_empty() {
        0.0
    } else {
        users
            .iter()
            .map(|u| cur.get("act_completed", &Group::User(*u)).count as f64)
            .sum::<f64>()
            / users.len() as f64
    };
    let mut by_dept: BTreeMap<(String, i64), Vec<(String, i64)>> = BTreeMap::new();
    for u in &users {
        let dept = p.dicts.main_department(Some(*u));
        by_dept
            .entry((p.dicts.dept_name(dept), dept))
            .or_default()
            .push((p.dicts.user_name(Some(*u)), *u));
    }
    let row = |g: Group, label: String, note: Option<&'static str>, members: f64| -> Row {
        let completed = cur.get("act_completed", &g).count as f64;
        let index = if mean_completed > 0.0 && members > 0.0 {
            Some(completed / members / mean_completed * 100.0)
        } else {
            None
        };
        let won = cur.get("deal_won", &g);
        let cells: Vec<Cell> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (m, unit))| match (*m, unit, i) {
                ("call_minutes", _, _) => value_cell(Some(minutes.get(&g).copied().unwrap_or(0.0))),
                ("activity_index", _, _) => value_cell(index),
                ("deal_won", Unit::Money, _) => amount_cell(&cur, "deal_won", &g),
                ("conversion", _, _) => Cell {
                    value: metrics::win_rate(won.count, cur.get("deal_lost", &g).count),
                    drill: drill("deal_won", &g, Side::Current, won.count),
                },
                ("cohort_conversion", _, _) => {
                    let cw = cur.get("cohort_won", &g).count;
                    Cell {
                        value: pct(cw as f64, cur.get("deal_created", &g).count as f64),
                        drill: drill("cohort_won", &g, Side::Current, cw),
                    }
                }
                ("deal_cycle", _, _) => avg_cell(&cur, "deal_cycle", &g),
                ("avg_check", _, _) => value_cell(metrics::mean(money(won.amount), won.priced())),
                ("lead_conversion", _, _) => value_cell(pct(
                    cur.get("lead_converted", &g).count as f64,
                    cur.get("lead_created", &g).count as f64,
                )),
                ("act_overdue_oldest", _, _) => value_cell(oldest.get(&g).map(|x| *x as f64)),
                (m, _, _) => count_cell(&cur, m, &g, Side::Current),
            })
            .collect();
        Row {
            group: g,
            label,
            note,
            cells,
        }
    };
    let mut table = Table::new("employees", BlockKind::Table, COLUMNS);
    for ((dname, dept), mut members) in by_dept {
        members.sort();
        let n = members.len() as f64;
        for (name, u) in members {
            let note = if u != 0 && !p.dicts.user_active(u) {
                Some("inactive")
            } else {
                None
            };
            table.rows.push(row(Group::User(u), name, note, 1.0));
        }
        table
            .rows
            .push(row(Group::Department(dept), dname, Some("subtotal"), n));
    }
    table.total = Some(row(
        Group::Total,
        "Итого".to_string(),
        None,
        users.len() as f64,
    ));

    let tiles = vec![
        count_tile("act_completed", &cur, prev.as_ref(), false),
        count_tile("deal_created", &cur, prev.as_ref(), true),
        count_tile("deal_won", &cur, prev.as_ref(), true),
        tile(
            "conversion",
            Unit::Percent,
            &cur,
            prev.as_ref(),
            |t| {
                metrics::win_rate(
                    t.get("deal_won", &Group::Total).count,
                    t.get("deal_lost", &Group::Total).count,
                )
            },
            false,
            Some("deal_won"),
        ),
        count_tile("act_overdue", &cur, None, false),
    ];
    let empty = users.is_empty();
    let mut meta = p
        .meta(src, ReportId::Managers, empty, "no_employees_in_scope")
        .await?;
    meta.note_money(&[Some(&cur), prev.as_ref()]);
    meta.notes.push((
        "deal_list_cohort".into(),
        format!("{:?}", p.resolved.filter.cohort).to_lowercase(),
    ));
    Ok(Answer {
        meta,
        tiles,
        tables: vec![table],
    })
}

pub(crate) async fn hits(
    src: &ReportSource,
    p: &Prepared,
    range: Range,
    metric: &str,
    group: &Group,
) -> Result<Vec<i64>, ReportError> {
    let data = load(src, &p.ctx, range, false, true).await?;
    let mut t = Tally::collecting(metric, group.clone());
    compute(p, range, &data, &mut t);
    Ok(t.into_hits())
}
