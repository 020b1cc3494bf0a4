//! Building the parts of the report cache from the store's report reads: a large table is read in id ranges, a
//! few ranges in flight, and packed into the compact part types. Must never decide whether a part is current (the
//! cache's versions do) and never compute a metric.

use std::collections::HashMap;
use std::sync::Arc;

use b24a_store::report_reads::{CachedTable, DealSelect, LeadSelect};
use b24a_store::{PortalId, Store};
use futures::{StreamExt, TryStreamExt};

use super::parts::{CHist, DealsPart, HistoryPart, LeadsPart, Strings, O64};
use super::shelf::Value;
use crate::context::PortalContext;
use crate::error::ReportError;
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
        CachedTable::ActivityLog => super::build_activities::activity_log(store, ctx).await,
        CachedTable::OpenCards => super::build_activities::open_cards(store, ctx).await,
        CachedTable::OpenDeadlines => super::build_activities::open_deadlines(store, ctx).await,
        CachedTable::Clients(t) => clients(store, ctx, ClientKind::of_table(t)).await,
    }
}

/// Runs `one(lo, hi)` over id ranges [lo, hi) covering `span` (a few queries in flight), in range order.
pub(super) async fn over_ranges<T, F, Fut>(
    span: Option<(i64, i64)>,
    one: F,
) -> Result<Vec<T>, ReportError>
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
