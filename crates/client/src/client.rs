//! The Bitrix24 REST client for one portal: sends calls and batches over HTTP with the portal's rate limit, per-method
//! time budgets, retries with jittered back-off on transient failures, and one serialised token refresh on
//! `expired_token`. It must never retry a call that is not a read it was told is safe, never refresh twice for the
//! same expired token, and never print tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use url::Url;

use crate::auth::{OAuthApp, TokenPair, TokenStore};
use crate::batch::{Batch, BatchResponse};
use crate::envelope::{self, Envelope};
use crate::error::ApiError;
use crate::limiter::{OperatingTracker, RateLimiter, RateLimits};

/// Tunables of a client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub rate_limits: RateLimits,
    /// The per-method server-time budget per 10 minutes (480 s per the docs; 420 in some cores).
    pub operating_limit_seconds: f64,
    /// Whole-request timeout; must exceed the longest batch (50 pages).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per call for retryable failures (limits, 5xx, timeouts).
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            rate_limits: RateLimits::STANDARD,
            operating_limit_seconds: 480.0,
            timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 8,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

enum Auth {
    Webhook {
        base: Url,
    },
    OAuth {
        endpoint: Url,
        server_endpoint: String,
        app: OAuthApp,
        store: Arc<dyn TokenStore>,
    },
}

struct Inner {
    http: reqwest::Client,
    auth: Auth,
    config: ClientConfig,
    limiter: Arc<RateLimiter>,
    operating: Arc<OperatingTracker>,
    tokens: RwLock<Option<TokenPair>>,
    refresh_gate: tokio::sync::Mutex<()>,
    requests: AtomicU64,
    refreshes: AtomicU64,
    retries: AtomicU64,
    budget_waits: AtomicU64,
    /// List sub-calls whose page was thrown away (past the end of the data, or fed by a broken chain reference).
    wasted_subcalls: AtomicU64,
    /// The portal's clock at our last answer, and our monotonic time then.
    portal_clock: Mutex<Option<(i64, std::time::Instant)>>,
}

/// A client for one portal. Cheap to clone; clones share the tokens; every client of the same portal in the process
/// shares its rate limiter and method budgets.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("requests", &self.request_count())
            .finish()
    }
}

fn normalise_base(url: &str) -> Result<Url, ApiError> {
    let mut u = Url::parse(url).map_err(|e| ApiError::Config(format!("bad URL {url:?}: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ApiError::Config(format!("URL {url:?} must be http(s)")));
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u.set_query(None);
    Ok(u)
}

/// Pacing state shared by every client of the same portal in this process: the request bucket is the portal's (per
/// source IP), the method budgets are per portal and app/webhook. Without this, two clients built for one portal
/// (a sync cycle and an event refresh) would each believe they had the whole bucket.
type PaceRegistry = HashMap<String, (Weak<RateLimiter>, HashMap<String, Weak<OperatingTracker>>)>;

fn shared_pace(auth: &Auth, config: &ClientConfig) -> (Arc<RateLimiter>, Arc<OperatingTracker>) {
    static REGISTRY: OnceLock<Mutex<PaceRegistry>> = OnceLock::new();
    let (base, identity) = match auth {
        Auth::Webhook { base } => (base, base.path().to_string()),
        Auth::OAuth { endpoint, app, .. } => (endpoint, app.client_id.clone()),
    };
    let portal = format!(
        "{}://{}:{}",
        base.scheme(),
        base.host_str().unwrap_or_default(),
        base.port_or_known_default().unwrap_or(0)
    );
    let fresh = || {
        (
            Arc::new(RateLimiter::new(config.rate_limits)),
            Arc::new(OperatingTracker::new(config.operating_limit_seconds)),
        )
    };
    let Ok(mut reg) = REGISTRY.get_or_init(|| Mutex::new(HashMap::new())).lock() else {
        return fresh();
    };
    let entry = reg
        .entry(portal)
        .or_insert_with(|| (Weak::new(), HashMap::new()));
    let limiter = match entry.0.upgrade() {
        Some(l) => l,
        None => {
            let l = Arc::new(RateLimiter::new(config.rate_limits));
            entry.0 = Arc::downgrade(&l);
            l
        }
    };
    entry.1.retain(|_, w| w.strong_count() > 0);
    let operating = match entry.1.get(&identity).and_then(Weak::upgrade) {
        Some(o) => o,
        None => {
            let o = Arc::new(OperatingTracker::new(config.operating_limit_seconds));
            entry.1.insert(identity, Arc::downgrade(&o));
            o
        }
    };
    (limiter, operating)
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Client {
    fn build(auth: Auth, config: ClientConfig) -> Result<Client, ApiError> {
        let (limiter, operating) = shared_pace(&auth, &config);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // A changed portal domain answers 302; re-POSTing is the caller's decision, and the OAuth crate
            // requires redirects off for token requests.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Config(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                auth,
                limiter,
                operating,
                config,
                tokens: RwLock::new(None),
                refresh_gate: tokio::sync::Mutex::new(()),
                requests: AtomicU64::new(0),
                refreshes: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                budget_waits: AtomicU64::new(0),
                wasted_subcalls: AtomicU64::new(0),
                portal_clock: Mutex::new(None),
            }),
        })
    }

    /// A client on an incoming webhook `https://<portal>/rest/<user>/<code>/`.
    pub fn webhook(url: &str, config: ClientConfig) -> Result<Client, ApiError> {
        Client::build(
            Auth::Webhook {
                base: normalise_base(url)?,
            },
            config,
        )
    }

    /// A client on a marketplace app's tokens: `client_endpoint` = `https://<portal>/rest/`, `server_endpoint` =
    /// the OAuth server's REST URL from the install payload.
    pub fn oauth(
        client_endpoint: &str,
        server_endpoint: &str,
        app: OAuthApp,
        store: Arc<dyn TokenStore>,
        config: ClientConfig,
    ) -> Result<Client, ApiError> {
        let endpoint = normalise_base(client_endpoint)?;
        normalise_base(server_endpoint)?;
        Client::build(
            Auth::OAuth {
                endpoint,
                server_endpoint: server_endpoint.to_string(),
                app,
                store,
            },
            config,
        )
    }

    /// The app (client id) this client calls as, `None` for a webhook: app-only methods such as `event.bind` and
    /// the offline event queue need the application context.
    pub fn app_client_id(&self) -> Option<&str> {
        match &self.inner.auth {
            Auth::OAuth { app, .. } => Some(app.client_id.as_str()),
            Auth::Webhook { .. } => None,
        }
    }

    /// HTTP requests sent so far (every attempt counts, token refreshes do not).
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Token refreshes this client performed itself.
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    /// Times a call waited for a method's server-time budget (near the limit or blocked).
    pub fn budget_wait_count(&self) -> u64 {
        self.inner.budget_waits.load(Ordering::Relaxed)
    }

    /// List sub-calls sent but not used: chained past the end of the data or behind a short page (the export's
    /// chain sizing should keep this at zero when the far end is known).
    pub fn wasted_subcall_count(&self) -> u64 {
        self.inner.wasted_subcalls.load(Ordering::Relaxed)
    }

    pub(crate) fn note_wasted_subcalls(&self, n: usize) {
        self.inner
            .wasted_subcalls
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A reset time the portal printed on its own clock, moved to ours (a portal's clock may differ from this
    /// machine's; budgets are waited out on ours).
    fn local_reset(&self, reset_at: Option<i64>) -> Option<i64> {
        let reset = reset_at?;
        let skew = self.portal_now().map(|p| now_unix() - p).unwrap_or(0);
        Some(reset + skew)
    }

    /// Calls repeated after a transient failure (limits, 5xx, timeouts).
    pub fn retry_count(&self) -> u64 {
        self.inner.retries.load(Ordering::Relaxed)
    }

    pub fn rate_limits(&self) -> RateLimits {
        self.inner.limiter.limits()
    }

    /// Adopts the portal's plan limits (e.g. from `app.info` `LICENSE` via [`RateLimits::for_license`]).
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.inner.limiter.set_limits(limits);
    }

    /// The portal's clock now, extrapolated from its last answer (`time.date_start`). `None` before any answer.
    pub fn portal_now(&self) -> Option<i64> {
        let guard = self.inner.portal_clock.lock().ok()?;
        let (portal, at) = (*guard)?;
        Some(portal + at.elapsed().as_secs() as i64)
    }

    /// Calls one method; retries transient failures (only use for reads or idempotent calls).
    pub async fn call(&self, method: &str, params: Value) -> Result<Envelope, ApiError> {
        let env = self.send_with_policy(method, &params, &[method]).await?;
        self.inner.operating.record(
            method,
            env.time.operating,
            self.local_reset(env.time.operating_reset_at),
        );
        Ok(env)
    }

    /// Sends a batch of reads; whole-request failures are retried, per-sub-call errors are returned in the response
    /// (and OPERATION_TIME_LIMIT sub-errors block their method in the budget tracker).
    pub async fn batch(&self, batch: &Batch) -> Result<BatchResponse, ApiError> {
        let mut methods: Vec<&str> = batch.calls().iter().map(|c| c.method.as_str()).collect();
        methods.sort_unstable();
        methods.dedup();
        let env = self
            .send_with_policy("batch", &batch.to_params(), &methods)
            .await?;
        let resp = BatchResponse::from_envelope(env, batch.calls())?;
        for call in batch.calls() {
            if let Some(t) = resp.times.get(&call.key) {
                self.inner.operating.record(
                    &call.method,
                    t.operating,
                    self.local_reset(t.operating_reset_at),
                );
            }
            if let Some(ApiError::OperationTimeLimit { reset_at, .. }) = resp.errors.get(&call.key)
            {
                self.inner
                    .operating
                    .block(&call.method, self.local_reset(*reset_at), now_unix());
            }
        }
        Ok(resp)
    }

    async fn send_with_policy(
        &self,
        method: &str,
        params: &Value,
        budget: &[&str],
    ) -> Result<Envelope, ApiError> {
        let mut attempt: u32 = 0;
        // Tokens this call already saw expire: a refresh happens at most once per token (a token that expires
        // again right after its refresh gets its own, up to a small cap).
        let mut expired_seen: Vec<String> = Vec::new();
        loop {
            for m in budget {
                let d = self.inner.operating.delay_for(m, now_unix());
                if !d.is_zero() {
                    self.inner.budget_waits.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(
                        method = m,
                        wait_ms = d.as_millis() as u64,
                        "waiting for the method's time budget"
                    );
                    tokio::time::sleep(d).await;
                }
            }
            self.inner.limiter.acquire().await;
            let (url, token) = self.url_for(method).await?;
            let result = self.send_once(method, url, params).await;
            match result {
                Ok(env) => {
                    if let Some(start) = env.time.date_start {
                        if let Ok(mut c) = self.inner.portal_clock.lock() {
                            *c = Some((start, std::time::Instant::now()));
                        }
                    }
                    return Ok(env);
                }
                Err(e)
                    if e.needs_refresh()
                        && token.as_ref().is_some_and(|t| !expired_seen.contains(t))
                        && expired_seen.len() < 3 =>
                {
                    let failed = token.unwrap_or_default();
                    self.refresh_after(&failed).await?;
                    expired_seen.push(failed);
                }
                Err(e) if e.needs_attention() => {
                    if let Auth::OAuth { store, .. } = &self.inner.auth {
                        let _ = store.mark_needs_attention(&e.to_string()).await;
                    }
                    return Err(e);
                }
                Err(e) if e.is_retryable() && attempt + 1 < self.inner.config.max_attempts => {
                    attempt += 1;
                    self.inner.retries.fetch_add(1, Ordering::Relaxed);
                    match &e {
                        ApiError::QueryLimitExceeded => self.inner.limiter.note_rejected(),
                        ApiError::OperationTimeLimit { reset_at, .. } => {
                            let reset = self.local_reset(*reset_at);
                            for m in budget {
                                self.inner.operating.block(m, reset, now_unix());
                            }
                        }
                        _ => {}
                    }
                    let pause = self.backoff(attempt);
                    tracing::warn!(method, attempt, error = %e, pause_ms = pause.as_millis() as u64, "retrying");
                    tokio::time::sleep(pause).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.inner.config.backoff_base.as_secs_f64();
        let cap = self.inner.config.backoff_cap.as_secs_f64();
        let exp = (base * 2f64.powi(attempt.saturating_sub(1).min(20) as i32)).min(cap);
        let jitter: f64 = rand::thread_rng().gen_range(0.5..=1.0);
        Duration::from_secs_f64(exp * jitter)
    }

    async fn send_once(
        &self,
        method: &str,
        url: Url,
        params: &Value,
    ) -> Result<Envelope, ApiError> {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.send_request(method, url, params).await;
        crate::observe::record(method, result.as_ref().err());
        result
    }

    async fn send_request(
        &self,
        method: &str,
        url: Url,
        params: &Value,
    ) -> Result<Envelope, ApiError> {
        let resp = self
            .inner
            .http
            .post(url)
            .json(params)
            .send()
            .await
            .map_err(classify_reqwest)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(classify_reqwest)?;
        envelope::parse(method, status, &body)
    }

    /// The URL of `method`, and the access token used (OAuth only).
    async fn url_for(&self, method: &str) -> Result<(Url, Option<String>), ApiError> {
        match &self.inner.auth {
            Auth::Webhook { base } => {
                let url = base
                    .join(&format!("{method}.json"))
                    .map_err(|e| ApiError::Config(e.to_string()))?;
                Ok((url, None))
            }
            Auth::OAuth {
                endpoint, store, ..
            } => {
                let cached = self.inner.tokens.read().ok().and_then(|t| t.clone());
                let pair = match cached {
                    Some(p) => p,
                    None => {
                        let p = store.load().await.map_err(|e| ApiError::TokenStore(e.0))?;
                        if let Ok(mut t) = self.inner.tokens.write() {
                            *t = Some(p.clone());
                        }
                        p
                    }
                };
                let mut url = endpoint
                    .join(&format!("{method}.json"))
                    .map_err(|e| ApiError::Config(e.to_string()))?;
                url.query_pairs_mut()
                    .append_pair("auth", &pair.access_token);
                Ok((url, Some(pair.access_token)))
            }
        }
    }

    fn set_tokens(&self, pair: TokenPair) {
        if let Ok(mut t) = self.inner.tokens.write() {
            *t = Some(pair);
        }
    }

    /// Makes sure the token that just failed with `expired_token` is replaced: by another task or process if it
    /// already refreshed, else by one refresh of ours under the store's cross-process lock.
    async fn refresh_after(&self, failed_access: &str) -> Result<(), ApiError> {
        let Auth::OAuth {
            server_endpoint,
            app,
            store,
            ..
        } = &self.inner.auth
        else {
            return Err(ApiError::ExpiredToken);
        };
        let _gate = self.inner.refresh_gate.lock().await;
        let ts = |e: crate::auth::TokenStoreError| ApiError::TokenStore(e.0);
        let current = store.load().await.map_err(ts)?;
        if current.access_token != failed_access {
            self.set_tokens(current);
            return Ok(());
        }
        store.lock_refresh().await.map_err(ts)?;
        let outcome = self
            .refresh_locked(failed_access, server_endpoint, app, store.as_ref())
            .await;
        if let Err(e) = store.unlock_refresh().await {
            tracing::warn!(error = %e, "releasing the token refresh lock failed; it will expire");
        }
        let pair = outcome?;
        self.set_tokens(pair);
        Ok(())
    }

    async fn refresh_locked(
        &self,
        failed_access: &str,
        server_endpoint: &str,
        app: &OAuthApp,
        store: &dyn TokenStore,
    ) -> Result<TokenPair, ApiError> {
        let ts = |e: crate::auth::TokenStoreError| ApiError::TokenStore(e.0);
        // Re-read under the lock: another process may have refreshed while we waited.
        let current = store.load().await.map_err(ts)?;
        if current.access_token != failed_access {
            return Ok(current);
        }
        let mut attempt = 0;
        let fresh = loop {
            match crate::oauth::refresh(
                &self.inner.http,
                app,
                server_endpoint,
                &current.refresh_token,
                now_unix(),
            )
            .await
            {
                Ok(p) => break p,
                Err(e) if e.needs_attention() => {
                    // A pair rotated by someone who did not take the lock would show up here; look once more.
                    let again = store.load().await.map_err(ts)?;
                    if again.refresh_token != current.refresh_token {
                        return Ok(again);
                    }
                    store
                        .mark_needs_attention(&e.to_string())
                        .await
                        .map_err(ts)?;
                    return Err(e);
                }
                Err(e)
                    if (e.is_retryable() || matches!(e, ApiError::Network(_)))
                        && attempt + 1 < self.inner.config.max_attempts =>
                {
                    attempt += 1;
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        };
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        match store.replace(current.version, &fresh).await.map_err(ts)? {
            Some(version) => Ok(TokenPair { version, ..fresh }),
            // Someone replaced the pair although we held the lock (an expired lease): theirs is newer than ours.
            None => store.load().await.map_err(ts),
        }
    }
}

fn classify_reqwest(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout
    } else {
        // Without the URL: a webhook URL carries its secret code, and errors end up in logs.
        ApiError::Network(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_of_one_portal_share_their_pace() {
        let a = Client::webhook("http://127.0.0.1:9/rest/1/aaa/", ClientConfig::default()).unwrap();
        let b = Client::webhook("http://127.0.0.1:9/rest/1/aaa/", ClientConfig::default()).unwrap();
        let other =
            Client::webhook("http://127.0.0.1:10/rest/1/aaa/", ClientConfig::default()).unwrap();
        a.set_rate_limits(RateLimits::ENTERPRISE);
        assert_eq!(b.rate_limits(), RateLimits::ENTERPRISE);
        assert_eq!(other.rate_limits(), RateLimits::STANDARD);
        // Budgets are per webhook/app: the same portal through another webhook has its own.
        let c = Client::webhook("http://127.0.0.1:9/rest/1/ccc/", ClientConfig::default()).unwrap();
        a.inner
            .operating
            .block("crm.deal.list", Some(now_unix() + 30), now_unix());
        assert!(!b
            .inner
            .operating
            .delay_for("crm.deal.list", now_unix())
            .is_zero());
        assert!(c
            .inner
            .operating
            .delay_for("crm.deal.list", now_unix())
            .is_zero());
        assert_eq!(
            c.rate_limits(),
            RateLimits::ENTERPRISE,
            "one bucket per portal"
        );
    }

    #[test]
    fn refuses_unusable_urls() {
        assert!(matches!(
            Client::webhook("ftp://x/rest/1/a/", ClientConfig::default()),
            Err(ApiError::Config(_))
        ));
        assert!(matches!(
            Client::webhook("not a url", ClientConfig::default()),
            Err(ApiError::Config(_))
        ));
    }
}
