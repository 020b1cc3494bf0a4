//! The JSON API the page calls with its signed session (`X-B24A-Session`). Every handler gets a [`Caller`] —
//! portal, user and app from a verified session — and asks `access` before touching a report. Nothing here takes
//! a portal id from the request: the session is the only source of it. A session stands only while its portal × app
//! is installed: after an uninstall (or a cleaning one) every call is refused at once, not when the session expires.

pub mod custom_fields;
pub mod guard;
pub mod linked_sale;
pub mod linked_settings;
pub mod lists;
pub mod plan_path;
pub mod plan_presets;
pub mod plans;
pub mod progress;
pub mod reports;
pub mod session_renew;
pub mod settings;
pub mod tidy;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::AppError;
use crate::session::Session;

/// The verified caller of an API request.
#[derive(Debug, Clone)]
pub struct Caller(pub Session);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(crate::session::HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized)?;
        let now = chrono::Utc::now().timestamp();
        let s = state
            .signer
            .verify(token, now)
            .ok_or(AppError::Unauthorized)?;
        if state.app(&s.client_id).is_none() {
            return Err(AppError::Unauthorized);
        }
        if !install_live(state, b24a_store::PortalId(s.portal_id), &s.client_id).await? {
            return Err(AppError::Unauthorized);
        }
        let caller = Caller(s);
        // A user without access to any report gets nothing from the API (not even dictionaries of employees).
        if !caller.0.is_admin && caller.allowed(state).await?.is_empty() {
            return Err(AppError::Forbidden);
        }
        Ok(caller)
    }
}

impl Caller {
    pub fn portal(&self) -> b24a_store::PortalId {
        b24a_store::PortalId(self.0.portal_id)
    }

    /// Only portal administrators pass.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.0.is_admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The reports this caller may open now (rules are re-read on every call, so a revoked rule bites at once).
    pub async fn allowed(&self, state: &AppState) -> Result<Vec<b24a_reports::ReportId>, AppError> {
        let app = state.app(&self.0.client_id).ok_or(AppError::Unauthorized)?;
        Ok(crate::access::allowed_reports(
            &state.store,
            self.portal(),
            self.0.user_id,
            self.0.is_admin,
            &self.0.departments,
            &app.enabled_reports(),
        )
        .await?)
    }
}

/// Whether app `client_id` is still installed on the portal: the portal row exists and is not uninstalled, and the
/// app's registration exists and carries no uninstall time (ONAPPUNINSTALL sets both).
pub async fn install_live(
    state: &AppState,
    portal: b24a_store::PortalId,
    client_id: &str,
) -> Result<bool, AppError> {
    let Some(p) = state.store.portal(portal).await? else {
        return Ok(false);
    };
    if p.status == b24a_store::PortalStatus::Uninstalled {
        return Ok(false);
    }
    Ok(state
        .store
        .portal_app(portal, client_id)
        .await?
        .is_some_and(|a| a.uninstalled_at.is_none()))
}

/// Parses a report id from the URL.
pub fn report_id(s: &str) -> Result<b24a_reports::ReportId, AppError> {
    b24a_reports::ReportId::ALL
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| AppError::NotFound(format!("report {s}")))
}
