//! The six reports (SPEC §R1–§R6) as pure computations over the store, with the shared filter, drill-down lists
//! and the metric definitions. Reads the store only; never writes, never talks to Bitrix24, never decides access
//! or tiers (the server passes the tier's `history_months`).
//!
//! The server's entry points:
//! - [`PortalContext::load`] once per request (time zone, currencies, tier depth, now);
//! - [`run_report`] → [`Answer`] for one report (JSON);
//! - [`drill_down`] → [`RecordList`] for any number's [`Drill`] handle; [`deal_list`] for the deal list block;
//! - [`definitions`] for the metric texts (ru/en); [`Filter::from_json`] and [`FilterError`] (HTTP 400).

pub mod answer;
pub mod context;
pub mod definitions;
pub mod dicts;
pub mod drill;
pub mod error;
pub mod filter;
pub mod list;
pub mod load;
pub mod metrics;
pub mod packed;
pub mod prepare;
pub mod r1_sales_dynamics;
pub mod r2_managers;
pub mod r3_plan;
pub mod r4_marketing;
pub mod r5_tasks;
pub mod r6_forget_me_not;
pub mod scope;
pub mod tally;

pub use answer::{Answer, Drill, ReportId, Table, Tile, Unit};
pub use context::{PortalContext, PortalTz};
pub use definitions::{definition, definitions, MetricDef};
pub use drill::{deal_list, drill_down, drill_ids};
pub use error::ReportError;
pub use filter::{Filter, FilterError};
pub use list::{Entity, ListQuery, RecordList};
pub use prepare::Prepared;
pub use tally::{Group, Side};

use b24a_store::Store;

/// Computes R3 with the page's bonus options (threshold slider or ladder).
pub async fn run_plan_report(
    store: &Store,
    ctx: &PortalContext,
    filter: &Filter,
    opts: &r3_plan::PlanOptions,
) -> Result<Answer, ReportError> {
    let p = Prepared::new(store, ctx, filter).await?;
    r3_plan::run(store, &p, opts).await
}

/// Computes one report for a portal (R3 with the default bonus options).
pub async fn run_report(
    store: &Store,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
) -> Result<Answer, ReportError> {
    let p = Prepared::new(store, ctx, filter).await?;
    match report {
        ReportId::SalesDynamics => r1_sales_dynamics::run(store, &p).await,
        ReportId::Managers => r2_managers::run(store, &p).await,
        ReportId::Plan => r3_plan::run(store, &p, &r3_plan::PlanOptions::default()).await,
        ReportId::Marketing => r4_marketing::run(store, &p).await,
        ReportId::Tasks => r5_tasks::run(store, &p).await,
        ReportId::ForgetMeNot => r6_forget_me_not::run(store, &p).await,
    }
}
