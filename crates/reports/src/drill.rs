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
use crate::{r1_sales_dynamics, r2_managers, r3_plan, r4_marketing, r5_tasks, r6_forget_me_not};

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
    }
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
    let p = Prepared::new(src, ctx, filter).await?;
    let ids = drill_ids(src, &p, report, drill).await?;
    let entity = definition(&drill.metric)
        .map(|d| d.entity)
        .unwrap_or(list::Entity::Deal);
    let touches = match (report, entity) {
        (ReportId::ForgetMeNot, list::Entity::Deal) => {
            Some(r6_forget_me_not::touch_map(src, &p, 2).await?)
        }
        (ReportId::ForgetMeNot, list::Entity::Lead) => {
            Some(r6_forget_me_not::touch_map(src, &p, 1).await?)
        }
        (ReportId::ForgetMeNot, list::Entity::Contact) => {
            Some(r6_forget_me_not::touch_map(src, &p, 3).await?)
        }
        (ReportId::ForgetMeNot, list::Entity::Company) => {
            Some(r6_forget_me_not::touch_map(src, &p, 4).await?)
        }
        _ => None,
    };
    list::build(
        src.store(),
        ctx,
        &p.dicts,
        entity,
        &ids,
        q,
        touches.as_ref(),
    )
    .await
}

/// The deal list block of a deal report (R1, R2, R4): the deals of the report's cohort, sortable and filterable.
pub async fn deal_list(
    src: &ReportSource,
    ctx: &PortalContext,
    report: ReportId,
    filter: &Filter,
    q: &ListQuery,
) -> Result<RecordList, ReportError> {
    let drill = Drill {
        metric: "deals_cohort".to_string(),
        group: crate::tally::Group::Total,
        side: Side::Current,
    };
    drill_down(src, ctx, report, filter, &drill, q).await
}
