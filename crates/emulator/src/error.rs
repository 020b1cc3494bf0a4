//! Error types: `EmulatorError` for the library API and `RestError` for what the REST surface
//! answers (`{error, error_description}` with an HTTP status).
//!
//! Never formats HTTP responses itself (that is `envelope`).

/// Failures of the library API (starting listeners, unknown apps, delivery).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot bind a listener: {0}")]
    Bind(#[from] std::io::Error),
    #[error("application {0} is not registered")]
    UnknownApp(String),
    #[error("application {0} is not installed on this portal")]
    NotInstalled(String),
    #[error("{0}")]
    Invalid(String),
}

/// An error as a Bitrix24 portal reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestError {
    pub status: u16,
    pub code: String,
    pub description: String,
}

impl RestError {
    pub fn new(status: u16, code: &str, description: &str) -> Self {
        RestError {
            status,
            code: code.to_string(),
            description: description.to_string(),
        }
    }
    /// Legacy CRM methods answer with an empty `error` and the text in `error_description`.
    pub fn legacy(description: &str) -> Self {
        RestError::new(400, "", description)
    }
    pub fn method_not_found() -> Self {
        RestError::new(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    }
    pub fn query_limit() -> Self {
        RestError::new(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    }
    pub fn operation_time_limit() -> Self {
        RestError::new(
            429,
            "OPERATION_TIME_LIMIT",
            "Method is blocked due to operation time limit.",
        )
    }
    pub fn expired_token() -> Self {
        RestError::new(
            401,
            "expired_token",
            "The access token provided has expired.",
        )
    }
    pub fn invalid_token() -> Self {
        RestError::new(401, "invalid_token", "Unable to get application by token")
    }
    pub fn no_auth() -> Self {
        RestError::new(401, "NO_AUTH_FOUND", "Wrong authorization data")
    }
    pub fn access_denied(text: &str) -> Self {
        RestError::new(403, "ACCESS_DENIED", text)
    }
    pub fn invalid_arg(text: &str) -> Self {
        RestError::new(400, "INVALID_ARG_VALUE", text)
    }
}
