//! Shared in-memory state: the emulator-wide app registry and token store, and each portal's data,
//! installs, webhooks, event bindings, offline queue, limiter and fault state.
//!
//! Plain data behind std locks (never held across `.await`); no HTTP here.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::faults::FaultState;
use crate::limits::LimiterState;
use crate::model::PortalData;

/// A marketplace app known to the OAuth server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: String,
    /// Where ONAPPINSTALL is POSTed (the "installation event handler URL").
    pub install_handler: Option<String>,
    /// The app page the portal opens in its iframe.
    pub app_url: String,
    pub scope: Vec<String>,
    pub code: String,
    pub version: i64,
}

impl AppRegistration {
    pub fn new(client_id: &str, client_secret: &str, app_url: &str) -> Self {
        AppRegistration {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            install_handler: None,
            app_url: app_url.to_string(),
            scope: [
                "crm",
                "task",
                "user",
                "department",
                "sonet_group",
                "placement",
                "telephony",
                "im",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            code: format!("local.{client_id}"),
            version: 1,
        }
    }
}

/// App status on a portal as `app.info` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// F free, D demo, T trial, P paid, L local, S subscription.
    pub status: String,
    pub payment_expired: bool,
    /// Days left (`null` for free apps).
    pub days: Option<i64>,
}

impl Default for AppStatus {
    fn default() -> Self {
        AppStatus {
            status: "L".into(),
            payment_expired: false,
            days: None,
        }
    }
}

impl AppStatus {
    pub fn new(status: &str, payment_expired: bool, days: Option<i64>) -> Self {
        AppStatus {
            status: status.to_string(),
            payment_expired,
            days,
        }
    }
    /// Whether the portal still serves tokens and events (core: trial denied once expired, paid
    /// apps keep a 14-day grace period).
    pub fn payment_allowed(&self) -> bool {
        if !self.payment_expired {
            return true;
        }
        match self.status.as_str() {
            "P" | "S" => self.days.is_none_or(|d| d >= -14),
            "T" => false,
            _ => true,
        }
    }
}

/// An `event.bind` registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub event: String,
    pub handler: String,
    pub auth_type: i64,
    pub offline: bool,
    pub auth_connector: String,
}

/// One app installed on one portal.
#[derive(Debug, Clone)]
pub struct AppInstall {
    pub app_id: i64,
    pub client_id: String,
    pub application_token: String,
    pub status: AppStatus,
    pub installed: bool,
    pub bindings: Vec<Binding>,
}

/// One offline-queue record (one per changed object per event name).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfflineEvent {
    pub id: i64,
    pub client_id: String,
    pub timestamp: i64,
    pub event_name: String,
    pub data: serde_json::Value,
    pub message_id: String,
    pub auth_connector: String,
    pub process_id: Option<String>,
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub member_id: String,
    pub client_id: String,
    pub user_id: i64,
    /// Unix seconds (wall clock).
    pub expires: i64,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub member_id: String,
    pub client_id: String,
    pub user_id: i64,
}

#[derive(Debug, Default)]
pub struct TokenStore {
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
}

/// Emulator-wide state shared by the OAuth listener and all portals.
pub struct Shared {
    pub apps: Mutex<HashMap<String, AppRegistration>>,
    pub tokens: Mutex<TokenStore>,
    pub portals: Mutex<HashMap<String, Arc<PortalState>>>,
    pub oauth_base: String,
    pub token_ttl: Duration,
    pub http: reqwest::Client,
}

impl Shared {
    pub fn server_endpoint(&self) -> String {
        format!("{}rest/", self.oauth_base)
    }
    pub fn oauth_domain(&self) -> String {
        self.oauth_base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }
}

/// Everything one portal holds at runtime.
pub struct PortalState {
    pub member_id: String,
    pub port: u16,
    pub data: RwLock<PortalData>,
    pub installs: Mutex<HashMap<String, AppInstall>>,
    pub webhooks: Mutex<HashMap<String, i64>>,
    pub offline: Mutex<Vec<OfflineEvent>>,
    pub offline_seq: AtomicU64,
    pub limiter: Mutex<LimiterState>,
    pub faults: Mutex<FaultState>,
    /// Methods whose next calls answer `OPERATION_TIME_LIMIT` (method → calls left), as a portal does when one
    /// method's time budget is spent: a test aims it at one sub-call of a batch.
    pub method_blocks: Mutex<HashMap<String, u32>>,
    pub rest_enabled: std::sync::atomic::AtomicBool,
    pub request_count: AtomicU64,
    pub started: Instant,
    pub shared: Arc<Shared>,
    /// Notifications delivered by `im.notify.*.add` (read by tests through `/_emulator/inbox`).
    pub inbox: Mutex<Vec<crate::methods::im::Notification>>,
    pub notify_seq: AtomicU64,
}

impl PortalState {
    pub fn domain(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn client_endpoint(&self) -> String {
        format!("{}/rest/", self.base_url())
    }
    /// The portal clock: generation `now` plus the time the portal has been running.
    pub fn clock(&self) -> i64 {
        let base = self.data.read().map(|d| d.now).unwrap_or(0);
        base + self.started.elapsed().as_secs() as i64
    }
    /// The portal clock with sub-second precision (what `time.start`/`time.date_start` show, so a
    /// watermark taken from a response matches the DATE_MODIFY of later changes).
    pub fn clock_f64(&self) -> f64 {
        let base = self.data.read().map(|d| d.now).unwrap_or(0);
        base as f64 + self.started.elapsed().as_secs_f64()
    }
    /// The portal's time zone (datetimes are rendered with its offset at each instant).
    pub fn zone(&self) -> crate::format::Zone {
        self.data
            .read()
            .map(|d| d.zone)
            .unwrap_or(crate::format::Zone::MOSCOW)
    }
}

/// Who is calling a REST method.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub client_id: Option<String>,
    pub webhook: Option<String>,
    pub is_admin: bool,
    pub scope: Vec<String>,
}

impl Caller {
    /// The operating-budget key: per app or per webhook.
    pub fn budget_key(&self) -> String {
        match (&self.client_id, &self.webhook) {
            (Some(c), _) => format!("app:{c}"),
            (None, Some(w)) => format!("hook:{w}"),
            _ => "anon".into(),
        }
    }
}

pub fn random_token(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| std::char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Stable 32-hex id from a text (member_id from a seed, application_token).
pub fn hex32(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub fn wall_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn wall_now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
