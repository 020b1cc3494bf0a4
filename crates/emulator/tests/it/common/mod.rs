//! Shared helpers for the HTTP integration tests: a running emulator with one tiny portal, an
//! installed app, a REST caller, and an event receiver that records form-encoded POSTs.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use b24a_emulator::*;
use serde_json::Value;

pub const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
pub const CLIENT_ID: &str = "local.test.app";
pub const CLIENT_SECRET: &str = "s3cret";

pub struct Env {
    pub emu: Emulator,
    pub portal: PortalHandle,
    pub grant: InstallGrant,
    pub http: reqwest::Client,
}

pub async fn env_with(limits: Limits, ttl: Duration, install_handler: Option<String>) -> Env {
    let cfg = CompanyConfig::new(3, Size::Tiny).with_now(NOW);
    env_of(&cfg, limits, ttl, install_handler).await
}

/// The same with a company of one's own.
pub async fn env_of(
    cfg: &CompanyConfig,
    limits: Limits,
    ttl: Duration,
    install_handler: Option<String>,
) -> Env {
    let emu = start(EmulatorOptions {
        token_ttl: ttl,
        oauth_port: 0,
    })
    .await
    .unwrap();
    let mut app = AppRegistration::new(CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1:9/app");
    app.install_handler = install_handler;
    emu.register_app(app);
    let portal = emu
        .add_portal(PortalSpec::generated(cfg).with_limits(limits))
        .await
        .unwrap();
    let grant = portal.install_app(CLIENT_ID).await.unwrap();
    Env {
        emu,
        portal,
        grant,
        http: reqwest::Client::new(),
    }
}

pub async fn env() -> Env {
    env_with(Limits::unlimited(), Duration::from_secs(3600), None).await
}

/// A REST answer: HTTP status + parsed JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Env {
    /// POSTs a JSON body with `auth` to `/rest/<method>.json`.
    pub async fn call(&self, method: &str, params: Value) -> Answer {
        self.call_with_token(method, params, &self.grant.access_token.clone())
            .await
    }

    pub async fn call_with_token(&self, method: &str, mut params: Value, token: &str) -> Answer {
        if let Value::Object(m) = &mut params {
            m.insert("auth".into(), Value::String(token.to_string()));
        }
        let url = format!("{}{}.json", self.portal.client_endpoint(), method);
        let r = self.http.post(url).json(&params).send().await.unwrap();
        answer(r).await
    }

    pub async fn get(&self, path_and_query: &str) -> Answer {
        let r = self
            .http
            .get(format!("{}{}", self.portal.base_url(), path_and_query))
            .send()
            .await
            .unwrap();
        answer(r).await
    }
}

pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        body,
        headers,
    }
}

/// Records every POST it receives (parsed like PHP would) plus its content type.
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<(String, Value)>>>,
    pub url: String,
}

async fn record(
    State(r): State<Receiver>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> &'static str {
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let parsed = b24a_emulator::php::parse_str(&String::from_utf8_lossy(&body));
    r.got.lock().unwrap().push((ctype, parsed));
    "ok"
}

pub async fn receiver() -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let r = Receiver {
        got: Arc::default(),
        url: format!("http://127.0.0.1:{port}/hook"),
    };
    let app = Router::new()
        .route("/hook", post(record))
        .with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    r
}

impl Receiver {
    pub fn events(&self) -> Vec<(String, Value)> {
        self.got.lock().unwrap().clone()
    }
    pub fn named(&self, name: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .map(|(_, v)| v)
            .filter(|v| v["event"] == name)
            .collect()
    }
}

pub fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["ID"].as_str().unwrap().parse().unwrap())
        .collect()
}
