//! A portal emulator plus our server on ephemeral ports, with the app registered and (optionally) installed.
#![allow(dead_code)]

pub mod attack;
pub mod scope;

use b24a_emulator::{
    AppRegistration, CompanyConfig, Emulator, EmulatorOptions, PortalHandle, PortalSpec, Size,
};
use b24a_server::app::AppState;
use b24a_server::config::Config;
use clap::Parser;

pub const CLIENT_ID: &str = "local.b24a.test";
pub const SECRET: &str = "test-secret-xyz";

pub struct Harness {
    pub emulator: Emulator,
    pub portal: PortalHandle,
    pub base: String,
    pub state: AppState,
    pub db: b24a_store::testing::TestDb,
    pub http: reqwest::Client,
}

pub async fn start(sync: bool) -> Harness {
    let emulator = b24a_emulator::start(EmulatorOptions::default())
        .await
        .unwrap();
    let portal = emulator
        .add_portal(PortalSpec::generated(&CompanyConfig::new(7, Size::Tiny)))
        .await
        .unwrap();
    let db = b24a_store::testing::TestDb::sqlite().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let apps =
        format!(r#"[{{"client_id":"{CLIENT_ID}","client_secret":"{SECRET}","name":"Аналитика"}}]"#);
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../../frontend-assets");
    let config = Config::parse_from([
        "b24a-server",
        "--database-url",
        db.url(),
        "--apps",
        &apps,
        "--session-secret",
        "a-test-session-secret-of-enough-length",
        "--public-url",
        &base,
        "--oauth-server",
        &emulator.server_endpoint(),
        "--bx24-js-url",
        "",
        "--assets-dir",
        assets,
        &format!("--sync-in-process={sync}"),
    ]);
    let apps = config.parse_apps().unwrap();
    let state = AppState::new(db.store().clone(), config, apps);
    tokio::spawn(b24a_server::serve_with(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let mut reg = AppRegistration::new(CLIENT_ID, SECRET, &format!("{base}/app/{CLIENT_ID}/"));
    reg.install_handler = Some(format!("{base}/install/{CLIENT_ID}"));
    emulator.register_app(reg);
    Harness {
        emulator,
        portal,
        base,
        state,
        db,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    /// POSTs an iframe launch as the portal would (query + form).
    pub async fn launch(
        &self,
        query: &[(String, String)],
        form: &[(String, String)],
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/app/{CLIENT_ID}/", self.base))
            .query(query)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The session token embedded in a shell page.
    pub fn session_of(html: &str) -> String {
        let start = html.find("\"session\":\"").unwrap() + "\"session\":\"".len();
        let end = html[start..].find('"').unwrap();
        html[start..start + end].to_string()
    }
}

pub fn set(pairs: &mut [(String, String)], key: &str, value: &str) {
    for (k, v) in pairs.iter_mut() {
        if k == key {
            *v = value.to_string();
        }
    }
}

/// An active employee of the portal who is not an administrator.
pub fn employee(portal: &b24a_emulator::PortalHandle) -> i64 {
    portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| !u.is_admin && u.active)
                .map(|u| u.id)
        })
        .flatten()
        .expect("the generated company has a plain employee")
}
