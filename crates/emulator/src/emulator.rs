//! The library entry point: `start()` brings up the shared OAuth listener, `add_portal()` one
//! listener per portal (its own port on 127.0.0.1), and `PortalHandle` offers the admin
//! operations in-process (installs, webhooks, iframe launches, limits, faults, mutations).
//!
//! Glue only: no method logic, no envelope formatting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::events;
use crate::faults::{FaultState, Faults};
use crate::generator::{generate, CompanyConfig};
use crate::limits::{LimiterState, Limits};
use crate::model::PortalData;
use crate::mutations::{self, DealPatch, NewActivity, NewDeal, NewLead, NewTask, PendingEvent};
use crate::state::{
    hex32, random_token, AppInstall, AppRegistration, AppStatus, PortalState, Shared,
};

#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Access-token lifetime (3600 s on real portals; short in tests).
    pub token_ttl: Duration,
    /// Port of the OAuth listener (0 = ephemeral).
    pub oauth_port: u16,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            token_ttl: Duration::from_secs(3600),
            oauth_port: 0,
        }
    }
}

/// What a new portal holds and how it behaves.
#[derive(Debug, Clone)]
pub struct PortalSpec {
    pub data: PortalData,
    /// Port on 127.0.0.1 (0 = ephemeral).
    pub port: u16,
    pub limits: Limits,
    pub faults: Faults,
    /// Stable portal id; derived from `seed` when `None`.
    pub member_id: Option<String>,
    pub seed: u64,
    /// Overrides the data's time zone.
    pub zone: Option<crate::format::Zone>,
}

impl PortalSpec {
    /// A portal with generated data and default (realistic) limits.
    pub fn generated(cfg: &CompanyConfig) -> Self {
        PortalSpec {
            data: generate(cfg),
            port: 0,
            limits: Limits::default(),
            faults: Faults::default(),
            member_id: None,
            seed: cfg.seed,
            zone: None,
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// Tokens and identity handed out when an app is installed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstallGrant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires: i64,
    pub expires_in: i64,
    pub application_token: String,
    pub member_id: String,
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: String,
    pub user_id: i64,
    pub status: String,
    pub scope: String,
}

/// What the portal sends to the app page when a user opens it: query string + POST form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IframeLaunch {
    /// App URL with the query string appended.
    pub url: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
}

pub struct Emulator {
    shared: Arc<Shared>,
}

/// Starts the OAuth listener.
pub async fn start(opts: EmulatorOptions) -> Result<Emulator, EmulatorError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.oauth_port)).await?;
    let port = listener.local_addr()?.port();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| EmulatorError::Invalid(format!("http client: {e}")))?;
    let shared = Arc::new(Shared {
        apps: Mutex::new(HashMap::new()),
        tokens: Mutex::new(Default::default()),
        portals: Mutex::new(HashMap::new()),
        oauth_base: format!("http://127.0.0.1:{port}/"),
        token_ttl: opts.token_ttl,
        http,
    });
    let router = crate::oauth::router(shared.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Emulator { shared })
}

impl Emulator {
    /// `http://127.0.0.1:OPORT/`
    pub fn oauth_base_url(&self) -> String {
        self.shared.oauth_base.clone()
    }

    /// `http://127.0.0.1:OPORT/rest/` (the `server_endpoint` in token payloads).
    pub fn server_endpoint(&self) -> String {
        self.shared.server_endpoint()
    }

    pub fn register_app(&self, app: AppRegistration) {
        if let Ok(mut a) = self.shared.apps.lock() {
            a.insert(app.client_id.clone(), app);
        }
    }

    pub async fn add_portal(&self, spec: PortalSpec) -> Result<PortalHandle, EmulatorError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", spec.port)).await?;
        let port = listener.local_addr()?.port();
        let member_id = spec.member_id.clone().unwrap_or_else(|| {
            // Deterministic across runs: the seed plus the portal ordinal in this emulator.
            let ordinal = self.shared.portals.lock().map(|p| p.len()).unwrap_or(0);
            hex32(&format!("portal-seed-{}-{}", spec.seed, ordinal))
        });
        let mut data = spec.data;
        if let Some(zone) = spec.zone {
            data.zone = zone;
        }
        let state = Arc::new(PortalState {
            member_id: member_id.clone(),
            port,
            data: RwLock::new(data),
            installs: Mutex::new(HashMap::new()),
            webhooks: Mutex::new(HashMap::new()),
            offline: Mutex::new(Vec::new()),
            offline_seq: AtomicU64::new(0),
            limiter: Mutex::new(LimiterState::new(spec.limits)),
            faults: Mutex::new(FaultState::new(spec.faults)),
            method_blocks: Mutex::new(HashMap::new()),
            rest_enabled: AtomicBool::new(true),
            request_count: AtomicU64::new(0),
            started: Instant::now(),
            shared: self.shared.clone(),
            inbox: Mutex::new(Vec::new()),
            notify_seq: AtomicU64::new(0),
        });
        if let Ok(mut p) = self.shared.portals.lock() {
            p.insert(member_id, state.clone());
        }
        let router = crate::server::router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(PortalHandle { state })
    }

    /// All portals added so far.
    pub fn portals(&self) -> Vec<PortalHandle> {
        self.shared
            .portals
            .lock()
            .map(|p| {
                p.values()
                    .map(|s| PortalHandle { state: s.clone() })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A running portal (cheap to clone).
#[derive(Clone)]
pub struct PortalHandle {
    pub(crate) state: Arc<PortalState>,
}

impl PortalHandle {
    pub(crate) fn from_state(state: Arc<PortalState>) -> Self {
        PortalHandle { state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.state.base_url()
    }
    /// `127.0.0.1:PORT`
    pub fn domain(&self) -> String {
        self.state.domain()
    }
    pub fn member_id(&self) -> String {
        self.state.member_id.clone()
    }
    /// `http://127.0.0.1:PORT/rest/`
    pub fn client_endpoint(&self) -> String {
        self.state.client_endpoint()
    }
    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// Installs a registered app (as the admin, user 1): tokens + application_token, and POSTs
    /// ONAPPINSTALL to the app's install handler when one is registered.
    pub async fn install_app(&self, client_id: &str) -> Result<InstallGrant, EmulatorError> {
        let shared = &self.state.shared;
        let app = shared
            .apps
            .lock()
            .ok()
            .and_then(|a| a.get(client_id).cloned())
            .ok_or_else(|| EmulatorError::UnknownApp(client_id.into()))?;
        let inst = {
            let mut installs = self
                .state
                .installs
                .lock()
                .map_err(|_| EmulatorError::Invalid("lock".into()))?;
            let next_id = installs.len() as i64 + 1;
            let inst = installs
                .entry(client_id.to_string())
                .or_insert_with(|| AppInstall {
                    app_id: next_id,
                    client_id: client_id.to_string(),
                    application_token: random_token(32),
                    status: AppStatus::default(),
                    installed: true,
                    bindings: Vec::new(),
                });
            inst.installed = true;
            inst.clone()
        };
        let pair = crate::oauth::issue(shared, &self.state.member_id, client_id, 1);
        let deliveries = events::install_deliveries(
            &self.state,
            &inst,
            app.install_handler.as_deref(),
            1,
            app.version,
        );
        events::send_all(&self.state, deliveries).await;
        Ok(InstallGrant {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            expires: pair.expires,
            expires_in: pair.expires_in,
            application_token: inst.application_token,
            member_id: self.member_id(),
            domain: self.domain(),
            client_endpoint: self.client_endpoint(),
            server_endpoint: shared.server_endpoint(),
            user_id: 1,
            status: inst.status.status,
            scope: app.scope.join(","),
        })
    }

    /// Uninstalls: sends ONAPPUNINSTALL (no tokens) to bound handlers, revokes the app's tokens
    /// and removes its bindings and queue.
    pub async fn uninstall_app(&self, client_id: &str, clean: bool) {
        let inst = self
            .state
            .installs
            .lock()
            .ok()
            .and_then(|mut i| i.remove(client_id));
        let Some(inst) = inst else { return };
        let deliveries = events::uninstall_deliveries(&self.state, &inst, clean);
        if let Ok(mut t) = self.state.shared.tokens.lock() {
            let member = self.state.member_id.clone();
            t.access
                .retain(|_, v| !(v.member_id == member && v.client_id == client_id));
            t.refresh
                .retain(|_, v| !(v.member_id == member && v.client_id == client_id));
        }
        if let Ok(mut q) = self.state.offline.lock() {
            q.retain(|e| e.client_id != client_id);
        }
        events::send_all(&self.state, deliveries).await;
    }

    /// The POST fields and query the portal sends to the app's own page (and its installer page), with a fresh token
    /// of `user_id`. Like the real main page it carries no APPLICATION_TOKEN, SERVER_ENDPOINT or APPLICATION_SCOPE:
    /// the docs list those only for widget (placement) handlers; the main page gets the simple-way set.
    pub fn iframe_launch(&self, client_id: &str, user_id: i64, lang: &str) -> IframeLaunch {
        let shared = &self.state.shared;
        let app = shared
            .apps
            .lock()
            .ok()
            .and_then(|a| a.get(client_id).cloned());
        let inst = self
            .state
            .installs
            .lock()
            .ok()
            .and_then(|i| i.get(client_id).cloned());
        let pair = crate::oauth::issue(shared, &self.state.member_id, client_id, user_id);
        let query = vec![
            ("DOMAIN".to_string(), self.domain()),
            ("PROTOCOL".to_string(), "0".to_string()),
            ("LANG".to_string(), lang.to_string()),
            ("APP_SID".to_string(), random_token(32)),
        ];
        let form = vec![
            ("AUTH_ID".to_string(), pair.access_token.clone()),
            ("AUTH_EXPIRES".to_string(), pair.expires_in.to_string()),
            ("REFRESH_ID".to_string(), pair.refresh_token.clone()),
            ("member_id".to_string(), self.member_id()),
            (
                "status".to_string(),
                inst.as_ref()
                    .map(|i| i.status.status.clone())
                    .unwrap_or_else(|| "L".into()),
            ),
            ("PLACEMENT".to_string(), "DEFAULT".to_string()),
            ("PLACEMENT_OPTIONS".to_string(), "{}".to_string()),
        ];
        let base = app.map(|a| a.app_url).unwrap_or_default();
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query.iter())
            .finish();
        let sep = if base.contains('?') { '&' } else { '?' };
        IframeLaunch {
            url: format!("{base}{sep}{qs}"),
            query,
            form,
        }
    }

    /// Creates an inbound webhook for a user; returns the full URL ending in '/'.
    pub fn create_webhook(&self, user_id: i64) -> String {
        let code = random_token(16);
        if let Ok(mut w) = self.state.webhooks.lock() {
            w.insert(code.clone(), user_id);
        }
        format!("{}/rest/{user_id}/{code}/", self.base_url())
    }

    /// Sets the app's status on this portal. Becoming paid (`P`, not expired) fires ONAPPPAYMENT
    /// to bound handlers in the background (needs a tokio runtime).
    pub fn set_app_status(&self, client_id: &str, status: AppStatus) {
        let paid_now = status.status == "P" && !status.payment_expired;
        let updated = self.state.installs.lock().ok().and_then(|mut i| {
            i.get_mut(client_id).map(|inst| {
                let was_paid = inst.status.status == "P" && !inst.status.payment_expired;
                inst.status = status;
                (inst.clone(), was_paid)
            })
        });
        if let Some((inst, was_paid)) = updated {
            if paid_now && !was_paid {
                let version = self
                    .state
                    .shared
                    .apps
                    .lock()
                    .ok()
                    .and_then(|a| a.get(client_id).map(|r| r.version))
                    .unwrap_or(1);
                let deliveries = events::payment_deliveries(&self.state, &inst, version);
                if tokio::runtime::Handle::try_current().is_ok() {
                    events::spawn(self.state.clone(), deliveries);
                }
            }
        }
    }

    pub fn set_limits(&self, limits: Limits) {
        if let Ok(mut l) = self.state.limiter.lock() {
            l.set_limits(limits);
        }
    }

    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut f) = self.state.faults.lock() {
            *f = FaultState::new(faults);
        }
    }

    /// The next `calls` calls of `method` (alone or inside a batch) answer 429 `OPERATION_TIME_LIMIT`.
    pub fn block_method(&self, method: &str, calls: u32) {
        if let Ok(mut b) = self.state.method_blocks.lock() {
            b.insert(method.to_string(), calls);
        }
    }

    /// "REST is available only on commercial plans": every call answers ACCESS_DENIED when off.
    pub fn set_rest_enabled(&self, enabled: bool) {
        self.state.rest_enabled.store(enabled, Ordering::Relaxed);
    }

    /// Expires every access token issued for this portal (refresh tokens keep working).
    pub fn expire_tokens(&self) {
        if let Ok(mut t) = self.state.shared.tokens.lock() {
            for v in t
                .access
                .values_mut()
                .filter(|v| v.member_id == self.state.member_id)
            {
                v.expires = crate::state::wall_now() - 1;
            }
        }
    }

    pub fn snapshot(&self) -> PortalData {
        self.state
            .data
            .read()
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    /// Runs a closure over the data without cloning it (for big portals).
    /// The notifications delivered so far (`im.notify.*.add`), oldest first.
    pub fn inbox(&self) -> Vec<crate::methods::im::Notification> {
        self.state
            .inbox
            .lock()
            .map(|i| i.clone())
            .unwrap_or_default()
    }

    pub fn with_data<R>(&self, f: impl FnOnce(&PortalData) -> R) -> Option<R> {
        self.state.data.read().ok().map(|d| f(&d))
    }

    /// The timeline comments on cards (`crm.timeline.comment.add`), oldest first; empty if the data lock is poisoned.
    pub fn timeline_comments(&self) -> Vec<crate::model::TimelineComment> {
        self.with_data(|d| d.timeline_comments.clone())
            .unwrap_or_default()
    }

    /// HTTP requests served under `/rest` (batch = 1).
    pub fn request_count(&self) -> u64 {
        self.state.request_count.load(Ordering::Relaxed)
    }

    /// The portal clock (generation `now` + uptime), unix seconds.
    pub fn clock(&self) -> i64 {
        self.state.clock()
    }

    /// Offline queue length (all apps).
    pub fn offline_queue_len(&self) -> usize {
        self.state.offline.lock().map(|q| q.len()).unwrap_or(0)
    }

    pub(crate) async fn fire(&self, pending: Vec<PendingEvent>) {
        let mut deliveries = Vec::new();
        for (name, data, id, user) in pending {
            deliveries.extend(events::fire(&self.state, &name, data, id, user));
        }
        events::send_all(&self.state, deliveries).await;
    }

    pub async fn create_deal(&self, input: NewDeal) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations::create_deal(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn update_deal(&self, id: i64, patch: DealPatch) -> Result<(), EmulatorError> {
        let ev = mutations::update_deal(&self.state, id, patch)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn move_deal_stage(&self, id: i64, stage_id: &str) -> Result<(), EmulatorError> {
        let ev = mutations::move_deal_stage(&self.state, id, stage_id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn move_deal_category(
        &self,
        id: i64,
        category_id: i64,
        stage_id: Option<&str>,
    ) -> Result<(), EmulatorError> {
        let ev = mutations::move_deal_category(&self.state, id, category_id, stage_id)?;
        self.fire(ev).await;
        Ok(())
    }
    /// Creates a smart-process item bound to a deal (R7); its id.
    pub fn create_item(
        &self,
        entity_type_id: i64,
        parent_deal_id: Option<i64>,
        opportunity: f64,
    ) -> Result<i64, EmulatorError> {
        crate::mutations_items::create_item(
            &self.state,
            entity_type_id,
            parent_deal_id,
            opportunity,
        )
    }
    /// Moves a smart-process item to a stage (`DT<type>_1:SUCCESS` ...).
    pub fn move_item_stage(
        &self,
        entity_type_id: i64,
        id: i64,
        stage_id: &str,
    ) -> Result<(), EmulatorError> {
        crate::mutations_items::move_item_stage(&self.state, entity_type_id, id, stage_id)
    }
    /// Deletes a smart-process item.
    pub fn delete_item(&self, entity_type_id: i64, id: i64) -> Result<(), EmulatorError> {
        crate::mutations_items::delete_item(&self.state, entity_type_id, id)
    }
    /// Starts the "live office" on this portal (see `live.rs`): a team changing sales and their child work every
    /// `cfg.interval`, with the portal's events. Stops when the handle is dropped.
    pub fn start_live_office(&self, cfg: crate::live::LiveOffice) -> crate::live::LiveOfficeHandle {
        crate::live::start(self.clone(), cfg)
    }
    pub async fn delete_deal(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations::delete_deal(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn create_lead(&self, input: NewLead) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations::create_lead(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn move_lead_status(&self, id: i64, status_id: &str) -> Result<(), EmulatorError> {
        let ev = mutations::move_lead_status(&self.state, id, status_id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn add_activity(&self, input: NewActivity) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations::add_activity(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn complete_activity(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations::complete_activity(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn create_task(&self, input: NewTask) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations::create_task(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn delete_task(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations::delete_task(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn delete_lead(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations::delete_lead(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn close_task(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations::close_task(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
}
