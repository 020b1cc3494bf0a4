//! The typed records the reports count (deals, leads, stage history, activities, tasks, client cards), made from
//! the store's rows, and the windows they are fetched by. Amounts are turned into base-currency cents and statuses
//! read from the stage semantics here, once, whether a record comes from the database or from the cache. Must never
//! read the store or decide what a metric counts.

use b24a_store::report_reads::{ActivityRow, DealRow, DealSelect, LeadRow, LeadSelect};
use chrono::{Duration, NaiveDate};

use crate::context::PortalContext;
use crate::filter::Range;
use crate::metrics::{self, ActivityKind, Status};

/// A record's text (stage, status, source, UTM value): shared with the cache's part it came from, so making a
/// record from a part counts a reference instead of copying the text (at 1M deals a month's window is ~100k records
/// of five texts each).
pub type Text = std::sync::Arc<str>;

/// A deal as the reports see it: amounts already in base-currency cents (or without a rate), status from the stage semantics.
#[derive(Debug, Clone)]
pub struct DealRec {
    pub id: i64,
    pub pipeline: i64,
    pub stage_id: Text,
    pub status: Status,
    pub amount: crate::money::Money,
    pub manager: Option<i64>,
    pub source: Option<Text>,
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
    pub utm: (Text, Text, Text),
}

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

/// One row of a deal's stage history.
#[derive(Debug, Clone)]
pub struct HistRec {
    pub time: i64,
    pub type_id: i64,
    pub category_id: Option<i64>,
    pub stage_id: Text,
}

#[derive(Debug, Clone)]
pub struct LeadRec {
    pub id: i64,
    pub status_id: Text,
    pub status: Status,
    pub manager: Option<i64>,
    pub source: Option<Text>,
    pub created: i64,
    /// Set for leads with a final status.
    pub closed_at: Option<i64>,
    pub date_modify: i64,
    pub moved_time: Option<i64>,
    pub last_activity_time: Option<i64>,
    pub amount: crate::money::Money,
    pub utm: (Text, Text, Text),
    /// IS_RETURN_CUSTOMER: the lead came from a client the portal already had (R4 "returning").
    pub returning: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum LeadWindow {
    /// Created in the range, or closed in it.
    CreatedOrClosed(Range),
    Open,
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

#[derive(Debug, Clone)]
pub struct TaskRec {
    pub id: i64,
    pub responsible: Option<i64>,
    pub project: Option<i64>,
    pub created: i64,
    pub times: metrics::TaskTimes,
}

/// A company or contact (a client card) with what its bound activities say: how many are open, how many of those
/// have no deadline, the latest open deadline, and the latest touch (edit, activity created, activity completed).
#[derive(Debug, Clone)]
pub struct ClientRec {
    pub id: i64,
    pub manager: Option<i64>,
    pub open: u64,
    pub open_without_deadline: u64,
    pub latest_open_deadline: Option<i64>,
    pub last_touch: i64,
}

/// Which client cards: companies or contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    Company,
    Contact,
}

impl ClientKind {
    /// The CRM owner type of activities bound to such a card.
    pub fn owner_type(self) -> i64 {
        self.table().owner_type()
    }
    pub(crate) fn table(self) -> b24a_store::report_reads::ClientTable {
        match self {
            ClientKind::Company => b24a_store::report_reads::ClientTable::Companies,
            ClientKind::Contact => b24a_store::report_reads::ClientTable::Contacts,
        }
    }
    pub(crate) fn of_table(t: b24a_store::report_reads::ClientTable) -> ClientKind {
        match t {
            b24a_store::report_reads::ClientTable::Companies => ClientKind::Company,
            b24a_store::report_reads::ClientTable::Contacts => ClientKind::Contact,
        }
    }
}

impl DealRec {
    /// A stored deal as the reports see it (amounts in base currency, close day in the portal's zone).
    pub(crate) fn from_row(r: DealRow, ctx: &PortalContext) -> DealRec {
        let status = Status::from_semantic(&r.stage_semantic_id);
        let amount = ctx.to_base_cents(
            r.opportunity_cents,
            r.currency_id.as_deref(),
            r.opportunity_account_cents,
            r.account_currency_id.as_deref(),
        );
        let closedate = metrics::parse_day(Some(&r.closedate));
        DealRec {
            id: r.id,
            pipeline: r.category_id,
            stage_id: r.stage_id.into(),
            status,
            amount,
            manager: r.assigned_by_id,
            source: r.source_id.map(Into::into),
            created: r.date_create,
            close_day: metrics::deal_close_day(
                status,
                closedate,
                r.moved_time,
                r.date_modify,
                &ctx.tz,
            ),
            closedate,
            moved_time: r.moved_time,
            date_modify: r.date_modify,
            last_activity_time: r.last_activity_time,
            returning: r.is_return_customer,
            company_id: r.company_id,
            utm: (
                r.utm_source.into(),
                r.utm_medium.into(),
                r.utm_campaign.into(),
            ),
        }
    }
}

impl DealWindow {
    /// The store's select of the same superset.
    pub(crate) fn select(&self) -> DealSelect {
        let days = |r: &Range| (r.from, r.to + Duration::days(1));
        match self {
            DealWindow::CreatedOrClosed(r) => {
                let (from_day, until_day) = days(r);
                DealSelect::CreatedOrClosed {
                    from_ts: r.from_ts,
                    to_ts: r.to_ts,
                    from_day,
                    until_day,
                }
            }
            DealWindow::ClosedOrPlanned(r) => {
                let (from_day, until_day) = days(r);
                DealSelect::ClosedOrPlanned {
                    from_ts: r.from_ts,
                    to_ts: r.to_ts,
                    from_day,
                    until_day,
                }
            }
            DealWindow::Open => DealSelect::Open,
        }
    }
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            DealWindow::CreatedOrClosed(r) | DealWindow::ClosedOrPlanned(r) => r.is_empty(),
            DealWindow::Open => false,
        }
    }
}

impl LeadRec {
    /// A stored lead as the reports see it, with DATE_CLOSED as stored (the cache keeps it to apply windows).
    pub(crate) fn from_row(r: LeadRow, ctx: &PortalContext) -> (LeadRec, Option<i64>) {
        let status = Status::from_semantic(&r.status_semantic_id);
        let rec = LeadRec {
            id: r.id,
            status_id: r.status_id.into(),
            status,
            manager: r.assigned_by_id,
            source: r.source_id.map(Into::into),
            created: r.date_create,
            closed_at: metrics::lead_close_time(status, r.date_closed, r.moved_time, r.date_modify),
            date_modify: r.date_modify,
            moved_time: r.moved_time,
            last_activity_time: r.last_activity_time,
            amount: ctx.to_base_cents(r.opportunity_cents, r.currency_id.as_deref(), None, None),
            utm: (
                r.utm_source.into(),
                r.utm_medium.into(),
                r.utm_campaign.into(),
            ),
            returning: r.is_return_customer,
        };
        (rec, r.date_closed)
    }
}

impl LeadWindow {
    /// The store's select of the same rows.
    pub(crate) fn select(&self) -> LeadSelect {
        match self {
            LeadWindow::CreatedOrClosed(r) => LeadSelect::CreatedOrClosed {
                from_ts: r.from_ts,
                to_ts: r.to_ts,
            },
            LeadWindow::Open => LeadSelect::Open,
        }
    }
}

impl ActRec {
    /// One stored activity.
    pub(crate) fn from_row(r: ActivityRow) -> ActRec {
        ActRec {
            id: r.id,
            kind: metrics::activity_kind(
                r.type_id,
                r.provider_id.as_deref(),
                r.provider_type_id.as_deref(),
            ),
            direction: r.direction,
            completed: r.completed,
            responsible: r.responsible_id,
            owner_type: r.owner_type_id,
            owner_id: r.owner_id,
            when: metrics::activity_done_at(r.completed, r.last_updated)
                .unwrap_or_else(|| metrics::activity_time(r.start_time, r.created)),
            created: r.created,
            last_updated: r.last_updated,
            deadline: r.deadline,
            weight: 1,
        }
    }
}
