//! Portal REST calls made on behalf of a user who is waiting for a page (the launch and install checks
//! `user.admin` and `user.current`). They share the portal's request budget with the sync (a first import can fill
//! it), so they have their own short retry budget: a rate-limit answer (HTTP 503/429, `QUERY_LIMIT_EXCEEDED`) or a
//! failed connection is retried with a short backoff, and an answer still unknown after that is reported as
//! [`UserCallError::Busy`] so the page can say "try again in a moment". Must never turn an unknown answer into
//! "not an administrator" or "no departments" (that demoted admins during imports), and never logs tokens.

use std::time::Duration;

use serde_json::Value;

use crate::verify::{int_of, str_of, with_slash};

/// Pauses before the 2nd, 3rd, … attempt. About 3.5 s in all: long enough for a leaky bucket draining two
/// requests a second to free a slot even while an import competes for it, short enough for a person waiting.
const BACKOFF_MS: [u64; 4] = [250, 500, 1000, 1750];

/// Why the portal's answer about the user is not known.
#[derive(Debug, thiserror::Error)]
pub enum UserCallError {
    /// Rate-limited or unreachable through the whole retry budget: ask the user to try again shortly.
    #[error("the portal is busy or unreachable")]
    Busy,
    /// The portal answered with an error that retrying does not fix (the code is the portal's).
    #[error("the portal refused `{method}`: {code}")]
    Refused { method: &'static str, code: String },
    /// A success status without a `result`.
    #[error("unexpected answer to `{0}`")]
    Malformed(&'static str),
}

/// What the portal says about the token's user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalUser {
    pub is_admin: bool,
    pub user_id: Option<i64>,
    pub name: String,
    pub departments: Vec<i64>,
}

/// One answer of the portal, classified.
enum Attempt {
    Result(Value),
    Retry,
    Refused(String),
}

async fn attempt(http: &reqwest::Client, base: &str, method: &'static str, token: &str) -> Attempt {
    let resp = match http
        .get(format!("{base}{method}.json"))
        .query(&[("auth", token)])
        .send()
        .await
    {
        Ok(r) => r,
        Err(_) => return Attempt::Retry,
    };
    let status = resp.status();
    let body: Option<Value> = resp.json().await.ok();
    let code = body
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(str_of)
        .unwrap_or_default();
    let limited = status.as_u16() == 503
        || status.as_u16() == 429
        || status.is_server_error()
        || code.eq_ignore_ascii_case("QUERY_LIMIT_EXCEEDED");
    if limited {
        return Attempt::Retry;
    }
    match body {
        Some(mut v) if code.is_empty() => match v.get_mut("result") {
            Some(r) => Attempt::Result(r.take()),
            None => Attempt::Refused(String::new()),
        },
        Some(_) => Attempt::Refused(code),
        None => Attempt::Refused(format!("status {}", status.as_u16())),
    }
}

/// Calls `method` until it gives a definite answer or the retry budget is spent.
async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &'static str,
    token: &str,
) -> Result<Value, UserCallError> {
    let mut waits = BACKOFF_MS.iter();
    loop {
        match attempt(http, base, method, token).await {
            Attempt::Result(v) => return Ok(v),
            Attempt::Refused(code) if code.is_empty() => {
                return Err(UserCallError::Malformed(method))
            }
            Attempt::Refused(code) => return Err(UserCallError::Refused { method, code }),
            Attempt::Retry => match waits.next() {
                Some(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
                None => return Err(UserCallError::Busy),
            },
        }
    }
}

/// `user.admin` on the portal's verified REST endpoint: `true` only when the portal says so.
pub async fn is_admin(
    http: &reqwest::Client,
    client_endpoint: &str,
    token: &str,
) -> Result<bool, UserCallError> {
    let v = call(http, &with_slash(client_endpoint), "user.admin", token).await?;
    Ok(admin_flag(&v))
}

/// `user.admin` and `user.current` on the portal's verified REST endpoint. A definite refusal (the portal stops
/// answering a lapsed app with PAYMENT_REQUIRED, docs/TIERS.md) means "not an administrator" / "no departments", as
/// the portal says; an answer still unknown after the retry budget is [`UserCallError::Busy`] (the only error this
/// returns): a session is never issued on a guess.
pub async fn portal_user(
    http: &reqwest::Client,
    client_endpoint: &str,
    token: &str,
) -> Result<PortalUser, UserCallError> {
    let base = with_slash(client_endpoint);
    let is_admin = match call(http, &base, "user.admin", token).await {
        Ok(v) => admin_flag(&v),
        Err(UserCallError::Busy) => return Err(UserCallError::Busy),
        Err(e) => {
            tracing::info!(error = %e, "user.admin refused: not an administrator");
            false
        }
    };
    let current = match call(http, &base, "user.current", token).await {
        Ok(v) => v,
        Err(UserCallError::Busy) => return Err(UserCallError::Busy),
        Err(e) => {
            tracing::info!(error = %e, "user.current refused: no departments");
            Value::Null
        }
    };
    let first = current.get("NAME").and_then(str_of).unwrap_or_default();
    let last = current
        .get("LAST_NAME")
        .and_then(str_of)
        .unwrap_or_default();
    Ok(PortalUser {
        is_admin,
        user_id: current.get("ID").and_then(int_of),
        name: format!("{first} {last}").trim().to_string(),
        departments: match current.get("UF_DEPARTMENT") {
            Some(Value::Array(ds)) => ds.iter().filter_map(int_of).collect(),
            _ => Vec::new(),
        },
    })
}

/// PHP answers `true`, `"true"`, `"Y"` or `1`; anything else is "not an administrator".
fn admin_flag(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(str_of(v).as_deref(), Some("true" | "Y" | "1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn admin_flag_is_strict() {
        assert!(admin_flag(&json!(true)) && admin_flag(&json!("Y")) && admin_flag(&json!(1)));
        assert!(
            !admin_flag(&json!(false)) && !admin_flag(&json!("N")) && !admin_flag(&json!(null))
        );
    }
}
