//! The seven reports (R1–R7, defined in docs/METRICS.md) as pure computations over the store, with the shared filter, drill-down lists
//! and the metric definitions. Reads the store only; never writes, never talks to Bitrix24, never decides access
//! or tiers (the server passes the tier's `history_months`).
//!
//! The server's entry points (all async, all read-only):
//! - [`PortalContext::load`]`(store, portal_id, history_months /* 3 or 24, from the tier */, now)` once per request;
//! - [`Filter::from_json`] (or serde) for the filter bar; a bad filter is a [`ReportError::Filter`] /
//!   [`FilterError`] naming the field → HTTP 400; [`ReportError::UnknownPortal`] → 404; [`ReportError::Store`] → 500;
//! - [`run_report`]`(store, &ctx, ReportId, &filter)` → [`Answer`] (tiles, tables, series; serde JSON), and
//!   [`run_plan_report`] for R3 with the page's [`r3_plan::PlanOptions`] (threshold 80–110 % or a ladder);
//! - [`drill_down`]`(store, &ctx, report, &filter, &Drill, &ListQuery)` → [`RecordList`] for any number's
//!   [`Drill`] handle (`counted` equals the number); [`deal_list`] for the deal list block of deal reports;
//! - [`definitions`] → every metric's text in Russian and English (keys match `Column.metric` / `Tile.metric`);
//! - [`r3_plan::validate_plan_row`] for the plan editor (pasted rows too), [`r6_forget_me_not::Settings`] keys.

pub mod answer;
pub mod cache;
pub mod comparison;
pub mod context;
pub mod data_scope;
pub mod definitions;
pub mod dicts;
pub mod drill;
pub mod error;
pub mod filter;
pub mod list;
mod list_rows;
pub mod load;
pub mod metrics;
pub mod money;
pub mod prepare;
pub mod r1_sales_dynamics;
pub mod r2_managers;
pub mod r3_plan;
pub mod r4_marketing;
pub mod r5_tasks;
pub mod r6_forget_me_not;
pub mod r7_linked;
pub mod r7_links;
pub mod records;
pub mod scope;
pub mod source;
pub mod tally;
pub mod tidy;

pub use answer::{Answer, Drill, ReportId, Table, Tile, Unit};
pub use cache::{CacheConfig, ReportCache};
pub use context::{PortalContext, PortalTz};
pub use data_scope::DataScope;
pub use definitions::{definition, definitions, MetricDef};
pub use drill::{deal_list, deal_list_all, drill_down, drill_down_all, drill_ids};
pub use error::ReportError;
pub use filter::{Filter, FilterError};
pub use list::{Choice, Entity, Facets, ListQuery, Record, RecordList};
pub use money::Money;
pub use prepare::Prepared;
pub use source::ReportSource;
pub use tally::{Group, Side};

/// Computes R3 with the page's bonus options (threshold slider or ladder).
pub async fn run_plan_report(
    src: &ReportSource,
    ctx: &PortalContext,
    filter: &Filter,
    opts: &r3_plan::PlanOptions,
) -> Result<Answer, ReportError> {
    let p = Prepared::new(src, ctx, filter).await?;
    r3_plan::run(src, &p, opts).await
}

/// R3's path to the bonus for every employee plan row the caller may see (`r3_plan::path`).
pub async fn run_bonus_paths(
    src: &ReportSource,
    ctx: &PortalContext,
    filter: &Filter,
    opts: &r3_plan::PlanOptions,
) -> Result<Vec<r3_plan::path::BonusPath>, ReportError> {
    let p = Prepared::new(src, ctx, filter).await?;
    r3_plan::path::run(src, &p, opts).await
}

/// Computes one report for a portal (R3 with the default bonus options).
pub async fn run_report(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
) -> Result<Answer, ReportError> {
    let p = Prepared::new(src, ctx, filter).await?;
    match report {
        ReportId::SalesDynamics => r1_sales_dynamics::run(src, &p).await,
        ReportId::Managers => r2_managers::run(src, &p).await,
        ReportId::Plan => r3_plan::run(src, &p, &r3_plan::PlanOptions::default()).await,
        ReportId::Marketing => r4_marketing::run(src, &p).await,
        ReportId::Tasks => r5_tasks::run(src, &p).await,
        ReportId::ForgetMeNot => r6_forget_me_not::run(src, &p).await,
        ReportId::Linked => r7_linked::run(src, &p).await,
    }
}
