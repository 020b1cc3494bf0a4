//! R3's path to the bonus: for each employee plan row, what it takes to reach 100 % and the next bonus step — the
//! amount needed per remaining day, and the open deals (largest probability × amount first) whose closing would lift
//! the employee over the step, with the bonus each one adds. Counting is R3's own (`load` + `compute`), so the fact
//! here is the plan table's fact. Definitions in docs/METRICS.md ("Path to the bonus"). It must never read the store
//! other than through R3's and the deals' loaders, and never change R3's numbers.

use chrono::NaiveDate;
use serde::Serialize;

use super::{compute, load, row_matches, PlanOptions, PlanRow};
use crate::answer::money;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::load::{self as loader, DealRec, DealWindow};
use crate::metrics::{self, pct, LadderStep, Status};
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::{Group, Tally};

/// At most this many deals are listed per row (the page shows a short list; `deals_reach` still says whether all
/// open deals together would reach the step).
pub const MAX_DEALS: usize = 10;

/// One open deal on the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathDeal {
    pub deal_id: i64,
    pub stage_id: String,
    /// Base-currency units.
    pub amount: f64,
    /// 0..100: the deal's stage position (docs/METRICS.md, "deal probability").
    pub probability_pct: f64,
    /// probability × amount (base-currency units), the order of the list.
    pub weighted: f64,
    /// The bonus this deal adds when the deals above it in the list are closed too (base-currency units): it is
    /// non-zero for the deal that crosses a step.
    pub bonus_gain: f64,
}

/// One employee plan row's path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BonusPath {
    /// `sales_plans.id`.
    pub plan_row: i64,
    pub user_id: i64,
    pub user_name: String,
    /// `None` = all pipelines.
    pub pipeline: Option<i64>,
    /// The row's part of the chosen period (as in the plan table).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub plan: f64,
    pub fact: f64,
    pub done_pct: Option<f64>,
    /// Calendar days from today (in the portal's zone, today included) to the row's last day; the whole part when
    /// it has not started; 0 once it is over.
    pub days_left: i64,
    /// (plan − fact, not below 0) ÷ `days_left`, rounded up to the hundredth; `None` when no day is left.
    pub per_day_to_plan: Option<f64>,
    /// The bonus earned at the current % done (R3's `plan_bonus` of the row).
    pub bonus_now: f64,
    /// The lowest ladder step (or the threshold) not yet reached; `None` when every step is reached.
    pub next_step_pct: Option<f64>,
    /// The fact that reaches it: plan × step ÷ 100, rounded up to the hundredth.
    pub next_step_target: Option<f64>,
    /// (target − fact) ÷ `days_left`, rounded up to the hundredth.
    pub per_day_to_next: Option<f64>,
    /// The row's bonus at the next step and what it adds to `bonus_now`.
    pub next_step_bonus: Option<f64>,
    pub next_step_gain: Option<f64>,
    /// The open deals lifting the row over the next step, largest probability × amount first (only while the row's
    /// part of the period runs today: a deal closed today counts in it).
    pub deals: Vec<PathDeal>,
    /// Whether the listed deals together reach the next step.
    pub deals_reach: bool,
}

/// The probability of an open deal: its stage's position among its pipeline's in-work stages in the portal's
/// order, k ÷ (n + 1) for the k-th of n (so the first stage of three is 25 %, the last 75 %; never 0 or 100 % while
/// the deal is open). A stage the portal no longer lists counts as the first.
pub fn stage_probability(dicts: &Dicts, pipeline: i64, stage_id: &str) -> f64 {
    let open: Vec<String> = dicts
        .pipeline_stages(pipeline)
        .into_iter()
        .filter(|s| {
            dicts
                .deal_stages
                .get(s)
                .is_some_and(|i| Status::from_semantic(&i.semantics) == Status::InWork)
        })
        .collect();
    let k = open.iter().position(|s| s == stage_id).map_or(1, |i| i + 1);
    k as f64 / (open.len().max(k) + 1) as f64
}

/// Cents needed per day, rounded up (a manager reaching "per day" every day reaches the target).
fn per_day(cents: i64, days: i64) -> Option<f64> {
    (days > 0).then(|| money((cents.max(0) + days - 1) / days))
}

/// plan × pct ÷ 100 in cents, rounded up.
fn target(plan: i64, pct_done: f64) -> i64 {
    (plan as f64 * pct_done / 100.0 - 1e-6).ceil() as i64
}

/// The steps in ascending order.
fn sorted(steps: &[LadderStep]) -> Vec<LadderStep> {
    let mut v = steps.to_vec();
    v.sort_by(|a, b| a.percent_done.total_cmp(&b.percent_done));
    v
}

/// The path of every employee plan row the caller may see, in R3's row order.
pub async fn run(
    src: &ReportSource,
    p: &Prepared,
    opts: &PlanOptions,
) -> Result<Vec<BonusPath>, ReportError> {
    opts.validate()?;
    let data = load(src, &p.ctx, p.resolved.period).await?;
    let mut t = Tally::new();
    compute(p, &data, &mut t);
    let open: Vec<DealRec> = if data.rows.iter().any(|r| r.user.is_some()) {
        loader::deals(src, &p.ctx, DealWindow::Open)
            .await?
            .into_iter()
            .filter(|d| d.status == Status::InWork)
            .collect()
    } else {
        vec![]
    };
    let steps = sorted(&opts.steps());
    let today = p.ctx.today();
    Ok(data
        .rows
        .iter()
        .filter(|r| r.user.is_some() && p.scope.plan_row(r.user, r.department))
        .map(|r| path(p, r, &t, &open, &steps, today))
        .collect())
}

fn path(
    p: &Prepared,
    r: &PlanRow,
    t: &Tally,
    open: &[DealRec],
    steps: &[LadderStep],
    today: NaiveDate,
) -> BonusPath {
    let user = r.user.unwrap_or_default();
    let fact = t.get("plan_fact", &Group::Plan(r.id)).amount;
    let w = r.window;
    let days_left = if today > w.to {
        0
    } else if today < w.from {
        w.days()
    } else {
        (w.to - today).num_days() + 1
    };
    let done = pct(fact as f64, r.amount as f64);
    let bonus_at = |f: i64| metrics::bonus_earned(r.bonus, pct(f as f64, r.amount as f64), steps);
    let bonus_now = bonus_at(fact);
    let next = steps
        .iter()
        .find(|s| done.is_none_or(|d| d + 1e-9 < s.percent_done))
        .filter(|_| r.amount > 0);
    let next_target = next.map(|s| target(r.amount, s.percent_done));
    let mut deals = Vec::new();
    let mut reach = false;
    if let (Some(goal), true) = (next_target, w.contains_day(today)) {
        let mut mine: Vec<(&DealRec, i64, f64)> = open
            .iter()
            .filter(|d| row_matches(p, r, d))
            .filter_map(|d| {
                let a = d.amount.known().filter(|a| *a > 0)?;
                Some((d, a, stage_probability(&p.dicts, d.pipeline, &d.stage_id)))
            })
            .collect();
        mine.sort_by(|a, b| {
            (b.2 * b.1 as f64)
                .total_cmp(&(a.2 * a.1 as f64))
                .then(b.1.cmp(&a.1))
                .then(a.0.id.cmp(&b.0.id))
        });
        let mut sum = fact;
        for (d, a, prob) in mine {
            if sum >= goal || deals.len() >= MAX_DEALS {
                break;
            }
            let before = bonus_at(sum);
            sum += a;
            deals.push(PathDeal {
                deal_id: d.id,
                stage_id: d.stage_id.to_string(),
                amount: money(a),
                probability_pct: (prob * 1000.0).round() / 10.0,
                weighted: money((prob * a as f64).round() as i64),
                bonus_gain: money(bonus_at(sum) - before),
            });
        }
        reach = sum >= goal;
    }
    BonusPath {
        plan_row: r.id,
        user_id: user,
        user_name: p.dicts.user_name(Some(user)),
        pipeline: r.pipeline,
        from: w.from,
        to: w.to,
        plan: money(r.amount),
        fact: money(fact),
        done_pct: done,
        days_left,
        per_day_to_plan: per_day(r.amount - fact, days_left),
        bonus_now: money(bonus_now),
        next_step_pct: next.map(|s| s.percent_done),
        next_step_target: next_target.map(money),
        per_day_to_next: next_target.and_then(|g| per_day(g - fact, days_left)),
        next_step_bonus: next_target.map(|g| money(bonus_at(g))),
        next_step_gain: next_target.map(|g| money(bonus_at(g) - bonus_now)),
        deals,
        deals_reach: reach,
    }
}
