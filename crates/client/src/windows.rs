//! An export of several disjoint filtered ranges ("windows") of one list method, at the request bound: the first
//! batch asks every window for its first page with a count (`start=0`, one sub-call per window), so small windows
//! are finished by it and the others' remaining pages are known; then the remaining pages of all windows are
//! packed into batches of up to 50 sub-calls, each window's pages chained by ID cursor through `$result[cK][49][ID]`
//! as in [`crate::export`]. So Σ windows costs about ceil(Σ pages / 50) + 1 requests instead of one growing chain
//! per window. Used for call statistics, which the portal only lists reliably in date windows.
//! This module must never write anywhere: it hands rows to the caller, who stores them before asking for more.

use serde_json::json;

use crate::batch::{Batch, MAX_BATCH};
use crate::client::Client;
use crate::error::ApiError;
use crate::export::{Direction, ListSpec, PAGE_SIZE};
use crate::row::Row;

/// Budget refusals waited out in a row before giving up (each wait lasts up to a minute).
const MAX_BUDGET_BLOCKS: u32 = 24 * 60;

#[derive(Debug, Clone)]
struct Window {
    spec: ListSpec,
    cursor: Option<i64>,
    /// Pages left by the count (`None`: unknown, e.g. the count was missing).
    remaining_pages: Option<usize>,
    /// Rows the count announced.
    counted: Option<usize>,
    finished: bool,
}

/// One request's worth of rows, with how many windows (from the first) are completely read.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowsChunk {
    pub rows: Vec<Row>,
    /// Windows `0..finished_prefix` are completely read (the caller may move its watermark past them).
    pub finished_prefix: usize,
}

/// See the module doc. Walks every window oldest id first (`Direction::Asc`).
#[derive(Debug)]
pub struct WindowedExport {
    client: Client,
    windows: Vec<Window>,
    counted: usize,
    max_chain: usize,
}

impl WindowedExport {
    pub fn new(client: Client, specs: Vec<ListSpec>) -> WindowedExport {
        WindowedExport {
            client,
            windows: specs
                .into_iter()
                .map(|spec| Window {
                    spec,
                    cursor: None,
                    remaining_pages: None,
                    counted: None,
                    finished: false,
                })
                .collect(),
            counted: 0,
            max_chain: MAX_BATCH,
        }
    }

    /// Caps the sub-calls per request (a batch must finish within the portal's 60 s).
    pub fn with_max_chain(mut self, pages: usize) -> Self {
        self.max_chain = pages.clamp(1, MAX_BATCH);
        self
    }

    /// Rows the counts announced over all windows counted so far (`None` before the first count, or when a window
    /// came back without a count): the progress bar's total for a source that has no total of its own.
    pub fn counted_rows(&self) -> Option<i64> {
        if self.counted == 0 {
            return None;
        }
        let mut sum = 0i64;
        for w in &self.windows[..self.counted] {
            sum += w.counted? as i64;
        }
        Some(sum)
    }

    fn finished_prefix(&self) -> usize {
        self.windows.iter().take_while(|w| w.finished).count()
    }

    /// Fetches the next chunk (one HTTP request). `None` once every window is read.
    pub async fn next_chunk(&mut self) -> Result<Option<WindowsChunk>, ApiError> {
        if self.windows.iter().all(|w| w.finished) {
            return Ok(None);
        }
        let rows = if self.counted < self.windows.len() {
            self.count_batch().await?
        } else {
            self.chained_batch().await?
        };
        Ok(Some(WindowsChunk {
            rows,
            finished_prefix: self.finished_prefix(),
        }))
    }

    /// First pages with counts of up to `max_chain` windows not yet counted.
    async fn count_batch(&mut self) -> Result<Vec<Row>, ApiError> {
        let from = self.counted;
        let to = (from + self.max_chain).min(self.windows.len());
        let mut blocks = 0u32;
        let mut attempts = 0u32;
        loop {
            let mut batch = Batch::new().halt_on_error(false);
            for i in from..to {
                let mut params = self.windows[i].spec.page_params(Direction::Asc, None, None);
                params["start"] = json!(0);
                batch.push(format!("w{i}"), self.windows[i].spec.method.clone(), params)?;
            }
            let resp = self.client.batch(&batch).await?;
            if let Some(e) = (from..to).find_map(|i| resp.errors.get(&format!("w{i}"))) {
                if matches!(e, ApiError::OperationTimeLimit { .. }) && blocks < MAX_BUDGET_BLOCKS {
                    blocks += 1;
                    continue;
                }
                if e.is_retryable() && attempts < 5 {
                    attempts += 1;
                    continue;
                }
                return Err(e.clone());
            }
            let mut rows = Vec::new();
            for i in from..to {
                let key = format!("w{i}");
                let w = &mut self.windows[i];
                let page = match resp.results.get(&key) {
                    Some(r) => w.spec.rows_of(r)?,
                    None => Vec::new(),
                };
                let last = match page.last() {
                    Some(r) => Some(w.spec.id_of(r)?),
                    None => None,
                };
                w.cursor = last;
                let total = resp.totals.get(&key).map(|t| (*t).max(0) as usize);
                w.counted = total.map(|t| t.max(page.len()));
                w.remaining_pages = total.map(|t| t.saturating_sub(page.len()).div_ceil(PAGE_SIZE));
                w.finished = page.len() < PAGE_SIZE || w.remaining_pages == Some(0);
                rows.extend(page);
            }
            self.counted = to;
            return Ok(rows);
        }
    }

    /// The remaining pages of the windows, in window order, packed into one batch.
    async fn chained_batch(&mut self) -> Result<Vec<Row>, ApiError> {
        // (window, first sub-call index, pages)
        let mut segments: Vec<(usize, usize, usize)> = Vec::new();
        let mut used = 0usize;
        for (i, w) in self.windows.iter().enumerate() {
            if w.finished {
                continue;
            }
            let left = self.max_chain - used;
            if left == 0 {
                break;
            }
            // Unknown size: a few pages at a time, like the ID export's growing chain.
            let pages = w.remaining_pages.unwrap_or(4).clamp(1, left);
            segments.push((i, used, pages));
            used += pages;
        }
        let mut blocks = 0u32;
        let mut attempts = 0u32;
        loop {
            let mut batch = Batch::new().halt_on_error(false);
            for &(wi, first, pages) in &segments {
                let w = &self.windows[wi];
                let path = w
                    .spec
                    .rows_path
                    .as_ref()
                    .map(|p| format!("[{p}]"))
                    .unwrap_or_default();
                for k in 0..pages {
                    let reference = (k > 0).then(|| {
                        format!(
                            "$result[c{}]{path}[{}][{}]",
                            first + k - 1,
                            PAGE_SIZE - 1,
                            w.spec.row_id_field
                        )
                    });
                    let params = w.spec.page_params(Direction::Asc, w.cursor, reference);
                    batch.push(format!("c{}", first + k), w.spec.method.clone(), params)?;
                }
            }
            let resp = self.client.batch(&batch).await?;
            let first_errors: Vec<&ApiError> = segments
                .iter()
                .filter_map(|(_, first, _)| resp.errors.get(&format!("c{first}")))
                .collect();
            if let Some(e) = first_errors.iter().find(|e| !e.is_retryable()) {
                return Err((*e).clone());
            }
            if first_errors.len() == segments.len() {
                // Nothing moved: wait (inside the client) and try again.
                let e = first_errors[0];
                if matches!(e, ApiError::OperationTimeLimit { .. }) && blocks < MAX_BUDGET_BLOCKS {
                    blocks += 1;
                    continue;
                }
                if attempts < 5 {
                    attempts += 1;
                    continue;
                }
                return Err(e.clone());
            }
            let mut rows = Vec::new();
            let mut wasted = 0usize;
            for &(wi, first, pages) in &segments {
                let w = &mut self.windows[wi];
                let mut consumed = 0usize;
                for k in 0..pages {
                    let key = format!("c{}", first + k);
                    let Some(result) = resp.results.get(&key) else {
                        break;
                    };
                    if resp.errors.contains_key(&key) {
                        break;
                    }
                    let page = w.spec.rows_of(result)?;
                    let mut ids = Vec::with_capacity(page.len());
                    for r in &page {
                        ids.push(w.spec.id_of(r)?);
                    }
                    let monotonic = ids.windows(2).all(|p| p[1] > p[0]);
                    let advances = match (ids.first(), w.cursor) {
                        (Some(f), Some(c)) => *f > c,
                        _ => true,
                    };
                    if !monotonic || !advances {
                        if k == 0 {
                            return Err(ApiError::CursorStalled {
                                method: w.spec.method.clone(),
                                cursor: w.cursor.unwrap_or(0),
                            });
                        }
                        break;
                    }
                    consumed += 1;
                    if let Some(last) = ids.last() {
                        w.cursor = Some(*last);
                    }
                    let short = page.len() < PAGE_SIZE;
                    if page.is_empty() && k > 0 {
                        wasted += 1;
                    }
                    rows.extend(page);
                    if short {
                        w.finished = true;
                        break;
                    }
                }
                wasted += pages - consumed.min(pages);
                if !w.finished {
                    w.remaining_pages = w.remaining_pages.map(|r| r.saturating_sub(consumed));
                    if w.remaining_pages == Some(0) {
                        w.finished = true;
                    }
                }
            }
            self.client.note_wasted_subcalls(wasted);
            return Ok(rows);
        }
    }
}
