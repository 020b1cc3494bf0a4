//! A per-portal, in-memory, compact copy of the large tables the reports scan on every request (deals, leads,
//! deal stage history, company industries, and activities split by use: the completed ones by the moment they were
//! done, the open ones with a deadline per responsible, and per open deal / lead card the summary of its
//! activities; per company / contact the summary of its own and its deals' activities, R6's clients), so that a
//! report reads memory instead of
//! moving tens of thousands of rows out of the database. The loaders (`load`) ask here first and cut their windows
//! from the copy.
//!
//! The cache is a value, [`ReportCache`]: created once by the owner of the process (the server's state, configured
//! by its `Config`; a benchmark; each test its own) and shared by clones. Its parts, budget and counters live in the
//! value, never in process globals. Modules: [`shelf`] holds the parts (versions, LRU), [`parts`],
//! [`activities`], [`open_cards`] and [`open_deadlines`] are the compact part types, [`segments`] cuts the deals,
//! leads, stage-history and activity-log parts into segments behind a directory (issue #18: a request reads only
//! the segments its window could touch), [`build`] (and [`build_activities`] for the activity parts) reads a part
//! from the store. Arrows go one way: `load` → `cache` → `records`.
//!
//! Correctness rules, which this module must never break:
//! - **Never stale.** Every part is keyed by the portal's data version of its table (`report_data_versions`,
//!   bumped by database triggers on every insert / update / delete, whoever writes; migration 0003); the clients
//!   parts and the open cards, read from several tables, by one version combining the counters of all of them
//!   (contacts counted since migration 0015). The version is
//!   read *before* the copy is built and on every request, so a write committed before a request is always seen.
//!   Parts that depend on the portal context (amounts in base currency, close days in the portal's zone) are also
//!   keyed by a fingerprint of that context.
//! - **Never mixes portals.** Keys carry the portal id; versions start at a random value per portal and database,
//!   so two databases holding the same portal id do not share a key either.
//! - **Bounded.** The cache holds at most [`CacheConfig::megabytes`] (0 turns it off); least recently used parts
//!   leave first; a part larger than the budget is not kept. See docs/REPORTS-BENCH.md for the figure per portal of
//!   1M deals / 5M activities.
//! - **Never slower on a miss.** A missing or outdated part is built in the background while the request reads the
//!   database as before; later requests use the part once it is there.
//! - It never computes metrics: records come out exactly as the loaders' reads would give them (the windows are
//!   the same supersets the SQL uses; the reports apply the exact predicates).

mod activities;
mod build;
mod build_activities;
mod codec;
mod open_cards;
mod open_deadlines;
mod parts;
mod segments;
mod shelf;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures::{StreamExt, TryStreamExt};

use b24a_store::report_reads::CachedTable;
use b24a_store::{PortalId, Store};

use open_cards::OpenCards;
use open_deadlines::OpenDeadlines;
use parts::{DealsPart, HistoryPart, LeadsPart};
use segments::Directory;
use shelf::{Key, Shelf, Value, WHOLE};

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Range;
use crate::records::{ActRec, DealRec, DealWindow, HistRec, LeadRec, LeadWindow};

/// How the report cache is sized and when it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// The memory budget in megabytes; 0 turns the cache off.
    pub megabytes: usize,
    /// Build a missing part within the request and answer from it (tests use it to run every answer through the
    /// cache), instead of in the background.
    pub inline_builds: bool,
    /// Keep every built part in the database too (`report_parts`, migration 0011) and, on a miss, load a part
    /// persisted at the current version instead of building it: a restart, another replica or an eviction then
    /// answers as fast as a warm cache (docs/REPORTS-BENCH.md).
    pub persist: bool,
}

impl Default for CacheConfig {
    /// 1024 MB, background builds, parts persisted.
    fn default() -> CacheConfig {
        CacheConfig {
            megabytes: 1024,
            inline_builds: false,
            persist: true,
        }
    }
}

/// The report cache: a shared handle (clones share the parts and counters).
#[derive(Clone)]
pub struct ReportCache {
    shared: Arc<Shared>,
}

struct Shared {
    budget: usize,
    inline_builds: bool,
    persist: bool,
    shelf: Mutex<Shelf>,
    /// One loader per portal and part: concurrent requests of a cold portal wait for one load from the store
    /// instead of each reading the same megabytes.
    loading: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    /// Parts (whole, or a segmented part's directory) loaded from the store (persisted at the current version)
    /// instead of built.
    loads: AtomicU64,
    /// Segments of segmented parts loaded from the store.
    segment_loads: AtomicU64,
    /// The same, per table (tests check which parts an answer loads).
    loads_by_table: Mutex<HashMap<CachedTable, u64>>,
    /// One part written at a time: SQLite refuses a second write transaction that would deadlock with a first
    /// instead of waiting, and one encoded part at a time bounds the memory the writing costs.
    persisting: tokio::sync::Mutex<()>,
    /// Answers served from the cache (a part found at the current version).
    hits: AtomicU64,
    /// Builds in flight.
    builds: AtomicUsize,
}

impl ReportCache {
    pub fn new(config: CacheConfig) -> ReportCache {
        ReportCache {
            shared: Arc::new(Shared {
                budget: config.megabytes.saturating_mul(1024 * 1024),
                inline_builds: config.inline_builds,
                persist: config.persist,
                shelf: Mutex::new(Shelf::default()),
                loading: Mutex::new(HashMap::new()),
                loads: AtomicU64::new(0),
                segment_loads: AtomicU64::new(0),
                loads_by_table: Mutex::new(HashMap::new()),
                persisting: tokio::sync::Mutex::new(()),
                hits: AtomicU64::new(0),
                builds: AtomicUsize::new(0),
            }),
        }
    }

    /// A cache that holds nothing (every answer reads the database).
    pub fn off() -> ReportCache {
        ReportCache::new(CacheConfig {
            megabytes: 0,
            inline_builds: false,
            persist: false,
        })
    }

    fn shelf(&self) -> MutexGuard<'_, Shelf> {
        // A panic while holding the lock leaves plain maps behind; they are still consistent enough to use.
        self.shared.shelf.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the cache is on (a budget above 0).
    pub fn enabled(&self) -> bool {
        self.shared.budget > 0
    }

    /// What the cache holds now: (entries — whole parts, directories and segments —, bytes). For benchmarks and
    /// diagnostics.
    pub fn stats(&self) -> (usize, usize) {
        self.shelf().stats()
    }

    /// Answers served from the cache so far (a part found at the current version), for tests and diagnostics.
    pub fn hits(&self) -> u64 {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// Parts loaded from the store so far (persisted at the current version) instead of built, for tests and
    /// benchmarks.
    pub fn loads(&self) -> u64 {
        self.shared.loads.load(Ordering::SeqCst)
    }

    /// Segments of the deals, leads, stage-history and activity-log parts loaded from the store so far: a request
    /// loads only those its window could touch (tests and benchmarks count them).
    pub fn segment_loads(&self) -> u64 {
        self.shared.segment_loads.load(Ordering::SeqCst)
    }

    /// Parts of `table` loaded from the store so far (any portal), for tests and benchmarks.
    pub fn loads_of(&self, table: CachedTable) -> u64 {
        let by_table = self
            .shared
            .loads_by_table
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        by_table.get(&table).copied().unwrap_or(0)
    }

    /// How many parts are being built in the background now (benchmarks wait for 0 before timing warm answers).
    pub fn builds_in_flight(&self) -> usize {
        self.shared.builds.load(Ordering::SeqCst)
    }

    /// Drops everything (benchmarks measure cold answers with it).
    pub fn clear(&self) {
        self.shelf().clear();
    }

    /// After new data landed for a portal (a sync cycle, an event): starts rebuilding, in the background, the parts
    /// this portal already holds, so that the next report request finds them at the new version instead of reading
    /// the database cold. Only parts a request has asked for are rebuilt — a portal nobody opens costs no memory.
    /// Returns how many held parts were behind the data (each is being rebuilt, or was, with inline builds, before
    /// it returns).
    pub async fn refresh_held(
        &self,
        store: &Store,
        ctx: &PortalContext,
    ) -> Result<usize, ReportError> {
        if !self.enabled() {
            return Ok(0);
        }
        let held = self.shelf().held(ctx.portal_id);
        let mut behind = 0;
        for table in held {
            let Some(version) = store
                .report_data_version(PortalId(ctx.portal_id), table)
                .await?
            else {
                continue;
            };
            let current = self.shelf().is_current(
                (ctx.portal_id, table, WHOLE),
                version,
                fingerprint(table, ctx),
            );
            if !current {
                behind += 1;
                self.get(store, ctx, table).await?;
            }
        }
        Ok(behind)
    }

    /// The cached part (for a segmented part: its directory) for the portal at its current version. On a miss the
    /// caller reads the database as if there were no cache, and the part is built in the background (one builder
    /// per portal and part), so a first request is never slower than without the cache. `None` when caching is
    /// off, the portal has no version row, there is no async runtime to build on, or the part is not built yet.
    async fn get(
        &self,
        store: &Store,
        ctx: &PortalContext,
        table: CachedTable,
    ) -> Result<Option<Value>, ReportError> {
        Ok(self.current(store, ctx, table).await?.map(|(v, _, _)| v))
    }

    /// [`Self::get`] with the version and fingerprint the value is held at (a segment must be of the same).
    async fn current(
        &self,
        store: &Store,
        ctx: &PortalContext,
        table: CachedTable,
    ) -> Result<Option<(Value, i64, u64)>, ReportError> {
        if !self.enabled() {
            return Ok(None);
        }
        let Some(version) = store
            .report_data_version(PortalId(ctx.portal_id), table)
            .await?
        else {
            return Ok(None);
        };
        let fp = fingerprint(table, ctx);
        let key = (ctx.portal_id, table, WHOLE);
        if let Some(v) = self.shelf().lookup(key, version, fp) {
            self.shared.hits.fetch_add(1, Ordering::SeqCst);
            return Ok(Some((v, version, fp)));
        }
        if let Some(v) = self.load_persisted(store, key, version, fp).await? {
            self.shared.hits.fetch_add(1, Ordering::SeqCst);
            return Ok(Some((v, version, fp)));
        }
        Ok(self
            .build(store, ctx, table, version, fp)
            .await?
            .map(|v| (v, version, fp)))
    }

    /// Builds the part at `version`: within the call with inline builds (the part, or its directory, returned),
    /// else in the background (one builder per portal and part; `None` returned).
    async fn build(
        &self,
        store: &Store,
        ctx: &PortalContext,
        table: CachedTable,
        version: i64,
        fp: u64,
    ) -> Result<Option<Value>, ReportError> {
        let key = (ctx.portal_id, table, WHOLE);
        if self.shared.inline_builds {
            let (value, bytes) = build::build(table, store, ctx).await?;
            return Ok(Some(self.keep(store, key, version, fp, value, bytes).await));
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Ok(None);
        };
        if !self.shelf().building.insert(key) {
            return Ok(None);
        }
        let in_flight = InFlight::start(self.clone(), key);
        let (store, ctx) = (store.clone(), ctx.clone());
        runtime.spawn(async move {
            let in_flight = in_flight;
            match build::build(table, &store, &ctx).await {
                Ok((value, bytes)) => {
                    in_flight.cache.keep(&store, key, version, fp, value, bytes).await;
                }
                Err(e) => tracing::warn!(portal = ctx.portal_id, ?table, error = %e, "report cache build failed"),
            }
        });
        Ok(None)
    }

    /// Puts a freshly built part on the shelf and persists it: a deals, leads, history or activity-log part cut into
    /// segments (each its own entry) behind a directory, put last so that a directory found implies its segments
    /// were put.
    /// Returns what stands under the part's own key (the part, or its directory).
    async fn keep(
        &self,
        store: &Store,
        key: Key,
        version: i64,
        fp: u64,
        value: Value,
        bytes: usize,
    ) -> Value {
        let (head, head_bytes, segs) = split(value, bytes);
        {
            let mut shelf = self.shelf();
            for (n, (v, b)) in segs.iter().enumerate() {
                shelf.put(
                    (key.0, key.1, n as u32),
                    version,
                    fp,
                    *b,
                    v.clone(),
                    self.shared.budget,
                );
            }
            shelf.drop_segments_from(key.0, key.1, segs.len() as u32);
            shelf.put(
                key,
                version,
                fp,
                head_bytes,
                head.clone(),
                self.shared.budget,
            );
        }
        self.persist(store, key, version, fp, &head, &segs).await;
        head
    }

    /// The part persisted in the store at exactly this version and fingerprint, decoded and put on the shelf;
    /// `None` when persisting is off, nothing current is persisted, or the bytes do not decode (then the part is
    /// built as if nothing were persisted, and the build replaces them).
    async fn load_persisted(
        &self,
        store: &Store,
        key: Key,
        version: i64,
        fp: u64,
    ) -> Result<Option<Value>, ReportError> {
        if !self.shared.persist {
            return Ok(None);
        }
        let lock = {
            let mut loading = self
                .shared
                .loading
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            loading.entry(key).or_default().clone()
        };
        let _one_loader = lock.lock().await;
        // Another request may have loaded it while this one waited.
        if let Some(v) = self.shelf().lookup(key, version, fp) {
            return Ok(Some(v));
        }
        let Some(chunks) = store
            .load_report_part(PortalId(key.0), key.1, version, fp as i64)
            .await?
        else {
            return Ok(None);
        };
        let Some((value, bytes)) = decode(chunks).await.filter(|(v, _)| heads(key.1, v)) else {
            tracing::warn!(portal = key.0, table = ?key.1, "persisted report cache part does not decode; rebuilding");
            return Ok(None);
        };
        self.shared.loads.fetch_add(1, Ordering::SeqCst);
        *self
            .shared
            .loads_by_table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.1)
            .or_default() += 1;
        self.shelf()
            .put(key, version, fp, bytes, value.clone(), self.shared.budget);
        Ok(Some(value))
    }

    /// Keeps a freshly built part (with its segments, if any) in the store for later cold starts. A failure only
    /// costs the next cold start a build, so it is logged, never returned: the answer does not depend on it.
    async fn persist(
        &self,
        store: &Store,
        key: Key,
        version: i64,
        fp: u64,
        head: &Value,
        segs: &[(Value, usize)],
    ) {
        if !self.shared.persist {
            return;
        }
        let _one_writer = self.shared.persisting.lock().await;
        let chunks = codec::encode(head);
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let saved = if matches!(head, Value::Directory(_)) {
            let encoded: Vec<Vec<Vec<u8>>> = segs.iter().map(|(v, _)| codec::encode(v)).collect();
            let seg_refs: Vec<(u32, Vec<&[u8]>)> = encoded
                .iter()
                .enumerate()
                .map(|(n, c)| (n as u32, c.iter().map(Vec::as_slice).collect()))
                .collect();
            store
                .save_report_segments(PortalId(key.0), key.1, version, fp as i64, &refs, &seg_refs)
                .await
        } else {
            store
                .save_report_part(PortalId(key.0), key.1, version, fp as i64, &refs)
                .await
        };
        if let Err(e) = saved {
            tracing::warn!(portal = key.0, table = ?key.1, error = %e, "persisting a report cache part failed");
        }
    }

    /// Segment `n` of a segmented part at exactly this version and fingerprint: from the shelf, else loaded from
    /// the store (one loader per segment) and put on the shelf. `None` when it cannot be had or its bytes do not
    /// decode to a segment of this table with the rows the directory lists.
    async fn segment(
        &self,
        store: &Store,
        key: Key,
        info: &segments::SegInfo,
        version: i64,
        fp: u64,
    ) -> Result<Option<Value>, ReportError> {
        let fits = |v: &Value| fits(v, key.1, info);
        if let Some(v) = self.shelf().lookup(key, version, fp) {
            return Ok(fits(&v).then_some(v));
        }
        if !self.shared.persist {
            return Ok(None);
        }
        let lock = {
            let mut loading = self
                .shared
                .loading
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            loading.entry(key).or_default().clone()
        };
        let _one_loader = lock.lock().await;
        if let Some(v) = self.shelf().lookup(key, version, fp) {
            return Ok(fits(&v).then_some(v));
        }
        let Some(chunks) = store
            .load_report_segment(PortalId(key.0), key.1, key.2, version, fp as i64)
            .await?
        else {
            return Ok(None);
        };
        let decoded = decode(chunks).await;
        let Some((value, bytes)) = decoded.filter(|(v, _)| fits(v)) else {
            tracing::warn!(portal = key.0, table = ?key.1, segment = key.2, "persisted report cache segment does not decode; rebuilding");
            return Ok(None);
        };
        self.shared.segment_loads.fetch_add(1, Ordering::SeqCst);
        self.shelf()
            .put(key, version, fp, bytes, value.clone(), self.shared.budget);
        Ok(Some(value))
    }

    /// The segments of the portal's part of `table` that `pick` chooses from its directory, in directory order;
    /// `None` when the part is not at hand (the caller reads the database). A directory whose segments cannot all
    /// be had (evicted without persistence, damaged bytes) is dropped and the part rebuilt: within this call with
    /// inline builds, else in the background.
    async fn segments(
        &self,
        store: &Store,
        ctx: &PortalContext,
        table: CachedTable,
        pick: impl Fn(&Directory) -> Vec<u32>,
    ) -> Result<Option<Vec<Value>>, ReportError> {
        for _ in 0..2 {
            let Some((Value::Directory(dir), version, fp)) =
                self.current(store, ctx, table).await?
            else {
                return Ok(None);
            };
            let wanted = pick(&dir);
            // A few segments read at a time: each is one query of a few megabytes.
            let got: Vec<Option<Value>> = futures::stream::iter(wanted)
                .map(|n| {
                    let info = dir.segs.get(n as usize);
                    async move {
                        match info {
                            Some(info) => {
                                self.segment(store, (ctx.portal_id, table, n), info, version, fp)
                                    .await
                            }
                            None => Ok(None),
                        }
                    }
                })
                .buffered(4)
                .try_collect()
                .await?;
            if let Some(all) = got.into_iter().collect::<Option<Vec<Value>>>() {
                return Ok(Some(all));
            }
            self.shelf().forget((ctx.portal_id, table, WHOLE), version);
            // Segments replaced by a build of newer data are no reason to rebuild this version's part.
            let now = store
                .report_data_version(PortalId(ctx.portal_id), table)
                .await?;
            if now != Some(version) || self.build(store, ctx, table, version, fp).await?.is_none() {
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// What `take` gives from each segment of `table` that `pick` names, merged in id order: segments hold disjoint
    /// rows, each in id order, and the whole part gave one id order.
    async fn merged_segments<T>(
        &self,
        store: &Store,
        ctx: &PortalContext,
        table: CachedTable,
        pick: impl Fn(&Directory) -> Vec<u32>,
        take: impl Fn(&Value) -> Vec<T>,
        id: impl Fn(&T) -> i64,
    ) -> Result<Option<Vec<T>>, ReportError> {
        let Some(segs) = self.segments(store, ctx, table, pick).await? else {
            return Ok(None);
        };
        let mut out: Vec<T> = segs.iter().flat_map(take).collect();
        out.sort_unstable_by_key(id);
        Ok(Some(out))
    }

    /// The deals of a window (amounts in base currency, close days in the portal's zone), in id order, exactly as
    /// the unsegmented part (and the SQL) gives them.
    pub(crate) async fn deal_window(
        &self,
        store: &Store,
        ctx: &PortalContext,
        w: DealWindow,
    ) -> Result<Option<Vec<DealRec>>, ReportError> {
        let take = |v: &Value| match v {
            Value::Deals(p) => p.window(w),
            _ => vec![],
        };
        self.merged_segments(
            store,
            ctx,
            CachedTable::Deals,
            |d| d.deal_segments(w),
            take,
            |d| d.id,
        )
        .await
    }

    /// The ids of the deals of a window, in id order.
    pub(crate) async fn deal_window_ids(
        &self,
        store: &Store,
        ctx: &PortalContext,
        w: DealWindow,
    ) -> Result<Option<Vec<i64>>, ReportError> {
        let take = |v: &Value| match v {
            Value::Deals(p) => p.window_ids(w),
            _ => vec![],
        };
        self.merged_segments(
            store,
            ctx,
            CachedTable::Deals,
            |d| d.deal_segments(w),
            take,
            |id| *id,
        )
        .await
    }

    /// The leads of a window, in id order.
    pub(crate) async fn lead_window(
        &self,
        store: &Store,
        ctx: &PortalContext,
        w: LeadWindow,
    ) -> Result<Option<Vec<LeadRec>>, ReportError> {
        let take = |v: &Value| match v {
            Value::Leads(p) => p.window(w),
            _ => vec![],
        };
        self.merged_segments(
            store,
            ctx,
            CachedTable::Leads,
            |d| d.lead_segments(w),
            take,
            |l| l.id,
        )
        .await
    }

    /// Whether the stage history is at hand (its directory current; asking starts its build or load), so that a
    /// caller works out the deal ids only when it can use them.
    pub(crate) async fn history_ready(
        &self,
        store: &Store,
        ctx: &PortalContext,
    ) -> Result<bool, ReportError> {
        Ok(self
            .get(store, ctx, CachedTable::DealHistory)
            .await?
            .is_some())
    }

    /// The stage history of the given deals, per deal in time order (as `load::deal_history` gives it); only the
    /// segments whose deal range holds one of the ids are read.
    pub(crate) async fn history_of(
        &self,
        store: &Store,
        ctx: &PortalContext,
        ids: &[i64],
    ) -> Result<Option<HashMap<i64, Vec<HistRec>>>, ReportError> {
        let Some(segs) = self
            .segments(store, ctx, CachedTable::DealHistory, |d| {
                d.history_segments(ids)
            })
            .await?
        else {
            return Ok(None);
        };
        let mut out: HashMap<i64, Vec<HistRec>> = HashMap::with_capacity(ids.len());
        // Segments are runs in (deal, time, id) order: a deal cut between two runs continues in the next one.
        for v in segs {
            if let Value::History(p) = v {
                for (id, rows) in p.of_deals(ids) {
                    out.entry(id).or_default().extend(rows);
                }
            }
        }
        Ok(Some(out))
    }

    /// Company industries by company id.
    pub(crate) async fn companies(
        &self,
        store: &Store,
        ctx: &PortalContext,
    ) -> Result<Option<Arc<HashMap<i64, String>>>, ReportError> {
        match self.get(store, ctx, CachedTable::Companies).await? {
            Some(Value::Companies(p)) => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// R6's companies or contacts of the portal, each with what its own and its deals' activities say (as
    /// `load::clients` reads them).
    pub(crate) async fn clients(
        &self,
        store: &Store,
        ctx: &PortalContext,
        kind: crate::records::ClientKind,
    ) -> Result<Option<Arc<Vec<crate::records::ClientRec>>>, ReportError> {
        match self
            .get(store, ctx, CachedTable::Clients(kind.table()))
            .await?
        {
            Some(Value::Clients(p)) => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// The completed activities done in the range, grouped as `load::activity_groups` gives `CompletedIn` (see
    /// [`activities::ActivityLog::completed_in`]); only the runs of the log that could hold such an activity are read.
    pub(crate) async fn completed_in(
        &self,
        store: &Store,
        ctx: &PortalContext,
        r: Range,
    ) -> Result<Option<Vec<ActRec>>, ReportError> {
        let Some(segs) = self
            .segments(store, ctx, CachedTable::ActivityLog, |d| d.log_segments(r))
            .await?
        else {
            return Ok(None);
        };
        let runs = segs.iter().filter_map(|v| match v {
            Value::ActivityLog(log) => Some(log.as_ref()),
            _ => None,
        });
        Ok(Some(activities::completed_in_runs(runs, r)))
    }

    /// The open deals' and leads' activity summaries (see [`OpenCards`]).
    pub(crate) async fn open_cards(
        &self,
        store: &Store,
        ctx: &PortalContext,
    ) -> Result<Option<Arc<OpenCards>>, ReportError> {
        match self.get(store, ctx, CachedTable::OpenCards).await? {
            Some(Value::OpenCards(p)) => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// The open activities with a deadline, per responsible (see [`OpenDeadlines`]).
    pub(crate) async fn open_deadlines(
        &self,
        store: &Store,
        ctx: &PortalContext,
    ) -> Result<Option<Arc<OpenDeadlines>>, ReportError> {
        match self.get(store, ctx, CachedTable::OpenDeadlines).await? {
            Some(Value::OpenDeadlines(p)) => Ok(Some(p)),
            _ => Ok(None),
        }
    }
}

/// A background build in flight: counted while it lives and released when it ends — also when its task is dropped
/// unfinished (its runtime shut down), which would otherwise leave the part marked "building" forever.
struct InFlight {
    cache: ReportCache,
    key: Key,
}

impl InFlight {
    fn start(cache: ReportCache, key: Key) -> InFlight {
        cache.shared.builds.fetch_add(1, Ordering::SeqCst);
        InFlight { cache, key }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.cache.shelf().building.remove(&self.key);
        self.cache.shared.builds.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decodes persisted chunks on the runtime's blocking threads when there is a runtime, else in place: a cold
/// request loads several parts and segments at once, and their decoding then uses both cores instead of taking
/// turns on the request's task. A decoding that panicked counts as bytes that do not decode.
async fn decode(chunks: Vec<Vec<u8>>) -> Option<(Value, usize)> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(move || codec::decode(&chunks))
            .await
            .ok()
            .flatten(),
        Err(_) => codec::decode(&chunks),
    }
}

/// A built part as the shelf keeps it: deals, leads, stage history and the activity log cut into segments behind a
/// directory ((directory, its bytes, segments with their bytes)); any other part whole, without segments.
fn split(value: Value, bytes: usize) -> (Value, usize, Vec<(Value, usize)>) {
    fn seal<P>(
        (dir, segs): (Directory, Vec<P>),
        wrap: impl Fn(Arc<P>) -> Value,
        size: impl Fn(&P) -> usize,
    ) -> (Value, usize, Vec<(Value, usize)>) {
        let segs = segs
            .into_iter()
            .map(|p| {
                let b = size(&p);
                (wrap(Arc::new(p)), b)
            })
            .collect();
        let b = dir.bytes();
        (Value::Directory(Arc::new(dir)), b, segs)
    }
    let rows = segments::SEG_ROWS;
    match value {
        Value::Deals(p) => seal(
            segments::split_deals(&p, rows),
            Value::Deals,
            DealsPart::bytes,
        ),
        Value::Leads(p) => seal(
            segments::split_leads(&p, rows),
            Value::Leads,
            LeadsPart::bytes,
        ),
        Value::History(p) => seal(
            segments::split_history(&p, rows),
            Value::History,
            HistoryPart::bytes,
        ),
        Value::ActivityLog(p) => seal(
            segments::split_log(&p, rows),
            Value::ActivityLog,
            activities::ActivityLog::bytes,
        ),
        other => (other, bytes, vec![]),
    }
}

/// Whether a value is what stands under a table's own key: a directory for the segmented tables, else the part of
/// that table (persisted bytes of another kind are never used).
fn heads(table: CachedTable, v: &Value) -> bool {
    matches!(
        (table, v),
        (
            CachedTable::Deals
                | CachedTable::Leads
                | CachedTable::DealHistory
                | CachedTable::ActivityLog,
            Value::Directory(_)
        ) | (CachedTable::Companies, Value::Companies(_))
            | (CachedTable::OpenCards, Value::OpenCards(_))
            | (CachedTable::OpenDeadlines, Value::OpenDeadlines(_))
            | (CachedTable::Clients(_), Value::Clients(_))
    )
}

/// Whether a segment is what its directory lists: the table's type, the listed number of rows, and (history) the
/// listed deal range in order — the readers search the rows by deal.
fn fits(v: &Value, table: CachedTable, info: &segments::SegInfo) -> bool {
    let rows = info.rows as usize;
    match (table, v) {
        (CachedTable::Deals, Value::Deals(p)) => {
            p.deals.len() == rows && p.deals.windows(2).all(|w| w[0].id < w[1].id)
        }
        (CachedTable::Leads, Value::Leads(p)) => {
            p.leads.len() == rows && p.leads.windows(2).all(|w| w[0].id < w[1].id)
        }
        (CachedTable::DealHistory, Value::History(p)) => {
            p.rows.len() == rows
                && p.rows.first().is_some_and(|h| h.owner == info.first)
                && p.rows.last().is_some_and(|h| h.owner == info.last)
                && p.rows.windows(2).all(|w| w[0].owner <= w[1].owner)
        }
        (CachedTable::ActivityLog, Value::ActivityLog(p)) => {
            p.when.len() == rows
                && p.when.first() == Some(&info.first)
                && p.when.last() == Some(&info.last)
                && p.when.windows(2).all(|w| w[0] <= w[1])
        }
        _ => false,
    }
}

/// What a part was computed with: for parts that depend on the portal context (amounts in base currency, close
/// days in the portal's zone) a fingerprint of zone, base currency and rates; else 0.
fn fingerprint(table: CachedTable, ctx: &PortalContext) -> u64 {
    if !matches!(table, CachedTable::Deals | CachedTable::Leads) {
        return 0;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ctx.tz.name().hash(&mut h);
    ctx.base_currency.hash(&mut h);
    let mut rates: Vec<(&String, u64)> = ctx.rates.iter().map(|(k, v)| (k, v.to_bits())).collect();
    rates.sort();
    rates.hash(&mut h);
    h.finish()
}
