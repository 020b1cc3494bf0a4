//! The `b24a-server` binary: reads configuration, opens the store, serves the app. Everything else lives in the
//! library modules; this file must stay a thin entry point.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = b24a_server::config::Config::parse();
    b24a_server::telemetry::init(&config.log_format);
    b24a_server::memory::give_back_freed_memory();
    b24a_server::run(config).await
}
