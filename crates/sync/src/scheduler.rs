//! Sharing many portals between server processes: each pass walks the active portals, takes each portal's `sync`
//! lease if free (a portal held by a live process is skipped; a dead process's lease expires and is taken over),
//! runs one cycle, and releases it. Several processes can run this loop against one database.

use std::collections::HashMap;

use b24a_client::{ClientConfig, OAuthApp};
use b24a_store::{with_pool, Store};

use crate::engine::{CycleReport, SyncOptions};
use crate::error::SyncError;
use crate::portal;

/// The outcome for one portal in a pass.
#[derive(Debug)]
pub enum PortalOutcome {
    Synced(CycleReport),
    /// Another process holds the portal's lease.
    Busy,
    /// The portal needs a human (revoked, unpaid, deleted); flagged, data kept.
    NeedsAttention(String),
    Failed(SyncError),
}

/// The app registration whose tokens to use for a portal: the first of the portal's installed apps we know.
async fn app_for(
    store: &Store,
    portal_id: i64,
    apps: &HashMap<String, OAuthApp>,
) -> Result<Option<OAuthApp>, SyncError> {
    let ids: Vec<String> = with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, String>(
            "SELECT client_id FROM portal_apps WHERE portal_id = $1 AND uninstalled_at IS NULL ORDER BY client_id",
        )
        .bind(portal_id)
        .fetch_all(p)
        .await?
    });
    Ok(ids.into_iter().find_map(|id| apps.get(&id).cloned()))
}

/// One pass over every active portal. `apps` maps client ids to the app registrations this backend serves.
pub async fn sync_all_once(
    store: &Store,
    apps: &HashMap<String, OAuthApp>,
    holder: &str,
    config: &ClientConfig,
    opts: &SyncOptions,
) -> Result<Vec<(i64, PortalOutcome)>, SyncError> {
    let mut out = Vec::new();
    for portal_id in portal::active_ids(store).await? {
        let app = app_for(store, portal_id, apps).await?;
        let outcome = match crate::sync_portal(
            store,
            portal_id,
            app.as_ref(),
            holder,
            config.clone(),
            opts.clone(),
        )
        .await
        {
            Ok(r) => PortalOutcome::Synced(r),
            Err(SyncError::Busy(_)) => PortalOutcome::Busy,
            Err(e) if e.needs_attention() => PortalOutcome::NeedsAttention(e.to_string()),
            Err(e) => {
                tracing::warn!(portal_id, error = %e, "portal sync failed; retried next pass");
                PortalOutcome::Failed(e)
            }
        };
        out.push((portal_id, outcome));
    }
    Ok(out)
}
