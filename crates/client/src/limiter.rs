//! Politeness toward one portal: a leaky bucket mirroring the portal's request-rate limit (shared by every task that
//! talks to that portal), and per-method tracking of the server-time budget (`operating`). This module only waits;
//! it must never send requests or swallow errors.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The portal's request-rate limit: `burst` requests at once, draining `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    pub per_second: f64,
    pub burst: f64,
}

impl RateLimits {
    /// All plans except Enterprise.
    pub const STANDARD: RateLimits = RateLimits {
        per_second: 2.0,
        burst: 50.0,
    };
    /// Enterprise plans.
    pub const ENTERPRISE: RateLimits = RateLimits {
        per_second: 5.0,
        burst: 250.0,
    };

    /// Picks the limits from an `app.info` `LICENSE` such as `en_ent250` / `de_ent10000`.
    pub fn for_license(license: &str) -> RateLimits {
        let plan = license.split_once('_').map(|(_, p)| p).unwrap_or(license);
        if plan.starts_with("ent") {
            RateLimits::ENTERPRISE
        } else {
            RateLimits::STANDARD
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::STANDARD
    }
}

#[derive(Debug)]
struct Bucket {
    level: f64,
    at: Instant,
}

/// A leaky bucket: each request adds 1, the level drains at `per_second`; a request waits while the level would pass
/// `burst` minus a small margin (other clients on our IP may be using the same bucket).
#[derive(Debug)]
pub struct RateLimiter {
    limits: Mutex<RateLimits>,
    bucket: Mutex<Bucket>,
}

fn margin_of(limits: RateLimits) -> f64 {
    (limits.burst * 0.1).clamp(1.0, 10.0)
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            limits: Mutex::new(limits),
            bucket: Mutex::new(Bucket {
                level: 0.0,
                at: Instant::now(),
            }),
        }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits.lock().map(|l| *l).unwrap_or_default()
    }

    /// Switches to the portal's actual plan limits (learned from `app.info` `LICENSE`).
    pub fn set_limits(&self, limits: RateLimits) {
        if let Ok(mut l) = self.limits.lock() {
            *l = limits;
        }
    }

    /// Reserves one request slot, sleeping as long as the bucket needs to drain.
    pub async fn acquire(&self) {
        let limits = self.limits();
        let wait = {
            let Ok(mut b) = self.bucket.lock() else {
                return;
            };
            let now = Instant::now();
            let drained = now.saturating_duration_since(b.at).as_secs_f64() * limits.per_second;
            b.level = (b.level - drained).max(0.0);
            b.at = now;
            let cap = (limits.burst - margin_of(limits)).max(1.0);
            // The slot is reserved now (level may go above cap); the caller sleeps until the bucket drained enough.
            b.level += 1.0;
            let over = b.level - cap;
            if over > 0.0 {
                Duration::from_secs_f64(over / limits.per_second)
            } else {
                Duration::ZERO
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The portal said QUERY_LIMIT_EXCEEDED: its bucket is full whatever we counted.
    pub fn note_rejected(&self) {
        let limits = self.limits();
        if let Ok(mut b) = self.bucket.lock() {
            let cap = (limits.burst - margin_of(limits)).max(1.0);
            b.level = b.level.max(cap);
            b.at = Instant::now();
        }
    }
}

#[derive(Debug, Clone, Default)]
struct MethodBudget {
    operating: f64,
    reset_at: Option<i64>,
    blocked_until: Option<i64>,
    /// Blocks in a row without a known future reset time (escalates the guessed pause).
    blind_blocks: u32,
}

/// Per-method server-time budget as the portal reports it.
#[derive(Debug)]
pub struct OperatingTracker {
    limit_seconds: f64,
    methods: Mutex<HashMap<String, MethodBudget>>,
}

/// Longest we ever sleep for one method's budget in one go (re-checked after).
const MAX_BUDGET_SLEEP: Duration = Duration::from_secs(60);

impl OperatingTracker {
    pub fn new(limit_seconds: f64) -> OperatingTracker {
        OperatingTracker {
            limit_seconds,
            methods: Mutex::new(HashMap::new()),
        }
    }

    /// Records what a response said about `method`.
    pub fn record(&self, method: &str, operating: Option<f64>, reset_at: Option<i64>) {
        if operating.is_none() && reset_at.is_none() {
            return;
        }
        if let Ok(mut m) = self.methods.lock() {
            let b = m.entry(method.to_string()).or_default();
            if let Some(op) = operating {
                b.operating = op;
                b.blind_blocks = 0;
            }
            if reset_at.is_some() {
                b.reset_at = reset_at;
            }
        }
    }

    /// `method` answered OPERATION_TIME_LIMIT: block it until the portal's reset time. When no future reset time is
    /// known (errors carry no `time`; the last one seen may be stale) guess 5 s, 10 s, … up to 60 s: a blocked
    /// call is refused before it runs, so probing costs only a request slot.
    pub fn block(&self, method: &str, reset_at: Option<i64>, now_unix: i64) {
        if let Ok(mut m) = self.methods.lock() {
            let b = m.entry(method.to_string()).or_default();
            let known = reset_at.or(b.reset_at).filter(|t| *t > now_unix);
            let until = match known {
                Some(t) => {
                    b.blind_blocks = 0;
                    t
                }
                None => {
                    b.blind_blocks = b.blind_blocks.saturating_add(1);
                    now_unix + i64::from(b.blind_blocks.min(12)) * 5
                }
            };
            b.blocked_until = Some(until);
            b.operating = self.limit_seconds;
        }
    }

    /// How long to wait before calling `method`: until a block ends, or an adaptive pause once the method used more
    /// than 80 % of its budget (1 % of the time to reset, at most 7 s).
    pub fn delay_for(&self, method: &str, now_unix: i64) -> Duration {
        let Ok(m) = self.methods.lock() else {
            return Duration::ZERO;
        };
        let Some(b) = m.get(method) else {
            return Duration::ZERO;
        };
        if let Some(until) = b.blocked_until {
            if until > now_unix {
                return Duration::from_secs((until - now_unix) as u64 + 1).min(MAX_BUDGET_SLEEP);
            }
        }
        // Spent (the portal refuses the next call once the sum passed the limit): wait for the oldest bucket to
        // expire instead of spending a request on a refusal.
        if b.operating > self.limit_seconds {
            if let Some(reset) = b.reset_at.filter(|r| *r > now_unix) {
                return Duration::from_secs((reset - now_unix) as u64 + 1).min(MAX_BUDGET_SLEEP);
            }
        }
        if b.operating > 0.8 * self.limit_seconds {
            if let Some(reset) = b.reset_at {
                if reset > now_unix {
                    return Duration::from_secs_f64(((reset - now_unix) as f64 * 0.01).min(7.0));
                }
            }
        }
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_picks_limits() {
        assert_eq!(
            RateLimits::for_license("de_ent10000"),
            RateLimits::ENTERPRISE
        );
        assert_eq!(RateLimits::for_license("en_basic"), RateLimits::STANDARD);
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_burst_then_paces() {
        let l = RateLimiter::new(RateLimits {
            per_second: 2.0,
            burst: 10.0,
        });
        let start = Instant::now();
        for _ in 0..9 {
            l.acquire().await; // cap = 10 - 1 margin = 9: no waiting
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        l.acquire().await; // the 10th waits for half a request to drain at 2/s
        let waited = start.elapsed().as_secs_f64();
        assert!((0.45..=0.55).contains(&waited), "{waited}");
        for _ in 0..4 {
            l.acquire().await;
        }
        let waited = start.elapsed().as_secs_f64();
        assert!((2.45..=2.6).contains(&waited), "{waited}");
    }

    #[test]
    fn operating_blocks_and_slows() {
        let t = OperatingTracker::new(480.0);
        assert_eq!(t.delay_for("crm.deal.list", 1000), Duration::ZERO);
        t.record("crm.deal.list", Some(100.0), Some(1500));
        assert_eq!(t.delay_for("crm.deal.list", 1000), Duration::ZERO);
        t.record("crm.deal.list", Some(400.0), Some(1500));
        assert_eq!(t.delay_for("crm.deal.list", 1000), Duration::from_secs(5));
        // Over the limit: wait for the reset rather than be refused.
        t.record("crm.deal.list", Some(481.0), Some(1020));
        assert_eq!(t.delay_for("crm.deal.list", 1000), Duration::from_secs(21));
        t.block("crm.deal.list", Some(1030), 1000);
        assert_eq!(t.delay_for("crm.deal.list", 1000), Duration::from_secs(31));
        assert_eq!(t.delay_for("crm.lead.list", 1000), Duration::ZERO);
        // A stale reset time: guess short pauses that grow while the block lasts.
        t.block("crm.lead.list", None, 2000);
        assert_eq!(t.delay_for("crm.lead.list", 2000), Duration::from_secs(6));
        t.block("crm.lead.list", Some(1990), 2005);
        assert_eq!(t.delay_for("crm.lead.list", 2005), Duration::from_secs(11));
        t.record("crm.lead.list", Some(1.0), None);
        t.block("crm.lead.list", None, 3000);
        assert_eq!(t.delay_for("crm.lead.list", 3000), Duration::from_secs(6));
    }
}
