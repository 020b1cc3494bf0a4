//! A per-portal, in-memory, compact copy of the large tables the reports scan on every request (deals, leads,
//! deal stage history, company industries, and activities: per activity its time, kind, direction, completion and
//! responsible; per deal / lead card the summary of its activities), so that a report reads memory instead of moving tens of thousands of
//! rows out of the database. The loaders (`load`) ask here first and cut their windows from the copy.
//!
//! Correctness rules, which this module must never break:
//! - **Never stale.** Every part is keyed by the portal's data version of its table (`report_data_versions`,
//!   bumped by database triggers on every insert / update / delete, whoever writes; migration 0003). The version is
//!   read *before* the copy is built and on every request, so a write committed before a request is always seen.
//!   Parts that depend on the portal context (amounts in base currency, close days in the portal's zone) are also
//!   keyed by a fingerprint of that context.
//! - **Never mixes portals.** Keys carry the portal id; versions start at a random value per portal and database,
//!   so two databases holding the same portal id do not share a key either.
//! - **Bounded.** The whole cache holds at most `B24A_REPORT_CACHE_MB` megabytes (default 1024; 0 turns the cache
//!   off), least recently used parts leave first; a part larger than the budget is not kept. See docs/REPORTS-BENCH.md for the
//!   figure per portal of 1M deals / 5M activities.
//! - **Never slower on a miss.** A missing or outdated part is built in the background while the request reads the
//!   database as before; later requests use the part once it is there.
//! - It never computes metrics: records come out exactly as the loaders' SQL would give them (the windows are the
//!   same supersets the SQL uses; the reports apply the exact predicates).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use b24a_store::{with_pool, Store};
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Range;
use crate::load::{self, ActRec, DealRec, DealWindow, HistRec, LeadRec, LeadWindow};
use crate::metrics::{self, ActivityKind, Status};
use crate::packed::{self, Bind};

/// Rows read per query while building a part (keeps the packed text of one query to tens of megabytes).
const CHUNK_IDS: i64 = 100_000;
/// Queries in flight while building a part.
const PARALLEL: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    Deals,
    Leads,
    History,
    Companies,
    Activities,
}

impl Part {
    /// Whether the part's content depends on the portal context (see [`ctx_fingerprint`]).
    fn ctx_dependent(self) -> bool {
        matches!(self, Part::Deals | Part::Leads)
    }
    fn column(self) -> &'static str {
        match self {
            Part::Deals => "deals",
            Part::Leads => "leads",
            Part::History => "stage_history",
            Part::Companies => "companies",
            Part::Activities => "activities",
        }
    }
}

#[derive(Clone)]
enum Value {
    Deals(Arc<DealsPart>),
    Leads(Arc<LeadsPart>),
    History(Arc<HistoryPart>),
    Companies(Arc<HashMap<i64, String>>),
    Activities(Arc<ActsPart>),
}

struct Entry {
    version: i64,
    ctx: u64,
    bytes: usize,
    used: u64,
    value: Value,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<(i64, Part), Entry>,
    /// Parts being built (one builder per portal and part).
    building: HashSet<(i64, Part)>,
    bytes: usize,
    tick: u64,
}

fn inner() -> &'static Mutex<Inner> {
    static CACHE: OnceLock<Mutex<Inner>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Inner::default()))
}

fn lock() -> std::sync::MutexGuard<'static, Inner> {
    // A panic while holding the lock leaves plain maps behind; they are still consistent enough to use.
    inner().lock().unwrap_or_else(|e| e.into_inner())
}

/// The memory budget in bytes (`B24A_REPORT_CACHE_MB`, default 1024).
fn budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("B24A_REPORT_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(1024)
            .saturating_mul(1024 * 1024)
    })
}

/// Whether the cache is on (`B24A_REPORT_CACHE_MB` is not 0).
pub fn enabled() -> bool {
    budget() > 0
}

/// What the cache holds now: (parts, bytes). For benchmarks and diagnostics.
pub fn stats() -> (usize, usize) {
    let g = lock();
    (g.entries.len(), g.bytes)
}

/// After new data landed for a portal (a sync cycle, an event): starts rebuilding, in the background, the parts this
/// portal already holds, so that the next report request finds them at the new version instead of reading the
/// database cold. Only parts a request has asked for are rebuilt — a portal nobody opens costs no memory. Returns
/// how many held parts were behind the data (each is being rebuilt, or was, with inline builds, before it returns).
pub async fn refresh_held(store: &Store, ctx: &PortalContext) -> Result<usize, ReportError> {
    if budget() == 0 {
        return Ok(0);
    }
    let held: Vec<Part> = {
        let g = lock();
        g.entries
            .keys()
            .filter(|(portal, _)| *portal == ctx.portal_id)
            .map(|(_, part)| *part)
            .collect()
    };
    let mut behind = 0;
    for part in held {
        let Some(version) = version(store, ctx.portal_id, part).await? else {
            continue;
        };
        let fp = fingerprint(part, ctx);
        let current = {
            let g = lock();
            g.entries
                .get(&(ctx.portal_id, part))
                .is_some_and(|e| e.version == version && e.ctx == fp)
        };
        if !current {
            behind += 1;
            get(store, ctx, part).await?;
        }
    }
    Ok(behind)
}

/// Drops everything (benchmarks measure cold answers with it).
pub fn clear() {
    let mut g = lock();
    g.entries.clear();
    g.bytes = 0;
}

/// The fingerprint of what a context-dependent part was computed with: zone, base currency, rates.
fn ctx_fingerprint(ctx: &PortalContext) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ctx.tz.name().hash(&mut h);
    ctx.base_currency.hash(&mut h);
    let mut rates: Vec<(&String, u64)> = ctx.rates.iter().map(|(k, v)| (k, v.to_bits())).collect();
    rates.sort();
    rates.hash(&mut h);
    h.finish()
}

/// What a part was computed with: the context fingerprint for context-dependent parts, else 0.
fn fingerprint(part: Part, ctx: &PortalContext) -> u64 {
    if part.ctx_dependent() {
        ctx_fingerprint(ctx)
    } else {
        0
    }
}

/// The portal's current data version of a part's table; `None` when the portal has no version row (then the
/// loaders go to the database).
async fn version(store: &Store, portal_id: i64, part: Part) -> Result<Option<i64>, ReportError> {
    let sql = format!(
        "SELECT {} FROM report_data_versions WHERE portal_id = $1",
        part.column()
    );
    let v: Option<i64> = with_pool!(store.pool(), p => {
        sqlx::query_scalar(&sql).bind(portal_id).fetch_optional(p).await
    })?;
    Ok(v)
}

fn lookup(key: (i64, Part), version: i64, ctx: u64) -> Option<Value> {
    let mut g = lock();
    g.tick += 1;
    let tick = g.tick;
    let e = g.entries.get_mut(&key)?;
    if e.version != version || e.ctx != ctx {
        return None;
    }
    e.used = tick;
    Some(e.value.clone())
}

fn store_entry(key: (i64, Part), version: i64, ctx: u64, bytes: usize, value: Value) {
    let mut g = lock();
    if let Some(old) = g.entries.remove(&key) {
        g.bytes -= old.bytes;
    }
    if bytes > budget() {
        return;
    }
    while g.bytes + bytes > budget() {
        let Some(oldest) = g
            .entries
            .iter()
            .min_by_key(|(_, e)| e.used)
            .map(|(k, _)| *k)
        else {
            break;
        };
        if let Some(old) = g.entries.remove(&oldest) {
            g.bytes -= old.bytes;
        }
    }
    g.tick += 1;
    let used = g.tick;
    g.bytes += bytes;
    g.entries.insert(
        key,
        Entry {
            version,
            ctx,
            bytes,
            used,
            value,
        },
    );
}

/// The cached part for the portal at its current version. On a miss the caller reads the database as if there
/// were no cache, and the part is built in the background (one builder per portal and part), so a first request
/// is never slower than without the cache. `None` when caching is off, the portal has no version row, there is no
/// async runtime to build on, or the part is not built yet.
async fn get(store: &Store, ctx: &PortalContext, part: Part) -> Result<Option<Value>, ReportError> {
    if budget() == 0 {
        return Ok(None);
    }
    let Some(version) = version(store, ctx.portal_id, part).await? else {
        return Ok(None);
    };
    let fp = fingerprint(part, ctx);
    let key = (ctx.portal_id, part);
    if let Some(v) = lookup(key, version, fp) {
        HITS.fetch_add(1, Ordering::SeqCst);
        return Ok(Some(v));
    }
    if inline_builds() {
        let (value, bytes) = build(part, store, ctx).await?;
        store_entry(key, version, fp, bytes, value.clone());
        return Ok(Some(value));
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Ok(None);
    };
    if !lock().building.insert(key) {
        return Ok(None);
    }
    let in_flight = InFlight::start(key);
    let (store, ctx) = (store.clone(), ctx.clone());
    runtime.spawn(async move {
        let _in_flight = in_flight;
        match build(part, &store, &ctx).await {
            Ok((value, bytes)) => store_entry(key, version, fp, bytes, value),
            Err(e) => tracing::warn!(portal = ctx.portal_id, ?part, error = %e, "report cache build failed"),
        }
    });
    Ok(None)
}

/// A background build in flight: counted while it lives and released when it ends — also when its task is dropped
/// unfinished (its runtime shut down), which would otherwise leave the part marked "building" forever.
struct InFlight((i64, Part));

impl InFlight {
    fn start(key: (i64, Part)) -> InFlight {
        BUILDS.fetch_add(1, Ordering::SeqCst);
        InFlight(key)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock().building.remove(&self.0);
        BUILDS.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn build(
    part: Part,
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    match part {
        Part::Deals => build_deals(store, ctx).await,
        Part::Leads => build_leads(store, ctx).await,
        Part::History => build_history(store, ctx).await,
        Part::Companies => build_companies(store, ctx).await,
        Part::Activities => build_activities(store, ctx).await,
    }
}

/// `B24A_REPORT_CACHE_BUILD=inline`: a miss builds the part within the request and answers from it (tests use it to
/// run every answer through the cache).
fn inline_builds() -> bool {
    static INLINE: OnceLock<bool> = OnceLock::new();
    *INLINE.get_or_init(|| {
        std::env::var("B24A_REPORT_CACHE_BUILD").is_ok_and(|v| v.trim() == "inline")
    })
}

/// Answers served from the cache so far (a part found at the current version), for tests and diagnostics.
pub fn hits() -> u64 {
    HITS.load(Ordering::SeqCst)
}

static HITS: AtomicU64 = AtomicU64::new(0);

/// Builds in flight.
static BUILDS: AtomicUsize = AtomicUsize::new(0);

/// How many parts are being built in the background now (benchmarks wait for 0 before timing warm answers).
pub fn builds_in_flight() -> usize {
    BUILDS.load(Ordering::SeqCst)
}

/// Runs `one(lo, hi)` over id ranges [lo, hi) covering the portal's ids of `table` (a few queries in flight).
async fn chunked<T, F, Fut>(
    store: &Store,
    portal_id: i64,
    table: &str,
    extra: &str,
    one: F,
) -> Result<Vec<T>, ReportError>
where
    F: Fn(i64, i64) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ReportError>>,
{
    let sql = format!("SELECT MIN(id), MAX(id) FROM {table} WHERE portal_id = $1{extra}");
    let (lo, hi): (Option<i64>, Option<i64>) = with_pool!(store.pool(), p => {
        sqlx::query_as(&sql).bind(portal_id).fetch_one(p).await
    })?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(vec![]);
    };
    let mut ranges = vec![];
    let mut from = lo;
    while from <= hi {
        let to = from.saturating_add(CHUNK_IDS);
        ranges.push((from, to));
        if to == i64::MAX {
            break;
        }
        from = to;
    }
    let parts: Vec<Vec<T>> = futures::stream::iter(ranges)
        .map(|(a, b)| one(a, b))
        .buffered(PARALLEL)
        .try_collect()
        .await?;
    Ok(parts.into_iter().flatten().collect())
}

/// Interned strings: each distinct stage, source, status and UTM value is kept once.
#[derive(Default)]
struct Strings {
    all: Vec<String>,
    index: HashMap<String, u32>,
}

const NO_STR: u32 = u32::MAX;

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = u32::try_from(self.all.len()).unwrap_or(NO_STR - 1);
        self.all.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_STR, |s| self.id(s))
    }
    fn get(&self, i: u32) -> String {
        self.all.get(i as usize).cloned().unwrap_or_default()
    }
    fn get_opt(&self, i: u32) -> Option<String> {
        (i != NO_STR).then(|| self.get(i))
    }
    fn bytes(&self) -> usize {
        self.all.iter().map(|s| s.capacity() + 24).sum::<usize>()
    }
}

/// `Option<i64>` in 8 bytes (`i64::MIN` = none; no Bitrix24 id or instant is that value).
#[derive(Debug, Clone, Copy)]
struct O64(i64);

impl O64 {
    fn new(v: Option<i64>) -> O64 {
        O64(v.unwrap_or(i64::MIN))
    }
    fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
}

/// A deal in ~100 bytes.
struct CDeal {
    id: i64,
    pipeline: i64,
    amount: i64,
    created: i64,
    date_modify: i64,
    manager: O64,
    moved_time: O64,
    last_activity_time: O64,
    company_id: O64,
    close_day: Option<NaiveDate>,
    closedate: Option<NaiveDate>,
    stage: u32,
    source: u32,
    utm: [u32; 3],
    status: Status,
    returning: bool,
}

/// Every deal of a portal, by id.
pub(crate) struct DealsPart {
    deals: Vec<CDeal>,
    strings: Strings,
}

impl DealsPart {
    fn new(recs: Vec<DealRec>) -> DealsPart {
        let mut strings = Strings::default();
        let mut deals: Vec<CDeal> = recs
            .into_iter()
            .map(|d| CDeal {
                id: d.id,
                pipeline: d.pipeline,
                amount: d.amount.packed(),
                created: d.created,
                date_modify: d.date_modify,
                manager: O64::new(d.manager),
                moved_time: O64::new(d.moved_time),
                last_activity_time: O64::new(d.last_activity_time),
                company_id: O64::new(d.company_id),
                close_day: d.close_day,
                closedate: d.closedate,
                stage: strings.id(&d.stage_id),
                source: strings.opt(d.source.as_deref()),
                utm: [
                    strings.id(&d.utm.0),
                    strings.id(&d.utm.1),
                    strings.id(&d.utm.2),
                ],
                status: d.status,
                returning: d.returning,
            })
            .collect();
        deals.sort_by_key(|d| d.id);
        deals.shrink_to_fit();
        strings.index = HashMap::new();
        DealsPart { deals, strings }
    }

    fn bytes(&self) -> usize {
        self.deals.capacity() * std::mem::size_of::<CDeal>() + self.strings.bytes()
    }

    /// The same superset of deals the window's SQL selects (for dates stored as `YYYY-MM-DD…`; a closed deal
    /// whose CLOSEDATE does not parse is always included, since its close day comes from other fields).
    fn in_window(d: &CDeal, w: DealWindow) -> bool {
        let closed = d.status.is_closed();
        match w {
            DealWindow::CreatedOrClosed(r) => {
                !r.is_empty()
                    && (r.contains_ts(d.created)
                        || (closed && d.closedate.is_none_or(|c| r.contains_day(c))))
            }
            DealWindow::ClosedOrPlanned(r) => {
                !r.is_empty()
                    && (d.closedate.is_some_and(|c| r.contains_day(c))
                        || (closed && d.closedate.is_none()))
            }
            DealWindow::Open => !closed,
        }
    }

    fn rec(&self, d: &CDeal) -> DealRec {
        let s = &self.strings;
        DealRec {
            id: d.id,
            pipeline: d.pipeline,
            stage_id: s.get(d.stage),
            status: d.status,
            amount: crate::money::Money::from_packed(d.amount),
            manager: d.manager.get(),
            source: s.get_opt(d.source),
            created: d.created,
            close_day: d.close_day,
            closedate: d.closedate,
            moved_time: d.moved_time.get(),
            date_modify: d.date_modify,
            last_activity_time: d.last_activity_time.get(),
            returning: d.returning,
            company_id: d.company_id.get(),
            utm: (s.get(d.utm[0]), s.get(d.utm[1]), s.get(d.utm[2])),
        }
    }

    pub(crate) fn window(&self, w: DealWindow) -> Vec<DealRec> {
        self.deals
            .iter()
            .filter(|d| Self::in_window(d, w))
            .map(|d| self.rec(d))
            .collect()
    }

    pub(crate) fn window_ids(&self, w: DealWindow) -> Vec<i64> {
        self.deals
            .iter()
            .filter(|d| Self::in_window(d, w))
            .map(|d| d.id)
            .collect()
    }
}

/// A lead in ~90 bytes.
struct CLead {
    id: i64,
    amount: i64,
    created: i64,
    date_modify: i64,
    date_closed: O64,
    moved_time: O64,
    last_activity_time: O64,
    manager: O64,
    status_id: u32,
    source: u32,
    utm: [u32; 3],
    status: Status,
    returning: bool,
}

pub(crate) struct LeadsPart {
    leads: Vec<CLead>,
    strings: Strings,
}

impl LeadsPart {
    fn new(recs: Vec<(LeadRec, Option<i64>)>) -> LeadsPart {
        let mut strings = Strings::default();
        let mut leads: Vec<CLead> = recs
            .into_iter()
            .map(|(l, date_closed)| CLead {
                id: l.id,
                amount: l.amount.packed(),
                created: l.created,
                date_modify: l.date_modify,
                date_closed: O64::new(date_closed),
                moved_time: O64::new(l.moved_time),
                last_activity_time: O64::new(l.last_activity_time),
                manager: O64::new(l.manager),
                status_id: strings.id(&l.status_id),
                source: strings.opt(l.source.as_deref()),
                utm: [
                    strings.id(&l.utm.0),
                    strings.id(&l.utm.1),
                    strings.id(&l.utm.2),
                ],
                status: l.status,
                returning: l.returning,
            })
            .collect();
        leads.sort_by_key(|l| l.id);
        leads.shrink_to_fit();
        strings.index = HashMap::new();
        LeadsPart { leads, strings }
    }

    fn bytes(&self) -> usize {
        self.leads.capacity() * std::mem::size_of::<CLead>() + self.strings.bytes()
    }

    /// Exactly the rows the window's SQL selects.
    fn in_window(l: &CLead, w: LeadWindow) -> bool {
        match w {
            LeadWindow::CreatedOrClosed(r) => {
                let in_r = |t: i64| t >= r.from_ts && t < r.to_ts;
                !r.is_empty()
                    && (in_r(l.created)
                        || (l.status.is_closed() && l.date_closed.get().is_none_or(in_r)))
            }
            LeadWindow::Open => !l.status.is_closed(),
        }
    }

    pub(crate) fn open_ids(&self) -> Vec<i64> {
        self.leads
            .iter()
            .filter(|l| Self::in_window(l, LeadWindow::Open))
            .map(|l| l.id)
            .collect()
    }

    pub(crate) fn window(&self, w: LeadWindow) -> Vec<LeadRec> {
        let s = &self.strings;
        self.leads
            .iter()
            .filter(|l| Self::in_window(l, w))
            .map(|l| LeadRec {
                id: l.id,
                status_id: s.get(l.status_id),
                status: l.status,
                manager: l.manager.get(),
                source: s.get_opt(l.source),
                created: l.created,
                closed_at: metrics::lead_close_time(
                    l.status,
                    l.date_closed.get(),
                    l.moved_time.get(),
                    l.date_modify,
                ),
                date_modify: l.date_modify,
                moved_time: l.moved_time.get(),
                last_activity_time: l.last_activity_time.get(),
                amount: crate::money::Money::from_packed(l.amount),
                utm: (s.get(l.utm[0]), s.get(l.utm[1]), s.get(l.utm[2])),
                returning: l.returning,
            })
            .collect()
    }
}

/// A stage-history row of a deal in 32 bytes.
struct CHist {
    owner: i64,
    time: i64,
    category: O64,
    stage: u32,
    /// TYPE_ID; values outside i32 (never sent by Bitrix24) become `i32::MIN`, which no rule looks for.
    type_id: i32,
}

/// Deal stage history of a portal, sorted by (deal, time, row id).
pub(crate) struct HistoryPart {
    rows: Vec<CHist>,
    strings: Strings,
}

impl HistoryPart {
    fn bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<CHist>() + self.strings.bytes()
    }

    /// The history of the given deals, per deal in time order (as `load::deal_history` gives it).
    pub(crate) fn of_deals(&self, ids: &[i64]) -> HashMap<i64, Vec<HistRec>> {
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            let start = self.rows.partition_point(|h| h.owner < *id);
            let rows: Vec<HistRec> = self.rows[start..]
                .iter()
                .take_while(|h| h.owner == *id)
                .map(|h| HistRec {
                    time: h.time,
                    type_id: i64::from(h.type_id),
                    category_id: h.category.get(),
                    stage_id: self.strings.get(h.stage),
                })
                .collect();
            if !rows.is_empty() {
                out.insert(*id, rows);
            }
        }
        out
    }
}

async fn build_deals(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let recs = chunked(store, ctx.portal_id, "deals", "", |a, b| async move {
        load::deal_rows(
            store,
            ctx,
            "d.portal_id = $1 AND d.id >= $2 AND d.id < $3",
            &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
        )
        .await
    })
    .await?;
    let part = DealsPart::new(recs);
    let bytes = part.bytes();
    Ok((Value::Deals(Arc::new(part)), bytes))
}

async fn build_leads(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let recs = chunked(store, ctx.portal_id, "leads", "", |a, b| async move {
        load::lead_rows_raw(
            store,
            ctx,
            "portal_id = $1 AND id >= $2 AND id < $3",
            &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
        )
        .await
    })
    .await?;
    let part = LeadsPart::new(recs);
    let bytes = part.bytes();
    Ok((Value::Leads(Arc::new(part)), bytes))
}

async fn build_history(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let raw = chunked(
        store,
        ctx.portal_id,
        "stage_history",
        " AND entity_type_id = 2",
        |a, b| async move {
            let rows = packed::fetch(
                store,
                &["owner_id", "created_time", "type_id", "category_id", "stage_id", "id"],
                "stage_history WHERE portal_id = $1 AND entity_type_id = 2 AND id >= $2 AND id < $3",
                &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
            )
            .await?;
            Ok(rows
                .into_iter()
                .filter(|r| r.len() == 6)
                .collect::<Vec<_>>())
        },
    )
    .await?;
    let mut strings = Strings::default();
    let mut rows: Vec<(i64, CHist)> = raw
        .into_iter()
        .map(|r| {
            (
                packed::i0(&r[5]),
                CHist {
                    owner: packed::i0(&r[0]),
                    time: packed::i0(&r[1]),
                    type_id: i32::try_from(packed::i0(&r[2])).unwrap_or(i32::MIN),
                    category: O64::new(packed::i(&r[3])),
                    stage: strings.id(&r[4]),
                },
            )
        })
        .collect();
    rows.sort_by_key(|(id, h)| (h.owner, h.time, *id));
    let mut rows: Vec<CHist> = rows.into_iter().map(|(_, h)| h).collect();
    rows.shrink_to_fit();
    strings.index = HashMap::new();
    let part = HistoryPart { rows, strings };
    let bytes = part.bytes();
    Ok((Value::History(Arc::new(part)), bytes))
}

async fn build_companies(
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    let map = load::company_rows(store, ctx).await?;
    let bytes = map.values().map(|v| v.capacity() + 48).sum::<usize>();
    Ok((Value::Companies(Arc::new(map)), bytes))
}

/// Every deal of the portal (amounts in base currency, close days in the portal's zone).
pub(crate) async fn deals(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Option<Arc<DealsPart>>, ReportError> {
    match get(store, ctx, Part::Deals).await? {
        Some(Value::Deals(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Every lead of the portal.
pub(crate) async fn leads(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Option<Arc<LeadsPart>>, ReportError> {
    match get(store, ctx, Part::Leads).await? {
        Some(Value::Leads(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// The deal stage history of the portal.
pub(crate) async fn history(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Option<Arc<HistoryPart>>, ReportError> {
    match get(store, ctx, Part::History).await? {
        Some(Value::History(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Company industries by company id.
pub(crate) async fn companies(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Option<Arc<HashMap<i64, String>>>, ReportError> {
    match get(store, ctx, Part::Companies).await? {
        Some(Value::Companies(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Activities of a portal: every activity's time, kind, direction, completion and responsible (sorted by time), and
/// per deal / lead card and completion the summary `load::activity_groups` gives for `OnOpenCards`.
pub(crate) struct ActsPart {
    when: Vec<i64>,
    /// Index into `people`.
    responsible: Vec<u32>,
    kind: Vec<ActivityKind>,
    direction: Vec<i64>,
    completed: Vec<bool>,
    people: Vec<Option<i64>>,
    cards: Vec<CCard>,
    /// Open activities with a deadline: (responsible index, deadline), sorted.
    open_deadlines: Vec<(u32, i64)>,
}

/// The activities of one card with one completion flag, summed up (as the SQL groups them).
struct CCard {
    owner_type: i64,
    owner_id: i64,
    max_created: i64,
    max_updated: i64,
    max_deadline: O64,
    nulls: u32,
    count: u32,
    completed: bool,
}

impl ActsPart {
    fn bytes(&self) -> usize {
        self.when.capacity() * 8
            + self.responsible.capacity() * 4
            + self.kind.capacity()
            + self.direction.capacity() * 8
            + self.completed.capacity()
            + self.people.capacity() * 16
            + self.cards.capacity() * std::mem::size_of::<CCard>()
            + self.open_deadlines.capacity() * 16
    }

    /// Open activities past their deadline at `now`, per responsible with the oldest deadline (as
    /// `load::activity_groups` gives `OverdueAt`).
    pub(crate) fn overdue_at(&self, now: i64) -> Vec<ActRec> {
        let mut out = vec![];
        let mut i = 0;
        while i < self.open_deadlines.len() {
            let who = self.open_deadlines[i].0;
            let end = i + self.open_deadlines[i..].partition_point(|(w, _)| *w == who);
            let late = self.open_deadlines[i..end].partition_point(|(_, d)| *d < now);
            if late > 0 {
                let oldest = self.open_deadlines[i].1;
                out.push(ActRec {
                    id: 0,
                    kind: metrics::activity_kind(0, None, None),
                    direction: 0,
                    completed: false,
                    responsible: self.people.get(who as usize).copied().flatten(),
                    owner_type: None,
                    owner_id: None,
                    when: oldest,
                    created: 0,
                    last_updated: 0,
                    deadline: Some(oldest),
                    weight: late as u64,
                });
            }
            i = end;
        }
        out
    }

    /// Completed activities done in the range, grouped by responsible, kind, direction and completion, with `when`
    /// the range start (as `load::activity_groups` gives `CompletedIn`).
    pub(crate) fn completed_in(&self, r: Range) -> Vec<ActRec> {
        if r.is_empty() {
            return vec![];
        }
        let start = self.when.partition_point(|t| *t < r.from_ts);
        let end = self.when.partition_point(|t| *t < r.to_ts);
        let mut groups: HashMap<(u32, ActivityKind, i64, bool), u64> = HashMap::new();
        for i in (start..end.max(start)).filter(|i| self.completed[*i]) {
            *groups
                .entry((
                    self.responsible[i],
                    self.kind[i],
                    self.direction[i],
                    self.completed[i],
                ))
                .or_default() += 1;
        }
        groups
            .into_iter()
            .map(|((who, kind, direction, completed), n)| ActRec {
                id: 0,
                kind,
                direction,
                completed,
                responsible: self.people.get(who as usize).copied().flatten(),
                owner_type: None,
                owner_id: None,
                when: r.from_ts,
                created: r.from_ts,
                last_updated: r.from_ts,
                deadline: None,
                weight: n,
            })
            .collect()
    }

    /// The per-card summaries of the given cards (owner type 1 lead / 2 deal), as `load::activity_groups` gives
    /// `OnOpenCards` for them.
    pub(crate) fn cards(&self, owner_type: i64, ids: &[i64]) -> Vec<ActRec> {
        let mut out = vec![];
        for id in ids {
            let start = self
                .cards
                .partition_point(|c| (c.owner_type, c.owner_id) < (owner_type, *id));
            for c in self.cards[start..]
                .iter()
                .take_while(|c| c.owner_type == owner_type && c.owner_id == *id)
            {
                let deadline = if c.nulls > 0 {
                    None
                } else {
                    c.max_deadline.get()
                };
                out.push(ActRec {
                    id: 0,
                    kind: metrics::activity_kind(0, None, None),
                    direction: 0,
                    completed: c.completed,
                    responsible: None,
                    owner_type: Some(c.owner_type),
                    owner_id: Some(c.owner_id),
                    when: 0,
                    created: c.max_created,
                    last_updated: c.max_updated,
                    deadline,
                    weight: u64::from(c.count),
                });
            }
        }
        out
    }
}

async fn build_activities(
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    // 1. Every activity's time, kind, direction, completion and responsible, by id ranges.
    let raw = chunked(store, ctx.portal_id, "activities", "", |a, b| async move {
        let rows = packed::fetch(
            store,
            &[
                "start_time",
                "created",
                "type_id",
                "provider_id",
                "provider_type_id",
                "direction",
                "completed",
                "responsible_id",
                "deadline",
                "last_updated",
            ],
            "activities WHERE portal_id = $1 AND id >= $2 AND id < $3",
            &[Bind::I(ctx.portal_id), Bind::I(a), Bind::I(b)],
        )
        .await?;
        // Parsed per chunk, so the text of one chunk at a time is alive.
        let mut kinds: HashMap<(i64, String, String), ActivityKind> = HashMap::new();
        Ok(rows
            .into_iter()
            .filter(|r| r.len() == 10)
            .map(|r| {
                let type_id = packed::i0(&r[2]);
                let key = (type_id, r[3].clone(), r[4].clone());
                let kind = *kinds.entry(key).or_insert_with(|| {
                    metrics::activity_kind(
                        type_id,
                        packed::s(&r[3]).as_deref(),
                        packed::s(&r[4]).as_deref(),
                    )
                });
                let completed = packed::b(&r[6]);
                (
                    metrics::activity_done_at(completed, packed::i0(&r[9])).unwrap_or_else(|| {
                        metrics::activity_time(packed::i(&r[0]), packed::i0(&r[1]))
                    }),
                    kind,
                    packed::i0(&r[5]),
                    packed::b(&r[6]),
                    packed::i(&r[7]),
                    packed::i(&r[8]),
                )
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let mut order: Vec<u32> = (0..raw.len() as u32).collect();
    order.sort_by_key(|i| raw[*i as usize].0);
    let mut people_ix: HashMap<Option<i64>, u32> = HashMap::new();
    let mut people: Vec<Option<i64>> = vec![];
    let n = raw.len();
    let (mut when, mut responsible, mut kind, mut direction, mut completed) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut open_deadlines = vec![];
    for i in order {
        let (t, k, dir, done, who, deadline) = raw[i as usize];
        when.push(t);
        kind.push(k);
        direction.push(dir);
        completed.push(done);
        let ix = *people_ix.entry(who).or_insert_with(|| {
            people.push(who);
            (people.len() - 1) as u32
        });
        responsible.push(ix);
        if let (false, Some(d)) = (done, deadline) {
            open_deadlines.push((ix, d));
        }
    }
    drop(raw);
    open_deadlines.sort_unstable();
    open_deadlines.shrink_to_fit();
    // 2. Per deal / lead card and completion: the summary R6 needs, grouped by the database per id range.
    let mut cards: Vec<CCard> = vec![];
    for owner_type in [1_i64, 2] {
        let sql = "SELECT MIN(owner_id), MAX(owner_id) FROM activities WHERE portal_id = $1 AND owner_type_id = $2";
        let (lo, hi): (Option<i64>, Option<i64>) = with_pool!(store.pool(), p => {
            sqlx::query_as(sql).bind(ctx.portal_id).bind(owner_type).fetch_one(p).await
        })?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            continue;
        };
        let mut ranges = vec![];
        let mut from = lo;
        while from <= hi {
            let to = from.saturating_add(CHUNK_IDS);
            ranges.push((from, to));
            if to == i64::MAX {
                break;
            }
            from = to;
        }
        let chunks: Vec<Vec<CCard>> = futures::stream::iter(ranges)
            .map(|(a, b)| async move {
                let rows = packed::fetch_with(
                    store,
                    "WITH x(c0, c1, c2, c3, c4, c5, c6) AS (SELECT owner_id, completed, MAX(created), MAX(last_updated), \
                     MAX(deadline), SUM(CASE WHEN deadline IS NULL THEN 1 ELSE 0 END), COUNT(*) FROM activities \
                     WHERE portal_id = $1 AND owner_type_id = $2 AND owner_id >= $3 AND owner_id < $4 \
                     GROUP BY owner_id, completed) ",
                    &["c0", "c1", "c2", "c3", "c4", "c5", "c6"],
                    "x",
                    &[
                        Bind::I(ctx.portal_id),
                        Bind::I(owner_type),
                        Bind::I(a),
                        Bind::I(b),
                    ],
                )
                .await?;
                Ok::<_, ReportError>(
                    rows.into_iter()
                        .filter(|r| r.len() == 7)
                        .map(|r| {
                            let max_created = packed::i0(&r[2]);
                            CCard {
                                owner_type,
                                owner_id: packed::i0(&r[0]),
                                completed: packed::b(&r[1]),
                                max_created,
                                max_updated: packed::i(&r[3]).unwrap_or(max_created),
                                max_deadline: O64::new(packed::i(&r[4])),
                                nulls: u32::try_from(packed::i0(&r[5])).unwrap_or(u32::MAX),
                                count: u32::try_from(packed::i0(&r[6])).unwrap_or(u32::MAX),
                            }
                        })
                        .collect(),
                )
            })
            .buffered(PARALLEL)
            .try_collect()
            .await?;
        cards.extend(chunks.into_iter().flatten());
    }
    cards.sort_by_key(|c| (c.owner_type, c.owner_id, c.completed));
    cards.shrink_to_fit();
    let part = ActsPart {
        when,
        responsible,
        kind,
        direction,
        completed,
        people,
        cards,
        open_deadlines,
    };
    let bytes = part.bytes();
    Ok((Value::Activities(Arc::new(part)), bytes))
}

/// The activities of the portal (see [`ActsPart`]).
pub(crate) async fn activities(
    store: &Store,
    ctx: &PortalContext,
) -> Result<Option<Arc<ActsPart>>, ReportError> {
    match get(store, ctx, Part::Activities).await? {
        Some(Value::Activities(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}
