//! R1 — sales dynamics: tiles (created / won / lost / in work, conversion, cycle, average check) with comparison,
//! the created/won chart, per-pipeline stage tables from stage history, the semantics table, leads and lost deals
//! by failure stage. Counting happens in `compute`, which drill-downs re-run; it must never read the store.
//!
//! Deals moved between pipelines belong to their current pipeline only; their stage history before the last
//! "pipeline changed" row (TYPE_ID 5) is ignored, and the TYPE_ID 5 row starts the first stint in the new pipeline.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::answer::{
    amount_cell, avg_cell, count_cell, count_tile, tile, value_cell, Answer, BlockKind, Row, Table,
    Tile, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::{Cohort, Range};
use crate::load::{self, DealRec, DealWindow, HistRec, LeadRec, LeadWindow};
use crate::metrics::{self, pct, Status};
use crate::prepare::Prepared;
use crate::records::Text;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

pub(crate) struct Data {
    deals: Vec<DealRec>,
    history: HashMap<i64, Vec<HistRec>>,
    leads: Vec<LeadRec>,
}

/// Loads the period's deals, leads and (with `history`) stage history concurrently. The comparison period feeds
/// only tiles, which never look at stage history, so it is loaded without it.
pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    range: Range,
    history: bool,
) -> Result<Data, ReportError> {
    let w = DealWindow::CreatedOrClosed(range);
    let hist = async {
        if history {
            load::deal_history(src, ctx, w).await
        } else {
            Ok(HashMap::new())
        }
    };
    let (deals, history, leads) = futures::try_join!(
        load::deals(src, ctx, w),
        hist,
        load::leads(src, ctx, LeadWindow::CreatedOrClosed(range))
    )?;
    Ok(Data {
        deals,
        history,
        leads,
    })
}

/// Per-stage days a deal spent in its current pipeline, and the stages it reached.
pub(crate) fn stage_stints(
    d: &DealRec,
    rows: &[HistRec],
    now: i64,
) -> (BTreeMap<Text, f64>, HashSet<Text>) {
    let start = rows.iter().rposition(|h| h.type_id == 5).unwrap_or(0);
    let rows: Vec<&HistRec> = rows[start..]
        .iter()
        .filter(|h| h.category_id.is_none_or(|c| c == d.pipeline))
        .collect();
    let mut days: BTreeMap<Text, f64> = BTreeMap::new();
    let mut reached: HashSet<Text> = rows.iter().map(|h| h.stage_id.clone()).collect();
    reached.insert(d.stage_id.clone());
    for (i, h) in rows.iter().enumerate() {
        let end = match rows.get(i + 1) {
            Some(next) => Some(next.time),
            None if d.status == Status::InWork => Some(now),
            None => None, // a final stage is not a stint
        };
        if let Some(end) = end {
            *days.entry(h.stage_id.clone()).or_default() += metrics::span_days(h.time, end);
        }
    }
    if rows.is_empty() && d.status == Status::InWork {
        days.insert(
            d.stage_id.clone(),
            metrics::span_days(d.moved_time.unwrap_or(d.created), now),
        );
    }
    (days, reached)
}

/// When the deal entered its current stage: the last history row, else MOVED_TIME, else creation.
fn entered_current(d: &DealRec, rows: Option<&Vec<HistRec>>) -> i64 {
    rows.and_then(|r| r.last())
        .map(|h| h.time)
        .or(d.moved_time)
        .unwrap_or(d.created)
}

pub(crate) fn compute(p: &Prepared, range: Range, data: &Data, t: &mut Tally) {
    let ctx = &p.ctx;
    let tz = &ctx.tz;
    let bucket = p.resolved.filter.bucket;
    let cohort = p.resolved.filter.cohort;
    for d in &data.deals {
        if !p
            .scope
            .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        {
            continue;
        }
        let created_in = range.contains_ts(d.created);
        let closed_in = d.close_day.is_some_and(|c| range.contains_day(c));
        if created_in {
            t.add("deal_created", Group::Total, d.id, d.amount);
            t.add(
                "series_created",
                Group::Bucket(bucket.start(tz.day(d.created))),
                d.id,
                d.amount,
            );
            if d.status == Status::InWork {
                t.add("deal_in_work", Group::Total, d.id, d.amount);
            }
        }
        // Won / lost in the period = closed in the period (close day), whatever the cohort switch shows below.
        if let (true, Some(c)) = (closed_in, d.close_day) {
            match d.status {
                Status::Won => {
                    t.add("series_won", Group::Bucket(bucket.start(c)), d.id, d.amount);
                    t.add("deal_won", Group::Total, d.id, d.amount);
                    t.add_full(
                        "deal_cycle",
                        Group::Total,
                        d.id,
                        d.amount,
                        metrics::cycle_days(d.created, c, tz) as f64,
                    );
                }
                Status::Lost => {
                    t.add("deal_lost", Group::Total, d.id, d.amount);
                    t.add(
                        "lost_by_stage",
                        Group::Stage(d.stage_id.clone()),
                        d.id,
                        d.amount,
                    );
                }
                Status::InWork => {}
            }
        }
        // The created cohort under its own name: of the deals created in the period, won by now.
        if created_in && d.status == Status::Won {
            t.add("cohort_won", Group::Total, d.id, d.amount);
        }
        let member = match cohort {
            Cohort::Created => created_in,
            Cohort::Closed => closed_in,
        };
        if !member {
            continue;
        }
        t.add("deals_cohort", Group::Total, d.id, d.amount);
        t.add(
            "pipeline_deals",
            Group::Pipeline(d.pipeline),
            d.id,
            d.amount,
        );
        t.add(
            "stage_now",
            Group::Stage(d.stage_id.clone()),
            d.id,
            d.amount,
        );
        let hist = data.history.get(&d.id);
        let in_stage = metrics::span_days(entered_current(d, hist), ctx.now);
        t.add_full(
            "status_deals",
            Group::Status(d.status.key().into()),
            d.id,
            d.amount,
            in_stage,
        );
        let (days, reached) = stage_stints(d, hist.map(|v| v.as_slice()).unwrap_or(&[]), ctx.now);
        for (stage, dd) in days {
            t.add_full("stage_time", Group::Stage(stage), d.id, 0, dd);
        }
        for stage in reached {
            t.add("stage_reached", Group::Stage(stage), d.id, 0);
        }
    }
    for l in &data.leads {
        if !p.scope.lead(l.id, l.manager, l.source.as_deref()) || !range.contains_ts(l.created) {
            continue;
        }
        t.add("lead_created", Group::Total, l.id, l.amount);
        let key = match l.status {
            Status::InWork => "lead_in_work",
            Status::Won => "lead_converted",
            Status::Lost => "lead_junk",
        };
        t.add(key, Group::Total, l.id, l.amount);
        if let (Status::Won, Some(c)) = (l.status, l.closed_at) {
            let days = metrics::days_between(tz.day(l.created), tz.day(c));
            t.add_full("lead_conv_days", Group::Total, l.id, 0, days as f64);
        }
    }
}

fn avg(t: &Tally, metric: &'static str, g: &Group) -> Option<f64> {
    let a = t.get(metric, g);
    metrics::mean(a.value, a.count)
}

pub(crate) fn tiles(cur: &Tally, prev: Option<&Tally>) -> Vec<Tile> {
    let avg_check = |t: &Tally| {
        let a = t.get("deal_won", &Group::Total);
        metrics::mean(a.amount as f64 / 100.0, a.priced())
    };
    vec![
        count_tile("deal_created", cur, prev, true),
        count_tile("deal_won", cur, prev, true),
        count_tile("deal_lost", cur, prev, true),
        count_tile("deal_in_work", cur, prev, true),
        tile(
            "conversion",
            Unit::Percent,
            cur,
            prev,
            |t| {
                metrics::win_rate(
                    t.get("deal_won", &Group::Total).count,
                    t.get("deal_lost", &Group::Total).count,
                )
            },
            false,
            Some("deal_won"),
        ),
        tile(
            "deal_cycle",
            Unit::Days,
            cur,
            prev,
            |t| avg(t, "deal_cycle", &Group::Total),
            false,
            Some("deal_cycle"),
        ),
        tile(
            "avg_check",
            Unit::Money,
            cur,
            prev,
            avg_check,
            false,
            Some("deal_won"),
        ),
        count_tile("cohort_won", cur, prev, true),
        tile(
            "cohort_conversion",
            Unit::Percent,
            cur,
            prev,
            |t| {
                pct(
                    t.get("cohort_won", &Group::Total).count as f64,
                    t.get("deal_created", &Group::Total).count as f64,
                )
            },
            false,
            Some("cohort_won"),
        ),
        count_tile("lead_created", cur, prev, false),
        count_tile("lead_in_work", cur, prev, false),
        count_tile("lead_converted", cur, prev, false),
        count_tile("lead_junk", cur, prev, false),
        tile(
            "lead_conversion",
            Unit::Percent,
            cur,
            prev,
            |t| {
                pct(
                    t.get("lead_converted", &Group::Total).count as f64,
                    t.get("lead_created", &Group::Total).count as f64,
                )
            },
            false,
            Some("lead_converted"),
        ),
        tile(
            "lead_conv_days",
            Unit::Days,
            cur,
            prev,
            |t| avg(t, "lead_conv_days", &Group::Total),
            false,
            Some("lead_conv_days"),
        ),
    ]
}

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let range = p.resolved.period;
    let prev_data = async {
        match p.resolved.comparison {
            Some(r) => load(src, &p.ctx, r, false).await.map(|d| Some((r, d))),
            None => Ok(None),
        }
    };
    let (data, prev_data) = futures::try_join!(load(src, &p.ctx, range, true), prev_data)?;
    let mut cur = Tally::new();
    compute(p, range, &data, &mut cur);
    let prev = prev_data.map(|(r, d)| {
        let mut t = Tally::new();
        compute(p, r, &d, &mut t);
        t
    });
    let s = Side::Current;
    let mut tables = Vec::new();

    // Dynamics chart: every bucket of the period, empty ones included.
    let bucket = p.resolved.filter.bucket;
    let mut dyn_t = Table::new(
        "dynamics",
        BlockKind::Series,
        &[
            ("series_created", Unit::Count),
            ("series_won", Unit::Count),
            ("series_won", Unit::Money),
        ],
    );
    if !range.is_empty() {
        let mut day = bucket.start(range.from);
        while day <= range.to {
            let g = Group::Bucket(day);
            // A bucket reaching outside the period (the week of 30.11 in December) is labelled by its days inside.
            let (label, note) = crate::comparison::bucket_label(bucket, day, range.from, range.to);
            dyn_t.rows.push(Row {
                label,
                note,
                cells: vec![
                    count_cell(&cur, "series_created", &g, s),
                    count_cell(&cur, "series_won", &g, s),
                    amount_cell(&cur, "series_won", &g),
                ],
                group: g,
            });
            day = next_bucket(bucket, day);
        }
    }
    tables.push(dyn_t);

    // Stage tables per pipeline, stages in the portal's order (stages no longer in the dictionary at the end).
    for (pipeline, name) in &p.dicts.pipelines {
        let pg = Group::Pipeline(*pipeline);
        let n = cur.get("pipeline_deals", &pg).count;
        if n == 0
            || p.scope
                .pipelines
                .as_ref()
                .is_some_and(|s| !s.contains(pipeline))
        {
            continue;
        }
        let mut stages = p.dicts.pipeline_stages(*pipeline);
        for g in cur.groups("stage_reached") {
            if let Group::Stage(st) = g {
                let belongs = p
                    .dicts
                    .deal_stages
                    .get(&*st)
                    .map(|i| i.pipeline == *pipeline)
                    .unwrap_or_else(|| stage_pipeline(&st) == *pipeline);
                if belongs && !stages.iter().any(|s| **s == *st) {
                    stages.push(st.to_string());
                }
            }
        }
        let mut tb = Table::new(
            format!("stages_{pipeline}"),
            BlockKind::Table,
            &[
                ("stage_now", Unit::Count),
                ("stage_now", Unit::Money),
                ("stage_time", Unit::Days),
                ("stage_reached", Unit::Count),
                ("stage_reached_share", Unit::Percent),
            ],
        );
        for st in stages {
            let g = Group::Stage(st.as_str().into());
            let reached = cur.get("stage_reached", &g).count;
            tb.rows.push(Row {
                label: p.dicts.stage_name(&st),
                note: None,
                cells: vec![
                    count_cell(&cur, "stage_now", &g, s),
                    amount_cell(&cur, "stage_now", &g),
                    avg_cell(&cur, "stage_time", &g),
                    count_cell(&cur, "stage_reached", &g, s),
                    value_cell(pct(reached as f64, n as f64)),
                ],
                group: g,
            });
        }
        tb.total = Some(Row {
            label: name.clone(),
            note: None,
            cells: vec![
                count_cell(&cur, "pipeline_deals", &pg, s),
                amount_cell(&cur, "pipeline_deals", &pg),
                value_cell(None),
                value_cell(None),
                value_cell(Some(100.0)),
            ],
            group: pg,
        });
        tables.push(tb);
    }

    let mut st = Table::new(
        "by_status",
        BlockKind::Table,
        &[
            ("status_deals", Unit::Count),
            ("status_deals", Unit::Money),
            ("status_days", Unit::Days),
        ],
    );
    for status in [Status::InWork, Status::Won, Status::Lost] {
        let g = Group::Status(status.key().into());
        st.rows.push(Row {
            label: status.key().to_string(),
            note: None,
            cells: vec![
                count_cell(&cur, "status_deals", &g, s),
                amount_cell(&cur, "status_deals", &g),
                value_cell(avg(&cur, "status_deals", &g)),
            ],
            group: g,
        });
    }
    tables.push(st);

    let mut lost = Table::new(
        "lost_by_stage",
        BlockKind::Table,
        &[
            ("lost_by_stage", Unit::Count),
            ("lost_by_stage", Unit::Money),
        ],
    );
    for g in cur.groups("lost_by_stage") {
        let label = match &g {
            Group::Stage(s) => p.dicts.stage_name(s),
            _ => String::new(),
        };
        lost.rows.push(Row {
            label,
            note: None,
            cells: vec![
                count_cell(&cur, "lost_by_stage", &g, s),
                amount_cell(&cur, "lost_by_stage", &g),
            ],
            group: g,
        });
    }
    tables.push(lost);

    let empty = cur.get("deal_created", &Group::Total).count == 0
        && cur.get("deals_cohort", &Group::Total).count == 0
        && cur.get("deal_won", &Group::Total).count == 0
        && cur.get("deal_lost", &Group::Total).count == 0
        && cur.get("lead_created", &Group::Total).count == 0;
    let mut meta = p
        .meta(src, ReportId::SalesDynamics, empty, "no_deals_in_period")
        .await?;
    meta.note_money(&[Some(&cur), prev.as_ref()]);
    Ok(Answer {
        meta,
        tiles: tiles(&cur, prev.as_ref()),
        tables,
    })
}

/// Deal stage ids of non-default pipelines look like `C<id>:<code>`.
fn stage_pipeline(stage: &str) -> i64 {
    stage
        .strip_prefix('C')
        .and_then(|r| r.split_once(':'))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn next_bucket(
    bucket: crate::filter::Bucket,
    day: chrono::NaiveDate,
) -> chrono::NaiveDate {
    use crate::filter::Bucket;
    match bucket {
        Bucket::Day => day + chrono::Duration::days(1),
        Bucket::Week => day + chrono::Duration::days(7),
        Bucket::Month => day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(day + chrono::Duration::days(31)),
        Bucket::Quarter => day
            .checked_add_months(chrono::Months::new(3))
            .unwrap_or(day + chrono::Duration::days(92)),
    }
}

pub(crate) async fn hits(
    src: &ReportSource,
    p: &Prepared,
    range: Range,
    metric: &str,
    group: &Group,
) -> Result<Vec<i64>, ReportError> {
    let data = load(src, &p.ctx, range, true).await?;
    let mut t = Tally::collecting(metric, group.clone());
    compute(p, range, &data, &mut t);
    Ok(t.into_hits())
}
