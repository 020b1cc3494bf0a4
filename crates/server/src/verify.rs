//! Asks the authorization server and the portal who is really behind a token the browser handed us. Nothing the
//! browser POSTs (DOMAIN, member_id, status) is trusted: only the OAuth server's `app.info` answer and the portal's
//! own answers on the stored REST endpoint. Never logs tokens.

use std::time::Duration;

use serde_json::Value;

/// Who a verified token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub client_id: String,
    pub member_id: String,
    pub domain: String,
    pub user_id: i64,
    /// App status letter from the OAuth server (trusted).
    pub status: String,
    /// `install.payment_expired` (`Y`/`N`; missing = not expired).
    pub payment_expired: bool,
    /// `install.days`: days left of the paid/trial period (negative once expired); missing or null = unknown.
    pub days: Option<i64>,
}

/// Why a token could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the authorization server rejected the token")]
    Rejected,
    #[error("the authorization server could not be reached: {0}")]
    Unreachable(String),
    #[error("unexpected answer from the authorization server")]
    Malformed,
}

/// A shared HTTP client with short timeouts: a slow portal must not hold a page open forever.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A Y/N flag as PHP sends it (`"Y"`, `true`, `1`); anything else is false.
fn flag_of(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => matches!(s.trim(), "Y" | "y" | "1" | "true"),
        _ => false,
    }
}

/// `GET {server_endpoint}app.info?auth=TOKEN` on the authorization server.
pub async fn app_info(
    http: &reqwest::Client,
    server_endpoint: &str,
    token: &str,
) -> Result<VerifiedToken, VerifyError> {
    if token.trim().is_empty() {
        return Err(VerifyError::Rejected);
    }
    let url = format!("{}app.info", with_slash(server_endpoint));
    let resp = http
        .get(url)
        .query(&[("auth", token)])
        .send()
        .await
        .map_err(|e| VerifyError::Unreachable(e.without_url().to_string()))?;
    if resp.status().is_client_error() {
        return Err(VerifyError::Rejected);
    }
    if !resp.status().is_success() {
        return Err(VerifyError::Unreachable(format!(
            "status {}",
            resp.status()
        )));
    }
    let body: Value = resp.json().await.map_err(|_| VerifyError::Malformed)?;
    if body.get("error").is_some() {
        return Err(VerifyError::Rejected);
    }
    let r = body.get("result").ok_or(VerifyError::Malformed)?;
    let install = r.get("install").ok_or(VerifyError::Malformed)?;
    Ok(VerifiedToken {
        client_id: r
            .get("client_id")
            .and_then(str_of)
            .ok_or(VerifyError::Malformed)?,
        member_id: install
            .get("member_id")
            .and_then(str_of)
            .ok_or(VerifyError::Malformed)?,
        domain: install.get("domain").and_then(str_of).unwrap_or_default(),
        user_id: r.get("user_id").and_then(int_of).unwrap_or(0),
        status: install.get("status").and_then(str_of).unwrap_or_default(),
        payment_expired: install.get("payment_expired").is_some_and(flag_of),
        days: install.get("days").and_then(int_of),
    })
}

/// What the portal says about the token's user: admin flag and departments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalUser {
    pub is_admin: bool,
    pub user_id: Option<i64>,
    pub name: String,
    pub departments: Vec<i64>,
}

/// `user.admin` and `user.current` on the portal's stored REST endpoint. A failure of `user.current` only loses
/// the departments; a failure of `user.admin` means "not an admin" (the safe side).
pub async fn portal_user(http: &reqwest::Client, client_endpoint: &str, token: &str) -> PortalUser {
    let base = with_slash(client_endpoint);
    let call = |method: &str| {
        http.get(format!("{base}{method}.json"))
            .query(&[("auth", token)])
            .send()
    };
    let mut user = PortalUser::default();
    if let Ok(resp) = call("user.admin").await {
        if let Ok(v) = resp.json::<Value>().await {
            user.is_admin = matches!(v.get("result"), Some(Value::Bool(true)))
                || matches!(
                    v.get("result").and_then(str_of).as_deref(),
                    Some("true" | "Y" | "1")
                );
        }
    }
    if let Ok(resp) = call("user.current").await {
        if let Ok(v) = resp.json::<Value>().await {
            if let Some(r) = v.get("result") {
                user.user_id = r.get("ID").and_then(int_of);
                let first = r.get("NAME").and_then(str_of).unwrap_or_default();
                let last = r.get("LAST_NAME").and_then(str_of).unwrap_or_default();
                user.name = format!("{first} {last}").trim().to_string();
                if let Some(Value::Array(ds)) = r.get("UF_DEPARTMENT") {
                    user.departments = ds.iter().filter_map(int_of).collect();
                }
            }
        }
    }
    user
}

/// Binds an event handler on the portal with the app's token (`event.bind`); errors are reported, not fatal.
pub async fn bind_event(
    http: &reqwest::Client,
    client_endpoint: &str,
    token: &str,
    event: &str,
    handler: &str,
) -> Result<(), String> {
    let url = format!("{}event.bind.json", with_slash(client_endpoint));
    let resp = http
        .post(url)
        .form(&[("auth", token), ("event", event), ("handler", handler)])
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let v: Value = resp.json().await.map_err(|e| e.without_url().to_string())?;
    match v.get("error").and_then(str_of) {
        // Binding twice is fine: a re-install keeps the old binding.
        Some(e)
            if !v
                .get("error_description")
                .and_then(str_of)
                .unwrap_or_default()
                .contains("already") =>
        {
            Err(e)
        }
        _ => Ok(()),
    }
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payment_fields_parse_tolerantly() {
        assert!(flag_of(&json!("Y")) && flag_of(&json!(true)) && flag_of(&json!(1)));
        assert!(!flag_of(&json!("N")) && !flag_of(&json!(null)) && !flag_of(&json!("yes?")));
        assert_eq!(int_of(&json!("-3")), Some(-3));
        assert_eq!(int_of(&json!(12)), Some(12));
        assert_eq!(int_of(&json!(null)), None);
        assert_eq!(int_of(&json!("")), None);
    }
}
