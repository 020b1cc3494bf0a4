//! Tolerant reading of the form bodies Bitrix24 POSTs (install events, iframe launches, events): bracketed keys
//! (`auth[member_id]`) arrive as flat pairs and every value is a string. Never panics on a broken body.

/// The pairs of an `application/x-www-form-urlencoded` body (empty on garbage).
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

/// The first value of `key` (exact match).
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}
