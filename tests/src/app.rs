//! The app under test in its portal: [`Kit`] says what to start (backend, company, app registrations, installed or
//! not, sync on or off), [`App`] is the running whole with the calls tests make against it over real HTTP. Test
//! support only: panics are the error reports of a test, so helpers that cannot go on say why and panic.

use std::future::Future;
use std::time::Duration;

use b24a_emulator::{
    AppRegistration, CompanyConfig, Emulator, EmulatorOptions, PortalHandle, PortalSpec, Size,
};
use b24a_server::app::AppState;
use b24a_server::config::Config;
use b24a_store::{Backend, PortalId};
use clap::Parser;
use serde_json::{json, Value};

use crate::page;
use crate::TestDb;

/// One app registration: the same client id and secret on the server (`--apps`) and in the emulator.
#[derive(Clone, Debug)]
pub struct AppSpec {
    pub client_id: String,
    pub secret: String,
    pub name: String,
    /// Reports the registration enables; empty = all.
    pub reports: Vec<String>,
}

/// What to start. `Kit::new()`: SQLite, company seed 7 of size Tiny, no app yet, nothing installed, no sync.
#[derive(Clone, Debug)]
pub struct Kit {
    backend: Backend,
    company: CompanyConfig,
    apps: Vec<AppSpec>,
    install: bool,
    sync: bool,
    session_secret: String,
    args: Vec<String>,
}

impl Default for Kit {
    fn default() -> Self {
        Kit::new()
    }
}

impl Kit {
    pub fn new() -> Kit {
        Kit {
            backend: Backend::Sqlite,
            company: CompanyConfig::new(7, Size::Tiny),
            apps: Vec::new(),
            install: false,
            sync: false,
            session_secret: "a-test-session-secret-of-enough-length".to_string(),
            args: Vec::new(),
        }
    }

    /// The end-to-end world: company seed 42 of `size`, the e2e app (`CLIENT_ID`) installed and the sync in the
    /// server, so the install starts the first import.
    pub fn e2e(size: Size) -> Kit {
        Kit::new()
            .company(42, size)
            .app(crate::CLIENT_ID, crate::SECRET, "Аналитика продаж")
            .session_secret(crate::SESSION_SECRET)
            .sync(true)
            .installed()
    }

    /// A fresh database on `backend` (one per test).
    pub fn backend(mut self, backend: Backend) -> Kit {
        self.backend = backend;
        self
    }

    /// The generated company of the portal.
    pub fn company(mut self, seed: u64, size: Size) -> Kit {
        self.company = CompanyConfig::new(seed, size);
        self
    }

    /// A generated company of one's own (volumes, months of history, its clock).
    pub fn company_config(mut self, company: CompanyConfig) -> Kit {
        self.company = company;
        self
    }

    /// The company generated up to `now` (unix seconds) and the reports' "today" fixed at it (`--reports-now`), so
    /// screenshots show a populated month whatever the run date; sessions and the sync keep the real clock.
    pub fn at(mut self, now: i64) -> Kit {
        self.company.now = now;
        self.arg("--reports-now", &now.to_string())
    }

    /// Registers an app with every report enabled.
    pub fn app(self, client_id: &str, secret: &str, name: &str) -> Kit {
        self.app_with_reports(client_id, secret, name, &[])
    }

    /// Registers an app enabling only `reports` (empty = all).
    pub fn app_with_reports(
        mut self,
        client_id: &str,
        secret: &str,
        name: &str,
        reports: &[&str],
    ) -> Kit {
        self.apps.push(AppSpec {
            client_id: client_id.to_string(),
            secret: secret.to_string(),
            name: name.to_string(),
            reports: reports.iter().map(|r| r.to_string()).collect(),
        });
        self
    }

    /// Installs the first app in the portal once everything runs (its install handler is our server).
    pub fn installed(mut self) -> Kit {
        self.install = true;
        self
    }

    /// Runs the sync inside the server (`--sync-in-process`): an install starts the first import.
    pub fn sync(mut self, on: bool) -> Kit {
        self.sync = on;
        self
    }

    /// The server's session key.
    pub fn session_secret(mut self, secret: &str) -> Kit {
        self.session_secret = secret.to_string();
        self
    }

    /// One more server flag (`--name`, `value`).
    pub fn arg(mut self, name: &str, value: &str) -> Kit {
        self.args.push(name.to_string());
        self.args.push(value.to_string());
        self
    }

    /// Starts the emulator with the company, the database, our server on an ephemeral port, registers the apps
    /// (launch page and install handler on our server) and installs the first one when asked.
    pub async fn start(self) -> anyhow::Result<App> {
        let emulator = b24a_emulator::start(EmulatorOptions::default()).await?;
        let portal = emulator
            .add_portal(PortalSpec::generated(&self.company))
            .await?;
        let db = TestDb::new(self.backend).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let apps: Vec<Value> = self
            .apps
            .iter()
            .map(|a| {
                let mut v =
                    json!({"client_id": a.client_id, "client_secret": a.secret, "name": a.name});
                if !a.reports.is_empty() {
                    v["reports"] = json!(a.reports);
                }
                v
            })
            .collect();
        let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend-assets");
        let mut argv: Vec<String> = [
            "b24a-server",
            "--database-url",
            db.url(),
            "--apps",
            &Value::Array(apps).to_string(),
            "--session-secret",
            &self.session_secret,
            "--public-url",
            &base,
            "--oauth-server",
            &emulator.server_endpoint(),
            "--bx24-js-url",
            "",
            "--assets-dir",
            assets,
            &format!("--sync-in-process={}", self.sync),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        argv.extend(self.args.iter().cloned());
        let config = Config::try_parse_from(argv)?;
        let parsed = config.parse_apps().map_err(anyhow::Error::msg)?;
        let state = AppState::new(db.store().clone(), config, parsed);
        tokio::spawn(b24a_server::serve_with(
            listener,
            state.clone(),
            std::future::pending(),
        ));
        for a in &self.apps {
            let mut reg = AppRegistration::new(
                &a.client_id,
                &a.secret,
                &format!("{base}/app/{}/", a.client_id),
            );
            reg.install_handler = Some(format!("{base}/install/{}", a.client_id));
            emulator.register_app(reg);
        }
        let default_client = self.apps.first().map(|a| a.client_id.clone());
        if self.install {
            let Some(client_id) = &default_client else {
                anyhow::bail!("Kit::installed needs an app registration (Kit::app)");
            };
            portal.install_app(client_id).await?;
        }
        Ok(App {
            emulator,
            portal,
            base,
            state,
            db,
            http: reqwest::Client::new(),
            default_client: default_client.unwrap_or_default(),
        })
    }
}

/// The running emulator, portal, server and database of one test. Dropping it drops the database.
pub struct App {
    pub emulator: Emulator,
    pub portal: PortalHandle,
    /// Our server's base URL (`http://127.0.0.1:<port>`).
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    pub http: reqwest::Client,
    /// The first registered app: the one `launch_config` and `app_url` launch.
    default_client: String,
}

impl App {
    /// Waits until every source of the portal finished its first import (panics after `within`).
    pub async fn wait_first_import(&self, within: Duration) {
        let id = self
            .db
            .store()
            .portal_by_member_id(&self.portal.member_id())
            .await
            .expect("read the portal")
            .expect("the portal is installed")
            .id;
        let store = self.db.store().clone();
        wait_for("the first import", within, || {
            let store = store.clone();
            async move {
                let s = store.sync_states(id).await.ok()?;
                (!s.is_empty() && s.iter().all(|x| x.full_finished_at.is_some())).then_some(())
            }
        })
        .await
    }

    /// The session token embedded in a shell page (panics when the page has none: the launch was refused).
    pub fn session_of(html: &str) -> String {
        match page::session_of(html) {
            Some(s) => s,
            None => panic!("no session in the page: {html}"),
        }
    }

    /// POSTs an iframe launch as the portal would (query + form) to the first app's page.
    pub async fn launch(
        &self,
        query: &[(String, String)],
        form: &[(String, String)],
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/app/{}/", self.base, self.default_client))
            .query(query)
            .form(form)
            .send()
            .await
            .expect("our server answers a launch")
    }

    /// A launch of `client_id` by `user` in `lang` as the portal posts it (a fresh token): (HTTP status, HTML).
    pub async fn launch_as(&self, client_id: &str, user: i64, lang: &str) -> (u16, String) {
        let l = self.portal.iframe_launch(client_id, user, lang);
        let r = self
            .http
            .post(format!("{}/app/{client_id}/", self.base))
            .query(&l.query)
            .form(&l.form)
            .send()
            .await
            .expect("our server answers a launch");
        (
            r.status().as_u16(),
            r.text().await.expect("a launch page body"),
        )
    }

    /// The session of `user` launching `client_id` (panics unless the launch succeeds).
    pub async fn session(&self, client_id: &str, user: i64, lang: &str) -> String {
        let (status, html) = self.launch_as(client_id, user, lang).await;
        assert_eq!(status, 200, "{html}");
        App::session_of(&html)
    }

    /// Launches the first app as `user_id` in `lang` and returns the page's embedded config (session, renewal
    /// token, reports …).
    pub async fn launch_config(&self, user_id: i64, lang: &str) -> anyhow::Result<Value> {
        let (_, html) = self.launch_as(&self.default_client, user_id, lang).await;
        page::config_of(&html).ok_or_else(|| anyhow::anyhow!("no config in the page: {html}"))
    }

    /// POSTs JSON to our API with a session: (HTTP status, JSON body or `null`).
    pub async fn post(&self, session: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-b24a-session", session)
            .json(&body)
            .send()
            .await
            .expect("our server answers");
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// GETs our API with a session: (HTTP status, JSON body or `null`).
    pub async fn get_json(&self, session: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-b24a-session", session)
            .send()
            .await
            .expect("our server answers");
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// The HTTP status of a GET of our API with a session.
    pub async fn get(&self, session: &str, path: &str) -> u16 {
        self.get_json(session, path).await.0
    }

    /// The stored id of the emulated portal (panics when the portal is not stored: not installed yet).
    pub async fn portal_id(&self) -> PortalId {
        self.state
            .store
            .portal_by_member_id(&self.portal.member_id())
            .await
            .expect("the store answers")
            .expect("portal stored")
            .id
    }

    /// The portal page that frames the first app for `user_id` in `lang`.
    pub fn app_url(&self, user_id: i64, lang: &str) -> String {
        format!(
            "{}/marketplace/app/{}/?user_id={user_id}&lang={lang}",
            self.portal.base_url(),
            self.default_client
        )
    }

    /// An active employee of the portal who is not an administrator.
    pub fn employee(&self) -> i64 {
        self.portal
            .with_data(|d| {
                d.users
                    .iter()
                    .find(|u| !u.is_admin && u.active)
                    .map(|u| u.id)
            })
            .flatten()
            .expect("the generated company has a plain employee")
    }
}

/// Polls `probe` every 50 ms until it yields a value, for at most `within`; panics naming `what` when it never does.
/// For what the server does in the background (a first import, a payment event's check).
pub async fn wait_for<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
