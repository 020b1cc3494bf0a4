//! R5 — team performance on tasks: the execution coefficient (share started on time × share finished on time) with
//! its dynamics by week / month / quarter, and per project, department and employee: assigned, completed, completed
//! on time, overdue, not started, in progress. Counting happens in `compute` (re-run by drill-downs); it must
//! never read the store.
//!
//! The universe is the tasks whose deadline falls in the period (declined tasks left out); tasks without a deadline
//! created in the period are counted apart (`task_no_deadline`) and stay out of the shares.

use std::collections::BTreeSet;

use crate::answer::{
    count_cell, count_tile, tile, value_cell, Answer, BlockKind, Cell, Row, Table, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Range;
use crate::load::{self, TaskRec};
use crate::metrics::{self, pct, task_status};
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

pub(crate) struct Data {
    tasks: Vec<TaskRec>,
}

pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    range: Range,
) -> Result<Data, ReportError> {
    Ok(Data {
        tasks: load::tasks(src, ctx, range).await?,
    })
}

pub(crate) fn compute(p: &Prepared, range: Range, data: &Data, t: &mut Tally) {
    let bucket = p.resolved.filter.bucket;
    let now = p.ctx.now;
    for task in &data.tasks {
        if !p.scope.task(task.responsible, task.project)
            || task.times.status == task_status::DECLINED
        {
            continue;
        }
        let dept = p.dicts.main_department(task.responsible);
        let Some(deadline) = task.times.deadline else {
            if range.contains_ts(task.created) {
                t.add("task_no_deadline", Group::Total, task.id, 0);
            }
            continue;
        };
        if !range.contains_ts(deadline) {
            continue;
        }
        let b = bucket.start(p.ctx.tz.day(deadline));
        let groups = [
            Group::Total,
            Group::Project(task.project.unwrap_or(0)),
            Group::Department(dept),
            Group::User(task.responsible.unwrap_or(0)),
            Group::Bucket(b),
            Group::DepartmentBucket(dept, b),
        ];
        let tm = &task.times;
        let flags: [(&'static str, bool); 7] = [
            ("task_universe", true),
            ("task_started_on_time", metrics::started_on_time(tm)),
            ("task_finished_on_time", metrics::finished_on_time(tm)),
            ("task_done", metrics::task_done(tm)),
            ("task_overdue", metrics::task_overdue(tm, now)),
            ("task_not_started", metrics::task_not_started(tm)),
            ("task_in_progress", metrics::task_in_progress(tm)),
        ];
        for (metric, on) in flags {
            if on {
                for g in &groups {
                    t.add(metric, g, task.id, 0);
                }
            }
        }
    }
}

const COLUMNS: &[(&str, Unit)] = &[
    ("task_universe", Unit::Count),
    ("task_done", Unit::Count),
    ("task_finished_on_time", Unit::Count),
    ("task_started_on_time", Unit::Count),
    ("task_overdue", Unit::Count),
    ("task_not_started", Unit::Count),
    ("task_in_progress", Unit::Count),
    ("task_started_share", Unit::Percent),
    ("task_finished_share", Unit::Percent),
    ("exec_coefficient", Unit::Percent),
];

fn shares(t: &Tally, g: &Group) -> (Option<f64>, Option<f64>, Option<f64>) {
    let u = t.get("task_universe", g).count;
    let s = t.get("task_started_on_time", g).count;
    let f = t.get("task_finished_on_time", g).count;
    (
        pct(s as f64, u as f64),
        pct(f as f64, u as f64),
        metrics::execution_coefficient(s, f, u),
    )
}

fn row(t: &Tally, g: Group, label: String, note: Option<&'static str>) -> Row {
    let (ss, fs, k) = shares(t, &g);
    let cells: Vec<Cell> = COLUMNS
        .iter()
        .map(|(m, _)| match *m {
            "task_started_share" => value_cell(ss),
            "task_finished_share" => value_cell(fs),
            "exec_coefficient" => value_cell(k),
            m => count_cell(t, m, &g, Side::Current),
        })
        .collect();
    Row {
        group: g,
        label,
        note,
        cells,
    }
}

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let range = p.resolved.period;
    let data = load(src, &p.ctx, range).await?;
    let mut cur = Tally::new();
    compute(p, range, &data, &mut cur);
    let prev = match p.resolved.comparison {
        Some(r) => {
            let d = load(src, &p.ctx, r).await?;
            let mut t = Tally::new();
            compute(p, r, &d, &mut t);
            Some(t)
        }
        None => None,
    };
    let bucket = p.resolved.filter.bucket;
    let mut dynamics = Table::new("dynamics", BlockKind::Series, COLUMNS);
    let mut days = BTreeSet::new();
    if !range.is_empty() {
        let mut d = bucket.start(range.from);
        while d <= range.to {
            days.insert(d);
            d = crate::r1_sales_dynamics::next_bucket(bucket, d);
        }
    }
    for d in &days {
        dynamics.rows.push(row(
            &cur,
            Group::Bucket(*d),
            d.format("%Y-%m-%d").to_string(),
            None,
        ));
    }
    let mut by_project = Table::new("by_project", BlockKind::Table, COLUMNS);
    let mut by_dept = Table::new("by_department", BlockKind::Table, COLUMNS);
    let mut by_user = Table::new("by_employee", BlockKind::Table, COLUMNS);
    let mut dept_dyn = Table::new("department_dynamics", BlockKind::Series, COLUMNS);
    for g in cur.groups("task_universe") {
        match g {
            Group::Project(id) => {
                let name = if id == 0 {
                    "—".to_string()
                } else {
                    p.dicts
                        .projects
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{id}"))
                };
                by_project.rows.push(row(&cur, g, name, None));
            }
            Group::Department(id) => by_dept.rows.push(row(&cur, g, p.dicts.dept_name(id), None)),
            Group::User(id) => {
                let note = if id != 0 && !p.dicts.user_active(id) {
                    Some("inactive")
                } else {
                    None
                };
                by_user
                    .rows
                    .push(row(&cur, g, p.dicts.user_name(Some(id)), note));
            }
            Group::DepartmentBucket(id, d) => dept_dyn.rows.push(row(
                &cur,
                g,
                format!("{} {}", p.dicts.dept_name(id), d.format("%Y-%m-%d")),
                None,
            )),
            _ => {}
        }
    }
    for tb in [&mut by_project, &mut by_dept, &mut by_user] {
        tb.total = Some(row(&cur, Group::Total, "Итого".into(), None));
    }
    let tiles = vec![
        tile(
            "exec_coefficient",
            Unit::Percent,
            &cur,
            prev.as_ref(),
            |t| shares(t, &Group::Total).2,
            false,
            Some("task_universe"),
        ),
        tile(
            "task_started_share",
            Unit::Percent,
            &cur,
            prev.as_ref(),
            |t| shares(t, &Group::Total).0,
            false,
            Some("task_started_on_time"),
        ),
        tile(
            "task_finished_share",
            Unit::Percent,
            &cur,
            prev.as_ref(),
            |t| shares(t, &Group::Total).1,
            false,
            Some("task_finished_on_time"),
        ),
        count_tile("task_universe", &cur, prev.as_ref(), false),
        count_tile("task_overdue", &cur, prev.as_ref(), false),
        count_tile("task_no_deadline", &cur, prev.as_ref(), false),
    ];
    let empty = cur.get("task_universe", &Group::Total).count == 0;
    let meta = p
        .meta(
            src,
            ReportId::Tasks,
            empty,
            "no_tasks_with_deadline_in_period",
        )
        .await?;
    Ok(Answer {
        meta,
        tiles,
        tables: vec![dynamics, by_project, by_dept, by_user, dept_dyn],
    })
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
    compute(p, range, &data, &mut t);
    Ok(t.into_hits())
}
