//! This process's cache of whole report answers (the JSON of `POST /api/reports/{id}` before its per-request
//! freshness and tier blocks), so that the many users of one portal opening the same report get it without
//! recomputing it, its charts and its words.
//!
//! An entry's key holds everything the answer is computed from: portal, app, report, the parsed filter and plan
//! options, the caller's data scope, language, chart width, the tier's history depth, the reports' "now" (the start
//! of the current minute, see `api::reports::context`) and the portal's data stamp — every data-version counter of
//! every table an answer reads, moved by database triggers on any write (`Store::report_answer_stamp`, migrations
//! 0003, 0015, 0016). So an entry is never served for data newer than it was computed from, nor after the minute
//! it was computed for. Bounded in bytes; the oldest entries go first.
//!
//! It must never decide access: the server checks the caller's access and computes the data scope on every
//! request before looking here, and the scope is part of the key (a narrower scope never meets a wider answer).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// One cached answer: its JSON text (an object, without `freshness` and `tier`) and the answer's period clamp (what
/// the per-request tier block is stated from).
#[derive(Clone)]
pub struct CachedAnswer {
    pub body: Arc<str>,
    pub clamp: Option<Value>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, CachedAnswer>,
    /// Keys in insertion order, for eviction.
    order: VecDeque<String>,
    bytes: usize,
}

/// The cache; cheap to clone (one shared map per process).
#[derive(Clone)]
pub struct AnswerCache {
    inner: Arc<Mutex<Inner>>,
    budget: usize,
}

impl AnswerCache {
    /// A cache holding at most `megabytes` of answer text (0 = off).
    pub fn new(megabytes: usize) -> AnswerCache {
        AnswerCache {
            inner: Arc::new(Mutex::new(Inner::default())),
            budget: megabytes.saturating_mul(1 << 20),
        }
    }

    /// The answer cached under `key`, if any.
    pub fn get(&self, key: &str) -> Option<CachedAnswer> {
        if self.budget == 0 {
            return None;
        }
        // A poisoned lock (a panic elsewhere while holding it) only means a miss: the answer is recomputed.
        let inner = self.inner.lock().ok()?;
        inner.map.get(key).cloned()
    }

    /// Keeps `answer` under `key`, dropping the oldest entries past the budget. An answer larger than a quarter of
    /// the budget is not kept (it would push out many others).
    pub fn put(&self, key: String, answer: CachedAnswer) {
        let size = answer.body.len() + key.len();
        if self.budget == 0 || size > self.budget / 4 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if let Some(old) = inner.map.insert(key.clone(), answer) {
            inner.bytes -= old.body.len() + key.len();
        } else {
            inner.order.push_back(key);
        }
        inner.bytes += size;
        while inner.bytes > self.budget {
            let Some(k) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.map.remove(&k) {
                inner.bytes -= old.body.len() + k.len();
            }
        }
    }
}
