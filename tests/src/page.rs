//! Reading what a shell page embeds: the one parser of its JSON config (`<script id="b24a-config">`). Never
//! reaches the network; tests fetch the page themselves.

use serde_json::Value;

const OPEN: &str = r#"id="b24a-config">"#;

/// The config a shell page embeds, or `None` when the page has none (an error page, a refusal).
pub fn config_of(html: &str) -> Option<Value> {
    let start = html.find(OPEN)? + OPEN.len();
    let end = html[start..].find("</script>")?;
    // The server escapes `</` inside the script element; JSON does not need the escape.
    serde_json::from_str(&html[start..start + end].replace("<\\/", "</")).ok()
}

/// The session token in a shell page's config, or `None` when the page has no config or no session.
pub fn session_of(html: &str) -> Option<String> {
    config_of(html)?
        .get("session")?
        .as_str()
        .map(str::to_string)
}
