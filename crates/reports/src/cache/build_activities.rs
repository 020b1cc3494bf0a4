//! Building the three activity parts of the report cache from the store's reads: the log of completed activities
//! and the open activities with a deadline by id ranges, and the open cards' summaries by the very grouped read the
//! loaders use without a cache. Must never decide whether a part is current (the cache's versions do) and never
//! compute a metric.

use std::collections::HashMap;
use std::sync::Arc;

use b24a_store::report_reads::{ActivitySelect, CachedTable};
use b24a_store::{PortalId, Store};

use super::activities::{ActivityLog, LogGroup};
use super::build::over_ranges;
use super::open_cards::OpenCards;
use super::open_deadlines::OpenDeadlines;
use super::shelf::Value;
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::metrics::{self, ActivityKind};
use crate::records::ActWindow;

/// Every completed activity: when it was done (`metrics::activity_done_at`), its responsible, kind and direction.
pub(super) async fn activity_log(
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let span = store
        .report_id_span(portal, CachedTable::ActivityLog)
        .await?;
    let rows = over_ranges(span, |a, b| async move {
        let rows = store.report_activity_log(portal, a, b).await?;
        // Kinds are worked out once per distinct (type, provider, provider type) of a chunk.
        let mut kinds: HashMap<(i64, Option<String>, Option<String>), ActivityKind> =
            HashMap::new();
        Ok(rows
            .into_iter()
            .map(|r| {
                let key = (r.type_id, r.provider_id, r.provider_type_id);
                let kind = *kinds.entry(key).or_insert_with_key(|(t, p, pt)| {
                    metrics::activity_kind(*t, p.as_deref(), pt.as_deref())
                });
                (
                    metrics::activity_done_at(true, r.last_updated).unwrap_or(r.last_updated),
                    LogGroup {
                        responsible: r.responsible_id,
                        kind,
                        direction: r.direction,
                    },
                )
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let part = ActivityLog::new(rows);
    let bytes = part.bytes();
    Ok((Value::ActivityLog(Arc::new(part)), bytes))
}

/// Every open activity with a deadline: its responsible and deadline.
pub(super) async fn open_deadlines(
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let span = store
        .report_id_span(portal, CachedTable::OpenDeadlines)
        .await?;
    let rows = over_ranges(span, |a, b| async move {
        let rows = store.report_open_deadlines(portal, a, b).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.responsible_id, r.deadline))
            .collect::<Vec<_>>())
    })
    .await?;
    let part = OpenDeadlines::new(rows);
    let bytes = part.bytes();
    Ok((Value::OpenDeadlines(Arc::new(part)), bytes))
}

/// The open cards' summaries: the store's grouped read for `OnOpenCards` turned into records by the loaders' own
/// mapping — the same SQL and the same code as an answer without the cache.
pub(super) async fn open_cards(
    store: &Store,
    ctx: &PortalContext,
) -> Result<(Value, usize), ReportError> {
    let rows = store
        .report_activity_groups(PortalId(ctx.portal_id), ActivitySelect::OnOpenCards)
        .await?;
    let recs = crate::load::group_recs(rows, ActWindow::OnOpenCards);
    let part = OpenCards::new(&recs);
    let bytes = part.bytes();
    Ok((Value::OpenCards(Arc::new(part)), bytes))
}
