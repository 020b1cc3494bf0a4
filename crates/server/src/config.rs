//! Server configuration from flags and environment variables (the same names in the README, deploy files and
//! docs/DEPLOY.md). It must never log secrets: use `redacted_database_url` in messages; app secrets and the
//! session secret are hidden from `Debug`.

use clap::Parser;
use serde::Deserialize;

/// How the server is configured. Every flag can also come from the environment variable named beside it.
#[derive(Clone, Parser)]
#[command(
    name = "b24a-server",
    about = "Bitrix24 analytics app: reports inside the portal"
)]
pub struct Config {
    /// Where the store lives: `sqlite:data/b24a.db` (embedded, default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:data/b24a.db")]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Directory of the static front-end assets.
    #[arg(long, env = "ASSETS_DIR", default_value = "frontend-assets")]
    pub assets_dir: String,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// The marketplace apps this backend serves, as JSON:
    /// `[{"client_id":"..","client_secret":"..","name":"..","reports":["sales_dynamics",..]}]`
    /// (`reports` empty or missing = all six).
    #[arg(long, env = "APPS", default_value = "[]")]
    pub apps: String,

    /// Secret that signs the page sessions (32+ bytes). Empty = a random one per process (sessions die on restart).
    #[arg(long, env = "SESSION_SECRET", default_value = "")]
    pub session_secret: String,

    /// The public base URL of this server (`https://app.example.com`), used for event handler URLs.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// The OAuth server used when a portal's install did not name one.
    #[arg(
        long,
        env = "OAUTH_SERVER",
        default_value = "https://oauth.bitrix.info/rest/"
    )]
    pub oauth_server: String,

    /// Where the page loads BX24.js from (empty = not at all: demo and tests without internet).
    #[arg(
        long,
        env = "BX24_JS_URL",
        default_value = "https://api.bitrix24.com/api/v1/"
    )]
    pub bx24_js_url: String,

    /// Run the first import and sync cycles in this process after an install.
    #[arg(long, env = "SYNC_IN_PROCESS", default_value_t = true, action = clap::ArgAction::Set)]
    pub sync_in_process: bool,

    /// Send the weekly digest from this process (every replica may: a claim per recipient and week keeps it to one
    /// notification; docs/DIGEST.md).
    #[arg(long, env = "DIGEST_IN_PROCESS", default_value_t = true, action = clap::ArgAction::Set)]
    pub digest_in_process: bool,

    /// Seconds per sync cycle: every active portal is synced once per cycle by one of the replicas.
    #[arg(long, env = "SYNC_INTERVAL_SECS", default_value_t = 60)]
    pub sync_interval_secs: u64,

    /// Seconds a portal's sync lease lives without renewal: a killed replica's portals are taken over after this.
    #[arg(long, env = "SYNC_LEASE_TTL_SECS", default_value_t = 120)]
    pub sync_lease_ttl_secs: i64,

    /// On SIGTERM, how long a running sync cycle may take to finish before it is cut between writes.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// Memory budget of the in-memory report cache, in megabytes per server process: the large tables of the
    /// portals whose reports are opened are kept in memory, least recently used leave first. 0 turns it off (every
    /// report reads the database).
    #[arg(long, env = "REPORT_CACHE_MB", default_value_t = 1024)]
    pub report_cache_mb: usize,

    /// Memory budget of the whole-answer cache, in megabytes per server process: the final JSON of report answers,
    /// keyed by everything they are computed from including the portal's data versions and the minute (see
    /// `answer_cache`). 0 turns it off (every request computes its answer).
    #[arg(long, env = "ANSWER_CACHE_MB", default_value_t = 32)]
    pub answer_cache_mb: usize,

    /// Build a missing report-cache part within the request and answer from it, instead of in the background while
    /// the request reads the database (tests and benchmarks; a first answer on a large portal waits for the build).
    #[arg(long, env = "REPORT_CACHE_INLINE_BUILDS", default_value_t = false, action = clap::ArgAction::Set)]
    pub report_cache_inline_builds: bool,

    /// Bearer token that `GET /metrics` requires (`Authorization: Bearer ...`). Empty = `/metrics` is off (404):
    /// the metrics name portals and their sync lag, which nobody outside the operators may read.
    #[arg(long, env = "METRICS_TOKEN", default_value = "")]
    pub metrics_token: String,

    /// Demos and screenshots only: the reports take "today" from this instant (unix seconds) instead of the wall
    /// clock, so period presets ("this month") always show the same populated month. Sessions, tiers and the sync
    /// keep the wall clock. Unset in production.
    #[arg(long, env = "REPORTS_NOW")]
    pub reports_now: Option<i64>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.redacted_database_url())
            .field("listen", &self.listen)
            .field("assets_dir", &self.assets_dir)
            .field("public_url", &self.public_url)
            .field("report_cache_mb", &self.report_cache_mb)
            .finish_non_exhaustive()
    }
}

/// One marketplace app registration served by this backend.
#[derive(Clone, Deserialize)]
pub struct AppConfig {
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub name: String,
    /// Report ids (`sales_dynamics`, `managers`, `plan`, `marketing`, `tasks`, `forget_me_not`); empty = all.
    #[serde(default)]
    pub reports: Vec<String>,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("reports", &self.reports)
            .finish()
    }
}

impl AppConfig {
    /// The reports this app shows, in the canonical order.
    pub fn enabled_reports(&self) -> Vec<b24a_reports::ReportId> {
        b24a_reports::ReportId::ALL
            .into_iter()
            .filter(|r| self.reports.is_empty() || self.reports.iter().any(|x| x == r.as_str()))
            .collect()
    }
}

impl Config {
    /// The report cache's settings.
    pub fn report_cache(&self) -> b24a_reports::CacheConfig {
        b24a_reports::CacheConfig {
            megabytes: self.report_cache_mb,
            inline_builds: self.report_cache_inline_builds,
            // Built parts are kept in the database too, so a restart or another replica starts warm.
            persist: true,
        }
    }

    /// The database URL with any password replaced, fit for logs and error messages.
    pub fn redacted_database_url(&self) -> String {
        match url::Url::parse(&self.database_url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.database_url.clone(),
        }
    }

    /// The app registrations from `APPS`; a malformed list or an unknown report name is an error naming it.
    pub fn parse_apps(&self) -> Result<Vec<AppConfig>, String> {
        let apps: Vec<AppConfig> =
            serde_json::from_str(&self.apps).map_err(|e| format!("APPS is not valid JSON: {e}"))?;
        for a in &apps {
            if a.client_id.trim().is_empty() || a.client_secret.trim().is_empty() {
                return Err("APPS: every app needs client_id and client_secret".into());
            }
            for r in &a.reports {
                if !b24a_reports::ReportId::ALL.iter().any(|x| x.as_str() == r) {
                    return Err(format!(
                        "APPS: app {} names unknown report {r:?}",
                        a.client_id
                    ));
                }
            }
        }
        Ok(apps)
    }
}
