//! Helpers of the end-to-end tests: the emulator with a generated company and the app installed, our server, and a
//! minimal W3C WebDriver client for Debian's chromedriver/chromium. Test support only; never shipped.

pub mod webdriver;
pub mod xlsx;

use b24a_emulator::{
    AppRegistration, CompanyConfig, Emulator, EmulatorOptions, PortalHandle, PortalSpec, Size,
};
use clap::Parser;

pub const CLIENT_ID: &str = "local.b24a.e2e";
pub const SECRET: &str = "e2e-secret";
/// The server's session key in these tests (so a test can sign an expired or forged token itself).
pub const SESSION_SECRET: &str = "e2e-session-secret-0123456789";

/// A running portal with the app installed and its first import done.
pub struct World {
    pub emulator: Emulator,
    pub portal: PortalHandle,
    pub base: String,
    pub db: b24a_store::testing::TestDb,
}

impl World {
    pub async fn start(size: Size) -> anyhow::Result<World> {
        World::start_company(CompanyConfig::new(42, size)).await
    }

    /// Like [`World::start`] with a company of one's own (volumes, months of history).
    pub async fn start_company(company: CompanyConfig) -> anyhow::Result<World> {
        let emulator = b24a_emulator::start(EmulatorOptions::default()).await?;
        let portal = emulator.add_portal(PortalSpec::generated(&company)).await?;
        let db = b24a_store::testing::TestDb::sqlite().await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let apps = format!(
            r#"[{{"client_id":"{CLIENT_ID}","client_secret":"{SECRET}","name":"Аналитика продаж"}}]"#
        );
        let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend-assets");
        let config = b24a_server::config::Config::parse_from([
            "b24a-server",
            "--database-url",
            db.url(),
            "--apps",
            &apps,
            "--session-secret",
            SESSION_SECRET,
            "--public-url",
            &base,
            "--oauth-server",
            &emulator.server_endpoint(),
            "--bx24-js-url",
            "",
            "--assets-dir",
            assets,
        ]);
        let parsed = config.parse_apps().map_err(anyhow::Error::msg)?;
        let state = b24a_server::app::AppState::new(db.store().clone(), config, parsed);
        tokio::spawn(b24a_server::serve_with(
            listener,
            state,
            std::future::pending(),
        ));
        let mut reg = AppRegistration::new(CLIENT_ID, SECRET, &format!("{base}/app/{CLIENT_ID}/"));
        reg.install_handler = Some(format!("{base}/install/{CLIENT_ID}"));
        emulator.register_app(reg);
        portal.install_app(CLIENT_ID).await?;
        Ok(World {
            emulator,
            portal,
            base,
            db,
        })
    }

    /// Launches the app over plain HTTP as the portal does (a fresh token of `user_id`) and returns the page's
    /// embedded config (session, renewal token, reports …).
    pub async fn launch_config(
        &self,
        user_id: i64,
        lang: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let l = self.portal.iframe_launch(CLIENT_ID, user_id, lang);
        let qs: Vec<String> = l.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let html = reqwest::Client::new()
            .post(format!("{}/app/{CLIENT_ID}/?{}", self.base, qs.join("&")))
            .form(&l.form)
            .send()
            .await?
            .text()
            .await?;
        let json = html
            .split("id=\"b24a-config\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .ok_or_else(|| anyhow::anyhow!("no config in the page"))?;
        Ok(serde_json::from_str(&json.replace("<\\/", "</"))?)
    }

    /// The portal page that frames the app for `user_id` in `lang`.
    pub fn app_url(&self, user_id: i64, lang: &str) -> String {
        format!(
            "{}/marketplace/app/{CLIENT_ID}/?user_id={user_id}&lang={lang}",
            self.portal.base_url()
        )
    }
}
