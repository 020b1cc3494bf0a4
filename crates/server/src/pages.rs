//! The HTML shell of the app page: a header with the report tabs the user may open, and the config the front end
//! needs (session, language, portal origin) as inert JSON. The reports themselves are drawn by
//! `frontend-assets/app.js` from the JSON API. This module must never embed portal data beyond that config.

use b24a_reports::ReportId;
use serde_json::json;

use crate::i18n::{t, Lang};

/// Everything the shell needs.
pub struct ShellPage {
    pub lang: Lang,
    pub app_name: String,
    pub session: String,
    /// The renewal token of this launch (`api::session_renew`).
    pub renew: String,
    pub portal_origin: String,
    pub domain: String,
    pub is_admin: bool,
    pub user_name: String,
    /// Reports this user may open.
    pub reports: Vec<ReportId>,
    /// The tidy-up tab's title when the user may open it (administrators and the `tidy_users` setting), else `None`.
    pub tidy: Option<String>,
    /// Reports the app enables (for the admin's access editor).
    pub enabled: Vec<ReportId>,
    pub bx24_js_url: String,
    /// The tier banner, already escaped HTML (`tier::banner_html`; empty = none).
    pub banner: String,
    /// The tier for the front end (`tier::config_json`).
    pub tier: serde_json::Value,
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The shell page.
pub fn render_shell(p: &ShellPage) -> String {
    let lang = p.lang;
    let reports: Vec<_> = p
        .reports
        .iter()
        .map(|r| json!({"id": r.as_str(), "title": t(lang, r.as_str())}))
        .collect();
    let enabled: Vec<_> = p
        .enabled
        .iter()
        .map(|r| json!({"id": r.as_str(), "title": t(lang, r.as_str())}))
        .collect();
    let config = json!({
        "session": p.session,
        "renew": p.renew,
        "lang": lang.code(),
        "portalOrigin": p.portal_origin,
        "domain": p.domain,
        "isAdmin": p.is_admin,
        "userName": p.user_name,
        "reports": reports,
        "tidy": p.tidy,
        "enabled": enabled,
        "tier": p.tier,
        // Every word the page shows (the page carries none of its own).
        "words": crate::page_words::page_words(lang),
    });
    // `</` inside a script element would end it; JSON allows `<\/`.
    let config = config.to_string().replace("</", "<\\/");
    let bx24 = if p.bx24_js_url.is_empty() {
        String::new()
    } else {
        format!(r#"<script async src="{}"></script>"#, esc(&p.bx24_js_url))
    };
    let body = if p.reports.is_empty() && !p.is_admin {
        format!(
            r#"<main class="b24a-empty-page"><div class="card polite"><h1>{}</h1><p>{}</p></div></main>"#,
            t(lang, "no_access_title"),
            t(lang, "no_access_text")
        )
    } else {
        r#"<nav class="b24a-tabs" id="tabs"></nav><div id="progress"></div><main id="content" class="b24a-content"></main>
<aside id="slider" class="b24a-slider" hidden></aside>"#
            .to_string()
    };
    format!(
        r#"<!doctype html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/assets/app.css">
{bx24}
</head>
<body>
<header class="b24a-header"><span class="b24a-title">{title}</span><span class="b24a-user">{user}</span></header>
{banner}{body}
<script type="application/json" id="b24a-config">{config}</script>
<script type="module" src="/assets/app.js"></script>
</body>
</html>"#,
        code = lang.code(),
        title = esc(&p.app_name),
        user = esc(&p.user_name),
        banner = p.banner,
    )
}
