//! The weekly digest's schedule and delivery: every replica calls [`tick`] once a minute with the clock's "now"
//! (tests pass any instant, so a Monday boundary needs no real Monday); a portal whose digest is on and due — its
//! chosen day of the week in the portal's time zone, from the chosen hour to the end of that day — gets one
//! Bitrix24 notification (`im.notify.system.add` with the app's OAuth token; `im.notify.personal.add` for a
//! webhook portal) per recipient and ISO week. Once per week per recipient is the store's claim, taken BEFORE
//! sending (`Store::claim_digest`): two replicas never both send, a replica that was down finds the row, and a
//! replica taking over later that day sends what nobody sent. A send the portal refused is claimed again by a later
//! tick of the same week (at most 3 attempts); a send whose outcome is unknown (timeout, dropped connection) is not
//! repeated: at most one delivery (docs/DIGEST.md). Must never send without a claim, nor decide access.

use std::time::Duration;

use chrono::{Datelike, Timelike};
use serde_json::json;
use tokio::sync::watch;

use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// What one tick did for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub portal_id: i64,
    pub recipient: i64,
    pub week: String,
    /// `sent`, `refused: …` or `unknown: …`.
    pub outcome: String,
}

/// The ISO week of a portal-local day, e.g. `2026-W49`.
pub fn week_key(day: chrono::NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Whether the digest is due at portal-local `local` under `s`: the chosen weekday, at or after the chosen hour.
pub fn due(s: &b24a_store::DigestSettings, local: chrono::NaiveDateTime) -> bool {
    s.enabled && local.weekday().number_from_monday() == s.weekday && local.hour() >= s.hour
}

/// The app's page in the portal: Bitrix24 opens an installed app at `/marketplace/app/<app>/`.
pub fn app_link(domain: &str, client_id: &str) -> String {
    format!("https://{domain}/marketplace/app/{client_id}/")
}

/// The holder name of this process in digest claims.
fn holder(state: &AppState) -> String {
    format!("server-{}-{}", std::process::id(), state.instance)
}

/// One pass over every active portal at `now` (unix seconds). Errors of one portal are logged and do not stop the
/// others.
pub async fn tick(state: &AppState, now: i64) -> Result<Vec<Delivery>, AppError> {
    let mut out = Vec::new();
    for (portal, _, value) in state
        .store
        .active_portals_setting(b24a_store::digest::SETTING_KEY)
        .await?
    {
        let Some(s) =
            value.and_then(|v| serde_json::from_value::<b24a_store::DigestSettings>(v).ok())
        else {
            continue;
        };
        if !s.enabled || s.recipients.is_empty() {
            continue;
        }
        match portal_tick(state, portal, &s, now).await {
            Ok(mut d) => out.append(&mut d),
            Err(e) => tracing::warn!(portal = portal.0, error = %e, "weekly digest failed"),
        }
    }
    Ok(out)
}

async fn portal_tick(
    state: &AppState,
    portal: b24a_store::PortalId,
    s: &b24a_store::DigestSettings,
    now: i64,
) -> Result<Vec<Delivery>, AppError> {
    // The schedule runs on the tick's clock; the numbers on the reports' clock (`--reports-now` in demos and tests,
    // else the same instant), so the digest equals what the report pages show at that moment.
    let report_now = state.config.reports_now.unwrap_or(now);
    let mut ctx = b24a_reports::PortalContext::load(&state.store, portal.0, 3, report_now).await?;
    ctx.data_scope = b24a_reports::DataScope::Company;
    let local = ctx.tz.local(now);
    if !due(s, local) {
        return Ok(vec![]);
    }
    let week = week_key(local.date());
    let who = holder(state);
    let mut claimed = Vec::new();
    for r in &s.recipients {
        if state.store.claim_digest(portal, *r, &week, &who).await? {
            claimed.push(*r);
        }
    }
    if claimed.is_empty() {
        return Ok(vec![]);
    }
    let sent = send_all(state, portal, s, &ctx, &week, &who, &claimed).await;
    match sent {
        Ok(d) => Ok(d),
        Err(e) => {
            // Nothing was sent (the digest could not be computed or no client built): the claims become refusals,
            // so a later tick of the week tries again.
            let text = e.to_string();
            for r in &claimed {
                state
                    .store
                    .finish_digest(portal, *r, &week, &who, Err(&text))
                    .await?;
            }
            Err(e)
        }
    }
}

async fn send_all(
    state: &AppState,
    portal: b24a_store::PortalId,
    s: &b24a_store::DigestSettings,
    ctx: &b24a_reports::PortalContext,
    week: &str,
    who: &str,
    claimed: &[i64],
) -> Result<Vec<Delivery>, AppError> {
    let content = crate::digest_content::compute(&state.reports, ctx).await?;
    let stored = state
        .store
        .portal(portal)
        .await?
        .ok_or_else(|| AppError::Internal(format!("portal {} vanished", portal.0)))?;
    // The first app of this backend installed in the portal sends (its tokens, its page link).
    let apps = state.store.portal_apps(portal).await?;
    let app = apps
        .iter()
        .filter(|a| a.uninstalled_at.is_none())
        .find_map(|a| state.app(&a.client_id));
    let oauth = app.map(|a| b24a_client::OAuthApp {
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone(),
    });
    let client = b24a_sync::portal::client_for(
        &state.store,
        portal.0,
        oauth.as_ref(),
        who,
        // One attempt: a write repeated after a timeout could deliver twice; a refusal is retried by a later tick.
        b24a_client::ClientConfig {
            max_attempts: 1,
            timeout: Duration::from_secs(30),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let method = if stored.webhook_url.is_some() {
        "im.notify.personal.add"
    } else {
        "im.notify.system.add"
    };
    let link = app_link(
        &stored.domain,
        app.map(|a| a.client_id.as_str()).unwrap_or_default(),
    );
    let text = crate::digest_words::message(&content, Lang::from_code(&s.lang), &link);
    let mut out = Vec::new();
    for r in claimed {
        let res = client
            .call(
                method,
                json!({"USER_ID": r, "MESSAGE": text, "TAG": format!("b24a-digest-{week}-{r}")}),
            )
            .await;
        let outcome = match res {
            Ok(env) if env.result.as_bool() == Some(false) => {
                // The portal created nothing (no such user or a dismissed one): a refusal, never delivered.
                state
                    .store
                    .finish_digest(
                        portal,
                        *r,
                        week,
                        who,
                        Err("the portal created no notification"),
                    )
                    .await?;
                "refused: no notification".to_string()
            }
            Ok(_) => {
                state
                    .store
                    .finish_digest(portal, *r, week, who, Ok(()))
                    .await?;
                "sent".to_string()
            }
            Err(
                e @ (b24a_client::ApiError::Timeout
                | b24a_client::ApiError::Network(_)
                | b24a_client::ApiError::Server { .. }),
            ) => {
                // It may have been delivered: the claim stays, never sent again this week.
                format!("unknown: {e}")
            }
            Err(e) => {
                let t = e.to_string();
                state
                    .store
                    .finish_digest(portal, *r, week, who, Err(&t))
                    .await?;
                format!("refused: {t}")
            }
        };
        out.push(Delivery {
            portal_id: portal.0,
            recipient: *r,
            week: week.to_string(),
            outcome,
        });
    }
    Ok(out)
}

/// Runs [`tick`] every minute on the wall clock until `stop` fires (the binary's `run`; tests call `tick`).
pub fn spawn(state: AppState, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = tick(&state, chrono::Utc::now().timestamp()).await {
                tracing::warn!(error = %e, "weekly digest tick failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = stop.changed() => return,
            }
        }
    })
}
