//! The tidy-up page's groups (docs/ACTIONS.md): records that need a decision, each group with its records, count
//! and amount — open cards of dismissed employees and their overdue activities, forgotten deals and leads by age (the
//! portal's forget-me-not days, 30, 90, 365), activities overdue for more than 30 days, open deals whose planned
//! close day is more than 30 days past, open deals without an amount. Forgotten cards are counted by R6's own
//! definition (`r6_forget_me_not::last_touches` + `metrics::is_forgotten`), so "forgotten deals" at R6's days is
//! exactly R6's number. The caller's data scope applies like in any report.
//!
//! Reads the store through the reports' loaders only; must never write or decide who may act.

use serde::Serialize;

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::filter::Filter;
use crate::metrics::{self, Status};
use crate::prepare::Prepared;
use crate::r6_forget_me_not;
use crate::source::ReportSource;

/// Ages (days) of the forgotten-card groups besides the portal's own forget-me-not days.
pub const AGES: [i64; 3] = [30, 90, 365];
/// Overdue activities and past planned close days count after this many days.
pub const LONG_PAST_DAYS: i64 = 30;

/// What a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TidyEntity {
    Deal,
    Lead,
    Activity,
}

impl TidyEntity {
    pub fn as_str(self) -> &'static str {
        match self {
            TidyEntity::Deal => "deal",
            TidyEntity::Lead => "lead",
            TidyEntity::Activity => "activity",
        }
    }
}

/// One record of a group.
#[derive(Debug, Clone, Serialize)]
pub struct TidyItem {
    pub id: i64,
    pub responsible: Option<i64>,
    /// STAGE_ID of a deal, STATUS_ID of a lead (empty for activities).
    pub stage: String,
    /// The deal's pipeline (0 for leads and activities).
    pub pipeline: i64,
    /// Hundredths of the base currency (0 for activities and amounts without a rate).
    pub amount: i64,
}

/// A group of records needing a decision.
#[derive(Debug, Clone, Serialize)]
pub struct TidyGroup {
    /// `dismissed_deals`, `dismissed_leads`, `dismissed_activities`, `forgotten_deals`, `forgotten_leads`,
    /// `overdue_activities`, `past_close`, `no_amount`.
    pub kind: &'static str,
    /// The age of a forgotten group (days), else `None`.
    pub days: Option<i64>,
    pub entity: TidyEntity,
    pub count: usize,
    pub amount: i64,
    pub items: Vec<TidyItem>,
}

impl TidyGroup {
    /// The group's key as the API names it (`forgotten_deals_30`, `no_amount`).
    pub fn key(&self) -> String {
        match self.days {
            Some(d) => format!("{}_{d}", self.kind),
            None => self.kind.to_string(),
        }
    }

    fn new(
        kind: &'static str,
        days: Option<i64>,
        entity: TidyEntity,
        items: Vec<TidyItem>,
    ) -> Self {
        TidyGroup {
            kind,
            days,
            entity,
            count: items.len(),
            amount: items.iter().map(|i| i.amount).sum(),
            items,
        }
    }
}

/// Every group for the portal as of `ctx.now`, within `ctx.data_scope`.
pub async fn tidy_groups(
    src: &ReportSource,
    ctx: &PortalContext,
) -> Result<Vec<TidyGroup>, ReportError> {
    let p = Prepared::new(src, ctx, &Filter::default()).await?;
    let data = r6_forget_me_not::load(src, ctx, false, false).await?;
    let now = ctx.now;
    let s = data.settings;
    let touches = r6_forget_me_not::last_touches(&data, now);
    let deals: Vec<_> = data
        .deals
        .iter()
        .filter(|d| d.status == Status::InWork)
        .filter(|d| {
            p.scope
                .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        })
        .collect();
    let leads: Vec<_> = data
        .leads
        .iter()
        .filter(|l| l.status == Status::InWork)
        .filter(|l| p.scope.lead(l.id, l.manager, l.source.as_deref()))
        .collect();
    let deal_item = |d: &crate::records::DealRec| TidyItem {
        id: d.id,
        responsible: d.manager,
        stage: d.stage_id.to_string(),
        pipeline: d.pipeline,
        amount: d.amount.or_zero(),
    };
    let lead_item = |l: &crate::records::LeadRec| TidyItem {
        id: l.id,
        responsible: l.manager,
        stage: l.status_id.to_string(),
        pipeline: 0,
        amount: l.amount.or_zero(),
    };
    let dismissed = |m: Option<i64>| m.is_some_and(|u| !p.dicts.user_active(u));
    let mut out = vec![
        TidyGroup::new(
            "dismissed_deals",
            None,
            TidyEntity::Deal,
            deals
                .iter()
                .filter(|d| dismissed(d.manager))
                .map(|d| deal_item(d))
                .collect(),
        ),
        TidyGroup::new(
            "dismissed_leads",
            None,
            TidyEntity::Lead,
            leads
                .iter()
                .filter(|l| dismissed(l.manager))
                .map(|l| lead_item(l))
                .collect(),
        ),
    ];
    // Overdue open activities (R6's own window), within the caller's people.
    let acts: Vec<_> = data
        .overdue
        .iter()
        .filter(|a| !a.completed && p.scope.person(a.responsible))
        .collect();
    out.push(TidyGroup::new(
        "dismissed_activities",
        None,
        TidyEntity::Activity,
        acts.iter()
            .filter(|a| dismissed(a.responsible))
            .map(|a| TidyItem {
                id: a.id,
                responsible: a.responsible,
                stage: String::new(),
                pipeline: 0,
                amount: 0,
            })
            .collect(),
    ));
    let mut ages: Vec<(i64, i64)> = vec![(s.deal_days, s.lead_days)];
    ages.extend(AGES.iter().map(|a| (*a, *a)));
    for (deal_days, lead_days) in ages {
        let forgotten = |kind: i64, id: i64, created: i64, days: i64| {
            let (last, planned) = touches
                .get(&(kind, id))
                .copied()
                .unwrap_or((created, false));
            metrics::is_forgotten(
                true,
                last,
                planned,
                s.planned_activity_counts_as_care,
                days,
                now,
            )
        };
        out.push(TidyGroup::new(
            "forgotten_deals",
            Some(deal_days),
            TidyEntity::Deal,
            deals
                .iter()
                .filter(|d| forgotten(2, d.id, d.created, deal_days))
                .map(|d| deal_item(d))
                .collect(),
        ));
        out.push(TidyGroup::new(
            "forgotten_leads",
            Some(lead_days),
            TidyEntity::Lead,
            leads
                .iter()
                .filter(|l| forgotten(1, l.id, l.created, lead_days))
                .map(|l| lead_item(l))
                .collect(),
        ));
    }
    let long_ago = now - LONG_PAST_DAYS * 86_400;
    out.push(TidyGroup::new(
        "overdue_activities",
        None,
        TidyEntity::Activity,
        acts.iter()
            .filter(|a| metrics::activity_overdue(a.completed, a.deadline, long_ago))
            .map(|a| TidyItem {
                id: a.id,
                responsible: a.responsible,
                stage: String::new(),
                pipeline: 0,
                amount: 0,
            })
            .collect(),
    ));
    let past_day = ctx.tz.day(long_ago);
    out.push(TidyGroup::new(
        "past_close",
        None,
        TidyEntity::Deal,
        deals
            .iter()
            .filter(|d| d.closedate.is_some_and(|c| c < past_day))
            .map(|d| deal_item(d))
            .collect(),
    ));
    out.push(TidyGroup::new(
        "no_amount",
        None,
        TidyEntity::Deal,
        deals
            .iter()
            .filter(|d| d.amount.known() == Some(0))
            .map(|d| deal_item(d))
            .collect(),
    ));
    // The same age twice (forget-me-not days of 30) would show one group twice.
    let mut seen = std::collections::HashSet::new();
    out.retain(|g| seen.insert(g.key()));
    Ok(out)
}
