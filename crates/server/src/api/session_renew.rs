//! Renewal of the page's short-lived session without reloading the app. At a verified launch the page also gets
//! a renewal token: the launch's session claims (portal, user, app, admin, departments, language) signed with the
//! same key but under a reserved app id (`renew:<client_id>`), so a renewal token can never pass as a session (no
//! such app) and a session can never pass as a renewal token (no such prefix), and valid for a bounded window
//! counted from the launch. `POST /api/session/renew` trades it for a fresh session while the window lasts, the
//! app is still served and the portal is still installed (and not re-installed since the launch). A renewed
//! session never outlives the window, and renewal never issues a new renewal token: after the window the user
//! must reopen the app, which re-verifies everything with the authorization server. Must never accept an
//! unsigned, foreign-key, expired or session-shaped token, and never take any claim from the request body.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::error::AppError;
use crate::session::{Session, Signer, TTL_SECS};

/// How long after a launch the page may keep renewing its session (one working day).
pub const WINDOW_SECS: i64 = 12 * 3600;

const PREFIX: &str = "renew:";

/// The renewal token for a session just issued at a verified launch.
pub fn issue(signer: &Signer, launched: &Session) -> String {
    let launch_at = launched.expires_at - TTL_SECS;
    signer.sign(&Session {
        client_id: format!("{PREFIX}{}", launched.client_id),
        expires_at: launch_at + WINDOW_SECS,
        ..launched.clone()
    })
}

/// The session a renewal token grants at `now` (expiring at the earlier of `now + TTL` and the window's end),
/// or `None` when the token is forged, foreign, session-shaped or past its window.
pub fn renewed(signer: &Signer, token: &str, now: i64) -> Option<Session> {
    renewed_with_launch(signer, token, now).map(|(s, _)| s)
}

/// [`renewed`] and the launch time the token was issued at.
fn renewed_with_launch(signer: &Signer, token: &str, now: i64) -> Option<(Session, i64)> {
    let r = signer.verify(token, now)?;
    let app = r.client_id.strip_prefix(PREFIX)?.to_string();
    let launched_at = r.expires_at - WINDOW_SECS;
    Some((
        Session {
            client_id: app,
            expires_at: (now + TTL_SECS).min(r.expires_at),
            ..r
        },
        launched_at,
    ))
}

/// Body of `POST /api/session/renew`.
#[derive(Debug, Deserialize)]
pub struct RenewRequest {
    pub renew: String,
}

/// `POST /api/session/renew`: `{session, exp}`; 403 for any token that does not verify or whose portal/app is gone.
pub async fn renew(
    State(state): State<AppState>,
    Json(req): Json<RenewRequest>,
) -> Result<Json<Value>, AppError> {
    let now = chrono::Utc::now().timestamp();
    let (s, launched_at) =
        renewed_with_launch(&state.signer, &req.renew, now).ok_or(AppError::Forbidden)?;
    if state.app(&s.client_id).is_none() {
        return Err(AppError::Forbidden);
    }
    let portal = state
        .store
        .portal(b24a_store::PortalId(s.portal_id))
        .await?
        .ok_or(AppError::Forbidden)?;
    // Uninstalled, or installed again after this launch: the old launch's claims no longer stand.
    if !super::install_live(&state, portal.id, &s.client_id).await?
        || portal.installed_at > launched_at
    {
        return Err(AppError::Forbidden);
    }
    Ok(Json(
        json!({"session": state.signer.sign(&s), "exp": s.expires_at}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launched(exp: i64) -> Session {
        Session {
            portal_id: 7,
            user_id: 3,
            client_id: "app".into(),
            is_admin: true,
            departments: vec![1],
            lang: "ru".into(),
            history_months: 3,
            expires_at: exp,
            grant: String::new(),
        }
    }

    #[test]
    fn renewal_is_bounded_and_never_a_session() {
        let k = Signer::new("k");
        let launch = 1_000_000;
        let s = launched(launch + TTL_SECS);
        let r = issue(&k, &s);
        // The renewal token is not a session of any app, and a session is not a renewal token.
        assert_eq!(
            k.verify(&r, launch).map(|x| x.client_id),
            Some("renew:app".into())
        );
        assert_eq!(renewed(&k, &k.sign(&s), launch + 1), None);
        // After expiry the session renews with the same claims.
        let n = renewed(&k, &r, launch + TTL_SECS + 5).unwrap();
        assert_eq!(
            (n.portal_id, n.user_id, n.client_id.as_str(), n.is_admin),
            (7, 3, "app", true)
        );
        assert_eq!(n.expires_at, launch + 2 * TTL_SECS + 5);
        // Near the end of the window the session is cut at the window; past it, nothing.
        assert_eq!(
            renewed(&k, &r, launch + WINDOW_SECS - 60)
                .unwrap()
                .expires_at,
            launch + WINDOW_SECS
        );
        assert_eq!(renewed(&k, &r, launch + WINDOW_SECS), None);
        // Another key's token or a tampered one fails.
        assert_eq!(renewed(&Signer::new("other"), &r, launch + 1), None);
        assert_eq!(renewed(&k, &format!("{r}x"), launch + 1), None);
    }
}
