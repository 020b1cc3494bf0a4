//! Fetching from the store exactly the rows and columns a report needs, as compact typed records. Filters that can
//! be pushed into SQL (portal, date windows) are; the SQL windows are supersets and the reports apply the exact
//! predicates in Rust, so a definition is never split between SQL and Rust. Must never compute metrics.

use std::collections::HashMap;
use std::sync::Arc;

use b24a_store::{with_pool, Store};
use chrono::{Duration, NaiveDate};
use sqlx::Row;

use crate::cache;
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Range;
use crate::metrics::{self, ActivityKind, Status};
use crate::packed::{self, Bind};

/// A deal as the reports see it: amounts already in base-currency cents (or without a rate), status from the stage semantics.
#[derive(Debug, Clone)]
pub struct DealRec {
    pub id: i64,
    pub pipeline: i64,
    pub stage_id: String,
    pub status: Status,
    pub amount: crate::money::Money,
    pub manager: Option<i64>,
    pub source: Option<String>,
    pub created: i64,
    /// Set for closed deals only (see `metrics::deal_close_day`).
    pub close_day: Option<NaiveDate>,
    /// CLOSEDATE as stored (for open deals: the planned close day).
    pub closedate: Option<NaiveDate>,
    pub moved_time: Option<i64>,
    pub date_modify: i64,
    pub last_activity_time: Option<i64>,
    pub returning: bool,
    pub company_id: Option<i64>,
    pub utm: (String, String, String),
}

const DEAL_COLUMNS: &str = "d.id, d.category_id, d.stage_id, d.stage_semantic_id, d.opportunity_cents, d.currency_id, \
    d.opportunity_account_cents, d.account_currency_id, d.assigned_by_id, d.source_id, d.date_create, d.date_modify, \
    d.moved_time, d.last_activity_time, d.closedate, d.is_return_customer, d.company_id, d.utm_source, d.utm_medium, d.utm_campaign";

/// Which deals to fetch (a superset; reports apply the exact rule).
#[derive(Debug, Clone, Copy)]
pub enum DealWindow {
    /// Created in the range, or closed with a close day that may fall in it.
    CreatedOrClosed(Range),
    /// All open deals (and closed ones, which the caller skips) with planned CLOSEDATE in the range, plus deals
    /// closed in it (R3 fact and coverage).
    ClosedOrPlanned(Range),
    /// Every deal in work.
    Open,
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl DealWindow {
    fn sql(&self) -> (&'static str, i64, i64, String, String) {
        match self {
            DealWindow::CreatedOrClosed(r) => (
                "d.portal_id = $1 AND ((d.date_create >= $2 AND d.date_create < $3) OR (d.stage_semantic_id IN ('S','F') AND \
                 ((d.closedate >= $4 AND d.closedate < $5) OR d.closedate IS NULL OR d.closedate = '')))",
                r.from_ts,
                r.to_ts,
                day_text(r.from),
                day_text(r.to + Duration::days(1)),
            ),
            DealWindow::ClosedOrPlanned(r) => (
                "d.portal_id = $1 AND $2 <= $3 AND ((d.closedate >= $4 AND d.closedate < $5) OR \
                 (d.stage_semantic_id IN ('S','F') AND (d.closedate IS NULL OR d.closedate = '')))",
                r.from_ts,
                r.to_ts,
                day_text(r.from),
                day_text(r.to + Duration::days(1)),
            ),
            DealWindow::Open => ("d.portal_id = $1 AND d.stage_semantic_id NOT IN ('S','F') AND $2 <= $3 AND $4 <= $5", 0, 0, String::new(), String::new()),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            DealWindow::CreatedOrClosed(r) | DealWindow::ClosedOrPlanned(r) => r.is_empty(),
            DealWindow::Open => false,
        }
    }
}

pub async fn deals(
    store: &Store,
    ctx: &PortalContext,
    window: DealWindow,
) -> Result<Vec<DealRec>, ReportError> {
    if window.is_empty() {
        return Ok(vec![]);
    }
    if let Some(part) = cache::deals(store, ctx).await? {
        return Ok(part.window(window));
    }
    let (cond, a, b, c, d) = window.sql();
    let binds = [
        Bind::I(ctx.portal_id),
        Bind::I(a),
        Bind::I(b),
        Bind::S(c),
        Bind::S(d),
    ];
    deal_rows(store, ctx, cond, &binds).await
}

/// Deals matching `cond` (over `deals d`, binds `$1..`), parsed.
pub(crate) async fn deal_rows(
    store: &Store,
    ctx: &PortalContext,
    cond: &str,
    binds: &[Bind],
) -> Result<Vec<DealRec>, ReportError> {
    let cols: Vec<&str> = DEAL_COLUMNS.split(',').map(str::trim).collect();
    let rows = packed::fetch(store, &cols, &format!("deals d WHERE {cond}"), binds).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if r.len() != cols.len() {
            continue;
        }
        let status = Status::from_semantic(&r[3]);
        let amount = ctx.to_base_cents(
            packed::i0(&r[4]),
            packed::s(&r[5]).as_deref(),
            packed::i(&r[6]),
            packed::s(&r[7]).as_deref(),
        );
        let closedate = metrics::parse_day(Some(&r[14]));
        let moved_time = packed::i(&r[12]);
        let date_modify = packed::i0(&r[11]);
        out.push(DealRec {
            id: packed::i0(&r[0]),
            pipeline: packed::i0(&r[1]),
            stage_id: r[2].clone(),
            status,
            amount,
            manager: packed::i(&r[8]),
            source: packed::s(&r[9]),
            created: packed::i0(&r[10]),
            close_day: metrics::deal_close_day(status, closedate, moved_time, date_modify, &ctx.tz),
            closedate,
            moved_time,
            date_modify,
            last_activity_time: packed::i(&r[13]),
            returning: packed::b(&r[15]),
            company_id: packed::i(&r[16]),
            utm: (r[17].clone(), r[18].clone(), r[19].clone()),
        });
    }
    Ok(out)
}

/// One row of a deal's stage history.
#[derive(Debug, Clone)]
pub struct HistRec {
    pub time: i64,
    pub type_id: i64,
    pub category_id: Option<i64>,
    pub stage_id: String,
}

/// Stage history of the deals of a window, per deal, in time order.
pub async fn deal_history(
    store: &Store,
    ctx: &PortalContext,
    window: DealWindow,
) -> Result<HashMap<i64, Vec<HistRec>>, ReportError> {
    if window.is_empty() {
        return Ok(HashMap::new());
    }
    if let Some(part) = cache::history(store, ctx).await? {
        let ids: Vec<i64> = match cache::deals(store, ctx).await? {
            Some(deals) => deals.window_ids(window),
            None => deals(store, ctx, window)
                .await?
                .iter()
                .map(|d| d.id)
                .collect(),
        };
        return Ok(part.of_deals(&ids));
    }
    let (cond, a, b, c, d) = window.sql();
    let from = format!(
        "stage_history h JOIN deals d ON d.portal_id = h.portal_id AND d.id = h.owner_id WHERE h.entity_type_id = 2 AND h.portal_id = $1 AND {cond}"
    );
    let binds = [
        Bind::I(ctx.portal_id),
        Bind::I(a),
        Bind::I(b),
        Bind::S(c),
        Bind::S(d),
    ];
    let rows = packed::fetch(
        store,
        &[
            "h.owner_id",
            "h.created_time",
            "h.type_id",
            "h.category_id",
            "h.stage_id",
            "h.id",
        ],
        &from,
        &binds,
    )
    .await?;
    let mut out: HashMap<i64, Vec<(i64, HistRec)>> = HashMap::new();
    for r in rows {
        if r.len() != 6 {
            continue;
        }
        let h = HistRec {
            time: packed::i0(&r[1]),
            type_id: packed::i0(&r[2]),
            category_id: packed::i(&r[3]),
            stage_id: r[4].clone(),
        };
        out.entry(packed::i0(&r[0]))
            .or_default()
            .push((packed::i0(&r[5]), h));
    }
    Ok(out
        .into_iter()
        .map(|(owner, mut v)| {
            v.sort_by_key(|(id, h)| (h.time, *id));
            (owner, v.into_iter().map(|(_, h)| h).collect())
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct LeadRec {
    pub id: i64,
    pub status_id: String,
    pub status: Status,
    pub manager: Option<i64>,
    pub source: Option<String>,
    pub created: i64,
    /// Set for leads with a final status.
    pub closed_at: Option<i64>,
    pub date_modify: i64,
    pub moved_time: Option<i64>,
    pub last_activity_time: Option<i64>,
    pub amount: crate::money::Money,
    pub utm: (String, String, String),
    /// IS_RETURN_CUSTOMER: the lead came from a client the portal already had (R4 "returning").
    pub returning: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum LeadWindow {
    /// Created in the range, or closed in it.
    CreatedOrClosed(Range),
    Open,
}

pub async fn leads(
    store: &Store,
    ctx: &PortalContext,
    window: LeadWindow,
) -> Result<Vec<LeadRec>, ReportError> {
    if matches!(window, LeadWindow::CreatedOrClosed(r) if r.is_empty()) {
        return Ok(vec![]);
    }
    if let Some(part) = cache::leads(store, ctx).await? {
        return Ok(part.window(window));
    }
    let (cond, a, b) = match window {
        LeadWindow::CreatedOrClosed(r) => (
            "portal_id = $1 AND ((date_create >= $2 AND date_create < $3) OR (status_semantic_id IN ('S','F') AND \
             ((date_closed >= $2 AND date_closed < $3) OR date_closed IS NULL)))",
            r.from_ts,
            r.to_ts,
        ),
        LeadWindow::Open => ("portal_id = $1 AND status_semantic_id NOT IN ('S','F') AND $2 <= $3", 0, 0),
    };
    lead_rows(
        store,
        ctx,
        cond,
        &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
    )
    .await
}

/// Leads matching `cond` (over `leads`, binds `$1..`), parsed, with DATE_CLOSED as stored.
pub(crate) async fn lead_rows_raw(
    store: &Store,
    ctx: &PortalContext,
    cond: &str,
    binds: &[Bind],
) -> Result<Vec<(LeadRec, Option<i64>)>, ReportError> {
    let cols = [
        "id",
        "status_id",
        "status_semantic_id",
        "assigned_by_id",
        "source_id",
        "date_create",
        "date_closed",
        "date_modify",
        "moved_time",
        "last_activity_time",
        "opportunity_cents",
        "currency_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "is_return_customer",
    ];
    let rows = packed::fetch(store, &cols, &format!("leads WHERE {cond}"), binds).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if r.len() != cols.len() {
            continue;
        }
        let status = Status::from_semantic(&r[2]);
        let date_modify = packed::i0(&r[7]);
        let moved_time = packed::i(&r[8]);
        let date_closed = packed::i(&r[6]);
        out.push((
            LeadRec {
                id: packed::i0(&r[0]),
                status_id: r[1].clone(),
                status,
                manager: packed::i(&r[3]),
                source: packed::s(&r[4]),
                created: packed::i0(&r[5]),
                closed_at: metrics::lead_close_time(status, date_closed, moved_time, date_modify),
                date_modify,
                moved_time,
                last_activity_time: packed::i(&r[9]),
                amount: ctx.to_base_cents(
                    packed::i0(&r[10]),
                    packed::s(&r[11]).as_deref(),
                    None,
                    None,
                ),
                utm: (r[12].clone(), r[13].clone(), r[14].clone()),
                returning: packed::b(&r[15]),
            },
            date_closed,
        ));
    }
    Ok(out)
}

async fn lead_rows(
    store: &Store,
    ctx: &PortalContext,
    cond: &str,
    binds: &[Bind],
) -> Result<Vec<LeadRec>, ReportError> {
    Ok(lead_rows_raw(store, ctx, cond, binds)
        .await?
        .into_iter()
        .map(|(l, _)| l)
        .collect())
}

#[derive(Debug, Clone)]
pub struct ActRec {
    pub id: i64,
    pub kind: ActivityKind,
    pub direction: i64,
    pub completed: bool,
    pub responsible: Option<i64>,
    pub owner_type: Option<i64>,
    pub owner_id: Option<i64>,
    /// For a completed activity its completion (`metrics::activity_done_at`), else `metrics::activity_time`.
    pub when: i64,
    pub created: i64,
    pub last_updated: i64,
    pub deadline: Option<i64>,
    /// How many activities this record stands for: 1 for a single activity (`id` set), more for a group the
    /// database counted (`id` 0; see [`activity_groups`]).
    pub weight: u64,
}

#[derive(Debug, Clone, Copy)]
pub enum ActWindow {
    /// Completed activities done in the range (`metrics::activity_done_at`).
    CompletedIn(Range),
    /// Open activities whose deadline is before the instant.
    OverdueAt(i64),
    /// Activities bound to open deals (owner 2) or open leads (owner 1).
    OnOpenCards,
}

pub async fn activities(
    store: &Store,
    ctx: &PortalContext,
    window: ActWindow,
) -> Result<Vec<ActRec>, ReportError> {
    const COLS: &str = "a.id, a.type_id, a.provider_id, a.provider_type_id, a.direction, a.completed, a.responsible_id, \
        a.owner_type_id, a.owner_id, a.start_time, a.created, a.last_updated, a.deadline";
    // Written so that indexes on (portal_id, last_updated) and (portal_id, completed, deadline) serve the range
    // conditions; the owner join uses activities_by_owner.
    let (sql, a, b) = match window {
        ActWindow::CompletedIn(r) if r.is_empty() => return Ok(vec![]),
        ActWindow::CompletedIn(r) => (
            format!(
                "SELECT {COLS} FROM activities a WHERE a.portal_id = $1 AND a.last_updated >= $2 AND a.last_updated < $3 \
                 AND a.completed = TRUE"
            ),
            r.from_ts,
            r.to_ts,
        ),
        ActWindow::OverdueAt(now) => {
            (format!("SELECT {COLS} FROM activities a WHERE a.portal_id = $1 AND a.completed = FALSE AND a.deadline < $2 AND $3 = $3"), now, 0)
        }
        ActWindow::OnOpenCards => (
            format!(
                "SELECT {COLS} FROM deals d JOIN activities a ON a.portal_id = d.portal_id AND a.owner_type_id = 2 AND a.owner_id = d.id \
                 WHERE d.portal_id = $1 AND d.stage_semantic_id NOT IN ('S','F') AND $2 = $3 \
                 UNION ALL SELECT {COLS} FROM leads l JOIN activities a ON a.portal_id = l.portal_id AND a.owner_type_id = 1 AND a.owner_id = l.id \
                 WHERE l.portal_id = $1 AND l.status_semantic_id NOT IN ('S','F')"
            ),
            0,
            0,
        ),
    };
    let rows = with_pool!(store.pool(), p => {
        let rows = sqlx::query(&sql).bind(ctx.portal_id).bind(a).bind(b).fetch_all(p).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let pid: Option<String> = r.try_get(2)?;
            let ptype: Option<String> = r.try_get(3)?;
            let created: i64 = r.try_get(10)?;
            let completed: bool = r.try_get(5)?;
            let last_updated: i64 = r.try_get(11)?;
            let start: Option<i64> = r.try_get(9)?;
            out.push(ActRec {
                id: r.try_get(0)?,
                kind: metrics::activity_kind(r.try_get(1)?, pid.as_deref(), ptype.as_deref()),
                direction: r.try_get(4)?,
                completed,
                responsible: r.try_get(6)?,
                owner_type: r.try_get(7)?,
                owner_id: r.try_get(8)?,
                when: metrics::activity_done_at(completed, last_updated)
                    .unwrap_or_else(|| metrics::activity_time(start, created)),
                created,
                last_updated,
                deadline: r.try_get(12)?,
                weight: 1,
            });
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    Ok(rows)
}

/// Talk seconds and call counts per user from call statistics in the range (optional data).
pub async fn call_seconds(
    store: &Store,
    ctx: &PortalContext,
    r: Range,
) -> Result<Vec<(i64, i64, Option<i64>)>, ReportError> {
    if r.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(i64, i64, Option<i64>)> = with_pool!(store.pool(), p => {
        sqlx::query_as("SELECT id, duration_seconds, user_id FROM calls WHERE portal_id = $1 AND start_time >= $2 AND start_time < $3")
            .bind(ctx.portal_id).bind(r.from_ts).bind(r.to_ts).fetch_all(p).await
    })?;
    Ok(rows)
}

#[derive(Debug, Clone)]
pub struct TaskRec {
    pub id: i64,
    pub responsible: Option<i64>,
    pub project: Option<i64>,
    pub created: i64,
    pub times: metrics::TaskTimes,
}

/// Tasks with a deadline in the range, and tasks without a deadline created in it.
pub async fn tasks(
    store: &Store,
    ctx: &PortalContext,
    r: Range,
) -> Result<Vec<TaskRec>, ReportError> {
    if r.is_empty() {
        return Ok(vec![]);
    }
    type Raw = (
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Raw> = with_pool!(store.pool(), p => {
        sqlx::query_as(
            "SELECT id, status, responsible_id, group_id, created_date, closed_date, date_start, deadline, start_date_plan FROM tasks \
             WHERE portal_id = $1 AND ((deadline >= $2 AND deadline < $3) OR (deadline IS NULL AND created_date >= $2 AND created_date < $3))",
        )
        .bind(ctx.portal_id).bind(r.from_ts).bind(r.to_ts).fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                status,
                responsible,
                group,
                created,
                closed_date,
                date_start,
                deadline,
                start_date_plan,
            )| TaskRec {
                id,
                responsible,
                project: group.filter(|g| *g > 0),
                created,
                times: metrics::TaskTimes {
                    status,
                    date_start,
                    start_date_plan,
                    deadline,
                    closed_date,
                },
            },
        )
        .collect())
}

/// Company industries by company id.
pub async fn company_industries(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Arc<HashMap<i64, String>>, ReportError> {
    if let Some(part) = cache::companies(store, ctx).await? {
        return Ok(part);
    }
    Ok(Arc::new(company_rows(store, ctx).await?))
}

pub(crate) async fn company_rows(
    store: &Store,
    ctx: &PortalContext,
) -> Result<HashMap<i64, String>, ReportError> {
    let rows: Vec<(i64, Option<String>)> = with_pool!(store.pool(), p => {
        sqlx::query_as("SELECT id, industry FROM companies WHERE portal_id = $1").bind(ctx.portal_id).fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, ind)| (id, ind.unwrap_or_default()))
        .collect())
}

/// A portal setting (JSON text) by key.
pub async fn setting(
    store: &Store,
    ctx: &PortalContext,
    key: &str,
) -> Result<Option<String>, ReportError> {
    let row: Option<(String,)> = with_pool!(store.pool(), p => {
        sqlx::query_as("SELECT value FROM portal_settings WHERE portal_id = $1 AND key = $2").bind(ctx.portal_id).bind(key).fetch_optional(p).await
    })?;
    Ok(row.map(|r| r.0))
}

/// The same windows as [`activities`], counted by the database into groups that the report predicates treat
/// exactly as they treat single activities (so answers need not move millions of rows):
/// - `CompletedIn`: by kind fields, direction, completion and responsible; `when` is the window start;
/// - `OverdueAt`: by responsible, with the oldest deadline;
/// - `OnOpenCards`: by card and completion, with the latest creation / update, the latest deadline (`None` when any
///   open activity has no deadline, which is what makes a card cared for).
pub async fn activity_groups(
    store: &Store,
    ctx: &PortalContext,
    window: ActWindow,
) -> Result<Vec<ActRec>, ReportError> {
    match window {
        ActWindow::CompletedIn(r) => {
            if let Some(acts) = cache::activities(store, ctx).await? {
                return Ok(acts.completed_in(r));
            }
        }
        ActWindow::OnOpenCards => {
            if let Some(acts) = cache::activities(store, ctx).await? {
                if let (Some(d), Some(l)) = (
                    cache::deals(store, ctx).await?,
                    cache::leads(store, ctx).await?,
                ) {
                    let mut out = acts.cards(2, &d.window_ids(DealWindow::Open));
                    out.extend(acts.cards(1, &l.open_ids()));
                    return Ok(out);
                }
            }
        }
        ActWindow::OverdueAt(now) => {
            if let Some(acts) = cache::activities(store, ctx).await? {
                return Ok(acts.overdue_at(now));
            }
        }
    }
    // Typed NULLs: PostgreSQL would otherwise type a bare NULL as text.
    const NI: &str = "CAST(NULL AS BIGINT)";
    const NT: &str = "CAST(NULL AS TEXT)";
    const NB: &str = "CAST(NULL AS BOOLEAN)";
    const ZERO: &str = "CAST(0 AS BIGINT)";
    type G = (
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<bool>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
        i64,
    );
    let (sql, a, b) = match window {
        ActWindow::CompletedIn(r) if r.is_empty() => return Ok(vec![]),
        ActWindow::CompletedIn(r) => (
            // A range over activities_by_modified (portal_id, last_updated).
            "SELECT type_id, provider_id, provider_type_id, direction, completed, responsible_id, {NI}, {NI}, {NI}, {NI}, {NI}, {ZERO}, COUNT(*) \
             FROM activities WHERE portal_id = $1 AND last_updated >= $2 AND last_updated < $3 AND completed = TRUE \
             GROUP BY type_id, provider_id, provider_type_id, direction, completed, responsible_id"
                .replace("{NI}", NI).replace("{ZERO}", ZERO),
            r.from_ts,
            r.to_ts,
        ),
        // `+ 0` keeps planners from walking the (responsible, created) index for the grouping instead of the
        // deadline condition (measured: 5.5 s against 0.06 s on 5M activities).
        ActWindow::OverdueAt(now) => (
            "SELECT {NI}, {NT}, {NT}, {NI}, {NB}, a.responsible_id + 0, {NI}, {NI}, {NI}, {NI}, MIN(a.deadline), {ZERO}, COUNT(*) FROM activities a \
             WHERE a.portal_id = $1 AND a.completed = FALSE AND a.deadline < $2 AND $3 = $3 GROUP BY a.responsible_id + 0"
                .replace("{NI}", NI).replace("{NT}", NT).replace("{NB}", NB).replace("{ZERO}", ZERO),
            now,
            0,
        ),
        // CROSS JOIN makes SQLite walk the open cards (deals_open / leads_open) and look each card's activities up in
        // activities_by_owner, instead of walking every activity of the portal (PostgreSQL plans it either way).
        ActWindow::OnOpenCards => {
            let part = |owner: &str, table: &str, sem: &str, alias: &str, extra: &str| {
                format!(
                    "SELECT {NI}, {NT}, {NT}, {NI}, a.completed, {NI}, a.owner_type_id, a.owner_id, MAX(a.created), MAX(a.last_updated), MAX(a.deadline), \
                     SUM(CASE WHEN a.deadline IS NULL THEN 1 ELSE 0 END), COUNT(*) \
                     FROM {table} {alias} CROSS JOIN activities a WHERE a.portal_id = {alias}.portal_id AND a.owner_type_id = {owner} AND a.owner_id = {alias}.id \
                     AND {alias}.portal_id = $1 AND {alias}.{sem} NOT IN ('S','F'){extra} GROUP BY a.owner_type_id, a.owner_id, a.completed"
                )
                .replace("{NI}", NI)
                .replace("{NT}", NT)
            };
            (format!("{} UNION ALL {}", part("2", "deals", "stage_semantic_id", "d", " AND $2 = $3"), part("1", "leads", "status_semantic_id", "l", "")), 0, 0)
        }
    };
    let names: Vec<String> = (0..13).map(|k| format!("c{k}")).collect();
    let cols: Vec<&str> = names.iter().map(String::as_str).collect();
    let with = format!("WITH x({}) AS ({sql}) ", names.join(", "));
    let packed_rows = packed::fetch_with(
        store,
        &with,
        &cols,
        "x",
        &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
    )
    .await?;
    let rows: Vec<G> = packed_rows
        .into_iter()
        .filter(|r| r.len() == 13)
        .map(|r| {
            (
                packed::i(&r[0]),
                packed::s(&r[1]),
                packed::s(&r[2]),
                packed::i(&r[3]),
                (!r[4].is_empty()).then(|| packed::b(&r[4])),
                packed::i(&r[5]),
                packed::i(&r[6]),
                packed::i(&r[7]),
                packed::i(&r[8]),
                packed::i(&r[9]),
                packed::i(&r[10]),
                packed::i0(&r[11]),
                packed::i0(&r[12]),
            )
        })
        .collect();
    let start = match window {
        ActWindow::CompletedIn(r) => r.from_ts,
        _ => 0,
    };
    Ok(rows
        .into_iter()
        .map(
            |(
                type_id,
                pid,
                ptype,
                direction,
                completed,
                responsible,
                owner_type,
                owner_id,
                max_created,
                max_updated,
                deadline,
                nulls,
                n,
            )| {
                let deadline = if nulls > 0 { None } else { deadline };
                let created = max_created.unwrap_or(start);
                ActRec {
                    id: 0,
                    kind: metrics::activity_kind(
                        type_id.unwrap_or(0),
                        pid.as_deref(),
                        ptype.as_deref(),
                    ),
                    direction: direction.unwrap_or(0),
                    completed: completed.unwrap_or(false),
                    responsible,
                    owner_type,
                    owner_id,
                    when: deadline
                        .filter(|_| matches!(window, ActWindow::OverdueAt(_)))
                        .unwrap_or(start),
                    created,
                    last_updated: max_updated.unwrap_or(created),
                    deadline,
                    weight: n.max(0) as u64,
                }
            },
        )
        .collect())
}

pub use crate::load_clients::{clients, ClientKind, ClientRec};
