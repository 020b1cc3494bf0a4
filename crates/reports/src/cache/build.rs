//! Building the parts of the report cache from the store's report reads: a large table is read in id ranges, a
//! few ranges in flight, and packed into the compact part types. Must never decide whether a part is current (the
//! cache's versions do) and never compute a metric.

use std::collections::HashMap;
use std::sync::Arc;

use b24a_store::report_reads::{CachedTable, DealSelect, LeadSelect};
use b24a_store::{PortalId, Store};
use futures::{StreamExt, TryStreamExt};

use super::activities::{ActsPart, CCard};
use super::parts::{CHist, DealsPart, HistoryPart, LeadsPart, Strings, O64};
use super::shelf::Value;
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::metrics::{self, ActivityKind};
use crate::records::{ClientKind, DealRec, LeadRec};

/// Rows read per query while building a part (keeps the packed text of one query to tens of megabytes).
const CHUNK_IDS: i64 = 100_000;
/// Queries in flight while building a part.
const PARALLEL: usize = 2;

/// Builds the part copying `table` for the portal; the part and its size in bytes.
pub(crate) async fn build(
    table: CachedTable,
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    match table {
        CachedTable::Deals => deals(store, ctx).await,
        CachedTable::Leads => leads(store, ctx).await,
        CachedTable::DealHistory => history(store, ctx).await,
        CachedTable::Companies => companies(store, ctx).await,
        CachedTable::Activities => activities(store, ctx).await,
        CachedTable::Clients(t) => clients(store, ctx, ClientKind::of_table(t)).await,
    }
}

/// Runs `one(lo, hi)` over id ranges [lo, hi) covering `span` (a few queries in flight), in range order.
async fn over_ranges<T, F, Fut>(span: Option<(i64, i64)>, one: F) -> Result<Vec<T>, ReportError>
where
    F: Fn(i64, i64) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ReportError>>,
{
    let Some((lo, hi)) = span else {
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

async fn deals(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let span = store.report_id_span(portal, CachedTable::Deals).await?;
    let recs = over_ranges(span, |from_id, until_id| async move {
        let rows = store
            .report_deals(portal, DealSelect::IdRange { from_id, until_id })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DealRec::from_row(r, ctx))
            .collect())
    })
    .await?;
    let part = DealsPart::new(recs);
    let bytes = part.bytes();
    Ok((Value::Deals(Arc::new(part)), bytes))
}

async fn leads(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let span = store.report_id_span(portal, CachedTable::Leads).await?;
    let recs = over_ranges(span, |from_id, until_id| async move {
        let rows = store
            .report_leads(portal, LeadSelect::IdRange { from_id, until_id })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| LeadRec::from_row(r, ctx))
            .collect())
    })
    .await?;
    let part = LeadsPart::new(recs);
    let bytes = part.bytes();
    Ok((Value::Leads(Arc::new(part)), bytes))
}

async fn history(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let span = store
        .report_id_span(portal, CachedTable::DealHistory)
        .await?;
    let raw = over_ranges(span, |a, b| async move {
        Ok(store.report_deal_history_ids(portal, a, b).await?)
    })
    .await?;
    let mut strings = Strings::default();
    let mut rows: Vec<(i64, CHist)> = raw
        .into_iter()
        .map(|r| {
            (
                r.id,
                CHist {
                    owner: r.owner_id,
                    time: r.created_time,
                    type_id: i32::try_from(r.type_id).unwrap_or(i32::MIN),
                    category: O64::new(r.category_id),
                    stage: strings.id(&r.stage_id),
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

async fn companies(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let map = crate::load::company_rows(store, ctx).await?;
    let bytes = map.values().map(|v| v.capacity() + 48).sum::<usize>();
    Ok((Value::Companies(Arc::new(map)), bytes))
}

/// R6's client cards of one kind, exactly as `load::clients` reads them from the store (the summaries of their
/// own and their deals' activities are grouped by the database, as without the cache).
async fn clients(
    store: &Store,
    ctx: &PortalContext,
    kind: ClientKind,
) -> Result<(Value, usize), ReportError> {
    let mut rows = crate::load::client_rows(store, ctx, kind).await?;
    rows.shrink_to_fit();
    let bytes = clients_bytes(&rows);
    Ok((Value::Clients(Arc::new(rows)), bytes))
}

/// The memory a clients part takes.
pub(crate) fn clients_bytes(rows: &[crate::records::ClientRec]) -> usize {
    std::mem::size_of_val(rows)
}

/// One activity as the part keeps it: (time, kind, direction, completed, responsible, deadline).
type Brief = (i64, ActivityKind, i64, bool, Option<i64>, Option<i64>);

async fn activities(store: &Store, ctx: &PortalContext) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    // 1. Every activity's time, kind, direction, completion and responsible, by id ranges.
    let span = store
        .report_id_span(portal, CachedTable::Activities)
        .await?;
    let raw: Vec<Brief> = over_ranges(span, |a, b| async move {
        let rows = store.report_activity_briefs(portal, a, b).await?;
        // Kinds are worked out once per distinct (type, provider, provider type) of a chunk.
        let mut kinds: HashMap<(i64, String, String), ActivityKind> = HashMap::new();
        Ok(rows
            .into_iter()
            .map(|r| {
                let key = (r.type_id, r.provider_id, r.provider_type_id);
                let kind = *kinds.entry(key).or_insert_with_key(|(t, p, pt)| {
                    let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
                    metrics::activity_kind(*t, opt(p).as_deref(), opt(pt).as_deref())
                });
                (
                    metrics::activity_done_at(r.completed, r.last_updated)
                        .unwrap_or_else(|| metrics::activity_time(r.start_time, r.created)),
                    kind,
                    r.direction,
                    r.completed,
                    r.responsible_id,
                    r.deadline,
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
    // 2. Per deal / lead card and completion: the summary R6 needs, grouped by the database per owner-id range.
    let mut cards: Vec<CCard> = vec![];
    for owner_type in [1_i64, 2] {
        let span = store.report_activity_owner_span(portal, owner_type).await?;
        let chunk = over_ranges(span, |a, b| async move {
            let rows = store
                .report_card_summaries(portal, owner_type, a, b)
                .await?;
            Ok(rows
                .into_iter()
                .map(|r| CCard {
                    owner_type,
                    owner_id: r.owner_id,
                    completed: r.completed,
                    max_created: r.max_created,
                    max_updated: r.max_last_updated.unwrap_or(r.max_created),
                    max_deadline: O64::new(r.max_deadline),
                    nulls: u32::try_from(r.without_deadline).unwrap_or(u32::MAX),
                    count: u32::try_from(r.count).unwrap_or(u32::MAX),
                })
                .collect())
        })
        .await?;
        cards.extend(chunk);
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
