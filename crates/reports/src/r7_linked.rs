//! R7 — linked work ("Связанные сделки"): for the sales (parent deals) created in the period, the child work the
//! chosen links give (`r7_links`) in the department pipelines and smart processes: created / done / failed / in
//! work, creation-to-close time (average and median, by department and by responsible), where open children wait
//! now, the children's amounts against the sale's first and final amount, sales still waiting on a child, and the
//! chain source → lead → sale → child work → outcome. Definitions: docs/METRICS.md (R7). Counting happens in
//! `compute` (re-run by drill-downs); it must never read the store.
//!
//! Rules: a sale is a deal created in the period that passes the filter (pipelines, people, sources, data scope)
//! and is not itself a child through a chosen link. A child counts once per department however many sales it
//! belongs to (a child of two sales is in each sale's own numbers). A child is done when its stage has success
//! semantics, failed when failure; a deleted child is gone from the store and is not counted. Amounts are in the
//! base currency, converted as every report converts (a child deal's OPPORTUNITY, an item's opportunity).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use crate::answer::{
    amount_cell, drill, money, value_cell, Answer, BlockKind, Cell, Row, Table, Tile, Unit,
};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::list::{Entity, Record};
use crate::list_rows;
use crate::load::{self, DealRec, DealWindow};
use crate::metrics::{self, Status};
use crate::money::Money;
use crate::prepare::Prepared;
use crate::r7_links::{self, ChildRef};
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;
use b24a_store::PortalId;

/// A child as R7 counts it, deal or smart-process item alike.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub key: ChildRef,
    /// `deal:<pipeline>` or `smart:<entityTypeId>`.
    pub work: String,
    pub stage: String,
    pub status: Status,
    pub amount: Money,
    pub manager: Option<i64>,
    pub created: i64,
    /// The portal day it closed (closed children only).
    pub close_day: Option<NaiveDate>,
    /// Since when it stands at its current stage (last stage move, else creation).
    pub stage_since: i64,
}

pub(crate) struct Data {
    /// Sales of the period (filter and scope applied), with their lead id.
    pub sales: Vec<(DealRec, Option<i64>)>,
    /// Sale id → first amount (base currency).
    pub first: HashMap<i64, Money>,
    /// Sale id → its children (ids into `children`).
    pub of_sale: BTreeMap<i64, Vec<ChildRef>>,
    pub children: HashMap<ChildRef, Child>,
    /// Smart-process titles.
    pub types: HashMap<i64, String>,
}

pub(crate) async fn load(src: &ReportSource, p: &Prepared) -> Result<Data, ReportError> {
    let ctx = &p.ctx;
    let portal = PortalId(ctx.portal_id);
    let range = p.resolved.period;
    let links = r7_links::chosen(src, ctx).await?;
    let (edges, items) = r7_links::edges(src, ctx, &links).await?;
    let child_deals: BTreeSet<i64> = edges
        .iter()
        .filter_map(|(_, c)| match c {
            ChildRef::Deal(id) => Some(*id),
            _ => None,
        })
        .collect();
    let sales: Vec<DealRec> = load::deals(src, ctx, DealWindow::CreatedOrClosed(range))
        .await?
        .into_iter()
        .filter(|d| d.created >= range.from_ts && d.created < range.to_ts)
        .filter(|d| !child_deals.contains(&d.id))
        .filter(|d| {
            p.scope
                .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        })
        .collect();
    let sale_ids: Vec<i64> = sales.iter().map(|d| d.id).collect();
    let sale_set: HashSet<i64> = sale_ids.iter().copied().collect();
    let mut of_sale: BTreeMap<i64, Vec<ChildRef>> = BTreeMap::new();
    for (parent, child) in &edges {
        if sale_set.contains(parent) {
            of_sale.entry(*parent).or_default().push(*child);
        }
    }
    let wanted: Vec<i64> = of_sale
        .values()
        .flatten()
        .filter_map(|c| match c {
            ChildRef::Deal(id) => Some(*id),
            _ => None,
        })
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let mut children = HashMap::new();
    for row in src.store().report_deals_by_ids(portal, &wanted).await? {
        let d = DealRec::from_row(row, ctx);
        let key = ChildRef::Deal(d.id);
        children.insert(
            key,
            Child {
                key,
                work: format!("deal:{}", d.pipeline),
                stage: d.stage_id.to_string(),
                status: d.status,
                amount: d.amount,
                manager: d.manager,
                created: d.created,
                close_day: d.close_day,
                stage_since: d.moved_time.unwrap_or(d.created),
            },
        );
    }
    for i in items {
        let key = ChildRef::Item(i.entity_type_id, i.id);
        let status = Status::from_semantic(&i.stage_semantic_id);
        children.insert(
            key,
            Child {
                key,
                work: format!("smart:{}", i.entity_type_id),
                stage: i.stage_id.clone(),
                status,
                amount: ctx.to_base_cents(
                    i.opportunity_cents,
                    i.currency_id.as_deref(),
                    None,
                    None,
                ),
                manager: i.assigned_by_id,
                created: i.created_time,
                close_day: metrics::item_close_day(status, i.moved_time, i.updated_time, &ctx.tz),
                stage_since: i.moved_time.unwrap_or(i.created_time),
            },
        );
    }
    // A child the store no longer holds (deleted in the portal) is no child.
    for v in of_sale.values_mut() {
        v.retain(|c| children.contains_key(c));
    }
    of_sale.retain(|_, v| !v.is_empty());
    let first = src
        .store()
        .report_first_amounts(portal, &sale_ids)
        .await?
        .into_iter()
        .map(|r| {
            let m = ctx.to_base_cents(r.opportunity_cents, r.currency_id.as_deref(), None, None);
            (r.deal_id, m)
        })
        .collect();
    let leads: HashMap<i64, i64> = src
        .store()
        .report_deal_leads(portal, &sale_ids)
        .await?
        .into_iter()
        .collect();
    let types = src
        .store()
        .crm_types(portal)
        .await?
        .into_iter()
        .map(|t| (t.entity_type_id, t.title))
        .collect();
    Ok(Data {
        sales: sales
            .into_iter()
            .map(|d| {
                let lead = leads.get(&d.id).copied();
                (d, lead)
            })
            .collect(),
        first,
        of_sale,
        children,
        types,
    })
}

/// What `compute` gives besides the tally: the values medians are taken of, the sales waiting and the stages open
/// work stands at.
#[derive(Default)]
pub(crate) struct Extra {
    pub close_days: HashMap<Group, Vec<f64>>,
    /// Sales waiting on a child: (sale id, oldest open child's creation), oldest first.
    pub waiting: Vec<(i64, i64)>,
    /// Open children by (work, stage).
    pub stages: BTreeSet<(String, String)>,
}

pub(crate) fn compute(p: &Prepared, data: &Data, t: &mut Tally) -> Extra {
    let now = p.ctx.now;
    let tz = &p.ctx.tz;
    let mut x = Extra::default();
    // A child is counted by its tally id (an item's is negative): its drill-down lists it as linked work.
    let add = |t: &mut Tally, m: &'static str, g: Group, c: &Child, amount: Money, v: f64| {
        t.add_full(m, g, c.key.tally_id(), amount, v);
    };
    // Children: each once, whatever number of sales it belongs to.
    let mut seen: BTreeSet<ChildRef> = BTreeSet::new();
    for kids in data.of_sale.values() {
        for key in kids {
            if !seen.insert(*key) {
                continue;
            }
            let Some(c) = data.children.get(key) else {
                continue;
            };
            let work = Group::Work(c.work.as_str().into());
            for g in [work.clone(), Group::Total] {
                add(t, "work_created", g.clone(), c, c.amount, 0.0);
                let m = match c.status {
                    Status::Won => "work_done",
                    Status::Lost => "work_failed",
                    Status::InWork => "work_open",
                };
                add(t, m, g, c, c.amount, 0.0);
            }
            if let Some(day) = c.close_day {
                let days = metrics::days_between(tz.day(c.created), day) as f64;
                for g in [
                    work.clone(),
                    Group::User(c.manager.unwrap_or(0)),
                    Group::Total,
                ] {
                    add(t, "work_close_days", g.clone(), c, Money::cents(0), days);
                    x.close_days.entry(g).or_default().push(days);
                }
            } else {
                let g = Group::Stage(format!("{}|{}", c.work, c.stage).into());
                let wait = metrics::span_days(c.stage_since, now);
                add(t, "work_waiting", g, c, c.amount, wait);
                x.stages.insert((c.work.clone(), c.stage.clone()));
            }
        }
    }
    // Sales.
    for (s, lead) in &data.sales {
        let src = Group::Source(s.source.clone().unwrap_or_default().into());
        let kids: Vec<&Child> = data
            .of_sale
            .get(&s.id)
            .map(|v| v.iter().filter_map(|k| data.children.get(k)).collect())
            .unwrap_or_default();
        for g in [src.clone(), Group::Total] {
            t.add("linked_sales", &g, s.id, s.amount);
            if lead.is_some() {
                t.add("chain_from_lead", &g, s.id, s.amount);
            }
            if kids.is_empty() {
                continue;
            }
            t.add("sales_with_work", &g, s.id, s.amount);
            if kids.iter().all(|c| c.status == Status::Won) {
                t.add("chain_completed", &g, s.id, s.amount);
            }
        }
        if kids.is_empty() {
            continue;
        }
        // The chain counts children per sale (a child of two sales counts under each sale's source).
        for c in &kids {
            for g in [src.clone(), Group::Total] {
                add(t, "chain_work", g.clone(), c, c.amount, 0.0);
                if c.status == Status::Won {
                    add(t, "chain_work_done", g, c, c.amount, 0.0);
                }
            }
        }
        let first = data.first.get(&s.id).copied().unwrap_or(s.amount);
        t.add("sale_first_amount", Group::Total, s.id, first);
        t.add("sale_final_amount", Group::Total, s.id, s.amount);
        let open: Vec<&&Child> = kids.iter().filter(|c| c.status == Status::InWork).collect();
        if let Some(oldest) = open.iter().map(|c| c.created).min() {
            let g = Group::Sale(s.id);
            t.add_full("sales_waiting", Group::Total, s.id, s.amount, 0.0);
            for c in &open {
                add(t, "sale_open_work", g.clone(), c, c.amount, 0.0);
            }
            t.add_full(
                "sale_wait_days",
                g,
                s.id,
                s.amount,
                metrics::span_days(oldest, now),
            );
            x.waiting.push((s.id, oldest));
        }
    }
    x.waiting.sort_by_key(|(id, oldest)| (*oldest, *id));
    x
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn cell(t: &Tally, metric: &'static str, g: &Group) -> Cell {
    let a = t.get(metric, g);
    Cell {
        value: Some(a.count as f64),
        drill: drill(metric, g, Side::Current, a.count),
    }
}

fn avg(t: &Tally, metric: &'static str, g: &Group) -> Cell {
    let a = t.get(metric, g);
    value_cell(metrics::mean(a.value, a.count))
}

pub(crate) fn work_name(p: &Prepared, data: &Data, work: &str) -> String {
    match work.split_once(':') {
        Some(("deal", id)) => id
            .parse()
            .map(|id| p.dicts.pipeline_name(id))
            .unwrap_or_else(|_| work.to_string()),
        Some(("smart", id)) => id
            .parse::<i64>()
            .ok()
            .and_then(|id| data.types.get(&id).cloned())
            .unwrap_or_else(|| work.to_string()),
        _ => work.to_string(),
    }
}

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let data = load(src, p).await?;
    let mut t = Tally::new();
    let x = compute(p, &data, &mut t);
    let mut tables = Vec::new();

    // By department (child pipeline / smart process).
    let mut by_work = Table::new(
        "by_work",
        BlockKind::Table,
        &[
            ("work_created", Unit::Count),
            ("work_done", Unit::Count),
            ("work_failed", Unit::Count),
            ("work_open", Unit::Count),
            ("work_amount", Unit::Money),
            ("work_close_days", Unit::Days),
            ("work_close_days_median", Unit::Days),
        ],
    );
    let work_row = |g: Group, label: String| Row {
        cells: vec![
            cell(&t, "work_created", &g),
            cell(&t, "work_done", &g),
            cell(&t, "work_failed", &g),
            cell(&t, "work_open", &g),
            amount_cell(&t, "work_created", &g),
            avg(&t, "work_close_days", &g),
            value_cell(x.close_days.get(&g).and_then(|v| median(v))),
        ],
        group: g,
        label,
        note: None,
    };
    for g in t.groups("work_created") {
        if let Group::Work(w) = &g {
            let label = work_name(p, &data, w);
            by_work.rows.push(work_row(g.clone(), label));
        }
    }
    by_work.rows.sort_by(|a, b| a.label.cmp(&b.label));
    by_work.total = Some(work_row(Group::Total, "Итого".into()));
    tables.push(by_work);

    // Close time by responsible.
    let mut by_person = Table::new(
        "by_responsible",
        BlockKind::Table,
        &[
            ("work_close_days_count", Unit::Count),
            ("work_close_days", Unit::Days),
            ("work_close_days_median", Unit::Days),
        ],
    );
    for g in t.groups("work_close_days") {
        if let Group::User(u) = g {
            let g = Group::User(u);
            let note = (u != 0 && !p.dicts.user_active(u)).then_some("inactive");
            by_person.rows.push(Row {
                cells: vec![
                    cell(&t, "work_close_days", &g),
                    avg(&t, "work_close_days", &g),
                    value_cell(x.close_days.get(&g).and_then(|v| median(v))),
                ],
                label: p.dicts.user_name(Some(u)),
                group: g,
                note,
            });
        }
    }
    by_person.rows.sort_by(|a, b| a.label.cmp(&b.label));
    tables.push(by_person);

    // Where open children wait.
    let mut waiting = Table::new(
        "open_work_stages",
        BlockKind::Table,
        &[
            ("work_waiting", Unit::Count),
            ("work_waiting_days", Unit::Days),
        ],
    );
    for (work, stage) in &x.stages {
        let g = Group::Stage(format!("{work}|{stage}").into());
        let a = t.get("work_waiting", &g);
        waiting.rows.push(Row {
            cells: vec![
                cell(&t, "work_waiting", &g),
                value_cell(metrics::mean(a.value, a.count)),
            ],
            label: format!(
                "{} · {}",
                work_name(p, &data, work),
                p.dicts.stage_name(stage)
            ),
            group: g,
            note: None,
        });
    }
    tables.push(waiting);

    // Sales waiting on a child, oldest first.
    let mut sales_waiting = Table::new(
        "sales_waiting",
        BlockKind::Table,
        &[
            ("sale_open_work", Unit::Count),
            ("sale_wait_days", Unit::Days),
        ],
    );
    let titles: HashMap<i64, &DealRec> = data.sales.iter().map(|(d, _)| (d.id, d)).collect();
    for (id, _) in &x.waiting {
        let g = Group::Sale(*id);
        let a = t.get("sale_wait_days", &g);
        let label = titles
            .get(id)
            .map(|d| format!("#{} · {}", d.id, p.dicts.user_name(d.manager)))
            .unwrap_or_else(|| format!("#{id}"));
        sales_waiting.rows.push(Row {
            cells: vec![cell(&t, "sale_open_work", &g), value_cell(Some(a.value))],
            group: g,
            label,
            note: None,
        });
    }
    tables.push(sales_waiting);

    // The chain by source.
    let mut chain = Table::new(
        "chain_by_source",
        BlockKind::Table,
        &[
            ("linked_sales", Unit::Count),
            ("chain_from_lead", Unit::Count),
            ("sales_with_work", Unit::Count),
            ("chain_work", Unit::Count),
            ("chain_work_done", Unit::Count),
            ("chain_completed", Unit::Count),
            ("chain_completed_share", Unit::Percent),
        ],
    );
    let chain_row = |g: Group, label: String| Row {
        cells: vec![
            cell(&t, "linked_sales", &g),
            cell(&t, "chain_from_lead", &g),
            cell(&t, "sales_with_work", &g),
            cell(&t, "chain_work", &g),
            cell(&t, "chain_work_done", &g),
            cell(&t, "chain_completed", &g),
            value_cell(metrics::pct(
                t.get("chain_completed", &g).count as f64,
                t.get("sales_with_work", &g).count as f64,
            )),
        ],
        group: g,
        label,
        note: None,
    };
    for g in t.groups("linked_sales") {
        if let Group::Source(s) = &g {
            let label = if s.is_empty() {
                "—".to_string()
            } else {
                p.dicts.source_name(s)
            };
            chain.rows.push(chain_row(g.clone(), label));
        }
    }
    chain.total = Some(chain_row(Group::Total, "Итого".into()));
    tables.push(chain);

    let total = Group::Total;
    let count = |m: &'static str| Some(t.get(m, &total).count as f64);
    let first = t.get("sale_first_amount", &total).amount;
    let fin = t.get("sale_final_amount", &total).amount;
    let growth = (t.get("sale_final_amount", &total).count > 0).then(|| money(fin - first));
    let growth_pct = if first != 0 {
        Some((fin - first) as f64 * 100.0 / first as f64)
    } else {
        None
    };
    let tile = |metric: &'static str,
                unit: Unit,
                value: Option<f64>,
                amount: Option<f64>,
                drilled: bool| Tile {
        metric,
        unit,
        value,
        amount,
        previous: None,
        previous_amount: None,
        delta: None,
        delta_unit: crate::answer::delta_unit(unit),
        drill: if drilled {
            drill(metric, &total, Side::Current, t.get(metric, &total).count)
        } else {
            None
        },
    };
    let tiles = vec![
        tile(
            "linked_sales",
            Unit::Count,
            count("linked_sales"),
            Some(money(t.get("linked_sales", &total).amount)),
            true,
        ),
        tile(
            "sales_with_work",
            Unit::Count,
            count("sales_with_work"),
            None,
            true,
        ),
        tile(
            "work_created",
            Unit::Count,
            count("work_created"),
            Some(money(t.get("work_created", &total).amount)),
            true,
        ),
        tile("work_done", Unit::Count, count("work_done"), None, true),
        tile("work_open", Unit::Count, count("work_open"), None, true),
        tile(
            "sales_waiting",
            Unit::Count,
            count("sales_waiting"),
            None,
            true,
        ),
        tile(
            "work_close_days",
            Unit::Days,
            metrics::mean(
                t.get("work_close_days", &total).value,
                t.get("work_close_days", &total).count,
            ),
            None,
            false,
        ),
        tile(
            "work_close_days_median",
            Unit::Days,
            x.close_days.get(&total).and_then(|v| median(v)),
            None,
            false,
        ),
        tile(
            "sale_first_amount",
            Unit::Money,
            Some(money(first)),
            None,
            false,
        ),
        tile(
            "sale_final_amount",
            Unit::Money,
            Some(money(fin)),
            None,
            false,
        ),
        tile("sale_growth", Unit::Money, growth, None, false),
        tile("sale_growth_pct", Unit::Percent, growth_pct, None, false),
    ];
    let empty = t.get("work_created", &total).count == 0;
    let mut meta = p
        .meta(src, ReportId::Linked, empty, "no_linked_work")
        .await?;
    meta.note_money(&[Some(&t)]);
    Ok(Answer {
        meta,
        tiles,
        tables,
    })
}

pub(crate) async fn hits(
    src: &ReportSource,
    p: &Prepared,
    metric: &str,
    group: &Group,
) -> Result<Vec<i64>, ReportError> {
    let data = load(src, p).await?;
    // `work_close_days_count` lists what `work_close_days` averaged over.
    let metric = if metric == "work_close_days_count" {
        "work_close_days"
    } else {
        metric
    };
    let mut t = Tally::collecting(metric, group.clone());
    compute(p, &data, &mut t);
    // Every id counted, items (negative ids) included: the list shows them as linked work (`Entity::Work`).
    Ok(t.into_hits())
}

/// One child on a sale's time line.
#[derive(Debug, Clone)]
pub struct SaleChild {
    pub child: ChildRef,
    /// The child as a list record: title, card path, named stage, responsible, amount, created, closed.
    pub record: Record,
    /// Its department: the pipeline (deal) or smart process (item), named.
    pub work: String,
    pub status: Status,
    /// The instant it was created (the time line's order).
    pub created_at: i64,
    /// The portal day it closed (closed children only).
    pub closed_on: Option<NaiveDate>,
    /// Portal days from creation to close (closed children only), as `work_close_days` counts them.
    pub close_days: Option<i64>,
    /// Its own amount in the base currency (`None`: a currency without a rate).
    pub amount: Option<f64>,
}

/// The per-sale view: the sale itself and its children across departments on one time line.
#[derive(Debug, Clone)]
pub struct SaleView {
    /// The sale as a deal list record (title, card path, responsible, amount now, …).
    pub sale: Record,
    /// Its amount when the app first stored it (as `sale_first_amount`), base currency.
    pub first_amount: Option<f64>,
    /// Its amount now, base currency.
    pub final_amount: Option<f64>,
    /// Its children by creation (ties by child).
    pub children: Vec<SaleChild>,
}

/// One sale's children on one time line (by creation), for the per-sale view. `None` when the deal is not a sale
/// of the filter (unknown, outside the caller's data scope or the tier's window, not created in the period, or
/// itself a child).
pub async fn sale_view(
    src: &ReportSource,
    ctx: &PortalContext,
    filter: &crate::Filter,
    sale_id: i64,
) -> Result<Option<SaleView>, ReportError> {
    let p = Prepared::new(src, ctx, filter).await?;
    let data = load(src, &p).await?;
    let Some((sale_rec, _)) = data.sales.iter().find(|(d, _)| d.id == sale_id) else {
        return Ok(None);
    };
    let store: &b24a_store::Store = src.store();
    let Some(sale) = list_rows::records(store, ctx, &p.dicts, Entity::Deal, &[sale_id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let mut kids: Vec<&Child> = data
        .of_sale
        .get(&sale_id)
        .map(|v| v.iter().filter_map(|k| data.children.get(k)).collect())
        .unwrap_or_default();
    kids.sort_by_key(|c| (c.created, c.key));
    let mut children = Vec::with_capacity(kids.len());
    for c in kids {
        let Some(record) =
            list_rows::records(store, ctx, &p.dicts, Entity::Work, &[c.key.tally_id()])
                .await?
                .into_iter()
                .next()
        else {
            continue;
        };
        children.push(SaleChild {
            child: c.key,
            record,
            work: work_name(&p, &data, &c.work),
            status: c.status,
            created_at: c.created,
            closed_on: c.close_day,
            close_days: c
                .close_day
                .map(|d| metrics::days_between(p.ctx.tz.day(c.created), d)),
            amount: c.amount.known().map(money),
        });
    }
    let first = data.first.get(&sale_id).copied().unwrap_or(sale_rec.amount);
    Ok(Some(SaleView {
        sale,
        first_amount: first.known().map(money),
        final_amount: sale_rec.amount.known().map(money),
        children,
    }))
}
