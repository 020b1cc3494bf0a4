//! Record lists behind the numbers (drill-down) and the deal list block: fetching the rows of given ids, the
//! list-level filters (status / stage / pipeline / days), sorting by any column and paging. Must never decide
//! which records belong to a number — the ids come from the report's own counting.

use std::cmp::Ordering;

use b24a_store::{with_pool, Store};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::context::PortalContext;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::filter::FilterError;
use crate::metrics::{self, Status};

/// Which kind of records a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Deal,
    Lead,
    Activity,
    Task,
    Company,
    Contact,
}

/// Paging, sorting and list-level filters of a record list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListQuery {
    /// A column key of the row type (e.g. `amount`, `duration_days`, `days_since`); default `id`.
    pub sort: Option<String>,
    pub desc: bool,
    pub offset: usize,
    pub limit: usize,
    pub status: Option<Status>,
    pub stage: Option<String>,
    pub pipeline: Option<i64>,
    /// Only records idle / lasting at least this many days (R6 "filter by days").
    pub min_days: Option<i64>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            sort: None,
            desc: false,
            offset: 0,
            limit: 100,
            status: None,
            stage: None,
            pipeline: None,
            min_days: None,
        }
    }
}

pub const MAX_PAGE: usize = 5000;

/// One row of any record list: a flat map of columns, so every list sorts and exports the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    /// The card's path in the portal (open with BX24.openPath inside the portal).
    pub path: String,
    pub title: String,
    pub columns: serde_json::Map<String, serde_json::Value>,
}

/// A drill-down or list answer. `counted` is the number of records behind the number (equals the number);
/// `total` is how many pass the list filters; `rows` is one page of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordList {
    pub entity: Entity,
    pub counted: usize,
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<Record>,
}

fn placeholders(n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(",")
}

/// Builds the list of `ids` (the records a report counted), applies the query and pages it.
/// `touches`: last-touch instants by id (R6 lists), added as `last_activity` and `days_since` columns.
pub async fn build(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    entity: Entity,
    ids: &[i64],
    q: &ListQuery,
    touches: Option<&std::collections::HashMap<i64, i64>>,
) -> Result<RecordList, ReportError> {
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(FilterError::invalid("list.limit", format!("must be 1..={MAX_PAGE}")).into());
    }
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let part = match entity {
            Entity::Deal => deal_rows(store, ctx, dicts, chunk).await?,
            Entity::Lead => lead_rows(store, ctx, dicts, chunk).await?,
            Entity::Activity => activity_rows(store, ctx, dicts, chunk).await?,
            Entity::Task => task_rows(store, ctx, dicts, chunk).await?,
            Entity::Company | Entity::Contact => {
                client_rows(store, ctx, dicts, entity, chunk).await?
            }
        };
        rows.extend(part);
    }
    let counted = ids.len();
    if let Some(touches) = touches {
        for r in rows.iter_mut() {
            if let Some(t) = touches.get(&r.id) {
                let d = ctx.tz.day(*t);
                r.columns.insert("last_activity".into(), day_json(Some(d)));
                r.columns
                    .insert("days_since".into(), ((ctx.now - t).max(0) / 86_400).into());
            }
        }
    }
    rows.retain(|r| passes(r, q));
    let key = q.sort.clone().unwrap_or_else(|| "id".to_string());
    if key != "id"
        && !rows.is_empty()
        && !rows
            .iter()
            .any(|r| r.columns.contains_key(&key) || key == "title")
    {
        return Err(FilterError::invalid("list.sort", format!("unknown column {key:?}")).into());
    }
    rows.sort_by(|a, b| {
        let o = compare(a, b, &key).then(a.id.cmp(&b.id));
        if q.desc {
            o.reverse()
        } else {
            o
        }
    });
    let total = rows.len();
    let page: Vec<Record> = rows.into_iter().skip(q.offset).take(q.limit).collect();
    Ok(RecordList {
        entity,
        counted,
        total,
        offset: q.offset,
        rows: page,
    })
}

fn passes(r: &Record, q: &ListQuery) -> bool {
    let s = |k: &str| {
        r.columns
            .get(k)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    if let Some(st) = q.status {
        if s("status").as_deref() != Some(st.key()) {
            return false;
        }
    }
    if let Some(stage) = &q.stage {
        if s("stage_id").as_deref() != Some(stage.as_str()) {
            return false;
        }
    }
    if let Some(p) = q.pipeline {
        if r.columns.get("pipeline_id").and_then(|v| v.as_i64()) != Some(p) {
            return false;
        }
    }
    if let Some(min) = q.min_days {
        let days = r
            .columns
            .get("days_since")
            .or_else(|| r.columns.get("duration_days"))
            .and_then(|v| v.as_i64());
        if days.is_none_or(|d| d < min) {
            return false;
        }
    }
    true
}

fn compare(a: &Record, b: &Record, key: &str) -> Ordering {
    if key == "id" {
        return a.id.cmp(&b.id);
    }
    if key == "title" {
        return a.title.cmp(&b.title);
    }
    use serde_json::Value;
    match (a.columns.get(key), b.columns.get(key)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Null) | None, Some(Value::Null) | None) => Ordering::Equal,
        (Some(Value::Null) | None, _) => Ordering::Less,
        (_, Some(Value::Null) | None) => Ordering::Greater,
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

fn day_json(d: Option<NaiveDate>) -> serde_json::Value {
    d.map(|d| serde_json::Value::String(d.format("%Y-%m-%d").to_string()))
        .unwrap_or(serde_json::Value::Null)
}

async fn deal_rows(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let sql = format!(
        "SELECT id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, opportunity_account_cents, \
         account_currency_id, assigned_by_id, source_id, date_create, date_modify, moved_time, closedate FROM deals \
         WHERE portal_id = $1 AND id IN ({})",
        placeholders(ids.len())
    );
    let raw = with_pool!(store.pool(), p => {
        let mut q = sqlx::query(&sql).bind(ctx.portal_id);
        for id in ids { q = q.bind(*id); }
        let rows = q.fetch_all(p).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let cur: Option<String> = r.try_get(6)?;
            let acc: Option<String> = r.try_get(8)?;
            let amount = ctx.to_base_cents(r.try_get(5)?, cur.as_deref(), r.try_get(7)?, acc.as_deref());
            out.push((
                r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<i64, _>(2)?, r.try_get::<String, _>(3)?,
                r.try_get::<String, _>(4)?, amount, r.try_get::<Option<i64>, _>(9)?, r.try_get::<Option<String>, _>(10)?,
                r.try_get::<i64, _>(11)?, r.try_get::<i64, _>(12)?, r.try_get::<Option<i64>, _>(13)?, r.try_get::<Option<String>, _>(14)?,
            ));
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    let today = ctx.today();
    Ok(raw
        .into_iter()
        .map(
            |(
                id,
                title,
                pipeline,
                stage_id,
                sem,
                amount,
                manager,
                source,
                created,
                modify,
                moved,
                closedate,
            )| {
                let status = Status::from_semantic(&sem);
                let close_day = metrics::deal_close_day(
                    status,
                    metrics::parse_day(closedate.as_deref()),
                    moved,
                    modify,
                    &ctx.tz,
                );
                let created_day = ctx.tz.day(created);
                let entered = moved.unwrap_or(created);
                let mut c = serde_json::Map::new();
                c.insert("pipeline_id".into(), pipeline.into());
                c.insert("pipeline".into(), dicts.pipeline_name(pipeline).into());
                c.insert("stage_id".into(), stage_id.clone().into());
                c.insert("stage".into(), dicts.stage_name(&stage_id).into());
                c.insert("status".into(), status.key().into());
                c.insert(
                    "amount".into(),
                    amount.known().map(|c| c as f64 / 100.0).into(),
                );
                c.insert("manager_id".into(), manager.into());
                c.insert("manager".into(), dicts.user_name(manager).into());
                c.insert(
                    "department".into(),
                    dicts.dept_name(dicts.main_department(manager)).into(),
                );
                c.insert(
                    "source".into(),
                    dicts.source_name(source.as_deref().unwrap_or("")).into(),
                );
                c.insert("created".into(), day_json(Some(created_day)));
                c.insert("closed".into(), day_json(close_day));
                c.insert(
                    "days_in_stage".into(),
                    metrics::days_between(ctx.tz.day(entered), today).into(),
                );
                c.insert(
                    "duration_days".into(),
                    metrics::days_between(created_day, close_day.unwrap_or(today)).into(),
                );
                Record {
                    id,
                    path: format!("/crm/deal/details/{id}/"),
                    title,
                    columns: c,
                }
            },
        )
        .collect())
}

async fn lead_rows(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let sql = format!(
        "SELECT id, title, status_id, status_semantic_id, opportunity_cents, currency_id, assigned_by_id, source_id, date_create, \
         date_closed, last_activity_time FROM leads WHERE portal_id = $1 AND id IN ({})",
        placeholders(ids.len())
    );
    type LeadRaw = (
        i64,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<i64>,
        Option<String>,
        i64,
        Option<i64>,
        Option<i64>,
    );
    let raw: Vec<LeadRaw> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_as(&sql).bind(ctx.portal_id);
        for id in ids { q = q.bind(*id); }
        q.fetch_all(p).await
    })?;
    Ok(raw
        .into_iter()
        .map(
            |(
                id,
                title,
                status_id,
                sem,
                cents,
                cur,
                manager,
                source,
                created,
                closed,
                last_act,
            )| {
                let mut c = serde_json::Map::new();
                let status = Status::from_semantic(&sem);
                c.insert("stage_id".into(), status_id.clone().into());
                c.insert(
                    "stage".into(),
                    dicts
                        .lead_statuses
                        .get(&status_id)
                        .map(|s| s.name.clone())
                        .unwrap_or(status_id)
                        .into(),
                );
                c.insert("status".into(), status.key().into());
                c.insert(
                    "amount".into(),
                    ctx.to_base_cents(cents, cur.as_deref(), None, None)
                        .known()
                        .map(|c| c as f64 / 100.0)
                        .into(),
                );
                c.insert("manager_id".into(), manager.into());
                c.insert("manager".into(), dicts.user_name(manager).into());
                c.insert(
                    "source".into(),
                    dicts.source_name(source.as_deref().unwrap_or("")).into(),
                );
                c.insert("created".into(), day_json(Some(ctx.tz.day(created))));
                c.insert("closed".into(), day_json(closed.map(|t| ctx.tz.day(t))));
                c.insert(
                    "last_activity".into(),
                    day_json(last_act.map(|t| ctx.tz.day(t))),
                );
                Record {
                    id,
                    path: format!("/crm/lead/details/{id}/"),
                    title,
                    columns: c,
                }
            },
        )
        .collect())
}

async fn activity_rows(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let sql = format!(
        "SELECT id, type_id, provider_id, provider_type_id, direction, completed, responsible_id, owner_type_id, owner_id, subject, \
         start_time, created, deadline, last_updated FROM activities WHERE portal_id = $1 AND id IN ({})",
        placeholders(ids.len())
    );
    type ActRaw = (
        i64,
        i64,
        Option<String>,
        Option<String>,
        i64,
        bool,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        i64,
        Option<i64>,
        i64,
    );
    let raw: Vec<ActRaw> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_as(&sql).bind(ctx.portal_id);
        for id in ids { q = q.bind(*id); }
        q.fetch_all(p).await
    })?;
    let today = ctx.today();
    Ok(raw
        .into_iter()
        .map(
            |(
                id,
                type_id,
                pid,
                ptype,
                direction,
                completed,
                resp,
                owner_type,
                owner_id,
                subject,
                start,
                created,
                deadline,
                last_updated,
            )| {
                let kind = metrics::activity_kind(type_id, pid.as_deref(), ptype.as_deref());
                let mut c = serde_json::Map::new();
                c.insert(
                    "kind".into(),
                    serde_json::to_value(kind).unwrap_or_default(),
                );
                c.insert(
                    "direction".into(),
                    (match direction {
                        1 => "incoming",
                        2 => "outgoing",
                        _ => "",
                    })
                    .into(),
                );
                c.insert("completed".into(), completed.into());
                c.insert("manager_id".into(), resp.into());
                c.insert("manager".into(), dicts.user_name(resp).into());
                c.insert(
                    "when".into(),
                    day_json(Some(ctx.tz.day(metrics::activity_time(start, created)))),
                );
                c.insert(
                    "done".into(),
                    day_json(
                        metrics::activity_done_at(completed, last_updated).map(|d| ctx.tz.day(d)),
                    ),
                );
                c.insert("deadline".into(), day_json(deadline.map(|d| ctx.tz.day(d))));
                c.insert(
                    "days_since".into(),
                    deadline
                        .map(|d| metrics::days_between(ctx.tz.day(d), today))
                        .into(),
                );
                let owner_path = match (owner_type, owner_id) {
                    (Some(1), Some(o)) => format!("/crm/lead/details/{o}/"),
                    (Some(2), Some(o)) => format!("/crm/deal/details/{o}/"),
                    (Some(3), Some(o)) => format!("/crm/contact/details/{o}/"),
                    (Some(4), Some(o)) => format!("/crm/company/details/{o}/"),
                    _ => String::new(),
                };
                c.insert("owner_path".into(), owner_path.clone().into());
                Record {
                    id,
                    path: owner_path,
                    title: subject.unwrap_or_default(),
                    columns: c,
                }
            },
        )
        .collect())
}

/// Companies or contacts: name, responsible, creation day, client type (the CONTACT_TYPE / COMPANY_TYPE code).
async fn client_rows(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    entity: Entity,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let (select, kind) = match entity {
        Entity::Company => (
            "SELECT id, title, CAST('' AS TEXT), CAST('' AS TEXT), company_type, assigned_by_id, date_create FROM companies",
            "company",
        ),
        // A person's name reads "last first middle", as the portal shows it.
        _ => (
            "SELECT id, last_name, name, second_name, type_id, assigned_by_id, date_create FROM contacts",
            "contact",
        ),
    };
    let sql = format!(
        "{select} WHERE portal_id = $1 AND id IN ({})",
        placeholders(ids.len())
    );
    type ClientRaw = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<i64>,
        i64,
    );
    let raw: Vec<ClientRaw> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_as(&sql).bind(ctx.portal_id);
        for id in ids { q = q.bind(*id); }
        q.fetch_all(p).await
    })?;
    Ok(raw
        .into_iter()
        .map(|(id, first, second, third, type_code, manager, created)| {
            let title = [first, second, third]
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let mut c = serde_json::Map::new();
            c.insert("type".into(), type_code.unwrap_or_default().into());
            c.insert("manager_id".into(), manager.into());
            c.insert("manager".into(), dicts.user_name(manager).into());
            c.insert("created".into(), day_json(Some(ctx.tz.day(created))));
            Record {
                id,
                path: format!("/crm/{kind}/details/{id}/"),
                title,
                columns: c,
            }
        })
        .collect())
}

async fn task_rows(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let sql = format!(
        "SELECT id, title, status, responsible_id, group_id, created_date, closed_date, date_start, deadline, start_date_plan \
         FROM tasks WHERE portal_id = $1 AND id IN ({})",
        placeholders(ids.len())
    );
    type TaskRaw = (
        i64,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let raw: Vec<TaskRaw> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_as(&sql).bind(ctx.portal_id);
        for id in ids { q = q.bind(*id); }
        q.fetch_all(p).await
    })?;
    Ok(raw
        .into_iter()
        .map(
            |(id, title, status, resp, group, _created, closed, start, deadline, plan)| {
                let t = metrics::TaskTimes {
                    status,
                    date_start: start,
                    start_date_plan: plan,
                    deadline,
                    closed_date: closed,
                };
                let mut c = serde_json::Map::new();
                c.insert("status_code".into(), status.into());
                c.insert("manager_id".into(), resp.into());
                c.insert("manager".into(), dicts.user_name(resp).into());
                c.insert(
                    "project".into(),
                    group.and_then(|g| dicts.projects.get(&g).cloned()).into(),
                );
                c.insert("deadline".into(), day_json(deadline.map(|d| ctx.tz.day(d))));
                c.insert("closed".into(), day_json(closed.map(|d| ctx.tz.day(d))));
                c.insert(
                    "started_on_time".into(),
                    metrics::started_on_time(&t).into(),
                );
                c.insert(
                    "finished_on_time".into(),
                    metrics::finished_on_time(&t).into(),
                );
                let user = resp.unwrap_or(0);
                Record {
                    id,
                    path: format!("/company/personal/user/{user}/tasks/task/view/{id}/"),
                    title,
                    columns: c,
                }
            },
        )
        .collect())
}
