//! The event bindings the sync relies on, and their repair: every cycle (and once at install) `event.get` lists
//! what the portal has bound for the app, and whatever is missing is bound again in one batch — the app events
//! (`ONAPPUNINSTALL`, `ONAPPPAYMENT`) and the CRM/task change events to the online handler, the change events
//! also to the offline queue (admin only; it keeps events while our server is unreachable). Bindings are lost
//! on a failed install call, an app update (the portal drops the app's handlers) or an admin's unbind; without
//! them deletions would wait for the daily reconciliation.
//!
//! It binds only as an app (a webhook has no event context) and only the handler URL the operator configured;
//! it never unbinds anything, and a failed bind never fails the cycle (it is reported and retried next cycle).

use std::collections::BTreeSet;

use b24a_client::{ApiError, Batch};
use serde_json::{json, Value};

use crate::engine::PortalSync;
use crate::error::SyncError;

/// The change events whose records the sync re-reads (or deletes); `Entity::for_event` maps each to its kind.
pub const SYNC_EVENTS: &[&str] = &[
    "ONCRMDEALADD",
    "ONCRMDEALUPDATE",
    "ONCRMDEALDELETE",
    "ONCRMLEADADD",
    "ONCRMLEADUPDATE",
    "ONCRMLEADDELETE",
    "ONCRMACTIVITYADD",
    "ONCRMACTIVITYUPDATE",
    "ONCRMACTIVITYDELETE",
    "ONCRMCOMPANYADD",
    "ONCRMCOMPANYUPDATE",
    "ONCRMCOMPANYDELETE",
    "ONCRMCONTACTADD",
    "ONCRMCONTACTUPDATE",
    "ONCRMCONTACTDELETE",
    "ONTASKADD",
    "ONTASKUPDATE",
    "ONTASKDELETE",
];

/// Lifecycle events the server handles online: uninstall stops the sync, payment re-reads the tier.
pub const APP_EVENTS: &[&str] = &["ONAPPUNINSTALL", "ONAPPPAYMENT"];

/// One binding: an event to an online handler URL, or (`handler: None`) to the offline queue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binding {
    pub event: String,
    pub handler: Option<String>,
}

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.handler {
            Some(h) => write!(f, "{} → {h}", self.event),
            None => write!(f, "{} → offline queue", self.event),
        }
    }
}

/// What a check did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BindingReport {
    /// Bindings that were missing and are bound now.
    pub bound: Vec<Binding>,
    /// Bindings that were missing and could not be bound, with the portal's error.
    pub failed: Vec<(Binding, String)>,
}

/// The online handler of an app: `{base}/{client_id}` (the server's `/events/{client_id}`).
pub fn handler_url(base: &str, client_id: &str) -> String {
    format!("{}/{client_id}", base.trim_end_matches('/'))
}

/// Every binding the sync wants: with an online handler, the app events and the change events there; the
/// change events in the offline queue always.
pub fn wanted(handler: Option<&str>) -> Vec<Binding> {
    let mut out = Vec::new();
    if let Some(h) = handler {
        for ev in APP_EVENTS.iter().chain(SYNC_EVENTS) {
            out.push(Binding {
                event: (*ev).to_string(),
                handler: Some(h.to_string()),
            });
        }
    }
    for ev in SYNC_EVENTS {
        out.push(Binding {
            event: (*ev).to_string(),
            handler: None,
        });
    }
    out
}

/// Handler URLs compare without a trailing slash (the portal may store either).
fn same_url(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

/// The bindings an `event.get` answer lists. Tolerant: rows as an array or a PHP map, `offline` as 0/1, "Y"/"N" or
/// a boolean, event names in any case; a row without an event name is skipped.
pub fn listed(result: &Value) -> Vec<Binding> {
    let rows: Vec<&Value> = match result {
        Value::Array(a) => a.iter().collect(),
        Value::Object(m) => m.values().collect(),
        _ => Vec::new(),
    };
    rows.into_iter()
        .filter_map(|row| {
            let event = row
                .get("event")
                .and_then(|v| b24a_client::value::text(v).ok().flatten())?
                .trim()
                .to_ascii_uppercase();
            let offline = row
                .get("offline")
                .and_then(|v| b24a_client::value::flag(v).ok().flatten())
                .unwrap_or(false);
            let handler = row
                .get("handler")
                .and_then(|v| b24a_client::value::text(v).ok().flatten());
            Some(Binding {
                event,
                handler: if offline {
                    None
                } else {
                    Some(handler.unwrap_or_default())
                },
            })
        })
        .collect()
}

/// The wanted bindings the portal does not list.
pub fn missing(wanted: &[Binding], listed: &[Binding]) -> Vec<Binding> {
    wanted
        .iter()
        .filter(|w| {
            !listed.iter().any(|l| {
                l.event == w.event
                    && match (&l.handler, &w.handler) {
                        (None, None) => true,
                        (Some(a), Some(b)) => same_url(a, b),
                        _ => false,
                    }
            })
        })
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl PortalSync {
    /// This portal's online handler URL: only for an app client and when the options name a handler base.
    pub fn event_handler(&self) -> Option<String> {
        let base = self.opts.event_handler_base.as_deref()?;
        let client_id = self.client.app_client_id()?;
        Some(handler_url(base, client_id))
    }

    /// Checks the portal's bindings and binds what is missing (one `event.bind` batch, only when something is).
    /// `listing` is an `event.get` answer already fetched (the cycle takes it in its dictionary batch); `None`
    /// calls `event.get` here. A webhook client has nothing to bind. A binding that fails is reported in the
    /// answer, not as an error; errors are a failed `event.get` or `event.bind` request as a whole.
    pub async fn ensure_bindings(
        &self,
        listing: Option<Result<Value, ApiError>>,
    ) -> Result<BindingReport, SyncError> {
        if self.client.app_client_id().is_none() {
            return Ok(BindingReport::default());
        }
        let listing = match listing {
            Some(r) => r?,
            None => self.client.call("event.get", json!({})).await?.result,
        };
        let handler = self.event_handler();
        let todo = missing(&wanted(handler.as_deref()), &listed(&listing));
        let mut report = BindingReport::default();
        if todo.is_empty() {
            return Ok(report);
        }
        let mut batch = Batch::new();
        for (i, b) in todo.iter().enumerate() {
            let params = match &b.handler {
                Some(h) => json!({ "event": b.event, "handler": h }),
                None => json!({ "event": b.event, "event_type": "offline" }),
            };
            batch.push(format!("b{i}"), "event.bind", params)?;
        }
        let resp = self.client.batch(&batch).await?;
        for (i, b) in todo.into_iter().enumerate() {
            match resp.errors.get(&format!("b{i}")) {
                None => report.bound.push(b),
                // Bound meanwhile (another replica, the install): what we wanted is there.
                Some(ApiError::Method { code, .. }) if code == "ERROR_HANDLER_ALREADY_EXIST" => {
                    report.bound.push(b)
                }
                Some(e) if e.needs_attention() => return Err(SyncError::Api(e.clone())),
                Some(e) => {
                    tracing::warn!(portal = self.portal_id, binding = %b, error = %e, "event.bind failed");
                    report.failed.push((b, e.to_string()));
                }
            }
        }
        if !report.bound.is_empty() {
            tracing::info!(
                portal = self.portal_id,
                bound = report.bound.len(),
                "missing event bindings restored"
            );
        }
        Ok(report)
    }
}

/// Checks and repairs a stored portal's bindings outside a cycle (the server calls it right after an install, so
/// events flow before the first import ends). Safe next to a running cycle: `event.get` + idempotent binds, no
/// lease needed. `handler_base` as in `SyncOptions::event_handler_base`.
pub async fn ensure_now(
    store: &b24a_store::Store,
    portal_id: i64,
    app: Option<&b24a_client::OAuthApp>,
    holder: &str,
    config: b24a_client::ClientConfig,
    handler_base: Option<String>,
) -> Result<BindingReport, SyncError> {
    let client = crate::portal::client_for(store, portal_id, app, holder, config).await?;
    let opts = crate::SyncOptions {
        event_handler_base: handler_base,
        ..Default::default()
    };
    PortalSync::new(store.clone(), client, portal_id, opts)
        .ensure_bindings(None)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_is_read_tolerantly_and_missing_ones_found() {
        let h = "https://app.example.com/events/local.x";
        let answer = json!([
            {"event": "ONAPPUNINSTALL", "handler": "https://app.example.com/events/local.x/", "auth_type": "0", "offline": 0},
            {"event": "oncrmdealdelete", "handler": "", "auth_type": "1", "offline": "1"},
            {"event": "ONCRMDEALADD", "handler": "https://elsewhere.example.com/", "offline": false},
            {"handler": "no event name"}
        ]);
        let l = listed(&answer);
        assert_eq!(l.len(), 3);
        let m = missing(&wanted(Some(h)), &l);
        // 2 app + 18 online + 18 offline wanted; the uninstall handler (trailing slash) and one offline are there.
        assert_eq!(m.len(), 2 + 18 + 18 - 2);
        assert!(!m.contains(&Binding {
            event: "ONAPPUNINSTALL".into(),
            handler: Some(h.into())
        }));
        assert!(m.contains(&Binding {
            event: "ONAPPPAYMENT".into(),
            handler: Some(h.into())
        }));
        assert!(m.contains(&Binding {
            event: "ONCRMDEALADD".into(),
            handler: Some(h.into())
        }));
        // A PHP map instead of a list, and garbage, do not panic.
        assert_eq!(
            listed(&json!({"0": {"event": "ONTASKADD", "offline": 1}})).len(),
            1
        );
        assert!(listed(&json!("nonsense")).is_empty());
        // Without a handler only the offline queue is wanted.
        assert_eq!(wanted(None).len(), SYNC_EVENTS.len());
    }
}
