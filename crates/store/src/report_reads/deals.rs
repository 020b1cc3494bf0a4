//! The deal reads of the reports: deals of a date window (or an id range, for the reports' cache) with the columns
//! the reports count, and the stage history of such deals. Rows come out as stored; the windows are supersets and
//! the reports apply the exact predicates. Must never compute a metric or convert money.

use chrono::NaiveDate;

use super::packed::packed_row;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

packed_row! {
    /// A deal with the columns the reports read.
    pub struct DealRow {
        pub id: i64 = "d.id",
        pub category_id: i64 = "d.category_id",
        pub stage_id: String = "d.stage_id",
        pub stage_semantic_id: String = "d.stage_semantic_id",
        pub opportunity_cents: i64 = "d.opportunity_cents",
        pub currency_id: Option<String> = "d.currency_id",
        pub opportunity_account_cents: Option<i64> = "d.opportunity_account_cents",
        pub account_currency_id: Option<String> = "d.account_currency_id",
        pub assigned_by_id: Option<i64> = "d.assigned_by_id",
        pub source_id: Option<String> = "d.source_id",
        pub date_create: i64 = "d.date_create",
        pub date_modify: i64 = "d.date_modify",
        pub moved_time: Option<i64> = "d.moved_time",
        pub last_activity_time: Option<i64> = "d.last_activity_time",
        /// CLOSEDATE as stored (`""` when unset).
        pub closedate: String = "d.closedate",
        pub is_return_customer: bool = "d.is_return_customer",
        pub company_id: Option<i64> = "d.company_id",
        /// UTM values as stored (`""` when unset).
        pub utm_source: String = "d.utm_source",
        pub utm_medium: String = "d.utm_medium",
        pub utm_campaign: String = "d.utm_campaign",
    }
}

packed_row! {
    /// One row of a deal's stage history.
    pub struct DealHistoryRow {
        pub owner_id: i64 = "h.owner_id",
        pub created_time: i64 = "h.created_time",
        pub type_id: i64 = "h.type_id",
        pub category_id: Option<i64> = "h.category_id",
        pub stage_id: String = "h.stage_id",
        pub id: i64 = "h.id",
    }
}

/// Which deals to read. Instants are unix seconds, `[from_ts, to_ts)`; days are `[from_day, until_day)`, compared
/// with CLOSEDATE as text (`YYYY-MM-DD…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealSelect {
    /// Created in the instants, or closed (S/F) with CLOSEDATE in the days or without one.
    CreatedOrClosed {
        from_ts: i64,
        to_ts: i64,
        from_day: NaiveDate,
        until_day: NaiveDate,
    },
    /// CLOSEDATE in the days, or closed without one; nothing when the instants are empty (`from_ts > to_ts`).
    ClosedOrPlanned {
        from_ts: i64,
        to_ts: i64,
        from_day: NaiveDate,
        until_day: NaiveDate,
    },
    /// Every deal in work (not S/F).
    Open,
    /// Ids in `[from_id, until_id)`.
    IdRange { from_id: i64, until_id: i64 },
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl DealSelect {
    /// The condition over `deals d` and its binds after `$1` (the portal).
    fn condition(&self) -> (&'static str, Vec<Bind>) {
        match *self {
            DealSelect::CreatedOrClosed { from_ts, to_ts, from_day, until_day } => (
                "d.portal_id = $1 AND ((d.date_create >= $2 AND d.date_create < $3) OR (d.stage_semantic_id IN ('S','F') AND \
                 ((d.closedate >= $4 AND d.closedate < $5) OR d.closedate IS NULL OR d.closedate = '')))",
                vec![Bind::I(from_ts), Bind::I(to_ts), Bind::S(day_text(from_day)), Bind::S(day_text(until_day))],
            ),
            DealSelect::ClosedOrPlanned { from_ts, to_ts, from_day, until_day } => (
                "d.portal_id = $1 AND $2 <= $3 AND ((d.closedate >= $4 AND d.closedate < $5) OR \
                 (d.stage_semantic_id IN ('S','F') AND (d.closedate IS NULL OR d.closedate = '')))",
                vec![Bind::I(from_ts), Bind::I(to_ts), Bind::S(day_text(from_day)), Bind::S(day_text(until_day))],
            ),
            DealSelect::Open => ("d.portal_id = $1 AND d.stage_semantic_id NOT IN ('S','F')", vec![]),
            DealSelect::IdRange { from_id, until_id } => (
                "d.portal_id = $1 AND d.id >= $2 AND d.id < $3",
                vec![Bind::I(from_id), Bind::I(until_id)],
            ),
        }
    }
}

/// An owned bind of a select (borrowed as [`Val`] when the query runs).
enum Bind {
    I(i64),
    S(String),
}

fn vals(portal: PortalId, binds: &[Bind]) -> Vec<Val<'_>> {
    let mut out = vec![Val::I64(portal.0)];
    out.extend(binds.iter().map(|b| match b {
        Bind::I(v) => Val::I64(*v),
        Bind::S(v) => Val::Str(v),
    }));
    out
}

impl Store {
    /// The deals of a select, in no particular order.
    pub async fn report_deals(
        &self,
        portal: PortalId,
        select: DealSelect,
    ) -> Result<Vec<DealRow>, StoreError> {
        let (cond, binds) = select.condition();
        self.fetch_packed("", &format!("deals d WHERE {cond}"), &vals(portal, &binds))
            .await
    }

    /// The stage history of the deals of a select, in no particular order (sort by time, then id).
    pub async fn report_deal_history(
        &self,
        portal: PortalId,
        select: DealSelect,
    ) -> Result<Vec<DealHistoryRow>, StoreError> {
        let (cond, binds) = select.condition();
        let from = format!(
            "stage_history h JOIN deals d ON d.portal_id = h.portal_id AND d.id = h.owner_id \
             WHERE h.entity_type_id = 2 AND h.portal_id = $1 AND {cond}"
        );
        self.fetch_packed("", &from, &vals(portal, &binds)).await
    }

    /// The deal stage-history rows with ids in `[from_id, until_id)` (for the reports' cache).
    pub async fn report_deal_history_ids(
        &self,
        portal: PortalId,
        from_id: i64,
        until_id: i64,
    ) -> Result<Vec<DealHistoryRow>, StoreError> {
        self.fetch_packed(
            "",
            "stage_history h WHERE h.portal_id = $1 AND h.entity_type_id = 2 AND h.id >= $2 AND h.id < $3",
            &[Val::I64(portal.0), Val::I64(from_id), Val::I64(until_id)],
        )
        .await
    }
}
