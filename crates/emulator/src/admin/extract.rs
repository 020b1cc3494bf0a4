//! What the admin routes share: the typed error every admin answer can fail with (and its JSON
//! `{error, error_description}` shape), the JSON body and record-id extractors, and the
//! `{"result": ...}` success answer.
//!
//! Must never hold an admin operation itself (those live in `records`, `apps` and `controls`).

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::envelope::json_response;
use crate::EmulatorError;

/// Why an admin request was not carried out; each variant has one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A malformed body or path segment (400 `BAD_REQUEST`).
    #[error("{0}")]
    BadRequest(String),
    /// The operation itself refused: unknown record, app not registered... (404 `NOT_FOUND`,
    /// as the API has always answered every refused operation).
    #[error(transparent)]
    Refused(#[from] EmulatorError),
    /// No admin route has this path (404 `NOT_FOUND`).
    #[error("no admin operation {method} /_emulator/{path}")]
    NoOperation { method: String, path: String },
    /// The path exists but not with this HTTP method (405 `METHOD_NOT_ALLOWED`).
    #[error("method {method} is not allowed on /_emulator/{path}")]
    WrongMethod { method: String, path: String },
    /// An answer could not be serialised (500 `INTERNAL`).
    #[error("{0}")]
    Internal(&'static str),
    /// The body could not be read at all (too large, broken connection): axum's own answer is
    /// kept, as the hand-written router answered it too.
    #[error(transparent)]
    Unreadable(#[from] BytesRejection),
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, code) = match self {
            AdminError::Unreadable(r) => return r.into_response(),
            AdminError::BadRequest(_) => (400, "BAD_REQUEST"),
            AdminError::Refused(_) | AdminError::NoOperation { .. } => (404, "NOT_FOUND"),
            AdminError::WrongMethod { .. } => (405, "METHOD_NOT_ALLOWED"),
            AdminError::Internal(_) => (500, "INTERNAL"),
        };
        json_response(
            status,
            json!({"error": code, "error_description": self.to_string()}),
        )
    }
}

/// The admin API's success answer: `200 {"result": value}`.
pub fn ok(value: impl Serialize) -> Response {
    match serde_json::to_value(value) {
        Ok(v) => json_response(200, json!({"result": v})),
        Err(_) => AdminError::Internal("answer not serialisable").into_response(),
    }
}

/// A JSON request body. Unlike `axum::Json` it needs no `Content-Type` and reads an empty body
/// as `{}`: callers (curl, tests) have always posted bodiless or untyped requests, and bodies
/// whose fields all have defaults may be left out.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AdminError> {
        let bytes = Bytes::from_request(req, state).await?;
        let text = if bytes.is_empty() {
            b"{}".as_slice()
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(Body)
            .map_err(|e| AdminError::BadRequest(format!("invalid JSON body: {e}")))
    }
}

/// Names the record kind a path id belongs to, for the 400 answer to a non-numeric id.
pub trait Kind {
    /// e.g. `deal id`.
    const ID: &'static str;
}

/// The numeric `{id}` path segment of a `K` record. A path extractor (not a body one) so a bad
/// id is reported before the body is read, as the hand-written router did.
pub struct Id<K> {
    pub id: i64,
    // `fn() -> K` keeps `Id` Send + Sync whatever the marker is.
    kind: PhantomData<fn() -> K>,
}

impl<S: Send + Sync, K: Kind> FromRequestParts<S> for Id<K> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        let bad = || AdminError::BadRequest(K::ID.to_string());
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad())?;
        let id = raw.parse::<i64>().map_err(|_| bad())?;
        Ok(Id {
            id,
            kind: PhantomData,
        })
    }
}

/// Named path segments (`{entity}`, `{code}`...) with a JSON 400 when they cannot be decoded.
pub struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Segments(v))
            .map_err(|e| AdminError::BadRequest(format!("path: {}", e.body_text())))
    }
}
