//! Companies and contacts with what their activities say (open, without deadline, latest deadline, last touch),
//! for R6's "clients without planned activities" and the lists' "days since". An activity counts for a client
//! when it is bound to the client's card or to a deal whose primary company / contact the client is. This module
//! only reads; it must never decide whether a client is cared for (that is `metrics::client_has_planned`).

use std::collections::HashMap;

use b24a_store::{with_pool, Store};

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::metrics;

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
        match self {
            ClientKind::Company => 4,
            ClientKind::Contact => 3,
        }
    }
    fn table(self) -> &'static str {
        match self {
            ClientKind::Company => "companies",
            ClientKind::Contact => "contacts",
        }
    }
    /// The deal column naming a card of this kind (the deal's primary company or contact).
    fn deal_link_column(self) -> &'static str {
        match self {
            ClientKind::Company => "company_id",
            ClientKind::Contact => "contact_id",
        }
    }
    /// The portal's own last-activity time of the card, where the entity has one.
    fn last_activity_column(self) -> &'static str {
        match self {
            ClientKind::Company => "CAST(NULL AS BIGINT)",
            ClientKind::Contact => "c.last_activity_time",
        }
    }
}

/// Companies or contacts of the portal, each with its activities counted by the database.
pub async fn clients(
    store: &Store,
    ctx: &PortalContext,
    kind: ClientKind,
) -> Result<Vec<ClientRec>, ReportError> {
    let (table, owner_type, portal_last) =
        (kind.table(), kind.owner_type(), kind.last_activity_column());
    // Two reads joined here rather than one LEFT JOIN: the activity summary walks only the activities bound to this
    // kind of card (a range of the covering activities_by_owner index), instead of one index probe per card —
    // measured 0.21 s + 0.01 s against 0.45 s for 200k contacts and 500k of their activities on SQLite.
    let cards_sql = format!(
        "SELECT id, assigned_by_id, date_modify, {portal_last} FROM {table} c WHERE portal_id = $1"
    );
    let acts_sql = format!(
        "SELECT owner_id, MAX(created), MAX(CASE WHEN completed = TRUE THEN last_updated END), \
         SUM(CASE WHEN completed = FALSE THEN 1 ELSE 0 END), \
         SUM(CASE WHEN completed = FALSE AND deadline IS NULL THEN 1 ELSE 0 END), \
         MAX(CASE WHEN completed = FALSE THEN deadline END) \
         FROM activities WHERE portal_id = $1 AND owner_type_id = {owner_type} GROUP BY owner_id"
    );
    // A deal's activities count for the deal's company and contact too (docs/METRICS.md "Clients without planned
    // activities"): a call planned on the company's deal is work with that company. Same summary, keyed by the
    // deal's primary company / contact.
    let link = kind.deal_link_column();
    let deal_acts_sql = format!(
        "SELECT d.{link}, MAX(a.created), MAX(CASE WHEN a.completed = TRUE THEN a.last_updated END), \
         SUM(CASE WHEN a.completed = FALSE THEN 1 ELSE 0 END), \
         SUM(CASE WHEN a.completed = FALSE AND a.deadline IS NULL THEN 1 ELSE 0 END), \
         MAX(CASE WHEN a.completed = FALSE THEN a.deadline END) \
         FROM activities a JOIN deals d ON d.portal_id = a.portal_id AND d.id = a.owner_id \
         WHERE a.portal_id = $1 AND a.owner_type_id = 2 AND d.{link} IS NOT NULL GROUP BY d.{link}"
    );
    type Card = (i64, Option<i64>, i64, Option<i64>);
    type Acts = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let (cards, acts, deal_acts): (Vec<Card>, Vec<Acts>, Vec<Acts>) = with_pool!(store.pool(), p => {
        let cards = sqlx::query_as(&cards_sql).bind(ctx.portal_id).fetch_all(p).await?;
        let acts = sqlx::query_as(&acts_sql).bind(ctx.portal_id).fetch_all(p).await?;
        let deal_acts = sqlx::query_as(&deal_acts_sql).bind(ctx.portal_id).fetch_all(p).await?;
        Ok::<_, sqlx::Error>((cards, acts, deal_acts))
    })?;
    let mut by_card: HashMap<i64, Acts> = HashMap::new();
    for a in acts.into_iter().chain(deal_acts) {
        let Some(owner) = a.0 else { continue };
        let e = by_card
            .entry(owner)
            .or_insert((Some(owner), None, None, None, None, None));
        // Latest of the latest, sum of the counts.
        e.1 = e.1.max(a.1);
        e.2 = e.2.max(a.2);
        e.3 = Some(e.3.unwrap_or(0) + a.3.unwrap_or(0));
        e.4 = Some(e.4.unwrap_or(0) + a.4.unwrap_or(0));
        e.5 = e.5.max(a.5);
    }
    Ok(cards
        .into_iter()
        .map(|(id, manager, modified, portal_last)| {
            let (_, created, completed, open, no_deadline, deadline) =
                by_card.get(&id).copied().unwrap_or_default();
            ClientRec {
                id,
                manager,
                open: open.unwrap_or(0).max(0) as u64,
                open_without_deadline: no_deadline.unwrap_or(0).max(0) as u64,
                latest_open_deadline: deadline,
                last_touch: metrics::last_touch(&[Some(modified), portal_last, created, completed])
                    .unwrap_or(modified),
            }
        })
        .collect())
}
