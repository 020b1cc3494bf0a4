//! Content-Security-Policy of the app's pages: only the verified portal may frame them, scripts and styles come
//! from this server (and BX24.js from that portal). Never derived from what the browser claims: the origin is
//! built from the portal's stored REST endpoint and the domain the authorization server confirmed.

/// The portal origin (`https://x.bitrix24.ru`, `http://127.0.0.1:PORT` for the emulator) from its REST endpoint.
pub fn portal_origin(client_endpoint: &str) -> Option<String> {
    let u = url::Url::parse(client_endpoint).ok()?;
    let host = u.host_str()?;
    match u.port() {
        Some(p) => Some(format!("{}://{host}:{p}", u.scheme())),
        None => Some(format!("{}://{host}", u.scheme())),
    }
}

/// The header value for a page framed by `origin`.
pub fn policy_for(origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' {origin} https://api.bitrix24.com; style-src 'self' 'unsafe-inline'; img-src 'self' data: {origin}; \
         connect-src 'self'; frame-ancestors {origin}; base-uri 'none'; form-action 'self'"
    )
}

/// Pages that are not bound to a portal (errors, the forged-request answer) may not be framed at all.
pub const DENY_ALL: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_endpoint() {
        assert_eq!(
            portal_origin("https://a.bitrix24.ru/rest/").as_deref(),
            Some("https://a.bitrix24.ru")
        );
        assert_eq!(
            portal_origin("http://127.0.0.1:4567/rest/").as_deref(),
            Some("http://127.0.0.1:4567")
        );
        assert_eq!(portal_origin("not a url"), None);
        assert!(
            policy_for("https://a.bitrix24.ru").contains("frame-ancestors https://a.bitrix24.ru;")
        );
    }
}
