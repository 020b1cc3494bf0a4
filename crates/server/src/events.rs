//! Event intake from portals: every event is verified by the `application_token` stored at install (compared in
//! constant time) before anything happens. ONAPPUNINSTALL stops the portal's sync and, when the portal asked to
//! clean, deletes all its data; ONAPPUPDATE may replace the application_token (verified through app.info with the
//! event's access token); ONAPPPAYMENT re-reads the tier from `app.info` in the background (the event's own
//! STATUS is only a hint: the tier is what the OAuth server says); CRM/task events go to the sync's queue. An
//! unverified event changes nothing.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::AppError;
use crate::form;

/// `POST /events/{client_id}`.
pub async fn intake(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let app = state.app(&client_id).ok_or(AppError::Forbidden)?;
    let p = form::pairs(&body);
    let event = form::get(&p, "event")
        .ok_or_else(|| AppError::BadRequest("event missing".into()))?
        .to_uppercase();
    let member_id = form::get(&p, "auth[member_id]").ok_or(AppError::Forbidden)?;
    let sent_token = form::get(&p, "auth[application_token]").ok_or(AppError::Forbidden)?;
    let portal = state
        .store
        .portal_by_member_id(member_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let pa = state
        .store
        .portal_app(portal.id, &app.client_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let stored = pa.application_token.unwrap_or_default();
    let token_ok = !stored.is_empty() && bool::from(stored.as_bytes().ct_eq(sent_token.as_bytes()));
    if event == "ONAPPUPDATE" {
        return app_update(&state, &portal, &app.client_id, &p, token_ok, sent_token).await;
    }
    if !token_ok {
        tracing::warn!(portal = portal.id.0, event = %event, "event with a wrong application_token refused");
        return Err(AppError::Forbidden);
    }
    if event == "ONAPPUNINSTALL" {
        let clean = matches!(form::get(&p, "data[CLEAN]"), Some("1" | "Y" | "true"));
        state
            .store
            .mark_app_uninstalled(portal.id, &app.client_id)
            .await?;
        let others_installed = state
            .store
            .portal_apps(portal.id)
            .await?
            .iter()
            .any(|a| a.uninstalled_at.is_none());
        if !others_installed {
            state.store.mark_portal_uninstalled(portal.id).await?;
            if clean {
                state.store.delete_portal(portal.id).await?;
                tracing::info!(portal = portal.id.0, "portal data deleted on uninstall");
            }
        }
        return Ok(StatusCode::OK);
    }
    if event == "ONAPPPAYMENT" {
        recheck_tier(state.clone(), portal.id, app.client_id.clone());
        return Ok(StatusCode::OK);
    }
    if let Some((ev, id)) = b24a_sync::events::parse_form_event(&p) {
        if let Err(e) = b24a_sync::events::enqueue(&state.store, portal.id.0, &ev, id).await {
            tracing::warn!(portal = portal.id.0, error = %e, "event not queued");
            return Err(AppError::BadRequest("event not queued".into()));
        }
    }
    Ok(StatusCode::OK)
}

/// ONAPPUPDATE may carry a new application_token. With the stored token it is verified as any event; with a new one
/// it is genuine only if the OAuth server accepts the event's access token for this very app and portal (app.info)
/// and the token's user is a portal administrator (user.admin); then the new token replaces the stored one, so later
/// events (and the uninstall that cleans up) still verify.
async fn app_update(
    state: &AppState,
    portal: &b24a_store::Portal,
    client_id: &str,
    p: &[(String, String)],
    token_ok: bool,
    sent_token: &str,
) -> Result<StatusCode, AppError> {
    if token_ok {
        return Ok(StatusCode::OK);
    }
    let access = form::get(p, "auth[access_token]").unwrap_or_default();
    // The configured OAuth server and the endpoint it names: never a server or endpoint the event claims.
    let verified = crate::verify::app_info(&state.http, &state.config.oauth_server, access)
        .await
        .ok()
        .filter(|v| v.client_id == client_id && v.member_id == portal.member_id);
    // Only an administrator updates an app, and the event carries the updating user's token: a plain user who read
    // their own token from the page must not be able to take over the portal's events.
    let admin = match verified.as_ref().and_then(|v| v.endpoint()) {
        Some(endpoint) => crate::user_calls::is_admin(&state.http, &endpoint, access)
            .await
            .unwrap_or(false),
        None => false,
    };
    if !admin || sent_token.trim().is_empty() {
        tracing::warn!(
            portal = portal.id.0,
            "ONAPPUPDATE with an unknown application_token and no valid access token refused"
        );
        return Err(AppError::Forbidden);
    }
    state
        .store
        .set_application_token(portal.id, client_id, sent_token)
        .await?;
    tracing::info!(portal = portal.id.0, client_id = %client_id, "application token replaced on app update");
    Ok(StatusCode::OK)
}

/// Re-reads the tier after a payment without keeping the portal's event call waiting; a failed check is recorded
/// and retried by the daily refresh, as any failed check.
fn recheck_tier(state: AppState, portal: b24a_store::PortalId, client_id: String) {
    tokio::spawn(async move {
        let now = chrono::Utc::now().timestamp();
        match crate::tier_refresh::check_and_record(&state, portal, &client_id, now).await {
            Ok(true) => {
                tracing::info!(portal = portal.0, client_id = %client_id, "tier re-read after payment")
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(portal = portal.0, error = %e, "recording a failed tier check failed")
            }
        }
    });
}
