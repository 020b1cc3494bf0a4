//! The REST envelope: `{result, next, total, time{...}}` on success, `{error, error_description}`
//! with the documented HTTP status on failure, and the portal's response headers (JSON charset,
//! CORS, X-Bitrix-Rest-*).
//!
//! Formatting only; never decides what a method returns.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::error::RestError;
use crate::format::{iso, Zone};
use crate::limits::OperatingInfo;
use crate::methods::Output;

/// The `time` object. `start`/`finish` are wall-clock unix floats, dates use the portal offset.
pub fn time_obj(
    start: f64,
    finish: f64,
    processing: f64,
    off: Zone,
    op: Option<OperatingInfo>,
) -> Value {
    let mut m = Map::new();
    m.insert("start".into(), json!(start));
    m.insert("finish".into(), json!(finish));
    m.insert("duration".into(), json!(finish - start));
    m.insert("processing".into(), json!(processing));
    m.insert("date_start".into(), json!(iso(start as i64, off)));
    m.insert("date_finish".into(), json!(iso(finish as i64, off)));
    if let Some(op) = op {
        m.insert(
            "operating_reset_at".into(),
            json!((finish + op.reset_in) as i64),
        );
        m.insert("operating".into(), json!(op.operating));
    }
    Value::Object(m)
}

fn headers(app: Option<&str>, rest_time: f64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("origin, content-type, accept, authorization"),
    );
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("X-Bitrix-Rest-Application, X-Bitrix-Rest-Time"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{rest_time:.6}")) {
        h.insert("x-bitrix-rest-time", v);
    }
    if let Some(app) = app.and_then(|a| HeaderValue::from_str(a).ok()) {
        h.insert("x-bitrix-rest-application", app);
    }
    h
}

/// The success body as JSON (also used by batch sub-results).
pub fn success_body(out: &Output, time: Value) -> Value {
    let mut m = Map::new();
    m.insert("result".into(), out.result.clone());
    if let Some(n) = out.next {
        m.insert("next".into(), json!(n));
    }
    if let Some(t) = out.total {
        m.insert("total".into(), json!(t));
    }
    m.insert("time".into(), time);
    Value::Object(m)
}

pub fn success(out: &Output, time: Value, app: Option<&str>, rest_time: f64) -> Response {
    let body = success_body(out, time);
    (StatusCode::OK, headers(app, rest_time), body.to_string()).into_response()
}

pub fn error_body(e: &RestError) -> Value {
    json!({"error": e.code, "error_description": e.description})
}

pub fn error(e: &RestError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, headers(None, 0.0), error_body(e).to_string()).into_response()
}

/// A JSON answer with CORS headers and an arbitrary status (OAuth server, admin API).
pub fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, headers(None, 0.0), body.to_string()).into_response()
}

/// A proxy-style HTML error page (fault injection).
pub fn html_page(status: u16, title: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("text/html"));
    (status, h, body).into_response()
}
