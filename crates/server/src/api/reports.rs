//! Report answers, drill-down lists and metric definitions as JSON. Computation is `b24a-reports`' job; this
//! module checks access and sets the caller's data scope (`guard`), applies the tier (the stored tier of the caller's portal × app, see `tier`), states it in
//! every answer (`tier`: what it shows, whether and why the period was cut) and passes the filter through.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
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

/// "Today" of the reports: the fixed instant of a demo / screenshot run (`REPORTS_NOW`), or the start of the current
/// minute of the wall clock. Whole minutes because every answer for one minute is then the same answer (the
/// answer cache keys by it; every time zone's offset is a whole number of minutes, so this is also the start of the
/// portal-zone minute): "days since a touch", "days in stage" and "today" are at most a minute behind the clock.
pub(crate) fn reports_now(state: &AppState) -> i64 {
    state.config.reports_now.unwrap_or_else(|| {
        let t = chrono::Utc::now().timestamp();
        t - t.rem_euclid(60)
    })
}

pub(crate) async fn context(
    state: &AppState,
    caller: &Caller,
    data_scope: b24a_reports::DataScope,
) -> Result<b24a_reports::PortalContext, AppError> {
    // The stored tier, not the session's copy: a downgrade (daily refresh, end of grace) applies at once.
    let months = crate::tier::current(state, caller.portal(), &caller.0.client_id)
        .await?
        .history_months;
    context_for(state, caller, data_scope, months, reports_now(state)).await
}

async fn context_for(
    state: &AppState,
    caller: &Caller,
    data_scope: b24a_reports::DataScope,
    months: u32,
    now: i64,
) -> Result<b24a_reports::PortalContext, AppError> {
    let mut ctx =
        b24a_reports::PortalContext::load(&state.store, caller.0.portal_id, months, now).await?;
    ctx.data_scope = data_scope;
    Ok(ctx)
}

fn parse_plan_options(
    report: b24a_reports::ReportId,
    v: &Option<Value>,
) -> Result<Option<b24a_reports::r3_plan::PlanOptions>, AppError> {
    match (report, v) {
        (b24a_reports::ReportId::Plan, Some(o)) if !o.is_null() => {
            Ok(Some(serde_json::from_value(o.clone()).map_err(|e| {
                AppError::Field("plan_options".into(), e.to_string())
            })?))
        }
        _ => Ok(None),
    }
}

async fn compute(
    state: &AppState,
    report: b24a_reports::ReportId,
    ctx: &b24a_reports::PortalContext,
    filter: &b24a_reports::Filter,
    plan: Option<&b24a_reports::r3_plan::PlanOptions>,
) -> Result<b24a_reports::Answer, AppError> {
    Ok(match plan {
        Some(opts) => b24a_reports::run_plan_report(&state.reports, ctx, filter, opts).await?,
        None => b24a_reports::run_report(&state.reports, ctx, report, filter).await?,
    })
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
    let plan = parse_plan_options(report, &req.plan_options)?;
    let ctx = context(state, caller, scope).await?;
    compute(state, report, &ctx, &filter, plan.as_ref()).await
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
///
/// Access and the caller's data scope are checked on every request, first; then the answer (with its charts and
/// words) comes from this process's answer cache when one was computed for the same inputs and data versions
/// (`answer_cache`), else is computed and kept. Freshness and the tier block are added to every response.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<ReportRequest>,
) -> Result<Response, AppError> {
    let report = report_id(&id)?;
    let scope = super::guard::report(&state, &caller, report).await?;
    let filter = parse_filter(&req.filter)?;
    let plan = parse_plan_options(report, &req.plan_options)?;
    // The stored tier, not the session's copy: a downgrade (daily refresh, end of grace) applies at once.
    let tier = crate::tier::current(&state, caller.portal(), &caller.0.client_id).await?;
    let lang = crate::i18n::Lang::from_code(&caller.0.lang);
    let width = req.chart_width.unwrap_or(1000).clamp(360, 1000);
    let now = reports_now(&state);
    // Read before computing: the answer is then computed from data at least as new as the stamp it is kept under.
    let stamp = state.store.report_answer_stamp(caller.portal()).await?;
    let key = stamp.map(|stamp| {
        format!(
            "{}|{}|{report:?}|{filter:?}|{plan:?}|{scope:?}|{}|{width}|{}|{now}|{stamp}",
            caller.0.portal_id, caller.0.client_id, caller.0.lang, tier.history_months
        )
    });
    let cached = key.as_deref().and_then(|k| state.answers.get(k));
    let cached = match cached {
        Some(c) => c,
        None => {
            let ctx = context_for(&state, &caller, scope, tier.history_months, now).await?;
            let a = compute(&state, report, &ctx, &filter, plan.as_ref()).await?;
            let v = render(&state, &caller, report, &req, &a, lang, width).await?;
            let c = crate::answer_cache::CachedAnswer {
                clamp: v["meta"].get("clamp").cloned(),
                body: serde_json::to_string(&v)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .into(),
            };
            if let Some(k) = key {
                state.answers.put(k, c.clone());
            }
            c
        }
    };
    let freshness = crate::api::progress::freshness(&state, caller.portal()).await?;
    let tier = crate::tier::answer_json(&tier, cached.clamp.as_ref(), lang);
    let tail = serde_json::to_string(&json!({"freshness": freshness, "tier": tier}))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Both are JSON objects: the answer's members, then freshness and tier (never among the answer's own).
    let body = cached.body.trim_end();
    let mut out = String::with_capacity(body.len() + tail.len());
    match (body.strip_suffix('}'), tail.strip_prefix('{')) {
        (Some(head), Some(rest)) if head.trim_end() != "{" => {
            out.push_str(head);
            out.push(',');
            out.push_str(rest);
        }
        _ => return Err(AppError::Internal("answer is not a JSON object".into())),
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

/// The answer as the page gets it, without freshness and tier: charts at the page's width, words, field names and,
/// for the plan, the path to the bonus.
async fn render(
    state: &AppState,
    caller: &Caller,
    report: b24a_reports::ReportId,
    req: &ReportRequest,
    a: &b24a_reports::Answer,
    lang: crate::i18n::Lang,
    width: u32,
) -> Result<Value, AppError> {
    let mut v = serde_json::to_value(a).map_err(|e| AppError::Internal(e.to_string()))?;
    let pipelines = pipeline_names(state, caller).await?;
    v["charts"] = crate::charts::charts_for(a, lang, &pipelines, width);
    crate::answer_words::add_words(a, &mut v, lang, &pipelines);
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
        crate::answer_words::name_fields(a, &mut v, lang, &labels);
    }
    if report == b24a_reports::ReportId::Plan {
        v["path_to_bonus"] = crate::api::plan_path::paths(state, caller, req).await?;
    }
    Ok(v)
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
