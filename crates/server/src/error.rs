//! The one place where errors of the libraries become HTTP answers. Handlers return `Result<_, AppError>`;
//! nothing else in the server decides status codes for library errors. Answers are JSON
//! `{ "error": code, "message": text, "field": name? }` and never leak internals (database text is logged, not sent).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error on its way to the browser.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// A bad value in a named field of the request.
    #[error("invalid `{0}`: {1}")]
    Field(String, String),
    /// No valid session.
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// The portal's answer needed to decide is not known yet (rate limit, unreachable): retry shortly.
    #[error("the portal is busy")]
    Busy,
    #[error("{0} not found")]
    NotFound(String),
    #[error("internal: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] b24a_store::StoreError),
    #[error(transparent)]
    Report(#[from] b24a_reports::ReportError),
}

impl From<b24a_reports::FilterError> for AppError {
    fn from(e: b24a_reports::FilterError) -> Self {
        AppError::Report(b24a_reports::ReportError::Filter(e))
    }
}

fn store_answer(e: &b24a_store::StoreError) -> (StatusCode, &'static str, String, Option<String>) {
    match e {
        b24a_store::StoreError::NotFound(what) => (
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
            None,
        ),
        b24a_store::StoreError::Invalid { field, reason, .. } => (
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{field}: {reason}"),
            Some(field.to_string()),
        ),
        b24a_store::StoreError::DuplicatePlan { row, .. } => (
            StatusCode::BAD_REQUEST,
            "invalid",
            e.to_string(),
            Some(format!("rows[{row}].period_start")),
        ),
        e => {
            tracing::error!(error = %e, "store error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error".to_string(),
                None,
            )
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match &self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone(), None),
            AppError::Field(f, m) => (
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("{f}: {m}"),
                Some(f.clone()),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "session missing or expired".to_string(),
                None,
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "access denied".to_string(),
                None,
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "portal_busy",
                "the portal is busy, try again in a moment".to_string(),
                None,
            ),
            AppError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                None,
            ),
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".to_string(),
                    None,
                )
            }
            AppError::Store(e) => store_answer(e),
            AppError::Report(b24a_reports::ReportError::Filter(f)) => (
                StatusCode::BAD_REQUEST,
                "invalid",
                f.to_string(),
                Some(f.field().to_string()),
            ),
            AppError::Report(b24a_reports::ReportError::UnknownPortal(_)) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "portal not found".to_string(),
                None,
            ),
            AppError::Report(b24a_reports::ReportError::Store(e)) => store_answer(e),
        };
        let info = crate::error_words::ErrorInfo {
            code,
            field: field.clone(),
            reason: message.clone(),
        };
        let mut resp = (
            status,
            Json(json!({ "error": code, "message": message, "field": field })),
        )
            .into_response();
        // The message is worded in the caller's language on the way out (`error_words::localize`).
        resp.extensions_mut().insert(info);
        resp
    }
}
