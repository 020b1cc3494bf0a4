//! Report answers, drill-down lists and metric definitions as JSON. Computation is `b24a-reports`' job; this
//! module checks access and sets the caller's data scope (`guard`), applies the tier (the stored tier of the caller's portal × app, see `tier`), states it in
//! every answer (`tier`: what it shows, whether and why the period was cut) and passes the filter through.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{report_id, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// Body of a report request.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportRequest {
    pub filter: Value,
    /// R3 bonus options.
    pub plan_options: Option<Value>,
    /// The width the page shows charts at (px); charts are drawn at it (360–1000) so a phone gets legible ones.
    pub chart_width: Option<u32>,
}

pub(crate) fn parse_filter(v: &Value) -> Result<b24a_reports::Filter, AppError> {
    if v.is_null() {
        return Ok(b24a_reports::Filter::default());
    }
    Ok(b24a_reports::Filter::from_json(&v.to_string())?)
}

pub(crate) async fn context(
    state: &AppState,
    caller: &Caller,
    data_scope: b24a_reports::DataScope,
) -> Result<b24a_reports::PortalContext, AppError> {
    // "Today" of the reports: the wall clock, or the fixed instant of a demo / screenshot run (`REPORTS_NOW`).
    let now = state
        .config
        .reports_now
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    // The stored tier, not the session's copy: a downgrade (daily refresh, end of grace) applies at once.
    let months = crate::tier::current(state, caller.portal(), &caller.0.client_id)
        .await?
        .history_months;
    let mut ctx =
        b24a_reports::PortalContext::load(&state.store, caller.0.portal_id, months, now).await?;
    ctx.data_scope = data_scope;
    Ok(ctx)
}

/// Computes one report for the caller's filter.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    report: b24a_reports::ReportId,
    req: &ReportRequest,
) -> Result<b24a_reports::Answer, AppError> {
    let scope = super::guard::report(state, caller, report).await?;
    let filter = parse_filter(&req.filter)?;
    let ctx = context(state, caller, scope).await?;
    let a = match (report, &req.plan_options) {
        (b24a_reports::ReportId::Plan, Some(o)) if !o.is_null() => {
            let opts: b24a_reports::r3_plan::PlanOptions = serde_json::from_value(o.clone())
                .map_err(|e| AppError::Field("plan_options".into(), e.to_string()))?;
            b24a_reports::run_plan_report(&state.reports, &ctx, &filter, &opts).await?
        }
        _ => b24a_reports::run_report(&state.reports, &ctx, report, &filter).await?,
    };
    Ok(a)
}

/// The portal's pipeline names, for funnel titles in charts and sheets.
async fn pipeline_names(state: &AppState, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    Ok(
        b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id)
            .await?
            .pipelines,
    )
}

/// `POST /api/reports/{id}`.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ReportRequest>,
) -> Result<Json<Value>, AppError> {
    let report = report_id(&id)?;
    let a = answer(&state, &caller, report, &req).await?;
    let mut v = serde_json::to_value(&a).map_err(|e| AppError::Internal(e.to_string()))?;
    let pipelines = pipeline_names(&state, &caller).await?;
    let lang = crate::i18n::Lang::from_code(&caller.0.lang);
    let width = req.chart_width.unwrap_or(1000).clamp(360, 1000);
    v["charts"] = crate::charts::charts_for(&a, lang, &pipelines, width);
    crate::answer_words::add_words(&a, &mut v, lang, &pipelines);
    if a.meta
        .notes
        .iter()
        .any(|(k, _)| k.starts_with("custom_fields_not_for_"))
    {
        // Those notes list field codes: name the fields as the filter bar does.
        let fields = crate::api::custom_fields::custom_fields(
            &state.store,
            caller.0.portal_id,
            &caller.0.lang,
        )
        .await?;
        let labels: Vec<(String, String)> = fields
            .iter()
            .filter_map(|f| {
                Some((
                    f["field"].as_str()?.to_string(),
                    f["label"].as_str()?.to_string(),
                ))
            })
            .collect();
        crate::answer_words::name_fields(&a, &mut v, lang, &labels);
    }
    if report == b24a_reports::ReportId::Plan {
        v["path_to_bonus"] = crate::api::plan_path::paths(&state, &caller, &req).await?;
    }
    v["freshness"] = crate::api::progress::freshness(&state, caller.portal()).await?;
    let tier = crate::tier::current(&state, caller.portal(), &caller.0.client_id).await?;
    v["tier"] = crate::tier::answer_json(
        &tier,
        v["meta"].get("clamp"),
        crate::i18n::Lang::from_code(&caller.0.lang),
    );
    Ok(Json(v))
}

/// `GET /api/definitions`: every metric's definition in the caller's language.
pub async fn definitions(caller: Caller) -> Json<Value> {
    let lang = crate::i18n::Lang::from_code(&caller.0.lang);
    Json(Value::Array(
        b24a_reports::definitions()
            .iter()
            .map(|d| {
                let mut v = json!(d);
                v["label"] = json!(crate::export::metric_name(d.key, lang));
                v
            })
            .collect(),
    ))
}

/// `GET /api/dictionaries`: the lists the filter bar and the editors pick from (employees with the inactive ones
/// marked, departments, pipelines, sources, projects, custom fields labelled in the caller's language). Employees
/// and departments are only those of the caller's widest data scope: the picker never names people whose records
/// the caller may not see.
pub async fn dictionaries(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    let scope = super::guard::widest(&state, &caller).await?;
    let d = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    let people = scope.people(&d);
    let depts = scope.departments(&d);
    let mut users: Vec<Value> = d
        .users
        .iter()
        .filter(|(id, _)| people.as_ref().is_none_or(|p| p.contains(id)))
        .map(|(id, u)| json!({"id": id, "name": u.name, "active": u.active, "departments": u.departments}))
        .collect();
    users.sort_by(|a, b| {
        a["name"]
            .as_str()
            .unwrap_or("")
            .cmp(b["name"].as_str().unwrap_or(""))
    });
    let mut departments: Vec<Value> = d
        .departments
        .iter()
        .filter(|(id, _)| depts.as_ref().is_none_or(|s| s.contains(id)))
        .map(|(id, x)| json!({"id": id, "name": x.name, "parent": x.parent_id}))
        .collect();
    departments.sort_by_key(|v| v["id"].as_i64().unwrap_or(0));
    let pipelines: Vec<Value> = d
        .pipelines
        .iter()
        .map(|(id, n)| json!({"id": id, "name": n}))
        .collect();
    let mut sources: Vec<Value> = d
        .sources
        .iter()
        .map(|(id, n)| json!({"id": id, "name": n}))
        .collect();
    sources.sort_by(|a, b| {
        a["name"]
            .as_str()
            .unwrap_or("")
            .cmp(b["name"].as_str().unwrap_or(""))
    });
    let mut projects: Vec<Value> = d
        .projects
        .iter()
        .map(|(id, n)| json!({"id": id, "name": n}))
        .collect();
    projects.sort_by_key(|v| v["id"].as_i64().unwrap_or(0));
    let custom_fields =
        crate::api::custom_fields::custom_fields(&state.store, caller.0.portal_id, &caller.0.lang)
            .await?;
    Ok(Json(json!({
        "users": users, "departments": departments, "pipelines": pipelines, "sources": sources, "projects": projects,
        "custom_fields": custom_fields
    })))
}

/// Body of an export request.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportRequest {
    pub filter: Value,
    pub plan_options: Option<Value>,
    /// One block's key; none = the whole report (a sheet per block).
    pub block: Option<String>,
}

/// `POST /api/reports/{id}/export`: an .xlsx file.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ExportRequest>,
) -> Result<axum::response::Response, AppError> {
    let report = report_id(&id)?;
    let rr = ReportRequest {
        filter: req.filter.clone(),
        plan_options: req.plan_options.clone(),
        chart_width: None,
    };
    let a = answer(&state, &caller, report, &rr).await?;
    let lang = crate::i18n::Lang::from_code(&caller.0.lang);
    let pipelines = pipeline_names(&state, &caller).await?;
    let tables = crate::export::tables(&a, req.block.as_deref(), lang, &pipelines);
    if tables.is_empty() {
        return Err(AppError::Field(
            "block".into(),
            "no such block in this report".into(),
        ));
    }
    // The cover sheet (period, filters, export date, tiles) goes first in every workbook of a report.
    let filter = parse_filter(&req.filter)?;
    let scope = super::guard::report(&state, &caller, report).await?;
    let ctx = context(&state, &caller, scope).await?;
    let dicts = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    let cover = crate::export_cover::cover_for_report(&a, &filter, &dicts, &ctx, lang);
    let bytes = b24a_charts::workbook_with_cover(Some(&cover), &tables)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let block = req
        .block
        .as_deref()
        .map(|b| crate::i18n::block_title_named(lang, b, &pipelines));
    let name = crate::export_cover::file_name(
        report,
        block.as_deref(),
        a.meta.period.from,
        a.meta.period.to,
        lang,
    );
    Ok(crate::export_cover::xlsx_response(bytes, &name))
}
