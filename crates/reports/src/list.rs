//! Record lists behind the numbers (drill-down) and the deal list block: the list-level filters (status / stage /
//! pipeline / responsible / days), sorting by any column, paging, and the filter choices (facets) of a list.
//! The rows come from the store (`b24a_store::*ListRow`, mapped in `list_rows`); this module holds no SQL. Must
//! never decide which records belong to a number — the ids come from the report's own counting.
//!
//! Filtering and sorting run here, over the counted records, not in SQL: the sortable columns are names, base-
//! currency amounts and days in the portal's calendar that the database does not hold, and the ids are already
//! fixed by the report (a list is at most the records one number counted).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use b24a_store::Store;
use serde::{Deserialize, Serialize};

use crate::context::PortalContext;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::filter::FilterError;
use crate::list_rows::{self, day_json};
use crate::metrics::Status;

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
    /// R7's linked work: child deals and smart-process items in one list (ids as `r7_links::ChildRef::tally_id`).
    Work,
}

/// Paging, sorting and list-level filters of a record list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListQuery {
    /// A column key of the row type (e.g. `amount`, `duration_days`, `days_since`, `title`); default `id`.
    pub sort: Option<String>,
    pub desc: bool,
    pub offset: usize,
    pub limit: usize,
    pub status: Option<Status>,
    pub stage: Option<String>,
    pub pipeline: Option<i64>,
    /// The responsible employee's id.
    pub manager: Option<i64>,
    /// Only records idle / in their stage / lasting at least this many days (the list's [`days_column`]).
    pub min_days: Option<i64>,
    /// … and at most this many days.
    pub max_days: Option<i64>,
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
            manager: None,
            min_days: None,
            max_days: None,
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

/// One choice of a list filter: the value to send back and its name (a name from the portal, or a code the server
/// names).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub id: serde_json::Value,
    pub name: String,
    /// Records of the whole list (before the list filters) with this value.
    pub count: usize,
}

/// The filter choices of a list: only values its records have, so no choice leads to an empty list.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    pub status: Vec<Choice>,
    pub pipeline: Vec<Choice>,
    pub stage: Vec<Choice>,
    pub manager: Vec<Choice>,
    /// The column the days filter acts on (`days_since`, `days_in_stage`, `days_overdue`, `duration_days`), if any.
    pub days_column: Option<String>,
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
    pub facets: Facets,
}

/// The column a "days" filter reads: idle days where the list knows them (R6), else days in the current stage,
/// else days overdue, else the record's age.
pub fn days_column(rows: &[Record]) -> Option<&'static str> {
    [
        "days_since",
        "days_in_stage",
        "days_overdue",
        "duration_days",
    ]
    .into_iter()
    .find(|k| {
        rows.iter()
            .any(|r| r.columns.get(*k).is_some_and(|v| !v.is_null()))
    })
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
    touches: Option<&HashMap<i64, i64>>,
) -> Result<RecordList, ReportError> {
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(FilterError::invalid("list.limit", format!("must be 1..={MAX_PAGE}")).into());
    }
    let mut all = build_all(store, ctx, dicts, entity, ids, q, touches).await?;
    let total = all.total;
    all.rows = all.rows.into_iter().skip(q.offset).take(q.limit).collect();
    all.offset = q.offset;
    all.total = total;
    Ok(all)
}

/// Like [`build`] but with every row that passes the list filters, sorted (the whole list, for an export).
pub async fn build_all(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    entity: Entity,
    ids: &[i64],
    q: &ListQuery,
    touches: Option<&HashMap<i64, i64>>,
) -> Result<RecordList, ReportError> {
    let mut rows = list_rows::records(store, ctx, dicts, entity, ids).await?;
    if let Some(touches) = touches {
        for r in rows.iter_mut() {
            if let Some(t) = touches.get(&r.id) {
                r.columns
                    .insert("last_activity".into(), day_json(Some(ctx.tz.day(*t))));
                r.columns
                    .insert("days_since".into(), ((ctx.now - t).max(0) / 86_400).into());
            }
        }
    }
    let facets = facets(&rows);
    let days = facets.days_column.clone();
    rows.retain(|r| passes(r, q, days.as_deref()));
    let key = q.sort.clone().unwrap_or_else(|| "id".to_string());
    if key != "id"
        && key != "title"
        && !rows.is_empty()
        && !rows.iter().any(|r| r.columns.contains_key(&key))
    {
        return Err(FilterError::invalid("list.sort", format!("unknown column {key:?}")).into());
    }
    rows.sort_by(|a, b| {
        let o = compare(a, b, &key);
        let o = if q.desc { o.reverse() } else { o };
        // Ties keep id order both ways, so pages never overlap or skip.
        o.then(a.id.cmp(&b.id))
    });
    Ok(RecordList {
        entity,
        counted: ids.len(),
        total: rows.len(),
        offset: 0,
        rows,
        facets,
    })
}

fn facets(rows: &[Record]) -> Facets {
    let mut status: BTreeMap<String, usize> = BTreeMap::new();
    let mut pipeline: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    let mut stage: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut manager: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    let text = |r: &Record, k: &str| {
        r.columns
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    for r in rows {
        if let Some(s) = text(r, "status") {
            *status.entry(s).or_default() += 1;
        }
        if let Some(p) = r.columns.get("pipeline_id").and_then(|v| v.as_i64()) {
            let e = pipeline
                .entry(p)
                .or_insert_with(|| (text(r, "pipeline").unwrap_or_default(), 0));
            e.1 += 1;
        }
        if let Some(s) = text(r, "stage_id") {
            let e = stage
                .entry(s)
                .or_insert_with(|| (text(r, "stage").unwrap_or_default(), 0));
            e.1 += 1;
        }
        if let Some(m) = r.columns.get("manager_id").and_then(|v| v.as_i64()) {
            let e = manager
                .entry(m)
                .or_insert_with(|| (text(r, "manager").unwrap_or_default(), 0));
            e.1 += 1;
        }
    }
    let by_name = |m: Vec<Choice>| {
        let mut m = m;
        m.sort_by(|a, b| a.name.cmp(&b.name));
        m
    };
    Facets {
        // Status choices in the order a sales director reads them: in work, won, lost.
        status: ["in_work", "won", "lost"]
            .into_iter()
            .filter_map(|k| {
                status.get(k).map(|n| Choice {
                    id: k.into(),
                    name: k.into(),
                    count: *n,
                })
            })
            .collect(),
        pipeline: by_name(
            pipeline
                .into_iter()
                .map(|(id, (name, count))| Choice {
                    id: id.into(),
                    name,
                    count,
                })
                .collect(),
        ),
        stage: by_name(
            stage
                .into_iter()
                .map(|(id, (name, count))| Choice {
                    id: id.into(),
                    name,
                    count,
                })
                .collect(),
        ),
        manager: by_name(
            manager
                .into_iter()
                .map(|(id, (name, count))| Choice {
                    id: id.into(),
                    name,
                    count,
                })
                .collect(),
        ),
        days_column: days_column(rows).map(str::to_string),
    }
}

fn passes(r: &Record, q: &ListQuery, days_column: Option<&str>) -> bool {
    let s = |k: &str| r.columns.get(k).and_then(|v| v.as_str());
    let n = |k: &str| r.columns.get(k).and_then(|v| v.as_i64());
    if q.status.is_some_and(|st| s("status") != Some(st.key())) {
        return false;
    }
    if q.stage
        .as_deref()
        .is_some_and(|st| s("stage_id") != Some(st))
    {
        return false;
    }
    if q.pipeline.is_some_and(|p| n("pipeline_id") != Some(p)) {
        return false;
    }
    if q.manager.is_some_and(|m| n("manager_id") != Some(m)) {
        return false;
    }
    if q.min_days.is_some() || q.max_days.is_some() {
        let Some(days) = days_column.and_then(n) else {
            return false;
        };
        if q.min_days.is_some_and(|min| days < min) || q.max_days.is_some_and(|max| days > max) {
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
