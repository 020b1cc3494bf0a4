//! Asks the authorization server and the portal who is really behind a token the browser handed us. Nothing the
//! browser POSTs (DOMAIN, member_id, status, endpoints) is trusted: only the configured OAuth server's `app.info`
//! answer (which names the portal's member, domain and REST endpoint) and the portal's own answers on that verified
//! endpoint. Never logs tokens; never turns an unknown answer into "not an administrator" (see `user_calls`).

use std::time::Duration;

use serde_json::Value;

/// Who a verified token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub client_id: String,
    pub member_id: String,
    pub domain: String,
    /// `install.client_endpoint`: the portal's REST endpoint as the authorization server knows it (empty when the
    /// answer lacks it). The only source of the endpoint we store and call.
    pub client_endpoint: String,
    /// The app's granted scopes (`scope`), when the answer has them.
    pub scope: Option<String>,
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

pub(crate) fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn int_of(v: &Value) -> Option<i64> {
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
        client_endpoint: install
            .get("client_endpoint")
            .and_then(str_of)
            .unwrap_or_default(),
        scope: r
            .get("scope")
            .and_then(str_of)
            .filter(|s| !s.trim().is_empty()),
        user_id: r.get("user_id").and_then(int_of).unwrap_or(0),
        status: install.get("status").and_then(str_of).unwrap_or_default(),
        payment_expired: install.get("payment_expired").is_some_and(flag_of),
        days: install.get("days").and_then(int_of),
    })
}

impl VerifiedToken {
    /// The portal's REST endpoint from the authorization server's answer: `install.client_endpoint` when it is an
    /// http(s) URL with a host, else `https://<install.domain>/rest/`; `None` when the answer names neither.
    pub fn endpoint(&self) -> Option<String> {
        if let Ok(u) = url::Url::parse(self.client_endpoint.trim()) {
            if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() {
                return Some(with_slash(self.client_endpoint.trim()));
            }
        }
        let d = self.domain.trim();
        if d.is_empty() || d.contains(['/', '?', '#', '@']) {
            return None;
        }
        Some(format!("https://{d}/rest/"))
    }

    /// The portal's host (with port) from the verified endpoint: the domain we store.
    pub fn portal_domain(&self) -> Option<String> {
        let u = url::Url::parse(&self.endpoint()?).ok()?;
        let host = u.host_str()?;
        Some(match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        })
    }
}

pub(crate) fn with_slash(s: &str) -> String {
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

    fn verified(client_endpoint: &str, domain: &str) -> VerifiedToken {
        VerifiedToken {
            client_id: "app".into(),
            member_id: "m".into(),
            domain: domain.into(),
            client_endpoint: client_endpoint.into(),
            scope: None,
            user_id: 1,
            status: "L".into(),
            payment_expired: false,
            days: None,
        }
    }

    #[test]
    fn endpoint_comes_from_the_verified_answer_only() {
        let v = verified("http://127.0.0.1:4567/rest/", "127.0.0.1:4567");
        assert_eq!(v.endpoint().as_deref(), Some("http://127.0.0.1:4567/rest/"));
        assert_eq!(v.portal_domain().as_deref(), Some("127.0.0.1:4567"));
        let v = verified("", "a.bitrix24.ru");
        assert_eq!(v.endpoint().as_deref(), Some("https://a.bitrix24.ru/rest/"));
        assert_eq!(v.portal_domain().as_deref(), Some("a.bitrix24.ru"));
        assert_eq!(verified("javascript:x", "").endpoint(), None);
        assert_eq!(verified("", "evil.example/x").endpoint(), None);
    }
}
