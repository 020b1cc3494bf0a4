//! Record lists as JSON and as Excel: the records behind a number (drill-down) and the deal list block of the deal
//! reports, one page at a time or the whole filtered, sorted list as a workbook. Which records a list holds is
//! `b24a-reports`' job; this module checks access (through the report's guard), parses the request and names
//! things in the caller's language (`list_words`). Must never page or filter itself.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::reports::{context, parse_filter};
use super::{report_id, Caller};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// Body of a list request: the report's filter, the number's drill handle (none = the deal list block) and the
/// list's paging, sorting and filters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListRequest {
    pub filter: Value,
    pub drill: Value,
    pub list: Value,
    /// The list's name for the workbook (the number's name as the page shows it).
    pub title: Option<String>,
}

fn list_query(v: &Value) -> Result<b24a_reports::ListQuery, AppError> {
    if v.is_null() {
        return Ok(b24a_reports::ListQuery::default());
    }
    serde_json::from_value(v.clone()).map_err(|e| AppError::Field("list".into(), e.to_string()))
}

/// One page (`all` = false) or the whole list, with the context it was computed in.
async fn run(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: &ListRequest,
    all: bool,
) -> Result<
    (
        b24a_reports::RecordList,
        b24a_reports::PortalContext,
        b24a_reports::Filter,
    ),
    AppError,
> {
    let report = report_id(id)?;
    let scope = super::guard::report(state, caller, report).await?;
    let filter = parse_filter(&req.filter)?;
    let q = list_query(&req.list)?;
    let ctx = context(state, caller, scope).await?;
    let list = if req.drill.is_null() {
        if all {
            b24a_reports::deal_list_all(&state.reports, &ctx, report, &filter, &q).await?
        } else {
            b24a_reports::deal_list(&state.reports, &ctx, report, &filter, &q).await?
        }
    } else {
        let drill: b24a_reports::Drill = serde_json::from_value(req.drill.clone())
            .map_err(|e| AppError::Field("drill".into(), e.to_string()))?;
        if all {
            b24a_reports::drill_down_all(&state.reports, &ctx, report, &filter, &drill, &q).await?
        } else {
            b24a_reports::drill_down(&state.reports, &ctx, report, &filter, &drill, &q).await?
        }
    };
    Ok((list, ctx, filter))
}

/// `POST /api/reports/{id}/drill` (a number's records) and `POST /api/reports/{id}/list` (the deal list block):
/// one page.
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ListRequest>,
) -> Result<Json<Value>, AppError> {
    let (list, _, _) = run(&state, &caller, &id, &req, false).await?;
    let mut v = crate::list_words::list_json(&list, Lang::from_code(&caller.0.lang));
    // R7's deal lists are lists of sales: each row opens the sale's time line (`/api/linked/sales/{id}`).
    v["sale_view"] = Value::Bool(
        report_id(&id)? == b24a_reports::ReportId::Linked
            && list.entity == b24a_reports::Entity::Deal,
    );
    Ok(Json(v))
}

/// `POST /api/reports/{id}/list/export`: the whole list (every page, with the list's filters and sort) as .xlsx.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ListRequest>,
) -> Result<axum::response::Response, AppError> {
    let lang = Lang::from_code(&caller.0.lang);
    let (list, ctx, filter) = run(&state, &caller, &id, &req, true).await?;
    let report = report_id(&id)?;
    let title = match (&req.drill, &req.title) {
        (Value::Null, _) => crate::list_words::list_title(None, lang),
        (_, t) => crate::list_words::list_title(t.as_deref(), lang),
    };
    let table = crate::list_words::list_table(&list, &title, &ctx.base_currency, lang);
    let range = filter
        .resolve(&ctx)
        .map_err(|e| AppError::Field("filter".into(), e.to_string()))?
        .period;
    let dicts = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    let cover = crate::export_cover::cover_for_list(
        report,
        &title,
        &filter,
        (range.from, range.to),
        &dicts,
        list.total,
        &ctx,
        lang,
    );
    let bytes = b24a_charts::workbook_with_cover(Some(&cover), &[table])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = crate::export_cover::file_name(report, Some(&title), range.from, range.to, lang);
    Ok(crate::export_cover::xlsx_response(bytes, &name))
}
