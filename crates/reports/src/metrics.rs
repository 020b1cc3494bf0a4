//! Every metric's building blocks, defined once as small pure functions over typed records. Reports and their
//! drill-downs both call these, so a number and its list cannot disagree. docs/METRICS.md describes each in words.
//! Nothing here may read the store, the clock or the filter: inputs come as arguments.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::context::PortalTz;

/// The state of a deal or lead by its stage's semantics (STAGE_SEMANTIC_ID / STATUS_SEMANTIC_ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InWork,
    Won,
    Lost,
}

impl Status {
    /// `S` success → won (a lead: converted), `F` failure → lost (a lead: junk), anything else → in work.
    /// The record's own semantic id is authoritative (Bitrix24 maintains it); a reopened deal is in work again.
    pub fn from_semantic(sem: &str) -> Status {
        match sem {
            "S" => Status::Won,
            "F" => Status::Lost,
            _ => Status::InWork,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Status::InWork => "in_work",
            Status::Won => "won",
            Status::Lost => "lost",
        }
    }
    pub fn is_closed(self) -> bool {
        self != Status::InWork
    }
}

/// Parses a stored calendar date (`YYYY-MM-DD`, tolerating a time suffix).
pub fn parse_day(s: Option<&str>) -> Option<NaiveDate> {
    let s = s?;
    let head = s.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// The portal day a closed deal was closed: CLOSEDATE (Bitrix24 sets it to the closing day), else the day of the
/// last stage move, else the day of the last edit. `None` for a deal in work (its CLOSEDATE is only a plan).
pub fn deal_close_day(
    status: Status,
    closedate: Option<NaiveDate>,
    moved_time: Option<i64>,
    date_modify: i64,
    tz: &PortalTz,
) -> Option<NaiveDate> {
    if !status.is_closed() {
        return None;
    }
    Some(closedate.unwrap_or_else(|| tz.day(moved_time.unwrap_or(date_modify))))
}

/// The portal day a closed smart-process item was closed: the day of its last stage move, else of its last update
/// (items have no CLOSEDATE). `None` for an item in work.
pub fn item_close_day(
    status: Status,
    moved_time: Option<i64>,
    updated_time: i64,
    tz: &PortalTz,
) -> Option<NaiveDate> {
    status
        .is_closed()
        .then(|| tz.day(moved_time.unwrap_or(updated_time)))
}

/// The moment a lead got its final status: DATE_CLOSED, else the last status move, else the last edit.
pub fn lead_close_time(
    status: Status,
    date_closed: Option<i64>,
    moved_time: Option<i64>,
    date_modify: i64,
) -> Option<i64> {
    if !status.is_closed() {
        return None;
    }
    Some(date_closed.or(moved_time).unwrap_or(date_modify))
}

/// Whole portal days between two portal days (never negative: a close day before creation counts 0).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days().max(0)
}

/// Deal cycle: portal days from creation to closing.
pub fn cycle_days(created: i64, close_day: NaiveDate, tz: &PortalTz) -> i64 {
    days_between(tz.day(created), close_day)
}

/// Fractional days between two instants (stage stints), never negative.
pub fn span_days(from: i64, to: i64) -> f64 {
    ((to - from).max(0)) as f64 / 86_400.0
}

/// What kind of activity a CRM activity is. Classified by PROVIDER_ID / PROVIDER_TYPE_ID first; TYPE_ID only when
/// the provider is missing (legacy rows): 1 meeting, 2 call, 3 task, 4 e-mail. An unknown provider is `Other`,
/// never guessed from TYPE_ID 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Todo,
    Task,
    Other,
}

pub fn activity_kind(
    type_id: i64,
    provider_id: Option<&str>,
    provider_type_id: Option<&str>,
) -> ActivityKind {
    let provider = provider_id.unwrap_or("").to_ascii_uppercase();
    let ptype = provider_type_id.unwrap_or("").to_ascii_uppercase();
    match provider.as_str() {
        "VOXIMPLANT_CALL" | "CRM_CALL" => return ActivityKind::Call,
        "CRM_EMAIL" | "EMAIL" => return ActivityKind::Email,
        "CRM_MEETING" => return ActivityKind::Meeting,
        "CRM_TODO" => return ActivityKind::Todo,
        "CRM_TASKS_TASK" | "TASKS" | "TASKS_TASK" | "CRM_TASKS_TASK_COMMENT" => {
            return ActivityKind::Task
        }
        "" => {}
        _ => {
            return match ptype.as_str() {
                "CALL" | "CALLBACK" => ActivityKind::Call,
                "EMAIL" => ActivityKind::Email,
                "MEETING" => ActivityKind::Meeting,
                "TODO" => ActivityKind::Todo,
                "TASKS_TASK" | "TASK" => ActivityKind::Task,
                _ => ActivityKind::Other,
            }
        }
    }
    match type_id {
        1 => ActivityKind::Meeting,
        2 => ActivityKind::Call,
        3 => ActivityKind::Task,
        4 => ActivityKind::Email,
        _ => ActivityKind::Other,
    }
}

/// The instant an activity "happened" for period counting: START_TIME (call start, meeting time, to-do date,
/// e-mail sending), else its creation.
pub fn activity_time(start_time: Option<i64>, created: i64) -> i64 {
    start_time.unwrap_or(created)
}

/// The moment a completed activity was done, by which R2 counts it: LAST_UPDATED, the portal's time of the
/// activity's last change, which for a completed activity is its completion (Bitrix24 keeps no separate completion
/// time; an edit after completion moves it). `None` for an open activity. A to-do planned for October and done in
/// November is November's work.
pub fn activity_done_at(completed: bool, last_updated: i64) -> Option<i64> {
    completed.then_some(last_updated)
}

/// An open activity whose deadline has passed (counters' "overdue").
pub fn activity_overdue(completed: bool, deadline: Option<i64>, now: i64) -> bool {
    !completed && matches!(deadline, Some(d) if d < now)
}

/// An open activity that still lies ahead (or has no deadline): the card is cared for.
pub fn activity_planned(completed: bool, deadline: Option<i64>, now: i64) -> bool {
    !completed && deadline.is_none_or(|d| d >= now)
}

/// Share in percent; `None` when the denominator is 0 (shown as "—", never as 0 %).
pub fn pct(num: f64, den: f64) -> Option<f64> {
    if den > 0.0 {
        Some(num / den * 100.0)
    } else {
        None
    }
}

/// Win rate in percent: won ÷ (won + lost), both closed in the period; `None` when nothing closed.
pub fn win_rate(won: u64, lost: u64) -> Option<f64> {
    pct(won as f64, (won + lost) as f64)
}

/// Mean; `None` over nothing.
pub fn mean(sum: f64, n: u64) -> Option<f64> {
    if n > 0 {
        Some(sum / n as f64)
    } else {
        None
    }
}

// --- Tasks (R5) -------------------------------------------------------------------------------------------------

/// Task status codes (REAL_STATUS).
pub mod task_status {
    pub const IN_PROGRESS: i64 = 3;
    pub const AWAITING_CONTROL: i64 = 4;
    pub const COMPLETED: i64 = 5;
    pub const DEFERRED: i64 = 6;
    pub const DECLINED: i64 = 7;
}

/// The task fields the R5 metrics look at.
#[derive(Debug, Clone, Copy)]
pub struct TaskTimes {
    pub status: i64,
    pub date_start: Option<i64>,
    pub start_date_plan: Option<i64>,
    pub deadline: Option<i64>,
    pub closed_date: Option<i64>,
}

/// Done: completed (5) or awaiting the creator's control (4) — the responsible finished the work.
pub fn task_done(t: &TaskTimes) -> bool {
    t.status == task_status::COMPLETED || t.status == task_status::AWAITING_CONTROL
}

/// The moment a done task was finished: CLOSED_DATE (set on completion).
pub fn task_finished_at(t: &TaskTimes) -> Option<i64> {
    if task_done(t) {
        t.closed_date
    } else {
        None
    }
}

/// Started on time: DATE_START set and no later than the planned start, or, without a planned start, the deadline.
pub fn started_on_time(t: &TaskTimes) -> bool {
    match (t.date_start, t.start_date_plan.or(t.deadline)) {
        (Some(s), Some(limit)) => s <= limit,
        _ => false,
    }
}

/// Finished on time: done, with a close moment no later than the deadline.
pub fn finished_on_time(t: &TaskTimes) -> bool {
    match (task_finished_at(t), t.deadline) {
        (Some(c), Some(d)) => c <= d,
        _ => false,
    }
}

/// Overdue: open past the deadline (as of `now`), or finished after it.
pub fn task_overdue(t: &TaskTimes, now: i64) -> bool {
    let Some(d) = t.deadline else { return false };
    match task_finished_at(t) {
        Some(c) => c > d,
        None => !task_done(t) && now > d,
    }
}

/// Not started: open and never started.
pub fn task_not_started(t: &TaskTimes) -> bool {
    !task_done(t) && t.date_start.is_none() && t.status != task_status::IN_PROGRESS
}

/// In progress: open and started (or in status "in progress").
pub fn task_in_progress(t: &TaskTimes) -> bool {
    !task_done(t) && (t.date_start.is_some() || t.status == task_status::IN_PROGRESS)
}

/// Execution coefficient: share started on time × share finished on time, in percent (80 % × 80 % = 64 %).
pub fn execution_coefficient(
    started_on_time: u64,
    finished_on_time: u64,
    universe: u64,
) -> Option<f64> {
    if universe == 0 {
        return None;
    }
    let u = universe as f64;
    Some(started_on_time as f64 / u * (finished_on_time as f64 / u) * 100.0)
}

// --- Plans (R3) -------------------------------------------------------------------------------------------------

/// One step of a bonus ladder: from `percent_done` on, `bonus_share` percent of the bonus is paid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LadderStep {
    pub percent_done: f64,
    pub bonus_share: f64,
}

/// The bonus earned at `done_pct` of the plan: the share of the highest ladder step reached (0 below the first).
pub fn bonus_earned(bonus_cents: i64, done_pct: Option<f64>, ladder: &[LadderStep]) -> i64 {
    let Some(done) = done_pct else { return 0 };
    let share = ladder
        .iter()
        .filter(|s| done + 1e-9 >= s.percent_done)
        .max_by(|a, b| a.percent_done.total_cmp(&b.percent_done))
        .map(|s| s.bonus_share)
        .unwrap_or(0.0);
    (bonus_cents as f64 * share / 100.0).round() as i64
}

/// Forecast at the current pace: fact ÷ elapsed days × all days (the fact itself once the period is over).
pub fn forecast(fact: i64, elapsed_days: i64, total_days: i64) -> i64 {
    if elapsed_days <= 0 || total_days <= 0 {
        return fact;
    }
    if elapsed_days >= total_days {
        return fact;
    }
    (fact as f64 / elapsed_days as f64 * total_days as f64).round() as i64
}

// --- Forget-me-not (R6) -------------------------------------------------------------------------------------------

/// The last moment anything happened on a card: the latest of its edit, stage move, the portal's last-activity time,
/// and the creation / completion of its activities.
pub fn last_touch(times: &[Option<i64>]) -> Option<i64> {
    times.iter().flatten().copied().max()
}

/// A client card (company or contact) has a planned activity when one of its open activities has no deadline or a
/// deadline not yet passed: the same test as [`activity_planned`], applied to the card's open activities counted as
/// a group (any without a deadline, else the latest deadline).
pub fn client_has_planned(
    open: u64,
    open_without_deadline: u64,
    latest_open_deadline: Option<i64>,
    now: i64,
) -> bool {
    let deadline = if open_without_deadline > 0 {
        None
    } else {
        latest_open_deadline
    };
    open > 0 && activity_planned(false, deadline, now)
}

/// Forgotten: open, not cared for by a planned activity (when that setting is on), and untouched for more than
/// `days` whole days as of `now`.
pub fn is_forgotten(
    open: bool,
    last_touch: i64,
    has_planned: bool,
    planned_counts: bool,
    days: i64,
    now: i64,
) -> bool {
    open && !(planned_counts && has_planned) && now - last_touch > days * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_planned_by_an_open_activity_ahead_or_without_deadline() {
        let now = 1_000_000;
        assert!(!client_has_planned(0, 0, None, now), "no open activity");
        assert!(client_has_planned(1, 1, None, now), "open, no deadline");
        assert!(
            client_has_planned(2, 1, Some(now - 10), now),
            "one without deadline wins over an overdue one"
        );
        assert!(
            client_has_planned(1, 0, Some(now + 1), now),
            "deadline ahead"
        );
        assert!(
            client_has_planned(1, 0, Some(now), now),
            "deadline now is not yet passed"
        );
        assert!(
            !client_has_planned(3, 0, Some(now - 1), now),
            "all open ones overdue"
        );
    }

    #[test]
    fn activity_classification_prefers_provider() {
        // TYPE_ID 2 is a call, never a meeting (the peer bug); a provider call with TYPE_ID 6 is still a call.
        assert_eq!(activity_kind(2, None, None), ActivityKind::Call);
        assert_eq!(
            activity_kind(6, Some("VOXIMPLANT_CALL"), Some("CALL")),
            ActivityKind::Call
        );
        assert_eq!(
            activity_kind(1, Some("CRM_MEETING"), Some("MEETING")),
            ActivityKind::Meeting
        );
        assert_eq!(
            activity_kind(6, Some("CRM_TODO"), Some("TODO")),
            ActivityKind::Todo
        );
        assert_eq!(
            activity_kind(6, Some("CRM_TASKS_TASK"), Some("TASKS_TASK")),
            ActivityKind::Task
        );
        assert_eq!(
            activity_kind(4, Some("CRM_EMAIL"), Some("EMAIL")),
            ActivityKind::Email
        );
        assert_eq!(
            activity_kind(6, Some("REST_APP"), Some("X")),
            ActivityKind::Other
        );
        assert_eq!(
            activity_kind(6, Some("IMOPENLINES_SESSION"), None),
            ActivityKind::Other
        );
    }

    #[test]
    fn execution_coefficient_is_product_of_shares() {
        // 8 of 10 started on time, 8 of 10 finished on time -> 0.8 * 0.8 = 64 %.
        let k = execution_coefficient(8, 8, 10).unwrap();
        assert!((k - 64.0).abs() < 1e-9);
        assert_eq!(execution_coefficient(0, 0, 0), None);
    }

    #[test]
    fn task_timing_rules() {
        let t = TaskTimes {
            status: 5,
            date_start: Some(100),
            start_date_plan: None,
            deadline: Some(200),
            closed_date: Some(200),
        };
        assert!(started_on_time(&t) && finished_on_time(&t) && !task_overdue(&t, 1000));
        let late = TaskTimes {
            closed_date: Some(201),
            ..t
        };
        assert!(!finished_on_time(&late) && task_overdue(&late, 1000));
        let plan = TaskTimes {
            start_date_plan: Some(50),
            ..t
        };
        assert!(
            !started_on_time(&plan),
            "started at 100 after planned start 50"
        );
        let open = TaskTimes {
            status: 2,
            date_start: None,
            closed_date: None,
            ..t
        };
        assert!(task_not_started(&open) && task_overdue(&open, 201) && !task_overdue(&open, 200));
        let no_deadline = TaskTimes {
            deadline: None,
            ..t
        };
        assert!(!started_on_time(&no_deadline) && !finished_on_time(&no_deadline));
    }

    #[test]
    fn bonus_ladder_pays_highest_step_reached() {
        let ladder = [
            LadderStep {
                percent_done: 80.0,
                bonus_share: 50.0,
            },
            LadderStep {
                percent_done: 100.0,
                bonus_share: 100.0,
            },
            LadderStep {
                percent_done: 120.0,
                bonus_share: 150.0,
            },
        ];
        assert_eq!(bonus_earned(10_000, Some(79.9), &ladder), 0);
        assert_eq!(bonus_earned(10_000, Some(80.0), &ladder), 5_000);
        assert_eq!(bonus_earned(10_000, Some(119.0), &ladder), 10_000);
        assert_eq!(bonus_earned(10_000, Some(130.0), &ladder), 15_000);
        assert_eq!(bonus_earned(10_000, None, &ladder), 0);
    }

    #[test]
    fn forgotten_rules() {
        let day = 86_400;
        // untouched for exactly 7 days is not "more than 7 days"
        assert!(!is_forgotten(true, 0, false, true, 7, 7 * day));
        assert!(is_forgotten(true, 0, false, true, 7, 7 * day + 1));
        assert!(
            !is_forgotten(true, 0, true, true, 7, 30 * day),
            "planned activity = cared for"
        );
        assert!(
            is_forgotten(true, 0, true, false, 7, 30 * day),
            "setting off: planned activity ignored"
        );
        assert!(
            !is_forgotten(false, 0, false, true, 7, 30 * day),
            "closed cards are never forgotten"
        );
    }

    #[test]
    fn forecast_at_pace() {
        assert_eq!(forecast(100, 10, 30), 300);
        assert_eq!(forecast(100, 30, 30), 100);
        assert_eq!(forecast(100, 0, 30), 100);
    }
}
