//! The lead reads of the reports: leads of a time window (or an id range, for the reports' cache) with the columns
//! the reports count. Rows come out as stored; the windows are supersets and the reports apply the exact
//! predicates. Must never compute a metric or convert money.

use super::packed::packed_row;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

packed_row! {
    /// A lead with the columns the reports read.
    pub struct LeadRow {
        pub id: i64 = "id",
        pub status_id: String = "status_id",
        pub status_semantic_id: String = "status_semantic_id",
        pub assigned_by_id: Option<i64> = "assigned_by_id",
        pub source_id: Option<String> = "source_id",
        pub date_create: i64 = "date_create",
        pub date_closed: Option<i64> = "date_closed",
        pub date_modify: i64 = "date_modify",
        pub moved_time: Option<i64> = "moved_time",
        pub last_activity_time: Option<i64> = "last_activity_time",
        pub opportunity_cents: i64 = "opportunity_cents",
        pub currency_id: Option<String> = "currency_id",
        /// UTM values as stored (`""` when unset).
        pub utm_source: String = "utm_source",
        pub utm_medium: String = "utm_medium",
        pub utm_campaign: String = "utm_campaign",
        pub is_return_customer: bool = "is_return_customer",
    }
}

/// Which leads to read (instants in unix seconds, `[from_ts, to_ts)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSelect {
    /// Created in the instants, or closed (S/F) with DATE_CLOSED in them or without one.
    CreatedOrClosed { from_ts: i64, to_ts: i64 },
    /// Every lead in work (not S/F).
    Open,
    /// Ids in `[from_id, until_id)`.
    IdRange { from_id: i64, until_id: i64 },
}

impl Store {
    /// The leads of a select, in no particular order.
    pub async fn report_leads(
        &self,
        portal: PortalId,
        select: LeadSelect,
    ) -> Result<Vec<LeadRow>, StoreError> {
        let (cond, a, b) = match select {
            LeadSelect::CreatedOrClosed { from_ts, to_ts } => (
                "portal_id = $1 AND ((date_create >= $2 AND date_create < $3) OR (status_semantic_id IN ('S','F') AND \
                 ((date_closed >= $2 AND date_closed < $3) OR date_closed IS NULL)))",
                from_ts,
                to_ts,
            ),
            LeadSelect::Open => (
                "portal_id = $1 AND status_semantic_id NOT IN ('S','F') AND $2 <= $3",
                0,
                0,
            ),
            LeadSelect::IdRange { from_id, until_id } => {
                ("portal_id = $1 AND id >= $2 AND id < $3", from_id, until_id)
            }
        };
        self.fetch_packed(
            "",
            &format!("leads WHERE {cond}"),
            &[Val::I64(portal.0), Val::I64(a), Val::I64(b)],
        )
        .await
    }
}
