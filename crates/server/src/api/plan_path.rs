//! R3's path to the bonus in the plan answer (`path_to_bonus`): the numbers of `b24a_reports::r3_plan::path` for
//! the rows the caller may see (the same guard and data scope as the plan answer: an employee whose access allows
//! his own numbers sees his own path), each with its sentences in the caller's language. Must never compute a
//! number (the reports do) nor widen the caller's scope.

use b24a_charts::format::{format_money_units, Locale};
use b24a_reports::r3_plan::path::BonusPath;
use serde_json::{json, Value};

use super::reports::ReportRequest;
use super::Caller;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::page_words::word;

/// The caller's paths with their words.
pub async fn paths(
    state: &AppState,
    caller: &Caller,
    req: &ReportRequest,
) -> Result<Value, AppError> {
    let scope = super::guard::report(state, caller, b24a_reports::ReportId::Plan).await?;
    let filter = super::reports::parse_filter(&req.filter)?;
    let ctx = super::reports::context(state, caller, scope).await?;
    let opts: b24a_reports::r3_plan::PlanOptions = match &req.plan_options {
        Some(o) if !o.is_null() => serde_json::from_value(o.clone())
            .map_err(|e| AppError::Field("plan_options".into(), e.to_string()))?,
        _ => Default::default(),
    };
    let list = b24a_reports::run_bonus_paths(&state.reports, &ctx, &filter, &opts).await?;
    let lang = Lang::from_code(&caller.0.lang);
    Ok(Value::Array(
        list.iter()
            .map(|p| with_words(p, &ctx.base_currency, lang))
            .collect(),
    ))
}

/// A path as JSON with `lines` (sentences) and each deal's `text`.
pub fn with_words(p: &BonusPath, currency: &str, lang: Lang) -> Value {
    let loc = if lang == Lang::En {
        Locale::En
    } else {
        Locale::Ru
    };
    let m = |v: f64| format_money_units(v, currency, loc);
    let mut v = json!(p);
    let mut lines = Vec::new();
    if p.days_left == 0 {
        lines.push(word(lang, "path_period_over"));
    } else {
        if let Some(d) = p.per_day_to_plan {
            lines.push(format!("{}: {}", word(lang, "path_per_day_plan"), m(d)));
        }
        match (p.next_step_pct, p.per_day_to_next, p.next_step_gain) {
            (Some(step), Some(d), Some(gain)) => lines.push(format!(
                "{} {step} %: {} {}, +{} {}",
                word(lang, "path_next_step"),
                m(d),
                word(lang, "path_per_day"),
                m(gain),
                word(lang, "path_bonus_gain")
            )),
            _ => lines.push(word(lang, "path_all_steps")),
        }
        lines.push(format!("{}: {}", word(lang, "path_days_left"), p.days_left));
        if p.next_step_pct.is_some() && !p.deals.is_empty() && !p.deals_reach {
            lines.push(word(lang, "path_not_enough"));
        }
    }
    v["lines"] = json!(lines);
    if let Some(deals) = v["deals"].as_array_mut() {
        for (d, src) in deals.iter_mut().zip(&p.deals) {
            d["text"] = json!(if src.bonus_gain > 0.0 {
                format!(
                    "{} #{} — +{} {}",
                    word(lang, "path_close"),
                    src.deal_id,
                    m(src.bonus_gain),
                    word(lang, "path_bonus_gain")
                )
            } else {
                format!(
                    "{} #{} — +{} {}",
                    word(lang, "path_close"),
                    src.deal_id,
                    m(src.amount),
                    word(lang, "path_to_fact")
                )
            });
        }
    }
    v
}
