//! Drill-down: turns a number's [`Drill`] handle back into the records it counted, by re-running the report's own
//! counting in collecting mode (so the list and the number cannot disagree), then fetching, filtering, sorting and
//! paging the rows. Must never re-implement a metric predicate.

use crate::answer::{Drill, ReportId};
use crate::context::PortalContext;
use crate::definitions::definition;
use crate::error::ReportError;
use crate::filter::{Filter, FilterError};
use crate::list::{self, ListQuery, RecordList};
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::Side;
use crate::{
    r1_sales_dynamics, r2_managers, r3_plan, r4_marketing, r5_tasks, r6_forget_me_not, r7_linked,
};

/// The ids behind a drill handle, in counting order (no paging): what the number counted.
pub async fn drill_ids(
    src: &ReportSource,
    p: &Prepared,
    report: ReportId,
    drill: &Drill,
) -> Result<Vec<i64>, ReportError> {
    if definition(&drill.metric).is_none() {
        return Err(FilterError::invalid(
            "drill.metric",
            format!("unknown metric {:?}", drill.metric),
        )
        .into());
    }
    let Some(range) = p.range(drill.side) else {
        return Err(
            FilterError::invalid("drill.side", "the filter has no comparison period").into(),
        );
    };
    let (m, g) = (drill.metric.as_str(), &drill.group);
    match report {
        ReportId::SalesDynamics => r1_sales_dynamics::hits(src, p, range, m, g).await,
        ReportId::Managers => r2_managers::hits(src, p, range, m, g).await,
        ReportId::Plan => r3_plan::hits(src, p, range, m, g).await,
        ReportId::Marketing => r4_marketing::hits(src, p, range, m, g).await,
        ReportId::Tasks => r5_tasks::hits(src, p, range, m, g).await,
        ReportId::ForgetMeNot => r6_forget_me_not::hits(src, p, m, g).await,
        ReportId::Linked => r7_linked::hits(src, p, m, g).await,
    }
}

/// Whether a list answer is one page or the whole filtered list (an export).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paging {
    Page,
    All,
}

/// The list of records behind a number: `counted` equals the number; `rows` is one page after the list filters.
pub async fn drill_down(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    drill: &Drill,
    q: &ListQuery,
) -> Result<RecordList, ReportError> {
    drill_list(src, ctx, report, filter, drill, q, Paging::Page).await
}

/// Every record behind a number that passes the list filters, sorted (for an export of the whole list).
pub async fn drill_down_all(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    drill: &Drill,
    q: &ListQuery,
) -> Result<RecordList, ReportError> {
    drill_list(src, ctx, report, filter, drill, q, Paging::All).await
}

async fn drill_list(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    drill: &Drill,
    q: &ListQuery,
    paging: Paging,
) -> Result<RecordList, ReportError> {
    let p = Prepared::new(src, ctx, filter).await?;
    let ids = drill_ids(src, &p, report, drill).await?;
    let entity = definition(&drill.metric)
        .map(|d| d.entity)
        .unwrap_or(list::Entity::Deal);
    let owner_type = match entity {
        list::Entity::Lead => 1,
        list::Entity::Deal => 2,
        list::Entity::Contact => 3,
        list::Entity::Company => 4,
        _ => 0,
    };
    let touches = if report == ReportId::ForgetMeNot && owner_type > 0 {
        Some(r6_forget_me_not::touch_map(src, &p, owner_type).await?)
    } else {
        None
    };
    match paging {
        Paging::Page => list::build(src, ctx, &p.dicts, entity, &ids, q, touches.as_ref()).await,
        Paging::All => list::build_all(src, ctx, &p.dicts, entity, &ids, q, touches.as_ref()).await,
    }
}

/// The deal list block of a deal report (R1, R2, R4: the deals of the report's cohort; R3: the deals counted as
/// fact or as open coverage of the plan), sortable and filterable.
pub async fn deal_list(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    q: &ListQuery,
) -> Result<RecordList, ReportError> {
    deal_list_with(src, ctx, report, filter, q, Paging::Page).await
}

/// The whole deal list block (every page, with the list filters and sort), for an export.
pub async fn deal_list_all(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    q: &ListQuery,
) -> Result<RecordList, ReportError> {
    deal_list_with(src, ctx, report, filter, q, Paging::All).await
}

async fn deal_list_with(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    q: &ListQuery,
    paging: Paging,
) -> Result<RecordList, ReportError> {
    let drill = |metric: &str| Drill {
        metric: metric.to_string(),
        group: crate::tally::Group::Total,
        side: Side::Current,
    };
    match report {
        ReportId::SalesDynamics | ReportId::Managers | ReportId::Marketing => {
            drill_list(src, ctx, report, filter, &drill("deals_cohort"), q, paging).await
        }
        ReportId::Plan => {
            // The plan counts a deal as fact (won in a plan row's window) or open coverage: the list is both.
            let p = Prepared::new(src, ctx, filter).await?;
            let mut ids = drill_ids(src, &p, report, &drill("plan_fact")).await?;
            ids.extend(drill_ids(src, &p, report, &drill("plan_open")).await?);
            ids.sort_unstable();
            ids.dedup();
            let e = list::Entity::Deal;
            match paging {
                Paging::Page => list::build(src, ctx, &p.dicts, e, &ids, q, None).await,
                Paging::All => list::build_all(src, ctx, &p.dicts, e, &ids, q, None).await,
            }
        }
        ReportId::Linked => {
            drill_list(src, ctx, report, filter, &drill("linked_sales"), q, paging).await
        }
        ReportId::Tasks | ReportId::ForgetMeNot => {
            Err(FilterError::invalid("report", "this report has no deal list").into())
        }
    }
}
