//! The main page as the portal opens it: the iframe POST (AUTH_ID, member_id, DOMAIN, LANG ...) is verified with
//! the configured authorization server before anything is shown, the user's rights are asked of the portal's REST
//! endpoint that server named (never one from the request), then the page gets a signed session bound to that
//! portal, user and app, and a CSP that lets only that portal frame it. When the portal cannot answer about the
//! user in time (rate limit during an import) the page says "try again in a moment" with 503, never "no access". A forged or unverifiable request gets 403 and a
//! page that says nothing about any portal. Every launch also refreshes the portal × app's tier from the same
//! verified `app.info` answer (the page states it in a banner), and a user without access to any report gets the
//! polite page with 403.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::app::AppState;
use crate::form;
use crate::i18n::{t, Lang};
use crate::session::Session;

/// The 403 answer of a request we could not verify: no portal data, no framing.
pub fn forbidden_page(lang: Lang) -> Response {
    let html = format!(
        r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{t1}</title></head>
<body style="font-family:'Open Sans',Helvetica,Arial,sans-serif;background:#eef2f4;color:#333;padding:40px">
<div style="background:#fff;border-radius:4px;padding:24px;max-width:560px"><h1 style="font-size:20px">{t1}</h1><p>{t2}</p></div></body></html>"#,
        lang.code(),
        t1 = t(lang, "forbidden_title"),
        t2 = t(lang, "forbidden_text"),
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_SECURITY_POLICY, crate::csp::DENY_ALL)],
        Html(html),
    )
        .into_response()
}

/// The 503 answer when the portal's word on the user is not known yet: no portal data, no session. Framable only by
/// the verified portal (`origin`), else by nobody.
pub fn busy_page(lang: Lang, origin: Option<&str>) -> Response {
    let html = format!(
        r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{t1}</title></head>
<body style="font-family:'Open Sans',Helvetica,Arial,sans-serif;background:#eef2f4;color:#333;padding:40px">
<div style="background:#fff;border-radius:4px;padding:24px;max-width:560px"><h1 style="font-size:20px">{t1}</h1><p>{t2}</p></div></body></html>"#,
        lang.code(),
        t1 = t(lang, "busy_title"),
        t2 = t(lang, "busy_text"),
    );
    let csp = origin
        .map(|o| format!("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors {o}"))
        .unwrap_or_else(|| crate::csp::DENY_ALL.to_string());
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::RETRY_AFTER, "30".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Html(html),
    )
        .into_response()
}

/// Why a launch gets no shell.
enum Refusal {
    /// Not verified: the 403 page.
    Forbidden(&'static str),
    /// Verified, but the portal could not say who the user is in time: the 503 "try again" page.
    Busy(String),
}

/// `POST /app/{client_id}/`: verify, then render the shell.
pub async fn launch(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let lang = Lang::from_portal(query.get("LANG").map(String::as_str));
    match verify_launch(&state, &client_id, &query, &body, lang).await {
        Ok(r) => r,
        Err(Refusal::Forbidden(reason)) => {
            tracing::warn!(client_id = %client_id, reason, "iframe launch refused");
            forbidden_page(lang)
        }
        Err(Refusal::Busy(origin)) => {
            tracing::warn!(client_id = %client_id, "iframe launch deferred: the portal is busy");
            busy_page(lang, Some(&origin))
        }
    }
}

/// `GET /app/{client_id}/`: a portal always POSTs; a bare GET is not a launch.
pub async fn launch_get(Query(query): Query<HashMap<String, String>>) -> Response {
    forbidden_page(Lang::from_portal(query.get("LANG").map(String::as_str)))
}

async fn verify_launch(
    state: &AppState,
    client_id: &str,
    query: &HashMap<String, String>,
    body: &[u8],
    lang: Lang,
) -> Result<Response, Refusal> {
    use Refusal::Forbidden as F;
    let app = state.app(client_id).ok_or(F("unknown app"))?;
    let p = form::pairs(body);
    let auth = form::get(&p, "AUTH_ID").ok_or(F("no AUTH_ID"))?;
    let member_id = form::get(&p, "member_id").ok_or(F("no member_id"))?;
    let portal = state
        .store
        .portal_by_member_id(member_id)
        .await
        .map_err(|_| F("store"))?
        .ok_or(F("unknown portal"))?;
    if portal.status == b24a_store::PortalStatus::Uninstalled {
        return Err(F("portal uninstalled"));
    }
    // Always the configured OAuth server: a stored or posted server_endpoint could name anyone's host.
    let v = crate::verify::app_info(&state.http, &state.config.oauth_server, auth)
        .await
        .map_err(|_| F("token rejected"))?;
    if v.client_id != app.client_id || v.member_id != portal.member_id {
        return Err(F("token of another app or portal"));
    }
    // The user's rights are asked of the endpoint the OAuth server names for this portal (the stored one only
    // when the answer names none); its origin is also the only one the CSP lets frame the page.
    let endpoint = v
        .endpoint()
        .unwrap_or_else(|| portal.client_endpoint.clone());
    let origin = crate::csp::portal_origin(&endpoint).ok_or(F("bad endpoint"))?;
    // DOMAIN from the query is only a hint; when it disagrees with what we know of the portal, refuse.
    if let Some(d) = query.get("DOMAIN") {
        if !d.is_empty() && *d != portal.domain && (v.domain.is_empty() || *d != v.domain) {
            return Err(F("DOMAIN does not match the portal"));
        }
    }
    let user = match crate::user_calls::portal_user(&state.http, &endpoint, auth).await {
        Ok(u) => u,
        Err(_) => return Err(Refusal::Busy(origin)),
    };
    let user_id = if v.user_id > 0 {
        v.user_id
    } else {
        user.user_id.unwrap_or(0)
    };
    if user_id <= 0 {
        return Err(F("no user"));
    }
    let now = chrono::Utc::now().timestamp();
    // Every page open refreshes the stored tier from the OAuth server's answer (docs/TIERS.md), without waiting
    // for the database's write lock (an import may hold it): see `observe_on_launch`.
    let tier = crate::tier::observe_on_launch(state, portal.id, &app.client_id, &v, now)
        .await
        .map_err(|_| F("store"))?;
    let enabled = app.enabled_reports();
    let allowed = crate::access::allowed_reports(
        &state.store,
        portal.id,
        user_id,
        user.is_admin,
        &user.departments,
        &enabled,
    )
    .await
    .map_err(|_| F("store"))?;
    // A user without access gets the polite page with 403, so a proxy or a test cannot mistake it for the app.
    let no_access = allowed.is_empty() && !user.is_admin;
    let session = Session {
        portal_id: portal.id.0,
        user_id: user_id,
        client_id: app.client_id.clone(),
        is_admin: user.is_admin,
        departments: user.departments.clone(),
        lang: lang.code().to_string(),
        history_months: tier.history_months,
        expires_at: now + crate::session::TTL_SECS,
        grant: String::new(),
    };
    // The user's own tokens stay on the server (never in the page) for the tidy-up actions: docs/ACTIONS.md.
    let mut session = session;
    if let Some(refresh) = form::get(&p, "REFRESH_ID").filter(|r| !r.is_empty()) {
        let grant = crate::user_grants::UserGrant {
            portal_id: portal.id.0,
            user_id,
            client_id: app.client_id.clone(),
            endpoint: endpoint.clone(),
            access_token: auth.to_string(),
            refresh_token: refresh.to_string(),
            expires_at: now + crate::api::session_renew::WINDOW_SECS,
            key_hash: String::new(),
            version: 0,
        };
        // Stored in the background: the launch never waits for an import's write lock (issue #18).
        session.grant = state.grants.put(grant);
    }
    let token = state.signer.sign(&session);
    let tidy_users: Vec<i64> = state
        .store
        .setting(portal.id, crate::api::tidy::USERS_SETTING)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let tidy = (user.is_admin || tidy_users.contains(&user_id)).then(|| {
        crate::tidy_words::page(lang)["title"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    let page = crate::pages::ShellPage {
        lang,
        app_name: if app.name.is_empty() {
            t(lang, "app_title").to_string()
        } else {
            app.name.clone()
        },
        session: token,
        renew: crate::api::session_renew::issue(&state.signer, &session),
        portal_origin: origin.clone(),
        domain: portal.domain.clone(),
        is_admin: user.is_admin,
        user_name: user.name.clone(),
        reports: allowed,
        tidy,
        enabled,
        bx24_js_url: state.config.bx24_js_url.clone(),
        // The polite page keeps the banner only when the tier explains the refusal (after the grace period the
        // portal no longer confirms admins, see docs/TIERS.md).
        banner: if no_access && tier.state != crate::tier::TierState::Lapsed {
            String::new()
        } else {
            crate::tier::banner_html(&tier, lang)
        },
        tier: crate::tier::config_json(&tier, lang),
    };
    let status = if no_access {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [
            (
                header::CONTENT_SECURITY_POLICY,
                crate::csp::policy_for(&origin),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Html(crate::pages::render_shell(&page)),
    )
        .into_response())
}
