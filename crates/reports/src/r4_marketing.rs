//! R4 — marketing analysis: by source (the portal's SOURCE dictionary) and by UTM source / medium / campaign —
//! leads created and converted, deals created, won, won sum, win conversion, average check and cycle, revenue share;
//! returning vs new customers; the source × manager matrix; each source's trend; won sum by client industry.
//! Counting happens in `compute` (re-run by drill-downs); it must never read the store.

use std::collections::{BTreeSet, HashMap};

use crate::answer::{
    amount_cell, avg_cell, count_cell, count_tile, drill, money, value_cell, Answer, BlockKind,
    Cell, Row, Table, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::{Cohort, Range};
use crate::load::{self, DealRec, DealWindow, LeadRec, LeadWindow};
use crate::metrics::{self, pct, Status};
use crate::prepare::Prepared;
use crate::records::Text;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

pub(crate) struct Data {
    deals: Vec<DealRec>,
    leads: Vec<LeadRec>,
    industries: std::sync::Arc<HashMap<i64, String>>,
}

pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    range: Range,
) -> Result<Data, ReportError> {
    Ok(Data {
        deals: load::deals(src, ctx, DealWindow::CreatedOrClosed(range)).await?,
        leads: load::leads(src, ctx, LeadWindow::CreatedOrClosed(range)).await?,
        industries: load::company_industries(src, ctx).await?,
    })
}

pub(crate) fn compute(p: &Prepared, range: Range, data: &Data, t: &mut Tally) {
    let tz = &p.ctx.tz;
    let bucket = p.resolved.filter.bucket;
    let cohort = p.resolved.filter.cohort;
    for d in &data.deals {
        if !p
            .scope
            .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        {
            continue;
        }
        let src = d.source.clone().unwrap_or_default();
        let (us, um, uc) = d.utm.clone();
        let groups = [
            Group::Total,
            Group::Source(src.clone()),
            Group::Utm(us, um, uc),
            Group::SourceUser(src.clone(), d.manager.unwrap_or(0)),
            Group::Returning(d.returning),
        ];
        let created_in = range.contains_ts(d.created);
        if created_in {
            for g in &groups {
                t.add("deal_created", g, d.id, d.amount);
            }
            t.add(
                "deal_created",
                Group::SourceBucket(src.clone(), bucket.start(tz.day(d.created))),
                d.id,
                d.amount,
            );
        }
        // Won / lost in the period = closed in the period (close day), whatever the cohort switch.
        if let (true, Some(c)) = (
            d.close_day.is_some_and(|c| range.contains_day(c)),
            d.close_day,
        ) {
            match d.status {
                Status::Won => {
                    let cycle = metrics::cycle_days(d.created, c, tz) as f64;
                    for g in &groups {
                        t.add("deal_won", g, d.id, d.amount);
                        t.add_full("deal_cycle", g, d.id, d.amount, cycle);
                    }
                    let industry = d
                        .company_id
                        .and_then(|c| data.industries.get(&c).cloned())
                        .unwrap_or_default();
                    t.add(
                        "industry_won",
                        Group::Industry(industry.into()),
                        d.id,
                        d.amount,
                    );
                }
                Status::Lost => {
                    for g in &groups {
                        t.add("deal_lost", g, d.id, d.amount);
                    }
                }
                Status::InWork => {}
            }
        }
        let member = match cohort {
            Cohort::Created => created_in,
            Cohort::Closed => d.close_day.is_some_and(|c| range.contains_day(c)),
        };
        if member {
            for g in &groups {
                t.add("deals_cohort", g, d.id, d.amount);
            }
        }
    }
    for l in &data.leads {
        if !p.scope.lead(l.id, l.manager, l.source.as_deref()) || !range.contains_ts(l.created) {
            continue;
        }
        let src = l.source.clone().unwrap_or_default();
        let (us, um, uc) = l.utm.clone();
        for g in [
            Group::Total,
            Group::Source(src),
            Group::Utm(us, um, uc),
            Group::Returning(l.returning),
        ] {
            t.add("lead_created", &g, l.id, l.amount);
            if l.status == Status::Won {
                t.add("lead_converted", g, l.id, l.amount);
            }
        }
    }
}

const COLUMNS: &[(&str, Unit)] = &[
    ("lead_created", Unit::Count),
    ("lead_converted", Unit::Count),
    ("lead_conversion", Unit::Percent),
    ("deal_created", Unit::Count),
    ("deal_won", Unit::Count),
    ("deal_won", Unit::Money),
    ("win_conversion", Unit::Percent),
    ("avg_check", Unit::Money),
    ("deal_cycle", Unit::Days),
    ("revenue_share", Unit::Percent),
];

fn row(t: &Tally, g: Group, label: String) -> Row {
    let won = t.get("deal_won", &g);
    let total_won = t.get("deal_won", &Group::Total).amount;
    let cells: Vec<Cell> = COLUMNS
        .iter()
        .map(|(m, u)| match (*m, u) {
            ("lead_conversion", _) => value_cell(pct(
                t.get("lead_converted", &g).count as f64,
                t.get("lead_created", &g).count as f64,
            )),
            ("deal_won", Unit::Money) => amount_cell(t, "deal_won", &g),
            ("win_conversion", _) => Cell {
                value: metrics::win_rate(won.count, t.get("deal_lost", &g).count),
                drill: drill("deal_won", &g, Side::Current, won.count),
            },
            ("avg_check", _) => value_cell(metrics::mean(money(won.amount), won.priced())),
            ("deal_cycle", _) => avg_cell(t, "deal_cycle", &g),
            ("revenue_share", _) => value_cell(pct(won.amount as f64, total_won as f64)),
            (m, _) => count_cell(t, m, &g, Side::Current),
        })
        .collect();
    Row {
        group: g,
        label,
        note: None,
        cells,
    }
}

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let range = p.resolved.period;
    let prev_data = async {
        match p.resolved.comparison {
            Some(r) => load(src, &p.ctx, r).await.map(|d| Some((r, d))),
            None => Ok(None),
        }
    };
    let (data, prev_data) = futures::try_join!(load(src, &p.ctx, range), prev_data)?;
    let mut t = Tally::new();
    compute(p, range, &data, &mut t);
    let prev = prev_data.map(|(r, d)| {
        let mut x = Tally::new();
        compute(p, r, &d, &mut x);
        x
    });
    let groups_of = |pick: &dyn Fn(&Group) -> bool| -> Vec<Group> {
        let mut set: Vec<Group> = [
            "deal_created",
            "deals_cohort",
            "deal_won",
            "deal_lost",
            "lead_created",
        ]
        .iter()
        .flat_map(|m| t.groups(m))
        .filter(|g| pick(g))
        .collect();
        set.sort_by_key(|g| format!("{g:?}"));
        set.dedup();
        set
    };
    let mut by_source = Table::new("by_source", BlockKind::Table, COLUMNS);
    for g in groups_of(&|g| matches!(g, Group::Source(_))) {
        let label = if let Group::Source(s) = &g {
            p.dicts.source_name(s)
        } else {
            String::new()
        };
        by_source.rows.push(row(&t, g, label));
    }
    by_source.total = Some(row(&t, Group::Total, "Итого".into()));
    let mut by_utm = Table::new("by_utm", BlockKind::Table, COLUMNS);
    for g in groups_of(&|g| matches!(g, Group::Utm(..))) {
        let label = if let Group::Utm(s, m, c) = &g {
            format!("{s} / {m} / {c}")
        } else {
            String::new()
        };
        by_utm.rows.push(row(&t, g, label));
    }
    let mut returning = Table::new("returning", BlockKind::Table, COLUMNS);
    for r in [false, true] {
        returning.rows.push(row(
            &t,
            Group::Returning(r),
            if r { "returning" } else { "new" }.into(),
        ));
    }
    let mut matrix = Table::new(
        "source_manager",
        BlockKind::Table,
        &[
            ("deal_created", Unit::Count),
            ("deal_won", Unit::Count),
            ("deal_won", Unit::Money),
            ("win_conversion", Unit::Percent),
        ],
    );
    for g in groups_of(&|g| matches!(g, Group::SourceUser(..))) {
        let label = if let Group::SourceUser(s, u) = &g {
            format!(
                "{} × {}",
                p.dicts.source_name(s),
                p.dicts.user_name(Some(*u))
            )
        } else {
            String::new()
        };
        let won = t.get("deal_won", &g);
        let cells = vec![
            count_cell(&t, "deal_created", &g, Side::Current),
            count_cell(&t, "deal_won", &g, Side::Current),
            amount_cell(&t, "deal_won", &g),
            value_cell(metrics::win_rate(won.count, t.get("deal_lost", &g).count)),
        ];
        matrix.rows.push(Row {
            group: g,
            label,
            note: None,
            cells,
        });
    }
    let mut trend = Table::new(
        "source_trend",
        BlockKind::Series,
        &[("deal_created", Unit::Count), ("deal_created", Unit::Money)],
    );
    let mut days: BTreeSet<(Text, chrono::NaiveDate)> = BTreeSet::new();
    for g in t.groups("deal_created") {
        if let Group::SourceBucket(s, d) = g {
            days.insert((s, d));
        }
    }
    for (s, d) in days {
        let g = Group::SourceBucket(s.clone(), d);
        trend.rows.push(Row {
            label: format!("{} {}", p.dicts.source_name(&s), d.format("%Y-%m-%d")),
            note: None,
            cells: vec![
                count_cell(&t, "deal_created", &g, Side::Current),
                amount_cell(&t, "deal_created", &g),
            ],
            group: g,
        });
    }
    let mut industry = Table::new(
        "by_industry",
        BlockKind::Table,
        &[("industry_won", Unit::Count), ("industry_won", Unit::Money)],
    );
    for g in t.groups("industry_won") {
        let label = if let Group::Industry(code) = &g {
            if code.is_empty() {
                "—".to_string()
            } else {
                p.dicts
                    .industries
                    .get(&**code)
                    .cloned()
                    .unwrap_or_else(|| code.to_string())
            }
        } else {
            String::new()
        };
        industry.rows.push(Row {
            cells: vec![
                count_cell(&t, "industry_won", &g, Side::Current),
                amount_cell(&t, "industry_won", &g),
            ],
            group: g,
            label,
            note: None,
        });
    }
    let tiles = vec![
        count_tile("lead_created", &t, prev.as_ref(), false),
        count_tile("lead_converted", &t, prev.as_ref(), false),
        count_tile("deal_created", &t, prev.as_ref(), true),
        count_tile("deal_won", &t, prev.as_ref(), true),
    ];
    let empty = t.get("deal_created", &Group::Total).count == 0
        && t.get("lead_created", &Group::Total).count == 0
        && t.get("deals_cohort", &Group::Total).count == 0
        && t.get("deal_won", &Group::Total).count == 0
        && t.get("deal_lost", &Group::Total).count == 0;
    let mut meta = p
        .meta(
            src,
            ReportId::Marketing,
            empty,
            "no_leads_or_deals_in_period",
        )
        .await?;
    meta.note_money(&[Some(&t), prev.as_ref()]);
    Ok(Answer {
        meta,
        tiles,
        tables: vec![by_source, by_utm, returning, matrix, trend, industry],
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
