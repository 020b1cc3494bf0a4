//! The typed errors of the Bitrix24 client: what the portal (or the network) answered, classified so callers can
//! decide between retrying, refreshing the token, stopping a portal, or giving up on one call.
//! This module must never decide policy (sleeping, retrying); it only classifies.

/// An error from a Bitrix24 call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 503 `QUERY_LIMIT_EXCEEDED`: refused before execution, always safe to retry after a pause.
    #[error("request rate limit exceeded (QUERY_LIMIT_EXCEEDED)")]
    QueryLimitExceeded,
    /// 429 `OPERATION_TIME_LIMIT`: the method's server-time budget is spent until `reset_at` (unix seconds).
    #[error("method {method} is blocked by the operation time limit")]
    OperationTimeLimit {
        method: String,
        reset_at: Option<i64>,
    },
    /// 503 `OVERLOAD_LIMIT`: a manual block by Bitrix24 support; hammering makes it worse.
    #[error("REST API blocked due to overload (OVERLOAD_LIMIT)")]
    OverloadLimit,
    /// `expired_token`: the access token must be refreshed.
    #[error("access token expired")]
    ExpiredToken,
    /// `invalid_token`: the token is not recognised; a refresh may still help once.
    #[error("access token invalid")]
    InvalidToken,
    /// The portal or the OAuth server refuses this app for good until a human acts: `invalid_grant`,
    /// `PAYMENT_REQUIRED`, `PORTAL_DELETED`, app not installed, webhook revoked.
    #[error("authorization revoked ({code}): {description}")]
    AuthRevoked { code: String, description: String },
    /// HTTP 5xx, or an error page that is not JSON (proxies answer 502/504 with HTML).
    #[error("server error HTTP {status}: {detail}")]
    Server { status: u16, detail: String },
    /// The request did not complete within the client's timeout.
    #[error("request timed out")]
    Timeout,
    /// Connection refused, reset, DNS ...
    #[error("network error: {0}")]
    Network(String),
    /// Any other error the method itself reported (`ERROR_ARGUMENT`, `ACCESS_DENIED`, legacy `""` codes ...).
    #[error("method error HTTP {status} {code:?}: {description}")]
    Method {
        status: u16,
        code: String,
        description: String,
    },
    /// The answer parsed as JSON but not into the shape the call expects.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// An ID-cursor list did not advance: the method ignores the cursor filter (it would loop forever).
    #[error("ID cursor stalled on {method} at id {cursor}")]
    CursorStalled { method: String, cursor: i64 },
    /// Reading or writing the stored tokens failed.
    #[error("token store: {0}")]
    TokenStore(String),
    /// The client was configured with something unusable (bad URL ...).
    #[error("configuration: {0}")]
    Config(String),
}

impl ApiError {
    /// True when repeating the same read later may succeed (limits, 5xx, timeouts, network).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::QueryLimitExceeded
                | ApiError::OperationTimeLimit { .. }
                | ApiError::Server { .. }
                | ApiError::Timeout
                | ApiError::Network(_)
        )
    }

    /// True when a token refresh (once) may fix the call.
    pub fn needs_refresh(&self) -> bool {
        matches!(self, ApiError::ExpiredToken | ApiError::InvalidToken)
    }

    /// True when the portal must be marked as needing attention and its sync stopped (nothing deleted).
    pub fn needs_attention(&self) -> bool {
        matches!(self, ApiError::AuthRevoked { .. })
    }

    /// Builds the error for an error code the portal sent, by code first (statuses are inconsistent).
    pub fn from_code(status: u16, code: &str, description: &str, method: &str) -> ApiError {
        match code {
            "QUERY_LIMIT_EXCEEDED" => ApiError::QueryLimitExceeded,
            "OPERATION_TIME_LIMIT" => ApiError::OperationTimeLimit {
                method: method.to_string(),
                reset_at: None,
            },
            "OVERLOAD_LIMIT" => ApiError::OverloadLimit,
            "expired_token" => ApiError::ExpiredToken,
            "invalid_token" => ApiError::InvalidToken,
            "invalid_grant"
            | "PAYMENT_REQUIRED"
            | "PORTAL_DELETED"
            | "APPLICATION_NOT_FOUND"
            | "NOT_INSTALLED"
            | "ERROR_OAUTH"
            | "invalid_client"
            | "wrong_client"
            | "NO_AUTH_FOUND"
            | "INVALID_CREDENTIALS" => ApiError::AuthRevoked {
                code: code.to_string(),
                description: description.to_string(),
            },
            "INTERNAL_SERVER_ERROR" | "ERROR_UNEXPECTED_ANSWER" => ApiError::Server {
                status,
                detail: format!("{code}: {description}"),
            },
            _ if status >= 500 => ApiError::Server {
                status,
                detail: format!("{code}: {description}"),
            },
            _ => ApiError::Method {
                status,
                code: code.to_string(),
                description: description.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes_not_statuses() {
        assert_eq!(
            ApiError::from_code(503, "QUERY_LIMIT_EXCEEDED", "Too many requests", "x"),
            ApiError::QueryLimitExceeded
        );
        assert!(!ApiError::from_code(503, "OVERLOAD_LIMIT", "", "x").is_retryable());
        assert!(ApiError::from_code(401, "expired_token", "", "x").needs_refresh());
        assert!(ApiError::from_code(400, "invalid_grant", "", "x").needs_attention());
        assert!(ApiError::from_code(403, "PORTAL_DELETED", "", "x").needs_attention());
        assert!(ApiError::from_code(502, "", "bad gateway", "x").is_retryable());
        let e = ApiError::from_code(400, "", "Not found", "crm.deal.get");
        assert!(!e.is_retryable() && !e.needs_refresh() && !e.needs_attention());
        match ApiError::from_code(429, "OPERATION_TIME_LIMIT", "", "crm.deal.list") {
            ApiError::OperationTimeLimit { method, .. } => assert_eq!(method, "crm.deal.list"),
            other => panic!("{other:?}"),
        }
    }
}
