//! Full exports. The ID cursor (`order ID`, `filter >ID` / `<ID`, `start=-1`, no COUNT) with up to 50 pages chained
//! inside one `batch` through `$result[cK][49][ID]` references: 2,500 rows per HTTP request. A short page ends the
//! chain: every page after it ran with a garbage reference and is discarded, and a page that does not move the
//! cursor is never accepted. Also a small offset-paging helper for dictionaries. This module must never write
//! anywhere: it hands rows and cursors to the caller, who stores them before asking for more.

use serde_json::{json, Map, Value};

use crate::batch::{Batch, MAX_BATCH};
use crate::client::Client;
use crate::error::ApiError;
use crate::row::Row;

/// Budget refusals of one chunk waited out in a row before giving up (each wait lasts up to a minute).
const MAX_BUDGET_BLOCKS: u32 = 24 * 60;

/// Rows per page of classic list methods.
pub const PAGE_SIZE: usize = 50;

/// Which way an ID cursor walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Oldest first: `order ID ASC`, `filter >ID`.
    Asc,
    /// Newest first: `order ID DESC`, `filter <ID` (recent periods become usable first).
    Desc,
}

/// How a method takes its ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStyle {
    /// `order: {ID: ASC}` under the given key (`order`, `ORDER`).
    Map(String),
    /// Top-level `sort: ID, order: ASC` (user.get, department.get).
    SortOrder,
}

/// How to list one entity kind by ID cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSpec {
    pub method: String,
    /// Fixed parameters: `select`, extra filter conditions under `filter_key`, `entityTypeId` ...
    pub params: Value,
    pub filter_key: String,
    pub order: OrderStyle,
    /// The field name used in filter and order (`ID`).
    pub cursor_field: String,
    /// The id key in returned rows (`ID`, or `id` for tasks.task.list).
    pub row_id_field: String,
    /// Where rows sit inside `result` (`items` for crm.stagehistory.list, `tasks` for tasks.task.list).
    pub rows_path: Option<String>,
}

impl ListSpec {
    /// A legacy CRM-style list (`crm.deal.list`, `crm.activity.list` ...): `order`/`filter`, `ID`, rows in `result`.
    pub fn crm(method: &str, params: Value) -> ListSpec {
        ListSpec {
            method: method.into(),
            params,
            filter_key: "filter".into(),
            order: OrderStyle::Map("order".into()),
            cursor_field: "ID".into(),
            row_id_field: "ID".into(),
            rows_path: None,
        }
    }

    /// The parameters of page `i` of a chain starting after `cursor`.
    pub(crate) fn page_params(
        &self,
        direction: Direction,
        cursor: Option<i64>,
        reference: Option<String>,
    ) -> Value {
        let mut params = match &self.params {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        let mut filter = match params.remove(&self.filter_key) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let op = match direction {
            Direction::Asc => ">",
            Direction::Desc => "<",
        };
        let bound = match (reference, cursor, direction) {
            (Some(r), _, _) => Some(Value::String(r)),
            (None, Some(c), _) => Some(json!(c)),
            (None, None, Direction::Asc) => Some(json!(0)),
            (None, None, Direction::Desc) => None,
        };
        if let Some(b) = bound {
            filter.insert(format!("{op}{}", self.cursor_field), b);
        }
        params.insert(self.filter_key.clone(), Value::Object(filter));
        let dir = match direction {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        };
        match &self.order {
            OrderStyle::Map(key) => {
                params.insert(key.clone(), json!({ self.cursor_field.clone(): dir }));
            }
            OrderStyle::SortOrder => {
                params.insert("sort".into(), json!(self.cursor_field));
                params.insert("order".into(), json!(dir));
            }
        }
        params.insert("start".into(), json!(-1));
        Value::Object(params)
    }

    /// Parameters of a one-page probe returning the first row in `direction` (the lowest or highest ID).
    pub fn probe_params(&self, direction: Direction) -> Value {
        self.page_params(direction, None, None)
    }

    /// The rows inside one list `result`.
    pub fn rows_of(&self, result: &Value) -> Result<Vec<Row>, ApiError> {
        let list = match (&self.rows_path, result) {
            (Some(p), Value::Object(m)) => m.get(p).cloned().unwrap_or(Value::Array(vec![])),
            (Some(_), Value::Array(a)) if a.is_empty() => Value::Array(vec![]),
            (None, v) => v.clone(),
            (Some(p), other) => {
                return Err(ApiError::Malformed(format!(
                    "{}: expected result.{p}, got {}",
                    self.method,
                    short(other)
                )))
            }
        };
        let items = match list {
            Value::Array(items) => items,
            Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
            Value::Null => vec![],
            other => {
                return Err(ApiError::Malformed(format!(
                    "{}: rows are not a list: {}",
                    self.method,
                    short(&other)
                )))
            }
        };
        items
            .into_iter()
            .map(|v| {
                Row::from_value(v).ok_or_else(|| {
                    ApiError::Malformed(format!("{}: a row is not an object", self.method))
                })
            })
            .collect()
    }

    /// The cursor id of a row.
    pub fn id_of(&self, row: &Row) -> Result<i64, ApiError> {
        row.int(&self.row_id_field)
            .map_err(|e| ApiError::Malformed(format!("{}: {e}", self.method)))
    }
}

fn short(v: &Value) -> String {
    let mut s = v.to_string();
    s.truncate(120);
    s
}

/// One HTTP request's worth of rows, in cursor order.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportChunk {
    pub rows: Vec<Row>,
    /// The cursor after these rows (the last row's id), to store with them.
    pub cursor: Option<i64>,
    /// No more rows in this direction (a short page, or the known far end was reached).
    pub finished: bool,
}

/// An ID-cursor export in progress. Resumable: construct it with the stored cursor.
#[derive(Debug)]
pub struct IdCursorExport {
    client: Client,
    spec: ListSpec,
    direction: Direction,
    cursor: Option<i64>,
    /// The far end known when the export started (the lowest id for `Desc`, the highest for `Asc`): reaching it
    /// ends the export without one more request to see an empty page. Rows created later are the incremental
    /// pass's business.
    far_end: Option<i64>,
    /// The near end known when the export started (the highest id for `Desc`, the lowest for `Asc`): sizes the
    /// first request's chain when there is no cursor yet.
    near_end: Option<i64>,
    max_chain: usize,
    /// The configured ceiling `max_chain` adapts under.
    chain_cap: usize,
    /// Without a far end the size is unknown: the chain starts at one page and grows ×4 after each full chunk, so a
    /// small result (an incremental pass) does not run 49 sub-calls on broken references.
    unknown_size_chain: usize,
    finished: bool,
}

impl IdCursorExport {
    pub fn new(
        client: Client,
        spec: ListSpec,
        direction: Direction,
        cursor: Option<i64>,
        far_end: Option<i64>,
    ) -> Self {
        IdCursorExport {
            client,
            spec,
            direction,
            cursor,
            far_end,
            near_end: None,
            max_chain: MAX_BATCH,
            chain_cap: MAX_BATCH,
            unknown_size_chain: 1,
            finished: false,
        }
    }

    /// Caps the pages chained per request (shorter chains for expensive wide selects: a batch must finish in 60 s).
    pub fn with_max_chain(mut self, pages: usize) -> Self {
        self.max_chain = pages.clamp(1, MAX_BATCH);
        self.chain_cap = self.max_chain;
        self
    }

    /// The first row's id as probed (the highest for `Desc`, the lowest for `Asc`): without it the first request
    /// of a fresh export cannot know how far the data reaches and chains the full `max_chain`.
    pub fn with_near_end(mut self, id: Option<i64>) -> Self {
        self.near_end = id;
        self
    }

    pub fn cursor(&self) -> Option<i64> {
        self.cursor
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn beyond(&self, id: i64, than: i64) -> bool {
        match self.direction {
            Direction::Asc => id > than,
            Direction::Desc => id < than,
        }
    }

    fn reached_far_end(&self) -> bool {
        match (self.cursor, self.far_end) {
            (Some(c), Some(end)) => !self.beyond(end, c),
            _ => false,
        }
    }

    /// Pages worth chaining: enough for the ids left up to the far end (ids may have gaps, so this never
    /// under-counts), at most `max_chain`.
    fn chain_len(&self) -> usize {
        // Without a cursor the walk starts just beyond the near end (so the near end itself is counted).
        let start = self.near_end.map(|n| match self.direction {
            Direction::Asc => n - 1,
            Direction::Desc => n + 1,
        });
        let (Some(end), Some(from)) = (
            self.far_end,
            self.cursor
                .or(start)
                .or((self.direction == Direction::Asc).then_some(0)),
        ) else {
            return if self.far_end.is_none() {
                self.unknown_size_chain.min(self.max_chain)
            } else {
                self.max_chain
            };
        };
        let span = match self.direction {
            Direction::Asc => end.saturating_sub(from),
            Direction::Desc => from.saturating_sub(end),
        };
        let pages = (span.max(1) as u64).div_ceil(PAGE_SIZE as u64);
        (pages.min(self.max_chain as u64) as usize).max(1)
    }

    /// Fetches the next chunk (one HTTP request, retried inside the client). `None` once finished.
    pub async fn next_chunk(&mut self) -> Result<Option<ExportChunk>, ApiError> {
        if self.finished || self.reached_far_end() {
            self.finished = true;
            return Ok(None);
        }
        let chain = self.chain_len();
        let path = self
            .spec
            .rows_path
            .as_ref()
            .map(|p| format!("[{p}]"))
            .unwrap_or_default();
        let mut attempts = 0;
        let mut budget_blocks = 0u32;
        loop {
            let mut batch = Batch::new().halt_on_error(true);
            for i in 0..chain {
                let reference = (i > 0).then(|| {
                    format!(
                        "$result[c{}]{path}[{}][{}]",
                        i - 1,
                        PAGE_SIZE - 1,
                        self.spec.row_id_field
                    )
                });
                batch.push(
                    format!("c{i}"),
                    self.spec.method.clone(),
                    self.spec
                        .page_params(self.direction, self.cursor, reference),
                )?;
            }
            let resp = self.client.batch(&batch).await?;
            // Server time only (client-side waits for limits say nothing about how heavy a page is).
            if let Some(processing) = resp.time.processing.filter(|p| p.is_finite() && *p >= 0.0) {
                let took = std::time::Duration::from_secs_f64(processing);
                self.max_chain = adapt_chain(self.max_chain, self.chain_cap, chain, took);
            }
            if let Some(e) = resp.errors.get("c0") {
                // The first page failed: nothing usable. Budget errors wait inside the client on the next try: a
                // spent budget always reopens (the portal's window is 10 minutes), so waiting for it is not
                // counted as a failed attempt, up to a day of blocks in a row (a portal that never reopens).
                let budget = matches!(e, ApiError::OperationTimeLimit { .. });
                if budget && budget_blocks < MAX_BUDGET_BLOCKS {
                    budget_blocks += 1;
                    continue;
                }
                if e.is_retryable() && attempts < 5 {
                    attempts += 1;
                    continue;
                }
                return Err(e.clone());
            }
            let mut rows = Vec::new();
            let mut cursor = self.cursor;
            let mut finished = false;
            let mut used = 0usize;
            for i in 0..chain {
                let key = format!("c{i}");
                let Some(result) = resp.results.get(&key) else {
                    break;
                };
                if resp.errors.contains_key(&key) {
                    break;
                }
                let page = self.spec.rows_of(result)?;
                let mut ids = Vec::with_capacity(page.len());
                for r in &page {
                    ids.push(self.spec.id_of(r)?);
                }
                let monotonic = ids.windows(2).all(|w| self.beyond(w[1], w[0]));
                let advances = match (ids.first(), cursor) {
                    (Some(first), Some(c)) => self.beyond(*first, c),
                    _ => true,
                };
                if !monotonic || !advances {
                    if i == 0 {
                        return Err(ApiError::CursorStalled {
                            method: self.spec.method.clone(),
                            cursor: cursor.unwrap_or(0),
                        });
                    }
                    // A link fed by a broken reference: discard it and everything after.
                    break;
                }
                let short_page = page.len() < PAGE_SIZE;
                // An empty page after the first carried nothing: it ran past the end.
                if !page.is_empty() || i == 0 {
                    used += 1;
                }
                if let Some(last) = ids.last() {
                    cursor = Some(*last);
                }
                rows.extend(page);
                if short_page {
                    finished = true;
                    break;
                }
            }
            self.client.note_wasted_subcalls(chain - used);
            self.cursor = cursor;
            self.finished = finished || self.reached_far_end();
            if !self.finished {
                self.unknown_size_chain = (self.unknown_size_chain * 4).min(MAX_BATCH);
            }
            return Ok(Some(ExportChunk {
                rows,
                cursor,
                finished: self.finished,
            }));
        }
    }
}

/// A batch should stay well inside the portal's 60 s request limit: aim at ~20 s. A chain of `used` pages that
/// took `elapsed` sets the next ceiling in proportion (never above `cap`, never below 1 page); fast batches let it
/// grow back at most ×2 per request.
pub fn adapt_chain(current: usize, cap: usize, used: usize, elapsed: std::time::Duration) -> usize {
    const TARGET_SECS: f64 = 20.0;
    let per_page = elapsed.as_secs_f64() / used.max(1) as f64;
    if per_page <= 0.0 {
        return current;
    }
    let fits = (TARGET_SECS / per_page).floor().max(1.0) as usize;
    fits.min(current.saturating_mul(2).max(1))
        .clamp(1, cap.max(1))
}

/// Lists a small dictionary by offset pages: one call, then the remaining pages 50 per batch.
pub async fn fetch_all_offset(
    client: &Client,
    method: &str,
    params: Value,
    rows_path: Option<&str>,
) -> Result<Vec<Row>, ApiError> {
    let spec = ListSpec {
        rows_path: rows_path.map(str::to_string),
        ..ListSpec::crm(method, Value::Null)
    };
    let mut first = match params {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    first.insert("start".into(), json!(0));
    let env = client.call(method, Value::Object(first.clone())).await?;
    let mut rows = spec.rows_of(&env.result)?;
    let Some(next) = env.next else {
        return Ok(rows);
    };
    let total = env.total.unwrap_or(0).max(next);
    let starts: Vec<i64> = (next..total).step_by(PAGE_SIZE).collect();
    for chunk in starts.chunks(MAX_BATCH) {
        let mut batch = Batch::new();
        for (i, start) in chunk.iter().enumerate() {
            let mut p = first.clone();
            p.insert("start".into(), json!(start));
            batch.push(format!("p{i}"), method, Value::Object(p))?;
        }
        let resp = client.batch(&batch).await?;
        for i in 0..chunk.len() {
            let key = format!("p{i}");
            if let Some(e) = resp.errors.get(&key) {
                return Err(e.clone());
            }
            match resp.results.get(&key) {
                Some(result) => rows.extend(spec.rows_of(result)?),
                None => {
                    return Err(ApiError::Malformed(format!(
                        "{method}: batch lost page {key}"
                    )))
                }
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chained_page_params() {
        let spec = ListSpec::crm(
            "crm.deal.list",
            json!({"select": ["ID"], "filter": {"CATEGORY_ID": 1}}),
        );
        let p = spec.page_params(Direction::Asc, Some(10), Some("$result[c0][49][ID]".into()));
        assert_eq!(
            p["filter"],
            json!({"CATEGORY_ID": 1, ">ID": "$result[c0][49][ID]"})
        );
        assert_eq!(p["order"], json!({"ID": "ASC"}));
        assert_eq!(p["start"], json!(-1));
        let p = spec.page_params(Direction::Desc, None, None);
        assert_eq!(p["filter"], json!({"CATEGORY_ID": 1}));
        assert_eq!(p["order"], json!({"ID": "DESC"}));
        let p = spec.page_params(Direction::Desc, Some(500), None);
        assert_eq!(p["filter"]["<ID"], json!(500));
    }

    #[test]
    fn chain_adapts_to_the_time_a_batch_takes() {
        use std::time::Duration;
        // 50 pages in 2 s: plenty of room, stays at the cap.
        assert_eq!(adapt_chain(50, 50, 50, Duration::from_secs(2)), 50);
        // 50 pages in 45 s (0.9 s per page): 22 pages fit in 20 s.
        assert_eq!(adapt_chain(50, 50, 50, Duration::from_secs(45)), 22);
        // Recovering: 10 pages in 1 s may grow, but only doubling per request.
        assert_eq!(adapt_chain(10, 50, 10, Duration::from_secs(1)), 20);
        // A very slow single page never drops below one.
        assert_eq!(adapt_chain(1, 50, 1, Duration::from_secs(80)), 1);
        // Never above the configured cap.
        assert_eq!(adapt_chain(5, 5, 5, Duration::from_millis(10)), 5);
    }

    #[test]
    fn rows_under_a_path_and_php_empties() {
        let spec = ListSpec {
            rows_path: Some("items".into()),
            ..ListSpec::crm("crm.stagehistory.list", Value::Null)
        };
        assert_eq!(
            spec.rows_of(&json!({"items": [{"ID": "1"}]}))
                .unwrap()
                .len(),
            1
        );
        assert!(spec.rows_of(&json!([])).unwrap().is_empty());
        assert!(spec.rows_of(&json!({"items": []})).unwrap().is_empty());
        assert!(spec.rows_of(&json!("x")).is_err());
    }
}
