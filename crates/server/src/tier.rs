//! What a portal × app's tier lets the reports show, decided from the last answer of the OAuth server's `app.info`
//! (status letter, PAYMENT_EXPIRED, DAYS) and the clock. The rules are in docs/TIERS.md: free → 3 months; trial,
//! demo, paid, subscription and local apps → 24 months while their payment holds; a paid or subscription app whose
//! payment expired keeps 24 months for a 14-day grace period, then falls back to 3; an expired trial/demo falls back
//! at once. It also words the tier for people (banner, API message) in ru/en.
//!
//! This module must never delete or hide stored data (the tier only narrows the period the reports compute over),
//! never upgrade a tier on a guess (unknown letters and missing checks are free), and never trust what the browser
//! POSTs about the status.

use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// History months of the free tier.
pub const FREE_MONTHS: u32 = 3;
/// History months of a paid subscription (and what the sync always keeps, so an upgrade shows it at once).
pub const PAID_MONTHS: u32 = 24;
/// Days a paid (P) or subscription (S) app keeps working after its payment expired (Bitrix24 core:
/// `PAID_GRACE_PERIOD = -14`, i.e. usable while DAYS >= -14).
pub const GRACE_DAYS: i64 = 14;

const DAY: i64 = 86_400;

/// What the tier is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TierState {
    /// `F`, an unknown letter, or never checked: 3 months.
    Free,
    /// `P` or `S` with the payment in force: 24 months.
    Paid,
    /// `T` or `D` not expired: 24 months.
    Trial,
    /// `L`, a local app of the portal itself: 24 months.
    Local,
    /// `P`/`S` with PAYMENT_EXPIRED=Y within the grace period: still 24 months, with a warning.
    Grace,
    /// `P`/`S` after the grace period, or an expired trial/demo: back to 3 months, with a clear message.
    Lapsed,
}

/// The tier as the page and the API state it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierView {
    /// The status letter the OAuth server gave (empty when never checked).
    pub status: String,
    pub payment_expired: bool,
    /// DAYS at the last check.
    pub days: Option<i64>,
    /// Unix seconds of the last successful check.
    pub checked_at: Option<i64>,
    pub state: TierState,
    pub history_months: u32,
    /// Unix seconds when the grace period ends (state `grace`).
    pub grace_until: Option<i64>,
}

/// What the last check said (a stored row or a fresh `app.info` answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub status: String,
    pub payment_expired: bool,
    pub days: Option<i64>,
    pub checked_at: i64,
    /// When PAYMENT_EXPIRED=Y was first seen (the grace clock when DAYS is missing).
    pub expired_since: Option<i64>,
}

impl From<&b24a_store::StoredTier> for Observation {
    fn from(t: &b24a_store::StoredTier) -> Observation {
        Observation {
            status: t.status.clone(),
            payment_expired: t.payment_expired,
            days: t.days_left,
            checked_at: t.checked_at,
            expired_since: t.payment_expired_since,
        }
    }
}

/// The end of the grace period of an expired paid app. DAYS = floor((DATE_FINISH - t) / 1 day) at the check time
/// t, so the portal allows the app until DAYS reaches -15, i.e. until `t + (DAYS + 15) days`. Without DAYS, the
/// first expired answer counts as DAYS = -1 (expired that day).
fn grace_end(o: &Observation) -> i64 {
    match o.days {
        Some(d) => o
            .checked_at
            .saturating_add(d.saturating_add(GRACE_DAYS + 1).saturating_mul(DAY)),
        None => o.expired_since.unwrap_or(o.checked_at) + GRACE_DAYS * DAY,
    }
}

/// The tier at `now` from the last observation (none = never checked = free).
pub fn evaluate(o: Option<&Observation>, now: i64) -> TierView {
    let Some(o) = o else {
        return TierView {
            status: String::new(),
            payment_expired: false,
            days: None,
            checked_at: None,
            state: TierState::Free,
            history_months: FREE_MONTHS,
            grace_until: None,
        };
    };
    let expired = o.payment_expired || o.days.is_some_and(|d| d < 0);
    let letter = o.status.trim().to_ascii_uppercase();
    let (state, grace_until) = match letter.as_str() {
        "L" => (TierState::Local, None),
        "P" | "S" if !expired => (TierState::Paid, None),
        "P" | "S" => {
            let end = grace_end(o);
            if now < end {
                (TierState::Grace, Some(end))
            } else {
                (TierState::Lapsed, None)
            }
        }
        "T" | "D" if !expired => (TierState::Trial, None),
        "T" | "D" => (TierState::Lapsed, None),
        _ => (TierState::Free, None),
    };
    let history_months = match state {
        TierState::Free | TierState::Lapsed => FREE_MONTHS,
        _ => PAID_MONTHS,
    };
    TierView {
        status: letter,
        payment_expired: o.payment_expired,
        days: o.days,
        checked_at: Some(o.checked_at),
        state,
        history_months,
        grace_until,
    }
}

/// The caller's tier now, from the store (the launch and the daily refresh keep it current).
pub async fn current(
    state: &AppState,
    portal: b24a_store::PortalId,
    client_id: &str,
) -> Result<TierView, AppError> {
    let stored = state.store.tier(portal, client_id).await?;
    let now = chrono::Utc::now().timestamp();
    Ok(evaluate(
        stored.as_ref().map(Observation::from).as_ref(),
        now,
    ))
}

/// Stores what the OAuth server just said about the portal × app (a launch's verified `app.info`) and returns the
/// tier now. An answer without a status letter changes nothing: the last known tier stays. An app this backend has
/// no install row for (its install event never reached us) is evaluated from the answer without storing it.
pub async fn observe(
    state: &AppState,
    portal: b24a_store::PortalId,
    client_id: &str,
    v: &crate::verify::VerifiedToken,
    now: i64,
) -> Result<TierView, b24a_store::StoreError> {
    let letter = v.status.trim();
    if !letter.is_empty() {
        match state
            .store
            .record_tier(portal, client_id, letter, v.payment_expired, v.days, now)
            .await
        {
            Ok(()) | Err(b24a_store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let stored = state.store.tier(portal, client_id).await?;
    let obs = match stored {
        Some(t) => Some(Observation::from(&t)),
        None if !letter.is_empty() => Some(Observation {
            status: letter.to_string(),
            payment_expired: v.payment_expired,
            days: v.days,
            checked_at: now,
            expired_since: v.payment_expired.then_some(now),
        }),
        None => None,
    };
    Ok(evaluate(obs.as_ref(), now))
}

/// How long a page open waits for a changed tier to be stored before it goes on without it (the write finishes in
/// the background). An unchanged tier is not waited for at all.
const LAUNCH_WRITE_WAIT: std::time::Duration = std::time::Duration::from_millis(250);
/// An unchanged tier's check time is re-stored by a page open at most this often.
const RECHECK_WRITE_SECS: i64 = 3600;

/// [`observe`] for a page open, which must never wait for the sync: the tier is read (SQLite readers never wait for
/// the import's write transaction under WAL) and evaluated from the fresh answer in memory; the write that records
/// the answer runs as its own task. When the tier is unchanged (the common case: only `checked_at` moves) the page
/// does not wait for it at all (and writes nothing when the last check is recent); when it changed, the page waits at most [`LAUNCH_WRITE_WAIT`] so a calm server has
/// stored it before the page is shown (the next request reads the same tier), and a busy one still answers.
pub async fn observe_on_launch(
    state: &AppState,
    portal: b24a_store::PortalId,
    client_id: &str,
    v: &crate::verify::VerifiedToken,
    now: i64,
) -> Result<TierView, b24a_store::StoreError> {
    let stored = state.store.tier(portal, client_id).await?;
    let letter = v.status.trim().to_string();
    if letter.is_empty() {
        return Ok(evaluate(
            stored.as_ref().map(Observation::from).as_ref(),
            now,
        ));
    }
    let changed = stored.as_ref().is_none_or(|t| {
        t.status != letter || t.payment_expired != v.payment_expired || t.days_left != v.days
    });
    // An unchanged tier checked within the hour is not written again (the daily refresh only looks for checks older
    // than a day): most page opens write nothing.
    let fresh = stored
        .as_ref()
        .is_some_and(|t| !changed && now - t.checked_at < RECHECK_WRITE_SECS);
    let write = (!fresh).then(|| {
        let (store, client_id, letter) = (state.store.clone(), client_id.to_string(), letter.clone());
        let (expired, days) = (v.payment_expired, v.days);
        tokio::spawn(async move {
            match store.record_tier(portal, &client_id, &letter, expired, days, now).await {
                Ok(()) | Err(b24a_store::StoreError::NotFound(_)) => {}
                Err(e) => tracing::warn!(portal = portal.0, error = %e, "storing the tier seen at a launch failed"),
            }
        })
    });
    if let Some(write) = write.filter(|_| changed) {
        let _ = tokio::time::timeout(LAUNCH_WRITE_WAIT, write).await;
    }
    // What the write stores, evaluated now (the same rule `record_tier` applies to payment_expired_since).
    let obs = Observation {
        status: letter,
        payment_expired: v.payment_expired,
        days: v.days,
        checked_at: now,
        expired_since: v.payment_expired.then(|| {
            stored
                .as_ref()
                .and_then(|t| t.payment_expired_since)
                .unwrap_or(now)
        }),
    };
    Ok(evaluate(Some(&obs), now))
}

fn date_of(ts: i64, lang: Lang) -> String {
    let d: NaiveDate = DateTime::from_timestamp(ts, 0)
        .unwrap_or_default()
        .date_naive();
    match lang {
        Lang::Ru => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// What the paid subscription gives, in one sentence.
pub fn upgrade_text(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Платная подписка открывает историю за 24 месяца во всех отчётах — данные уже загружены и появятся сразу после оплаты.",
        Lang::En => "A paid subscription opens 24 months of history in every report — the data is already loaded and appears as soon as you pay.",
    }
}

/// The tier in one or two sentences for the banner and the API.
pub fn message(v: &TierView, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    match v.state {
        TierState::Free => if ru {
            "Бесплатный тариф: отчёты показывают данные за последние 3 месяца."
        } else {
            "Free plan: the reports show the last 3 months of data."
        }
        .to_string(),
        TierState::Paid | TierState::Local => if ru {
            "Подписка активна: отчёты показывают данные за последние 24 месяца."
        } else {
            "Subscription active: the reports show the last 24 months of data."
        }
        .to_string(),
        TierState::Trial => match (v.days, ru) {
            (Some(d), true) => format!("Пробный период: отчёты показывают данные за 24 месяца, осталось дней: {d}."),
            (Some(d), false) => format!("Trial: the reports show 24 months of data; {d} days left."),
            (None, true) => "Пробный период: отчёты показывают данные за 24 месяца.".to_string(),
            (None, false) => "Trial: the reports show 24 months of data.".to_string(),
        },
        TierState::Grace => {
            let until = date_of(v.grace_until.unwrap_or_default(), lang);
            if ru {
                format!("Оплата подписки истекла. История за 24 месяца доступна до {until}; после этого отчёты покажут только последние 3 месяца. Данные не удаляются — продлите подписку, и вся история останется.")
            } else {
                format!("The subscription payment has expired. 24 months of history stay available until {until}; after that the reports show only the last 3 months. No data is deleted — renew the subscription to keep the whole history.")
            }
        }
        TierState::Lapsed => if v.status == "T" || v.status == "D" {
            if ru {
                "Пробный период закончился: отчёты показывают данные за последние 3 месяца. Данные за 24 месяца сохранены."
            } else {
                "The trial has ended: the reports show the last 3 months of data. The 24 months of data are kept."
            }
        } else if ru {
            "Оплата подписки истекла, льготный период закончился: отчёты показывают данные за последние 3 месяца. Данные за 24 месяца сохранены — продлите подписку, и история вернётся сразу."
        } else {
            "The subscription payment has expired and the grace period is over: the reports show the last 3 months of data. The 24 months of data are kept — renew the subscription and the history returns at once."
        }
        .to_string(),
    }
}

/// Whether the page shows a banner for this tier (a full, paid-up tier needs none).
pub fn has_banner(v: &TierView) -> bool {
    !matches!(v.state, TierState::Paid | TierState::Local)
}

/// The banner's HTML (escaped), or an empty string.
pub fn banner_html(v: &TierView, lang: Lang) -> String {
    if !has_banner(v) {
        return String::new();
    }
    let class = match v.state {
        TierState::Grace | TierState::Lapsed => "b24a-tier warn",
        TierState::Trial => "b24a-tier trial",
        _ => "b24a-tier",
    };
    let upgrade = if v.history_months < PAID_MONTHS {
        format!(" {}", crate::pages::esc(upgrade_text(lang)))
    } else {
        String::new()
    };
    format!(
        r#"<div class="{class}" id="b24a-tier" role="status" data-state="{state}" data-months="{m}"><strong>{msg}</strong>{upgrade}</div>"#,
        state = json!(v.state).as_str().unwrap_or(""),
        m = v.history_months,
        msg = crate::pages::esc(&message(v, lang)),
    )
}

/// Why a period was cut, in words: the tier and the date the answer starts from.
fn clamp_message(v: &TierView, applied_from: &str, requested_from: &str, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let why = match (v.history_months < PAID_MONTHS, v.state, ru) {
        (true, TierState::Lapsed, true) => {
            "оплата истекла, поэтому доступны только последние 3 месяца"
        }
        (true, TierState::Lapsed, false) => {
            "the payment has expired, so only the last 3 months are available"
        }
        (true, _, true) => "бесплатный тариф показывает только последние 3 месяца",
        (true, _, false) => "the free plan shows only the last 3 months",
        (false, _, true) => "подписка показывает последние 24 месяца",
        (false, _, false) => "the subscription shows the last 24 months",
    };
    if ru {
        format!("Запрошен период с {requested_from}, но {why}: данные показаны с {applied_from}.")
    } else {
        format!("The period was requested from {requested_from}, but {why}: data is shown from {applied_from}.")
    }
}

/// The `tier` object of a report answer: the tier, its wording, and — when the tier cut the period — that it was
/// cut, to which date and why.
pub fn answer_json(v: &TierView, clamp: Option<&Value>, lang: Lang) -> Value {
    let mut out = json!(v);
    out["message"] = json!(message(v, lang));
    if v.history_months < PAID_MONTHS {
        out["upgrade"] = json!(upgrade_text(lang));
    }
    match clamp.filter(|c| !c.is_null()) {
        Some(c) => {
            let applied = c["applied_from"].as_str().unwrap_or_default();
            let requested = c["requested_from"].as_str().unwrap_or_default();
            out["clamped"] = json!(true);
            out["clamped_to"] = json!(applied);
            out["clamp_reason"] = c["reason"].clone();
            out["clamp_message"] = json!(clamp_message(v, applied, requested, lang));
        }
        None => out["clamped"] = json!(false),
    }
    out
}

/// The tier for the page's config (`tier` in `#b24a-config`).
pub fn config_json(v: &TierView, lang: Lang) -> Value {
    let mut out = json!(v);
    out["message"] = json!(message(v, lang));
    out["banner"] = json!(has_banner(v));
    if v.history_months < PAID_MONTHS {
        out["upgrade"] = json!(upgrade_text(lang));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_790_000_000;

    fn obs(status: &str, expired: bool, days: Option<i64>) -> Observation {
        Observation {
            status: status.into(),
            payment_expired: expired,
            days,
            checked_at: T0,
            expired_since: expired.then_some(T0),
        }
    }

    fn months(o: &Observation, now: i64) -> (TierState, u32) {
        let v = evaluate(Some(o), now);
        (v.state, v.history_months)
    }

    #[test]
    fn letters_map_to_months() {
        assert_eq!(months(&obs("F", false, None), T0), (TierState::Free, 3));
        assert_eq!(
            months(&obs("P", false, Some(20)), T0),
            (TierState::Paid, 24)
        );
        assert_eq!(months(&obs("S", false, None), T0), (TierState::Paid, 24));
        assert_eq!(
            months(&obs("T", false, Some(5)), T0),
            (TierState::Trial, 24)
        );
        assert_eq!(
            months(&obs("D", false, Some(5)), T0),
            (TierState::Trial, 24)
        );
        assert_eq!(months(&obs("L", false, None), T0), (TierState::Local, 24));
        assert_eq!(months(&obs("", false, None), T0), (TierState::Free, 3));
        assert_eq!(months(&obs("X", false, None), T0), (TierState::Free, 3));
        assert_eq!(evaluate(None, T0).history_months, 3, "never checked = free");
    }

    #[test]
    fn paid_expiry_has_a_grace_period_trial_has_none() {
        // DAYS=-14 is the last day the portal allows; -15 is past the grace.
        assert_eq!(
            months(&obs("P", true, Some(-14)), T0),
            (TierState::Grace, 24)
        );
        assert_eq!(
            months(&obs("P", true, Some(-15)), T0),
            (TierState::Lapsed, 3)
        );
        assert_eq!(
            months(&obs("S", true, Some(-3)), T0),
            (TierState::Grace, 24)
        );
        // The clock runs on after the check: 12 days after DAYS=-3 the grace (until DAYS=-15) is over.
        assert_eq!(
            months(&obs("P", true, Some(-3)), T0 + 11 * DAY),
            (TierState::Grace, 24)
        );
        assert_eq!(
            months(&obs("P", true, Some(-3)), T0 + 12 * DAY),
            (TierState::Lapsed, 3)
        );
        let v = evaluate(Some(&obs("P", true, Some(-3))), T0);
        assert_eq!(v.grace_until, Some(T0 + 12 * DAY));
        // Without DAYS the first expired answer starts 14 days.
        assert_eq!(
            months(&obs("P", true, None), T0 + 14 * DAY - 1),
            (TierState::Grace, 24)
        );
        assert_eq!(
            months(&obs("P", true, None), T0 + 14 * DAY),
            (TierState::Lapsed, 3)
        );
        // Negative DAYS without the flag is expired too.
        assert_eq!(
            months(&obs("P", false, Some(-20)), T0),
            (TierState::Lapsed, 3)
        );
        assert_eq!(months(&obs("T", true, Some(0)), T0), (TierState::Lapsed, 3));
        assert_eq!(
            months(&obs("D", false, Some(-1)), T0),
            (TierState::Lapsed, 3)
        );
    }

    #[test]
    fn wording_says_what_the_subscription_gives() {
        let free = evaluate(Some(&obs("F", false, None)), T0);
        let b = banner_html(&free, Lang::Ru);
        assert!(
            b.contains("последние 3 месяца") && b.contains("24 месяца"),
            "{b}"
        );
        let b = banner_html(&free, Lang::En);
        assert!(
            b.contains("last 3 months") && b.contains("24 months"),
            "{b}"
        );
        let paid = evaluate(Some(&obs("P", false, Some(30))), T0);
        assert_eq!(
            banner_html(&paid, Lang::Ru),
            "",
            "a paid-up tier has no banner"
        );
        let grace = evaluate(Some(&obs("P", true, Some(-3))), T0);
        let until = DateTime::from_timestamp(T0 + 12 * DAY, 0)
            .unwrap()
            .date_naive();
        assert!(message(&grace, Lang::En).contains(&until.format("%Y-%m-%d").to_string()));
        let clamp = json!({"requested_from": "2024-01-01", "applied_from": "2026-01-01", "reason": "free_tier"});
        let a = answer_json(&free, Some(&clamp), Lang::En);
        assert_eq!(a["clamped"], true);
        assert_eq!(a["clamped_to"], "2026-01-01");
        assert!(a["clamp_message"].as_str().unwrap().contains("2026-01-01"));
        assert_eq!(answer_json(&paid, None, Lang::En)["clamped"], false);
    }
}
