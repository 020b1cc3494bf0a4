//! The acting user's own portal tokens (AUTH_ID / REFRESH_ID of a verified iframe launch), kept for the tidy-up
//! actions (docs/ACTIONS.md) so they run with his CRM permissions. Held in this process's memory only, under a
//! random key the signed session carries (`Session::grant`); a grant answers only to a session of the same portal,
//! user and app, and expires with the session's renewal window. The REST endpoint is the one the OAuth server
//! named at launch. Must never be sent to the page, written to the database or logged (`Debug` hides the tokens).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::session::Session;

/// One user's tokens for one portal and app.
#[derive(Clone)]
pub struct UserGrant {
    pub portal_id: i64,
    pub user_id: i64,
    pub client_id: String,
    /// The verified `client_endpoint` of the portal.
    pub endpoint: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds; the grant is dropped after this.
    pub expires_at: i64,
}

impl std::fmt::Debug for UserGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserGrant")
            .field("portal_id", &self.portal_id)
            .field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .field("tokens", &"<hidden>")
            .finish()
    }
}

/// The grants of this process.
#[derive(Clone, Default)]
pub struct UserGrants {
    inner: Arc<Mutex<HashMap<String, UserGrant>>>,
}

impl UserGrants {
    /// Keeps a grant; its key for the session. Expired grants are dropped on the way.
    pub fn put(&self, grant: UserGrant, now: i64) -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if let Ok(mut m) = self.inner.lock() {
            m.retain(|_, g| g.expires_at > now);
            m.insert(key.clone(), grant);
        }
        key
    }

    /// The grant of a session: same portal, user and app, not expired.
    pub fn for_session(&self, session: &Session, now: i64) -> Option<UserGrant> {
        if session.grant.is_empty() {
            return None;
        }
        let m = self.inner.lock().ok()?;
        let g = m.get(&session.grant)?;
        (g.portal_id == session.portal_id
            && g.user_id == session.user_id
            && g.client_id == session.client_id
            && g.expires_at > now)
            .then(|| g.clone())
    }

    /// Stores refreshed tokens of a grant (the client refreshed them during a run).
    pub fn update_tokens(&self, key: &str, access: &str, refresh: &str) {
        if let Ok(mut m) = self.inner.lock() {
            if let Some(g) = m.get_mut(key) {
                g.access_token = access.to_string();
                g.refresh_token = refresh.to_string();
            }
        }
    }
}
