//! The REST envelope: turns an HTTP status + body into either a success `Envelope` (`result`, `next`, `total`,
//! `time`) or a typed `ApiError`. It must never panic on odd bodies (HTML error pages, empty bodies, PHP's `[]`).

use serde_json::Value;

use crate::error::ApiError;
use crate::value;

/// Timing the portal reports with every successful call (`time` object, or a batch's `result_time[key]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeInfo {
    /// Server seconds spent in the method (`processing`).
    pub processing: Option<f64>,
    /// The method's current use of its server-time budget (`operating`), seconds.
    pub operating: Option<f64>,
    /// When the oldest budget bucket expires (`operating_reset_at`), unix seconds.
    pub operating_reset_at: Option<i64>,
    /// The portal's clock at the start of the call (`date_start`), unix seconds.
    pub date_start: Option<i64>,
}

impl TimeInfo {
    pub fn from_value(v: &Value) -> TimeInfo {
        let get = |k: &str| v.get(k).unwrap_or(&Value::Null);
        TimeInfo {
            processing: value::float(get("processing")).ok().flatten(),
            operating: value::float(get("operating")).ok().flatten(),
            operating_reset_at: value::int(get("operating_reset_at"))
                .ok()
                .flatten()
                .or_else(|| value::instant(get("operating_reset_at")).ok().flatten()),
            date_start: value::instant(get("date_start")).ok().flatten(),
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub result: Value,
    pub next: Option<i64>,
    pub total: Option<i64>,
    pub time: TimeInfo,
}

/// Parses one HTTP answer of `method`.
pub fn parse(method: &str, status: u16, body: &[u8]) -> Result<Envelope, ApiError> {
    let json: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            let snippet: String =
                String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            return Err(if status >= 500 || status == 429 {
                ApiError::Server {
                    status,
                    detail: format!("non-JSON body: {snippet}"),
                }
            } else {
                ApiError::Malformed(format!("HTTP {status}, non-JSON body: {snippet}"))
            });
        }
    };
    if let Some(error) = error_of(&json) {
        let (code, description) = error;
        let mut e = ApiError::from_code(status, &code, &description, method);
        if let ApiError::OperationTimeLimit { reset_at, .. } = &mut e {
            *reset_at = json
                .get("time")
                .map(TimeInfo::from_value)
                .and_then(|t| t.operating_reset_at);
        }
        return Err(e);
    }
    if status >= 500 {
        return Err(ApiError::Server {
            status,
            detail: "5xx without an error code".into(),
        });
    }
    let Value::Object(mut map) = json else {
        return Err(ApiError::Malformed(format!(
            "HTTP {status}: envelope is not an object"
        )));
    };
    let Some(result) = map.remove("result") else {
        return Err(ApiError::Malformed(format!(
            "HTTP {status}: envelope has no result"
        )));
    };
    Ok(Envelope {
        result,
        next: map.get("next").and_then(|v| value::int(v).ok().flatten()),
        total: map.get("total").and_then(|v| value::int(v).ok().flatten()),
        time: map
            .get("time")
            .map(TimeInfo::from_value)
            .unwrap_or_default(),
    })
}

/// `(code, description)` when the body is an error envelope. Legacy CRM methods send `"error": ""` with the text in
/// `error_description`, so an empty code with a description is still an error.
pub fn error_of(json: &Value) -> Option<(String, String)> {
    let obj = json.as_object()?;
    let description = obj
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match obj.get("error") {
        Some(Value::String(code)) if !code.is_empty() || !description.is_empty() => {
            Some((code.clone(), description))
        }
        Some(Value::Number(n)) => Some((n.to_string(), description)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_envelope_with_time() {
        let body = br#"{"result":[{"ID":"1"}],"next":50,"total":"120","time":{"start":1725295038.1,"finish":1725295038.3,
            "processing":0.05,"date_start":"2024-09-02T18:37:18+02:00","operating":1.25,"operating_reset_at":1725295638}}"#;
        let e = parse("crm.deal.list", 200, body).unwrap();
        assert_eq!(e.next, Some(50));
        assert_eq!(e.total, Some(120));
        assert_eq!(e.time.operating, Some(1.25));
        assert_eq!(e.time.operating_reset_at, Some(1_725_295_638));
        assert_eq!(e.time.date_start, Some(1_725_295_038));
    }

    #[test]
    fn errors_by_code() {
        assert_eq!(
            parse(
                "m",
                503,
                br#"{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}"#
            ),
            Err(ApiError::QueryLimitExceeded)
        );
        assert_eq!(
            parse("m", 401, br#"{"error":"expired_token","error_description":"The access token provided has expired"}"#),
            Err(ApiError::ExpiredToken)
        );
        match parse(
            "crm.deal.get",
            400,
            br#"{"error":"","error_description":"Not found"}"#,
        ) {
            Err(ApiError::Method {
                code, description, ..
            }) => {
                assert_eq!(code, "");
                assert_eq!(description, "Not found");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn html_error_pages_are_transient_server_errors() {
        match parse("m", 502, b"<html>Bad Gateway</html>") {
            Err(e @ ApiError::Server { status: 502, .. }) => assert!(e.is_retryable()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("m", 200, b"<html>"),
            Err(ApiError::Malformed(_))
        ));
        assert!(matches!(
            parse("m", 200, br#"{"total":1}"#),
            Err(ApiError::Malformed(_))
        ));
    }
}
