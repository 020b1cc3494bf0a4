//! Server configuration from flags and environment variables (the same names in the README, deploy files and
//! docs/DEPLOY.md). It must never log secrets: use `redacted_database_url` in messages.

use clap::Parser;

/// How the server is configured. Every flag can also come from the environment variable named beside it.
#[derive(Debug, Clone, Parser)]
#[command(name = "b24a-server", about = "Bitrix24 analytics app: reports inside the portal")]
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
}

impl Config {
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
}
