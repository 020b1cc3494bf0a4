//! Portal limits: the per-portal leaky bucket (503 QUERY_LIMIT_EXCEEDED) and the per-method
//! operating-time budget (429 OPERATION_TIME_LIMIT), plus the synthetic cost model that stands in
//! for server execution time.
//!
//! Pure bookkeeping over `Instant`s; never produces HTTP responses.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How much server time a call "costs" (the emulator itself is much faster than a real portal).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CostModel {
    /// Fixed cost of any method call, seconds.
    pub base_secs: f64,
    /// Per returned row.
    pub per_row_secs: f64,
    /// Per row examined when the call counts (`start >= 0`): why COUNT on big tables hurts.
    pub per_counted_row_secs: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            base_secs: 0.02,
            per_row_secs: 0.0006,
            per_counted_row_secs: 0.00002,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Leaky bucket on/off.
    pub rate_enabled: bool,
    /// Drain per second (Y): 2 on ordinary plans, 5 on enterprise.
    pub drain_per_sec: f64,
    /// Bucket size (X): 50 / 250.
    pub burst: f64,
    /// Operating budget on/off.
    pub operating_enabled: bool,
    /// Seconds of server time per method per window (480 per docs).
    pub operating_limit_secs: f64,
    /// Window length (600 s: ten 60 s buckets).
    pub operating_window_secs: f64,
    /// Calls cheaper than this (summed per method within one HTTP hit) are not recorded.
    pub min_fix_secs: f64,
    pub cost: CostModel,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate_enabled: true,
            drain_per_sec: 2.0,
            burst: 50.0,
            operating_enabled: true,
            operating_limit_secs: 480.0,
            operating_window_secs: 600.0,
            min_fix_secs: 0.1,
            cost: CostModel::default(),
        }
    }
}

impl Limits {
    /// No rate limit and no operating budget: for tests that only check data.
    pub fn unlimited() -> Self {
        Limits {
            rate_enabled: false,
            operating_enabled: false,
            ..Limits::default()
        }
    }
}

/// Mutable limiter state of one portal.
#[derive(Debug)]
pub struct LimiterState {
    pub limits: Limits,
    level: f64,
    last: Instant,
    /// (auth key, method) -> buckets of (bucket start, seconds).
    operating: HashMap<(String, String), Vec<(Instant, f64)>>,
}

/// Operating figures to print in `time`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OperatingInfo {
    pub operating: f64,
    /// Seconds from now until the oldest bucket expires.
    pub reset_in: f64,
}

impl LimiterState {
    pub fn new(limits: Limits) -> Self {
        LimiterState {
            limits,
            level: 0.0,
            last: Instant::now(),
            operating: HashMap::new(),
        }
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.level = 0.0;
        self.operating.clear();
    }

    /// Admits one HTTP request into the bucket; `false` = 503.
    pub fn admit(&mut self, now: Instant) -> bool {
        if !self.limits.rate_enabled {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.level = (self.level - elapsed * self.limits.drain_per_sec).max(0.0);
        if self.level + 1.0 > self.limits.burst {
            return false;
        }
        self.level += 1.0;
        true
    }

    fn prune(&mut self, key: &(String, String), now: Instant) {
        let window = Duration::from_secs_f64(self.limits.operating_window_secs.max(0.001));
        if let Some(b) = self.operating.get_mut(key) {
            b.retain(|(start, _)| now.saturating_duration_since(*start) < window);
        }
    }

    /// The budget check done before a call: blocked once the used time exceeds the limit.
    pub fn blocked(&mut self, auth_key: &str, method: &str, now: Instant) -> bool {
        if !self.limits.operating_enabled {
            return false;
        }
        let key = (auth_key.to_string(), method.to_string());
        self.prune(&key, now);
        self.info(auth_key, method, now).operating > self.limits.operating_limit_secs
    }

    /// Records the summed cost of one method within one HTTP hit.
    pub fn record(&mut self, auth_key: &str, method: &str, secs: f64, now: Instant) {
        if !self.limits.operating_enabled || secs < self.limits.min_fix_secs {
            return;
        }
        let key = (auth_key.to_string(), method.to_string());
        self.prune(&key, now);
        let buckets = self.operating.entry(key).or_default();
        match buckets.last_mut() {
            Some((start, sum))
                if now.saturating_duration_since(*start) < Duration::from_secs(60) =>
            {
                *sum += secs
            }
            _ => buckets.push((now, secs)),
        }
    }

    pub fn info(&self, auth_key: &str, method: &str, now: Instant) -> OperatingInfo {
        let key = (auth_key.to_string(), method.to_string());
        let window = self.limits.operating_window_secs;
        match self.operating.get(&key) {
            Some(b) if !b.is_empty() => {
                let live: Vec<_> = b
                    .iter()
                    .filter(|(s, _)| now.saturating_duration_since(*s).as_secs_f64() < window)
                    .collect();
                let operating = live.iter().map(|(_, v)| v).sum();
                let reset_in = live
                    .first()
                    .map(|(s, _)| {
                        (window - now.saturating_duration_since(*s).as_secs_f64()).max(0.0)
                    })
                    .unwrap_or(0.0);
                OperatingInfo {
                    operating,
                    reset_in,
                }
            }
            _ => OperatingInfo::default(),
        }
    }
}
