//! Time helpers for the generator: working hours in the portal's zone, day boundaries, durations.
//!
//! Pure functions of their arguments plus the caller's random stream; never reads the wall clock.

use rand::Rng;

use super::Gen;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

impl Gen {
    /// Moves an instant into working hours (09:00-19:00 local) of the same local day, weekdays
    /// mostly: a weekend instant is pushed to Monday with high probability.
    pub fn working_time(&mut self, t: i64) -> i64 {
        let offset = self.zone.offset_at(t) as i64;
        let local = t + offset;
        let mut day_start = local.div_euclid(DAY) * DAY;
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        let weekday = (local.div_euclid(DAY) + 3) % 7;
        if weekday >= 5 && self.rng.gen_bool(0.85) {
            day_start += (7 - weekday) * DAY;
        }
        let secs = self.rng.gen_range(9 * HOUR..19 * HOUR);
        day_start + secs - offset
    }

    /// A creation instant in [start, now], biased towards recent months (business growth).
    pub fn creation_time(&mut self) -> i64 {
        let span = (self.now - self.start) as f64;
        let u: f64 = self.rng.gen::<f64>().powf(0.8);
        let t = self.start + (span * u) as i64;
        self.working_time(t).min(self.now - 60)
    }

    /// Exponentially distributed duration with the given mean (seconds), at least `min`.
    pub fn exp_duration(&mut self, mean: f64, min: i64) -> i64 {
        let u: f64 = self.rng.gen_range(1e-9..1.0);
        ((-u.ln() * mean) as i64).max(min)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }
}

/// UTC midnight of the local calendar day of `t` — how Bitrix24 stores `date` fields (docs/EMULATOR.md).
pub fn date_of(t: i64, zone: crate::format::Zone) -> i64 {
    (t + zone.offset_at(t) as i64).div_euclid(DAY) * DAY
}
