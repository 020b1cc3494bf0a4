//! Minimal HTML pages of the portal UI for demos: the app page that POSTs the launch fields into
//! the app's iframe (`/marketplace/app/<client_id>/`, as the portal's app layout does) and plain
//! deal/lead/user cards for deep links.
//!
//! Demo aids only; nothing here is part of the REST fidelity contract.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::PortalState;
use crate::PortalHandle;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

#[derive(Deserialize)]
pub struct LaunchQuery {
    #[serde(default = "admin")]
    user_id: i64,
    #[serde(default = "ru")]
    lang: String,
}

fn admin() -> i64 {
    1
}
fn ru() -> String {
    "ru".into()
}

/// The portal page hosting an app: a hidden form POSTed into the named iframe.
pub async fn app_page(
    State(state): State<Arc<PortalState>>,
    Path(client_id): Path<String>,
    Query(q): Query<LaunchQuery>,
) -> Response {
    let known = state
        .installs
        .lock()
        .map(|i| i.contains_key(&client_id))
        .unwrap_or(false);
    if !known {
        return html(
            StatusCode::NOT_FOUND,
            format!("<h1>Приложение {} не установлено</h1>", esc(&client_id)),
        );
    }
    let h = PortalHandle::from_state(state.clone());
    let launch = h.iframe_launch(&client_id, q.user_id, &q.lang);
    let sid = launch
        .query
        .iter()
        .find(|(k, _)| k == "APP_SID")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let frame = format!("{}|0|{}", h.domain(), sid);
    let inputs: String = launch
        .form
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    html(
        StatusCode::OK,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <style>body{{margin:0;font-family:sans-serif}}header{{padding:8px 16px;background:#2fc6f6;color:#fff}}\
             iframe{{border:0;width:100%;height:calc(100vh - 40px)}}</style></head><body>\
             <header>{title} — эмулятор Битрикс24 (пользователь {user})</header>\
             <form id=\"launch\" method=\"POST\" action=\"{action}\" target=\"{frame}\">{inputs}</form>\
             <iframe name=\"{frame}\" allow=\"clipboard-write\"></iframe>\
             <script>document.getElementById('launch').submit();</script></body></html>",
            title = esc(&h.with_data(|d| d.company_name.clone()).unwrap_or_default()),
            user = q.user_id,
            action = esc(&launch.url),
            frame = esc(&frame),
        ),
    )
}

/// `/crm/deal/details/<id>/`, `/crm/lead/details/<id>/`, `/company/personal/user/<id>/`.
pub async fn card(
    State(state): State<Arc<PortalState>>,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let id: i64 = id.trim_end_matches('/').parse().unwrap_or(0);
    let h = PortalHandle::from_state(state);
    let body = h.with_data(|d| match kind.as_str() {
        "deal" => d.deal(id).map(|x| {
            format!(
                "Сделка #{id}: {} — {} ({:.2} {})",
                x.title, x.stage_id, x.opportunity, x.currency_id
            )
        }),
        "lead" => d
            .lead(id)
            .map(|x| format!("Лид #{id}: {} — {}", x.title, x.status_id)),
        "user" => d.user(id).map(|x| {
            format!(
                "Сотрудник #{id}: {} {} — {}",
                x.name, x.last_name, x.work_position
            )
        }),
        _ => None,
    });
    match body.flatten() {
        Some(text) => html(
            StatusCode::OK,
            format!(
                "<!doctype html><meta charset=\"utf-8\"><h1>{}</h1>",
                esc(&text)
            ),
        ),
        None => html(StatusCode::NOT_FOUND, "<h1>Не найдено</h1>".into()),
    }
}
