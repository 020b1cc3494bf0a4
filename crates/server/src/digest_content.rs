//! The weekly digest's numbers, taken from the reports' own answers (never recomputed): plan pace per employee from
//! R3's `by_employee` table (this month), the five largest forgotten deals from R6's drill-down of
//! `forgotten_deals` (by amount), overdue activities per person from R6's `by_manager` table, and the won sum of
//! last week and the week before from R1's `deal_won` tile (last week compared with the previous one). The
//! digest shows the company (recipients are chosen by an administrator; docs/DIGEST.md). Must never send anything
//! nor hold a word a user reads (that is `digest_words`).

use b24a_reports::{Drill, Filter, Group, ListQuery, PortalContext, ReportId, ReportSource, Side};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many forgotten deals the digest names.
pub const STALE_DEALS: usize = 5;

/// One employee's plan pace this month (R3 `by_employee`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    pub user_id: i64,
    pub name: String,
    /// `plan_amount`, base-currency units.
    pub plan: f64,
    /// `plan_forecast`.
    pub forecast: f64,
}

impl Pace {
    /// How far the forecast falls short of the plan; `None` = on track (forecast ≥ plan).
    pub fn behind(&self) -> Option<f64> {
        let gap = ((self.plan - self.forecast) * 100.0).round() / 100.0;
        (gap > 0.0).then_some(gap)
    }
}

/// One forgotten deal (R6's list row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleDeal {
    pub id: i64,
    pub title: String,
    pub amount: Option<f64>,
}

/// The digest's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestContent {
    pub currency: String,
    pub pace: Vec<Pace>,
    pub stale: Vec<StaleDeal>,
    /// (user id, name, open activities past their deadline), people with at least one.
    pub overdue: Vec<(i64, String, i64)>,
    /// R1 `deal_won` sum of last week (Monday–Sunday before the digest's day) and of the week before.
    pub won_last_week: Option<f64>,
    pub won_week_before: Option<f64>,
}

/// The filters the digest asks the reports with (also what a test sends to the API to compare).
pub fn filters() -> (Filter, Filter, Filter) {
    let plan = Filter::default(); // this month
    let forget = Filter::default();
    let won = Filter {
        period: b24a_reports::filter::Period {
            preset: b24a_reports::filter::Preset::LastWeek,
            ..Default::default()
        },
        compare: b24a_reports::filter::Compare::Previous,
        ..Filter::default()
    };
    (plan, forget, won)
}

/// The query of R6's forgotten-deal list the digest takes its five deals from.
pub fn stale_query() -> (Drill, ListQuery) {
    (
        Drill {
            metric: "forgotten_deals".into(),
            group: Group::Total,
            side: Side::Current,
        },
        ListQuery {
            sort: Some("amount".into()),
            desc: true,
            limit: STALE_DEALS,
            ..ListQuery::default()
        },
    )
}

/// Computes the digest of a portal with the company scope at `ctx.now`.
pub async fn compute(src: &ReportSource, ctx: &PortalContext) -> Result<DigestContent, AppError> {
    let (plan_f, forget_f, won_f) = filters();
    let plan = b24a_reports::run_report(src, ctx, ReportId::Plan, &plan_f).await?;
    let mut pace = Vec::new();
    if let Some(t) = plan.table("by_employee") {
        for r in &t.rows {
            let Group::User(u) = r.group else { continue };
            let cell = |m: &str| t.cell(&r.group, m).and_then(|c| c.value).unwrap_or(0.0);
            pace.push(Pace {
                user_id: u,
                name: r.label.clone(),
                plan: cell("plan_amount"),
                forecast: cell("plan_forecast"),
            });
        }
    }
    let forget = b24a_reports::run_report(src, ctx, ReportId::ForgetMeNot, &forget_f).await?;
    let mut overdue = Vec::new();
    if let Some(t) = forget.table("by_manager") {
        for r in &t.rows {
            let Group::User(u) = r.group else { continue };
            let n = t
                .cell(&r.group, "act_overdue")
                .and_then(|c| c.value)
                .unwrap_or(0.0)
                .round() as i64;
            if n > 0 {
                overdue.push((u, r.label.clone(), n));
            }
        }
    }
    let (drill, q) = stale_query();
    let list =
        b24a_reports::drill_down(src, ctx, ReportId::ForgetMeNot, &forget_f, &drill, &q).await?;
    let stale = list
        .rows
        .iter()
        .map(|r| StaleDeal {
            id: r.id,
            title: r.title.clone(),
            amount: r.columns.get("amount").and_then(|v| v.as_f64()),
        })
        .collect();
    let won = b24a_reports::run_report(src, ctx, ReportId::SalesDynamics, &won_f).await?;
    let tile = won.tile("deal_won");
    Ok(DigestContent {
        currency: plan.meta.currency.clone(),
        pace,
        stale,
        overdue,
        won_last_week: tile.and_then(|t| t.amount),
        won_week_before: tile.and_then(|t| t.previous_amount),
    })
}
