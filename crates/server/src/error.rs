//! The one place where errors of the libraries become HTTP answers. Handlers return `Result<_, AppError>`;
//! nothing else in the server decides status codes for library errors. Answers are JSON
//! `{ "error": code, "message": text }` and never leak internals (database text is logged, not sent).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error on its way to the browser.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] b24a_store::StoreError),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "access denied".to_string()),
            AppError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
            AppError::Store(b24a_store::StoreError::NotFound(what)) => {
                (StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".to_string())
            }
        };
        (status, Json(json!({ "error": code, "message": message }))).into_response()
    }
}
