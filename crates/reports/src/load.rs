//! Fetching exactly the records a report needs, as compact typed records: from the reports' in-memory cache when
//! it holds the portal's current data, else through the store's report reads. Filters that can be pushed into SQL
//! (portal, date windows) are; the windows are supersets and the reports apply the exact predicates in Rust, so a
//! definition is never split between SQL and Rust. Must never compute metrics, and never run SQL itself.

use std::collections::HashMap;
use std::sync::Arc;

use b24a_store::report_reads::ActivitySelect;
use b24a_store::PortalId;

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Range;
use crate::metrics;
use crate::source::ReportSource;

pub use crate::records::{
    ActRec, ActWindow, ClientKind, ClientRec, DealRec, DealWindow, HistRec, LeadRec, LeadWindow,
    TaskRec,
};

fn portal(ctx: &PortalContext) -> PortalId {
    PortalId(ctx.portal_id)
}

pub async fn deals(
    src: &ReportSource,
    ctx: &PortalContext,
    window: DealWindow,
) -> Result<Vec<DealRec>, ReportError> {
    if window.is_empty() {
        return Ok(vec![]);
    }
    if let Some(recs) = src.cache().deal_window(src.store(), ctx, window).await? {
        return Ok(recs);
    }
    let rows = src
        .store()
        .report_deals(portal(ctx), window.select())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| DealRec::from_row(r, ctx))
        .collect())
}

/// Stage history of the deals of a window, per deal, in time order.
pub async fn deal_history(
    src: &ReportSource,
    ctx: &PortalContext,
    window: DealWindow,
) -> Result<HashMap<i64, Vec<HistRec>>, ReportError> {
    if window.is_empty() {
        return Ok(HashMap::new());
    }
    let cache = src.cache();
    if cache.history_ready(src.store(), ctx).await? {
        let ids: Vec<i64> = match cache.deal_window_ids(src.store(), ctx, window).await? {
            Some(ids) => ids,
            None => deals(src, ctx, window)
                .await?
                .iter()
                .map(|d| d.id)
                .collect(),
        };
        if let Some(h) = cache.history_of(src.store(), ctx, &ids).await? {
            return Ok(h);
        }
    }
    let rows = src
        .store()
        .report_deal_history(portal(ctx), window.select())
        .await?;
    let mut out: HashMap<i64, Vec<(i64, HistRec)>> = HashMap::new();
    for r in rows {
        let h = HistRec {
            time: r.created_time,
            type_id: r.type_id,
            category_id: r.category_id,
            stage_id: r.stage_id.into(),
        };
        out.entry(r.owner_id).or_default().push((r.id, h));
    }
    Ok(out
        .into_iter()
        .map(|(owner, mut v)| {
            v.sort_by_key(|(id, h)| (h.time, *id));
            (owner, v.into_iter().map(|(_, h)| h).collect())
        })
        .collect())
}

pub async fn leads(
    src: &ReportSource,
    ctx: &PortalContext,
    window: LeadWindow,
) -> Result<Vec<LeadRec>, ReportError> {
    if matches!(window, LeadWindow::CreatedOrClosed(r) if r.is_empty()) {
        return Ok(vec![]);
    }
    if let Some(recs) = src.cache().lead_window(src.store(), ctx, window).await? {
        return Ok(recs);
    }
    let rows = src
        .store()
        .report_leads(portal(ctx), window.select())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| LeadRec::from_row(r, ctx).0)
        .collect())
}

impl ActWindow {
    /// The store's select of the same activities; `None` for an empty range.
    fn select(&self) -> Option<ActivitySelect> {
        match *self {
            ActWindow::CompletedIn(r) if r.is_empty() => None,
            ActWindow::CompletedIn(r) => Some(ActivitySelect::CompletedIn {
                from_ts: r.from_ts,
                to_ts: r.to_ts,
            }),
            ActWindow::OverdueAt(now) => Some(ActivitySelect::OverdueAt { now }),
            ActWindow::OnOpenCards => Some(ActivitySelect::OnOpenCards),
        }
    }
}

pub async fn activities(
    src: &ReportSource,
    ctx: &PortalContext,
    window: ActWindow,
) -> Result<Vec<ActRec>, ReportError> {
    let Some(select) = window.select() else {
        return Ok(vec![]);
    };
    let rows = src.store().report_activities(portal(ctx), select).await?;
    Ok(rows.into_iter().map(ActRec::from_row).collect())
}

/// Talk seconds and call counts per user from call statistics in the range (optional data): (id, seconds, user).
pub async fn call_seconds(
    src: &ReportSource,
    ctx: &PortalContext,
    r: Range,
) -> Result<Vec<(i64, i64, Option<i64>)>, ReportError> {
    if r.is_empty() {
        return Ok(vec![]);
    }
    let rows = src
        .store()
        .report_calls(portal(ctx), r.from_ts, r.to_ts)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.id, c.duration_seconds, c.user_id))
        .collect())
}

/// Tasks with a deadline in the range, and tasks without a deadline created in it.
pub async fn tasks(
    src: &ReportSource,
    ctx: &PortalContext,
    r: Range,
) -> Result<Vec<TaskRec>, ReportError> {
    if r.is_empty() {
        return Ok(vec![]);
    }
    let rows = src
        .store()
        .report_tasks(portal(ctx), r.from_ts, r.to_ts)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| TaskRec {
            id: t.id,
            responsible: t.responsible_id,
            project: t.group_id.filter(|g| *g > 0),
            created: t.created_date,
            times: metrics::TaskTimes {
                status: t.status,
                date_start: t.date_start,
                start_date_plan: t.start_date_plan,
                deadline: t.deadline,
                closed_date: t.closed_date,
            },
        })
        .collect())
}

/// Company industries by company id.
pub async fn company_industries(
    src: &ReportSource,
    ctx: &PortalContext,
) -> Result<Arc<HashMap<i64, String>>, ReportError> {
    if let Some(part) = src.cache().companies(src.store(), ctx).await? {
        return Ok(part);
    }
    Ok(Arc::new(company_rows(src.store(), ctx).await?))
}

/// Every company's industry (`""` when unset), read from the store.
pub(crate) async fn company_rows(
    store: &b24a_store::Store,
    ctx: &PortalContext,
) -> Result<HashMap<i64, String>, ReportError> {
    let rows = store.report_company_industries(portal(ctx)).await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.id, c.industry.unwrap_or_default()))
        .collect())
}

/// A portal setting (JSON text) by key.
pub async fn setting(
    src: &ReportSource,
    ctx: &PortalContext,
    key: &str,
) -> Result<Option<String>, ReportError> {
    Ok(src.store().setting_text(portal(ctx), key).await?)
}

/// The same windows as [`activities`], counted by the database into groups that the report predicates treat
/// exactly as they treat single activities (so answers need not move millions of rows):
/// - `CompletedIn`: by kind fields, direction, completion and responsible; `when` is the window start;
/// - `OverdueAt`: by responsible, with the oldest deadline;
/// - `OnOpenCards`: by card and completion, with the latest creation / update, the latest deadline (`None` when any
///   open activity has no deadline, which is what makes a card cared for).
pub async fn activity_groups(
    src: &ReportSource,
    ctx: &PortalContext,
    window: ActWindow,
) -> Result<Vec<ActRec>, ReportError> {
    let (store, cache) = (src.store(), src.cache());
    // Each window asks only for the part it needs (issue #18): R6 loads no per-activity data.
    match window {
        ActWindow::CompletedIn(r) => {
            if let Some(recs) = cache.completed_in(store, ctx, r).await? {
                return Ok(recs);
            }
        }
        ActWindow::OnOpenCards => {
            if let Some(cards) = cache.open_cards(store, ctx).await? {
                return Ok(cards.recs());
            }
        }
        ActWindow::OverdueAt(now) => {
            if let Some(open) = cache.open_deadlines(store, ctx).await? {
                return Ok(open.overdue_at(now));
            }
        }
    }
    let Some(select) = window.select() else {
        return Ok(vec![]);
    };
    let rows = store.report_activity_groups(portal(ctx), select).await?;
    Ok(group_recs(rows, window))
}

/// The records of a window's groups as the database counted them (the cache's open-cards part is built with it
/// too, so that both routes give the same records).
pub(crate) fn group_recs(
    rows: Vec<b24a_store::report_reads::ActivityGroupRow>,
    window: ActWindow,
) -> Vec<ActRec> {
    let start = match window {
        ActWindow::CompletedIn(r) => r.from_ts,
        _ => 0,
    };
    rows.into_iter()
        .map(|g| {
            let deadline = if g.without_deadline > 0 {
                None
            } else {
                g.deadline
            };
            let created = g.max_created.unwrap_or(start);
            ActRec {
                id: 0,
                kind: metrics::activity_kind(
                    g.type_id.unwrap_or(0),
                    g.provider_id.as_deref(),
                    g.provider_type_id.as_deref(),
                ),
                direction: g.direction.unwrap_or(0),
                completed: g.completed.unwrap_or(false),
                responsible: g.responsible_id,
                owner_type: g.owner_type_id,
                owner_id: g.owner_id,
                when: deadline
                    .filter(|_| matches!(window, ActWindow::OverdueAt(_)))
                    .unwrap_or(start),
                created,
                last_updated: g.max_last_updated.unwrap_or(created),
                deadline,
                weight: g.count.max(0) as u64,
            }
        })
        .collect()
}

/// Companies or contacts of the portal, each with what its activities say. An activity counts for a card when it is
/// bound to the card or to a deal whose primary company / contact the card is (docs/METRICS.md "Clients without
/// planned activities"): a call planned on the company's deal is work with that company.
pub async fn clients(
    src: &ReportSource,
    ctx: &PortalContext,
    kind: ClientKind,
) -> Result<Arc<Vec<ClientRec>>, ReportError> {
    // The cached part itself, shared: R6 only reads the clients, so no per-answer copy of every card.
    if let Some(part) = src.cache().clients(src.store(), ctx, kind).await? {
        return Ok(part);
    }
    Ok(Arc::new(client_rows(src.store(), ctx, kind).await?))
}

/// The client cards of one kind with what their activities say, read from the store (the cache keeps the result
/// as its clients part).
pub(crate) async fn client_rows(
    store: &b24a_store::Store,
    ctx: &PortalContext,
    kind: ClientKind,
) -> Result<Vec<ClientRec>, ReportError> {
    let read = store.report_client_cards(portal(ctx), kind.table()).await?;
    let mut by_card: HashMap<i64, b24a_store::report_reads::ClientActivityRow> = HashMap::new();
    for a in read.own.into_iter().chain(read.through_deals) {
        let Some(owner) = a.owner_id else { continue };
        let e = by_card.entry(owner).or_default();
        // Latest of the latest, sum of the counts.
        e.max_created = e.max_created.max(a.max_created);
        e.max_completed_updated = e.max_completed_updated.max(a.max_completed_updated);
        e.open_count = Some(e.open_count.unwrap_or(0) + a.open_count.unwrap_or(0));
        e.open_without_deadline =
            Some(e.open_without_deadline.unwrap_or(0) + a.open_without_deadline.unwrap_or(0));
        e.latest_open_deadline = e.latest_open_deadline.max(a.latest_open_deadline);
    }
    Ok(read
        .cards
        .into_iter()
        .map(|c| {
            let a = by_card.get(&c.id).copied().unwrap_or_default();
            ClientRec {
                id: c.id,
                manager: c.assigned_by_id,
                open: a.open_count.unwrap_or(0).max(0) as u64,
                open_without_deadline: a.open_without_deadline.unwrap_or(0).max(0) as u64,
                latest_open_deadline: a.latest_open_deadline,
                last_touch: metrics::last_touch(&[
                    Some(c.date_modify),
                    c.last_activity_time,
                    a.max_created,
                    a.max_completed_updated,
                ])
                .unwrap_or(c.date_modify),
            }
        })
        .collect())
}
