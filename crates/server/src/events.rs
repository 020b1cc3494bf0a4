//! Event intake from portals: every event is verified by the `application_token` stored at install (compared in
//! constant time) before anything happens. ONAPPUNINSTALL stops the portal's sync and, when the portal asked to
//! clean, deletes all its data; CRM/task events go to the sync's queue. An unverified event changes nothing.

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
    if stored.is_empty() || !bool::from(stored.as_bytes().ct_eq(sent_token.as_bytes())) {
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
    if let Some((ev, id)) = b24a_sync::events::parse_form_event(&p) {
        if let Err(e) = b24a_sync::events::enqueue(&state.store, portal.id.0, &ev, id).await {
            tracing::warn!(portal = portal.id.0, error = %e, "event not queued");
            return Err(AppError::BadRequest("event not queued".into()));
        }
    }
    Ok(StatusCode::OK)
}
