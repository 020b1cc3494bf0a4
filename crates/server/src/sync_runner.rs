//! Runs the first import (and follow-up cycles) of a freshly installed portal in this process, in the background.
//! Never blocks a request on a sync; a failing cycle is logged and retried later, never crashes the server.

use std::time::Duration;

use crate::app::AppState;

/// Spawns import cycles for the portal until one completes without error, then incremental cycles every minute.
pub fn start_first_import(state: &AppState, portal: b24a_store::PortalId, client_id: &str) {
    if !state.config.sync_in_process {
        return;
    }
    let Some(app) = state.app(client_id) else {
        return;
    };
    let store = state.store.clone();
    let oauth = b24a_client::OAuthApp {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
    };
    tokio::spawn(async move {
        let holder = format!("server-{}", std::process::id());
        loop {
            let res = b24a_sync::sync_portal(
                &store,
                portal.0,
                Some(&oauth),
                &holder,
                b24a_client::ClientConfig::default(),
                b24a_sync::SyncOptions::default(),
            )
            .await;
            match res {
                Ok(_) => tracing::info!(portal = portal.0, "sync cycle done"),
                Err(b24a_sync::SyncError::NeedsAttention(m)) => {
                    tracing::warn!(portal = portal.0, reason = %m, "sync stopped: portal needs attention");
                    return;
                }
                Err(e) => tracing::warn!(portal = portal.0, error = %e, "sync cycle failed"),
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
            match store.portal(portal).await {
                Ok(Some(p)) if p.status == b24a_store::PortalStatus::Active => {}
                _ => return,
            }
        }
    });
}
