//! A process-wide hook that sees every REST call's outcome (method and error code), so the server can count portal
//! API calls and errors for its metrics without this crate depending on a metrics library. It must never receive
//! URLs, parameters or tokens: only the method name and a short error code.

use std::sync::OnceLock;

/// Called once per HTTP request to a portal: the method and `None` on success or `Some(code)` on failure.
pub type CallHook = Box<dyn Fn(&str, Option<&str>) + Send + Sync>;

static HOOK: OnceLock<CallHook> = OnceLock::new();

/// Installs the hook; only the first call wins (the server installs it once at start).
pub fn set_call_hook(hook: CallHook) {
    let _ = HOOK.set(hook);
}

pub(crate) fn record(method: &str, error: Option<&crate::ApiError>) {
    if let Some(h) = HOOK.get() {
        let code = error.map(error_code);
        h(method, code.as_deref());
    }
}

/// A short, bounded label for an error (the enum variant name), never its message.
fn error_code(e: &crate::ApiError) -> String {
    let dbg = format!("{e:?}");
    dbg.split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("error")
        .to_string()
}
