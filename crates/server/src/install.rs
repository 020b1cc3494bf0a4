//! The marketplace install flow: the ONAPPINSTALL event (tokens + application_token, stored per portal × app),
//! the installer page opened in the portal's iframe (verified like any launch, then `BX24.installFinish()`),
//! binding the uninstall event and kicking off the first import. Never stores a portal that the authorization
//! server did not confirm; never trusts the event's member_id without the OAuth server's word on its token.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

use crate::app::AppState;
use crate::error::AppError;
use crate::form;
use crate::i18n::{t, Lang};

/// What the handler stores from an install.
struct InstallData {
    member_id: String,
    domain: String,
    client_endpoint: String,
    server_endpoint: Option<String>,
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    scope: Option<String>,
    application_token: Option<String>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Verifies the token with the OAuth server, then stores the portal, its tokens and starts the first import.
async fn register(
    state: &AppState,
    client_id: &str,
    d: InstallData,
) -> Result<b24a_store::PortalId, AppError> {
    let _claimed_server = d.server_endpoint.clone();
    let server = state.config.oauth_server.clone();
    // An install that names an OAuth server other than the configured one could be forged; trust only the
    // configured server, except in tests/demo where the configured one *is* that server.
    let verified =
        crate::verify::app_info(&state.http, &state.config.oauth_server, &d.access_token)
            .await
            .map_err(|_| AppError::Forbidden)?;
    if verified.client_id != client_id || verified.member_id != d.member_id {
        return Err(AppError::Forbidden);
    }
    let domain = if verified.domain.is_empty() {
        d.domain.clone()
    } else {
        verified.domain.clone()
    };
    let portal = state
        .store
        .upsert_portal(&b24a_store::NewPortal {
            member_id: d.member_id.clone(),
            domain,
            client_endpoint: d.client_endpoint.clone(),
            server_endpoint: Some(server),
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
    Ok(portal)
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
        let g = |k: &str| form::get(&p, &format!("auth[{k}]")).map(str::to_string);
        let d = InstallData {
            member_id: g("member_id")
                .ok_or_else(|| AppError::BadRequest("auth[member_id] missing".into()))?,
            domain: g("domain").unwrap_or_default(),
            client_endpoint: g("client_endpoint")
                .ok_or_else(|| AppError::BadRequest("auth[client_endpoint] missing".into()))?,
            server_endpoint: g("server_endpoint"),
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
            scope: g("scope"),
            application_token: g("application_token"),
        };
        register(&state, &app.client_id, d).await?;
        return Ok("OK".into_response());
    }
    // The installer page inside the portal's iframe: same fields as a launch.
    let lang = Lang::from_portal(query.get("LANG").map(String::as_str));
    let member_id = form::get(&p, "member_id")
        .ok_or(AppError::Forbidden)?
        .to_string();
    let auth = form::get(&p, "AUTH_ID")
        .ok_or(AppError::Forbidden)?
        .to_string();
    let refresh = form::get(&p, "REFRESH_ID")
        .ok_or(AppError::Forbidden)?
        .to_string();
    let domain = query.get("DOMAIN").cloned().unwrap_or_default();
    let scheme = if query.get("PROTOCOL").map(String::as_str) == Some("0") {
        "http"
    } else {
        "https"
    };
    let expires_in: i64 = form::get(&p, "AUTH_EXPIRES")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3600);
    let verified = crate::verify::app_info(&state.http, &state.config.oauth_server, &auth)
        .await
        .map_err(|_| AppError::Forbidden)?;
    // The endpoint comes from the domain the OAuth server confirmed, not the one in the query string.
    let confirmed = if verified.domain.is_empty() {
        domain
    } else {
        verified.domain.clone()
    };
    let d = InstallData {
        member_id,
        domain: confirmed.clone(),
        client_endpoint: format!("{scheme}://{confirmed}/rest/"),
        server_endpoint: None,
        access_token: auth,
        refresh_token: refresh,
        expires_at: now() + expires_in,
        scope: form::get(&p, "APPLICATION_SCOPE").map(str::to_string),
        application_token: form::get(&p, "APPLICATION_TOKEN").map(str::to_string),
    };
    let origin = format!("{scheme}://{confirmed}");
    register(&state, &app.client_id, d).await?;
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
