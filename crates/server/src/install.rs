//! The marketplace install flow: the ONAPPINSTALL event and the installer page opened in the portal's iframe, both
//! storing the portal, its token pair and (from the event) the application token, binding the app's events and
//! kicking off the first import. Trust: nothing in the request body decides where tokens go or who may install.
//! The portal's member, domain and REST endpoint come from the configured OAuth server's `app.info` answer for the
//! presented access token (never from `auth[client_endpoint]`, `auth[server_endpoint]`, DOMAIN or member_id as
//! sent), and the token's user must be a portal administrator by `user.admin` asked of that verified endpoint: so
//! an employee with his own token can neither install, re-install, move the endpoint nor replace the stored tokens
//! or application token (docs/SECURITY.md).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

use crate::app::AppState;
use crate::error::AppError;
use crate::form;
use crate::i18n::{t, Lang};
use crate::user_calls::UserCallError;

/// What an install request claims: only the tokens are used, and only after the OAuth server vouched for them.
struct Claim {
    /// member_id as sent; must equal the verified one (a mismatch is a forged or confused request).
    member_id: Option<String>,
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    /// Honoured only for a verified administrator.
    application_token: Option<String>,
}

/// What the handler stores from an install: all of it from verified answers, except the admin's own tokens.
struct InstallData {
    member_id: String,
    domain: String,
    client_endpoint: String,
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    scope: Option<String>,
    application_token: Option<String>,
}

/// Why an install was not stored.
#[derive(Debug, thiserror::Error)]
enum InstallRefusal {
    #[error("install refused: {0}")]
    Forbidden(&'static str),
    /// The portal's answer about the user is not known yet (rate limit): the installer may be reopened.
    #[error("the portal is busy")]
    Busy,
    #[error(transparent)]
    Store(#[from] b24a_store::StoreError),
}

impl From<InstallRefusal> for AppError {
    fn from(e: InstallRefusal) -> AppError {
        match e {
            InstallRefusal::Forbidden(_) => AppError::Forbidden,
            InstallRefusal::Busy => AppError::Busy,
            InstallRefusal::Store(e) => AppError::Store(e),
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Asks the configured OAuth server who the token belongs to and the portal (on the endpoint the OAuth server
/// named) whether that user is an administrator; returns what may be stored.
async fn verify_install(
    state: &AppState,
    client_id: &str,
    c: Claim,
) -> Result<InstallData, InstallRefusal> {
    let verified =
        crate::verify::app_info(&state.http, &state.config.oauth_server, &c.access_token)
            .await
            .map_err(|_| InstallRefusal::Forbidden("token not confirmed by the OAuth server"))?;
    if verified.client_id != client_id {
        return Err(InstallRefusal::Forbidden("token of another app"));
    }
    if c.member_id
        .as_deref()
        .is_some_and(|m| m != verified.member_id)
    {
        return Err(InstallRefusal::Forbidden("token of another portal"));
    }
    let (Some(endpoint), Some(domain)) = (verified.endpoint(), verified.portal_domain()) else {
        return Err(InstallRefusal::Forbidden(
            "no portal endpoint in the OAuth answer",
        ));
    };
    match crate::user_calls::is_admin(&state.http, &endpoint, &c.access_token).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(InstallRefusal::Forbidden(
                "installing user is not an administrator",
            ))
        }
        Err(UserCallError::Busy) => return Err(InstallRefusal::Busy),
        Err(_) => return Err(InstallRefusal::Forbidden("user.admin refused")),
    }
    Ok(InstallData {
        member_id: verified.member_id.clone(),
        domain,
        client_endpoint: endpoint,
        access_token: c.access_token,
        refresh_token: c.refresh_token,
        expires_at: c.expires_at,
        scope: verified.scope.clone(),
        application_token: c.application_token.filter(|t| !t.trim().is_empty()),
    })
}

/// Verifies the claim (see [`verify_install`]), then stores the portal, its tokens and starts the first import.
async fn register(
    state: &AppState,
    client_id: &str,
    claim: Claim,
) -> Result<(b24a_store::PortalId, String), InstallRefusal> {
    let d = match verify_install(state, client_id, claim).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(client_id = %client_id, error = %e, "install refused");
            return Err(e);
        }
    };
    let portal = state
        .store
        .upsert_portal(&b24a_store::NewPortal {
            member_id: d.member_id.clone(),
            domain: d.domain.clone(),
            client_endpoint: d.client_endpoint.clone(),
            server_endpoint: Some(state.config.oauth_server.clone()),
            ..Default::default()
        })
        .await?;
    state
        .store
        .save_app_install(
            portal,
            client_id,
            &b24a_store::AppTokens {
                access_token: d.access_token.clone(),
                refresh_token: d.refresh_token.clone(),
                access_expires_at: d.expires_at,
                scope: d.scope.clone(),
            },
            d.application_token.as_deref(),
        )
        .await?;
    state.store.mark_portal_active(portal).await?;
    // App events (uninstall, payment) and the change events the sync needs; every sync cycle checks them again.
    crate::sync_runner::bind_events(state, portal, client_id).await;
    crate::sync_runner::start_first_import(state, portal, client_id);
    Ok((portal, d.client_endpoint))
}

/// `POST /install/{client_id}`: the ONAPPINSTALL event or the installer iframe.
pub async fn install_post(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, AppError> {
    let app = state.app(&client_id).ok_or(AppError::Forbidden)?;
    let p = form::pairs(&body);
    if form::get(&p, "event")
        .map(|e| e.eq_ignore_ascii_case("ONAPPINSTALL"))
        .unwrap_or(false)
    {
        // auth[domain], auth[client_endpoint] and auth[server_endpoint] are deliberately not read.
        let g = |k: &str| form::get(&p, &format!("auth[{k}]")).map(str::to_string);
        let claim = Claim {
            member_id: g("member_id"),
            access_token: g("access_token")
                .ok_or_else(|| AppError::BadRequest("auth[access_token] missing".into()))?,
            refresh_token: g("refresh_token")
                .ok_or_else(|| AppError::BadRequest("auth[refresh_token] missing".into()))?,
            expires_at: g("expires")
                .and_then(|v| v.parse().ok())
                .or_else(|| {
                    g("expires_in")
                        .and_then(|v| v.parse::<i64>().ok())
                        .map(|s| now() + s)
                })
                .unwrap_or_else(|| now() + 3600),
            application_token: g("application_token"),
        };
        register(&state, &app.client_id, claim).await?;
        return Ok("OK".into_response());
    }
    // The installer page inside the portal's iframe: the same fields as a launch (DOMAIN and PROTOCOL unused).
    let lang = Lang::from_portal(query.get("LANG").map(String::as_str));
    let (Some(auth), Some(refresh)) = (form::get(&p, "AUTH_ID"), form::get(&p, "REFRESH_ID"))
    else {
        return Ok(crate::launch::forbidden_page(lang));
    };
    let expires_in: i64 = form::get(&p, "AUTH_EXPIRES")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3600);
    let claim = Claim {
        member_id: form::get(&p, "member_id").map(str::to_string),
        access_token: auth.to_string(),
        refresh_token: refresh.to_string(),
        expires_at: now() + expires_in,
        // The main page's POST carries no APPLICATION_TOKEN (only placements do); if one comes, it is an
        // administrator's and may be kept like the event's.
        application_token: form::get(&p, "APPLICATION_TOKEN").map(str::to_string),
    };
    let endpoint = match register(&state, &app.client_id, claim).await {
        Ok((_, endpoint)) => endpoint,
        Err(InstallRefusal::Busy) => return Ok(crate::launch::busy_page(lang, None)),
        Err(InstallRefusal::Forbidden(_)) => return Ok(crate::launch::forbidden_page(lang)),
        Err(InstallRefusal::Store(e)) => return Err(e.into()),
    };
    let origin = crate::csp::portal_origin(&endpoint)
        .ok_or_else(|| AppError::Internal("verified endpoint without an origin".into()))?;
    let html = format!(
        r#"<!doctype html><html lang="{code}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/app.css">{bx24}</head>
<body class="b24a-install"><div class="card"><h1>{title}</h1><p>{text}</p></div>
<script src="/assets/install.js"></script></body></html>"#,
        code = lang.code(),
        title = t(lang, "install_done"),
        text = t(lang, "install_text"),
        bx24 = if state.config.bx24_js_url.is_empty() {
            String::new()
        } else {
            format!(
                r#"<script src="{}"></script>"#,
                crate::pages::esc(&state.config.bx24_js_url)
            )
        },
    );
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::csp::policy_for(&origin),
        )],
        Html(html),
    )
        .into_response())
}
