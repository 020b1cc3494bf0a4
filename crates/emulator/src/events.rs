//! Event delivery: online events POSTed form-encoded (PHP brackets) to bound handlers with
//! `auth[application_token]`, the offline queue (one record per changed object), and the app
//! lifecycle events ONAPPINSTALL / ONAPPUNINSTALL.
//!
//! Delivery is best-effort like the real queue service: failures are dropped, never retried.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::php::to_form_pairs;
use crate::state::{hex32, AppInstall, OfflineEvent, PortalState};

/// One POST to make.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub url: String,
    pub form: Vec<(String, String)>,
}

/// Sends deliveries concurrently and waits (bounded) for them to finish.
pub async fn send_all(portal: &PortalState, deliveries: Vec<Delivery>) {
    let http = portal.shared.http.clone();
    let futures = deliveries.into_iter().map(|d| {
        let http = http.clone();
        async move {
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                http.post(&d.url).form(&d.form).send(),
            )
            .await;
        }
    });
    futures::future::join_all(futures).await;
}

fn auth_block(
    portal: &PortalState,
    inst: &AppInstall,
    user_id: Option<i64>,
    with_refresh: bool,
) -> Value {
    let shared = &portal.shared;
    let mut auth = json!({
        "domain": portal.domain(),
        "client_endpoint": portal.client_endpoint(),
        "server_endpoint": shared.server_endpoint(),
        "member_id": portal.member_id,
        "application_token": inst.application_token,
    });
    if let Some(uid) = user_id {
        let pair = crate::oauth::issue(shared, &portal.member_id, &inst.client_id, uid);
        let scope = shared
            .apps
            .lock()
            .ok()
            .and_then(|a| a.get(&inst.client_id).map(|r| r.scope.join(",")))
            .unwrap_or_default();
        auth["access_token"] = json!(pair.access_token);
        auth["expires"] = json!(pair.expires.to_string());
        auth["expires_in"] = json!(pair.expires_in.to_string());
        auth["scope"] = json!(scope);
        auth["status"] = json!(inst.status.status);
        auth["user_id"] = json!(uid.to_string());
        if with_refresh {
            auth["refresh_token"] = json!(pair.refresh_token);
        }
    }
    auth
}

fn payload(
    event: &str,
    handler_id: usize,
    data: &Value,
    ts: i64,
    auth: &Value,
) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("event".to_string(), event.to_string()),
        ("event_handler_id".to_string(), handler_id.to_string()),
    ];
    to_form_pairs("data", data, &mut pairs);
    pairs.push(("ts".into(), ts.to_string()));
    to_form_pairs("auth", auth, &mut pairs);
    pairs
}

/// Collects online deliveries and queues offline records for one event on one object.
pub fn fire(
    portal: &PortalState,
    event: &str,
    data: Value,
    object_id: i64,
    acting_user: i64,
) -> Vec<Delivery> {
    let ts = portal.clock();
    let installs: Vec<AppInstall> = portal
        .installs
        .lock()
        .map(|i| i.values().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for inst in installs
        .iter()
        .filter(|i| i.installed && i.status.payment_allowed())
    {
        for (idx, b) in inst
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.event == event)
        {
            if b.offline {
                queue_offline(portal, inst, event, &data, object_id, &b.auth_connector);
            } else {
                let auth = auth_block(
                    portal,
                    inst,
                    Some(if b.auth_type > 0 {
                        b.auth_type
                    } else {
                        acting_user
                    }),
                    false,
                );
                out.push(Delivery {
                    url: b.handler.clone(),
                    form: payload(event, idx + 1, &data, ts, &auth),
                });
            }
        }
    }
    out
}

fn queue_offline(
    portal: &PortalState,
    inst: &AppInstall,
    event: &str,
    data: &Value,
    object_id: i64,
    connector: &str,
) {
    let message_id = hex32(&format!("{event}|{object_id}"));
    let id = portal
        .offline_seq
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed) as i64
        + 1;
    let ts = portal.clock();
    if let Ok(mut q) = portal.offline.lock() {
        // One record per changed object: a newer change replaces an unreserved older one.
        q.retain(|e| {
            !(e.client_id == inst.client_id
                && e.message_id == message_id
                && e.auth_connector == connector
                && e.process_id.is_none())
        });
        q.push(OfflineEvent {
            id,
            client_id: inst.client_id.clone(),
            timestamp: ts,
            event_name: event.to_string(),
            data: data.clone(),
            message_id,
            auth_connector: connector.to_string(),
            process_id: None,
            error: false,
        });
    }
}

/// ONAPPINSTALL to the registered install handler (and to bound ONAPPINSTALL handlers).
pub fn install_deliveries(
    portal: &PortalState,
    inst: &AppInstall,
    handler: Option<&str>,
    user_id: i64,
    version: i64,
) -> Vec<Delivery> {
    let data = json!({"VERSION": version.to_string(), "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "ru"});
    let auth = auth_block(portal, inst, Some(user_id), true);
    let ts = portal.clock();
    let mut urls: Vec<String> = handler.map(|h| vec![h.to_string()]).unwrap_or_default();
    urls.extend(
        inst.bindings
            .iter()
            .filter(|b| b.event == "ONAPPINSTALL" && !b.offline)
            .map(|b| b.handler.clone()),
    );
    urls.dedup();
    urls.into_iter()
        .map(|url| Delivery {
            url,
            form: payload("ONAPPINSTALL", 1, &data, ts, &auth),
        })
        .collect()
}

/// ONAPPPAYMENT after the app became paid: status data plus full auth.
pub fn payment_deliveries(portal: &PortalState, inst: &AppInstall, version: i64) -> Vec<Delivery> {
    let code = portal
        .shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(&inst.client_id).map(|r| r.code.clone()))
        .unwrap_or_default();
    let data = json!({
        "CODE": code,
        "VERSION": version.to_string(),
        "STATUS": inst.status.status,
        "PAYMENT_EXPIRED": if inst.status.payment_expired { "Y" } else { "N" },
        "DAYS": inst.status.days.map(|d| d.to_string()).unwrap_or_default(),
        "LANGUAGE_ID": "ru",
    });
    let auth = auth_block(portal, inst, Some(1), false);
    let ts = portal.clock();
    inst.bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| b.event == "ONAPPPAYMENT" && !b.offline)
        .map(|(i, b)| Delivery {
            url: b.handler.clone(),
            form: payload("ONAPPPAYMENT", i + 1, &data, ts, &auth),
        })
        .collect()
}

/// ONAPPUNINSTALL: no tokens, only the portal identity and application_token.
pub fn uninstall_deliveries(portal: &PortalState, inst: &AppInstall, clean: bool) -> Vec<Delivery> {
    let data = json!({"LANGUAGE_ID": "ru", "CLEAN": if clean { "1" } else { "0" }});
    let auth = auth_block(portal, inst, None, false);
    let ts = portal.clock();
    inst.bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| b.event == "ONAPPUNINSTALL" && !b.offline)
        .map(|(i, b)| Delivery {
            url: b.handler.clone(),
            form: payload("ONAPPUNINSTALL", i + 1, &data, ts, &auth),
        })
        .collect()
}

/// Spawns deliveries without waiting (for callers that must not block).
pub fn spawn(portal: Arc<PortalState>, deliveries: Vec<Delivery>) {
    if deliveries.is_empty() {
        return;
    }
    tokio::spawn(async move { send_all(&portal, deliveries).await });
}
