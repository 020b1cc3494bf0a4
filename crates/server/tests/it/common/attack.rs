//! Helpers of the attack tests: a token of any portal user from the emulator's admin API (over HTTP), the
//! attacker's own host (a tiny axum server that says "yes, admin" to everything and counts every request it gets),
//! what the store holds about the portal (to prove an attack changed nothing), and waiting for the first import.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::Uri;
use axum::Json;
use serde_json::{json, Value};

use crate::common::{Harness, CLIENT_ID};

/// What the portal would POST into the app's iframe for `user_id`, fetched from the emulator's admin API.
pub struct Launch {
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
}

impl Launch {
    pub fn get(&self, key: &str) -> String {
        self.form
            .iter()
            .chain(self.query.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{key} missing"))
    }
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `POST /_emulator/iframe`: a fresh launch (token pair) of `user_id`, as the portal makes it.
pub async fn launch_of(h: &Harness, user_id: i64, lang: &str) -> Launch {
    let v: Value = h
        .http
        .post(format!("{}_emulator/iframe", slash(&h.portal.base_url())))
        .json(&json!({"client_id": CLIENT_ID, "user_id": user_id, "lang": lang}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Launch {
        query: pairs(&v["result"]["query"]),
        form: pairs(&v["result"]["form"]),
    }
}

/// `POST /_emulator/limits` (fields left out keep their defaults).
pub async fn set_limits(h: &Harness, limits: Value) {
    let r = h
        .http
        .post(format!("{}_emulator/limits", slash(&h.portal.base_url())))
        .json(&limits)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Spends the portal's request budget (leaky bucket) with an admin webhook until the portal answers 503.
pub async fn exhaust_budget(h: &Harness) {
    exhaust(&h.http, &h.portal).await;
}

/// [`exhaust_budget`] of any portal of the emulator; returns the webhook method URL it used.
pub async fn exhaust(http: &reqwest::Client, portal: &b24a_emulator::PortalHandle) -> String {
    let hook: Value = http
        .post(format!("{}_emulator/webhook", slash(&portal.base_url())))
        .json(&json!({"user_id": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!(
        "{}server.time.json",
        hook["result"]["url"].as_str().unwrap()
    );
    for _ in 0..500 {
        if http.get(&url).send().await.unwrap().status() == 503 {
            return url;
        }
    }
    panic!("the portal never answered 503");
}

/// Another integration of the same portal: fills its request budget, then keeps calling every `period` (stop it by
/// aborting the task). It stands for the rest of a real portal's load during a first import.
pub async fn noisy_neighbour(
    portal: &b24a_emulator::PortalHandle,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    let http = reqwest::Client::new();
    let url = exhaust(&http, portal).await;
    tokio::spawn(async move {
        loop {
            let _ = http.get(&url).send().await;
            tokio::time::sleep(period).await;
        }
    })
}

fn slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

/// The attacker's host: answers `user.admin` = true, `user.current` = an admin with a department, any other
/// method (event.bind, batch, app.info …) with `true`, and records every path it was asked for.
pub struct EvilHost {
    pub origin: String,
    hits: Arc<AtomicUsize>,
    paths: Arc<Mutex<Vec<String>>>,
}

impl EvilHost {
    pub async fn start() -> EvilHost {
        let hits = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (h, p) = (hits.clone(), paths.clone());
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let (h, p) = (h.clone(), p.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let path = uri.path().to_string();
                p.lock().unwrap().push(path.clone());
                let result = if path.contains("user.current") {
                    json!({"ID": "1", "NAME": "Mallory", "LAST_NAME": "", "UF_DEPARTMENT": [1]})
                } else {
                    json!(true)
                };
                Json(json!({"result": result}))
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        EvilHost {
            origin,
            hits,
            paths,
        }
    }

    /// `http://127.0.0.1:PORT/rest/`
    pub fn endpoint(&self) -> String {
        format!("{}/rest/", self.origin)
    }

    /// `127.0.0.1:PORT`
    pub fn domain(&self) -> String {
        self.origin.trim_start_matches("http://").to_string()
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

/// Everything an install attack could change: the portal row, the app's tokens and application token, and how
/// many records of each kind are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: Option<String>,
    pub status: b24a_store::PortalStatus,
    pub access_token: String,
    pub refresh_token: String,
    pub token_version: i64,
    pub application_token: Option<String>,
    pub app_uninstalled: bool,
    pub counts: Vec<(String, i64)>,
}

/// What the store holds about the emulator's portal (panics when there is no such portal).
pub async fn stored(h: &Harness) -> Stored {
    let store = &h.state.store;
    let p = store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .expect("portal stored");
    let t = store
        .tokens(p.id, CLIENT_ID)
        .await
        .unwrap()
        .expect("tokens");
    let app = store
        .portal_app(p.id, CLIENT_ID)
        .await
        .unwrap()
        .expect("app");
    Stored {
        domain: p.domain,
        client_endpoint: p.client_endpoint,
        server_endpoint: p.server_endpoint,
        status: p.status,
        access_token: t.tokens.access_token,
        refresh_token: t.tokens.refresh_token,
        token_version: t.version,
        application_token: app.application_token,
        app_uninstalled: app.uninstalled_at.is_some(),
        counts: store
            .counts(p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|(e, n)| (format!("{e:?}"), n))
            .collect(),
    }
}

/// The session of a shell page, decoded with the server's own key (admin flag, departments).
pub fn session_claims(h: &Harness, html: &str) -> b24a_server::session::Session {
    let token = Harness::session_of(html);
    h.state
        .signer
        .verify(&token, chrono::Utc::now().timestamp())
        .expect("a valid session")
}

/// Waits (up to two minutes) until the first import of the portal has finished.
pub async fn wait_first_import(h: &Harness, session: &str) {
    for _ in 0..240 {
        let v: Value = h
            .http
            .get(format!("{}/api/progress", h.base))
            .header("x-b24a-session", session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or(Value::Null);
        if v["first_import_finished"] == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the first import did not finish");
}
