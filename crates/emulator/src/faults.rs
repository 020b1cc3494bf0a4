//! Fault injection for reliability tests: a share of requests answers 500 JSON errors, HTML error
//! pages (a proxy's 502), hangs until a timeout (504 after a delay) or arrives slowly; named methods can be made
//! to fail every time (also inside a batch), e.g. `event.bind` during an install.
//!
//! Deterministic for a seed; decides only *whether* and *which* fault, never the normal answer.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share (0..1) of requests answered `500 INTERNAL_SERVER_ERROR` (JSON).
    pub error_500: f64,
    /// Share answered by a `502` HTML page (text/html), like a proxy in front of the portal.
    pub html_error: f64,
    /// Share that hangs for `timeout_ms` and then gets a 504 HTML page.
    pub timeout: f64,
    pub timeout_ms: u64,
    /// Share answered normally after `slow_ms`.
    pub slow: f64,
    pub slow_ms: u64,
    pub seed: u64,
    /// Methods (lower case, e.g. `event.bind`) that always answer `500 INTERNAL_SERVER_ERROR`, as a
    /// whole request or as a batch sub-call; the method does nothing.
    pub failing_methods: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            error_500: 0.0,
            html_error: 0.0,
            timeout: 0.0,
            timeout_ms: 65_000,
            slow: 0.0,
            slow_ms: 3_000,
            seed: 7,
            failing_methods: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Error500,
    Html502,
    Timeout(Duration),
    Slow(Duration),
}

#[derive(Debug)]
pub struct FaultState {
    pub faults: Faults,
    rng: ChaCha8Rng,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(faults.seed);
        FaultState { faults, rng }
    }

    /// Whether calls of `method` are set to fail (see [`Faults::failing_methods`]).
    pub fn method_fails(&self, method: &str) -> bool {
        self.faults
            .failing_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
    }

    /// Draws the fault (if any) for the next request.
    pub fn draw(&mut self) -> Option<Fault> {
        let f = &self.faults;
        if f.error_500 + f.html_error + f.timeout + f.slow <= 0.0 {
            return None;
        }
        let r: f64 = self.rng.gen();
        let mut edge = f.error_500;
        if r < edge {
            return Some(Fault::Error500);
        }
        edge += f.html_error;
        if r < edge {
            return Some(Fault::Html502);
        }
        edge += f.timeout;
        if r < edge {
            return Some(Fault::Timeout(Duration::from_millis(f.timeout_ms)));
        }
        edge += f.slow;
        if r < edge {
            return Some(Fault::Slow(Duration::from_millis(f.slow_ms)));
        }
        None
    }
}
