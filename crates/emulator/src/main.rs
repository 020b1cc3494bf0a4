//! `b24-emulator`: serves generated Bitrix24 portals over HTTP until Ctrl-C, printing their URLs,
//! a ready-made webhook URL and (optionally) an installed app's tokens.
//!
//! Thin CLI over the library; no emulator logic here.

use std::time::{Duration, Instant};

use anyhow::Context;
use b24a_emulator::{
    start, AppRegistration, CompanyConfig, EmulatorOptions, Limits, PortalSpec, Size,
};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "b24-emulator",
    about = "Bitrix24 portal emulator (REST, OAuth, events, generated companies)"
)]
struct Args {
    /// Seed of the generated company (portal N uses seed + N).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// tiny | small | demo | large
    #[arg(long, default_value = "demo")]
    size: Size,
    /// How many portals to serve.
    #[arg(long, default_value_t = 1)]
    portals: u16,
    /// Port of the first portal (next portals use the following ports; 0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port of the OAuth server (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    oauth_port: u16,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Disable the request-rate and operating limits.
    #[arg(long)]
    no_limits: bool,
    /// Register and install an app with this client_id on every portal.
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, default_value = "secret")]
    client_secret: String,
    /// The app page URL (iframe) and optional install handler URL of that app.
    #[arg(long, default_value = "http://127.0.0.1:8080/app")]
    app_url: String,
    #[arg(long)]
    install_handler: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let emu = start(EmulatorOptions {
        token_ttl: Duration::from_secs(args.token_ttl),
        oauth_port: args.oauth_port,
    })
    .await
    .context("starting the OAuth listener")?;
    println!("OAuth server:    {}", emu.oauth_base_url());
    if let Some(cid) = &args.client_id {
        let mut app = AppRegistration::new(cid, &args.client_secret, &args.app_url);
        app.install_handler = args.install_handler.clone();
        emu.register_app(app);
    }
    for i in 0..args.portals {
        let started = Instant::now();
        let cfg = CompanyConfig::new(args.seed + i as u64, args.size);
        let mut spec = PortalSpec::generated(&cfg);
        if args.no_limits {
            spec.limits = Limits::unlimited();
        }
        spec.port = if args.port == 0 { 0 } else { args.port + i };
        let counts = (
            spec.data.deals.len(),
            spec.data.leads.len(),
            spec.data.activities.len(),
            spec.data.tasks.len(),
        );
        let portal = emu
            .add_portal(spec)
            .await
            .with_context(|| format!("starting portal {i}"))?;
        println!(
            "\nPortal {}: {}  (generated in {:.1?})",
            i + 1,
            portal.base_url(),
            started.elapsed()
        );
        println!("  member_id:       {}", portal.member_id());
        println!("  client_endpoint: {}", portal.client_endpoint());
        println!(
            "  data:            {} deals, {} leads, {} activities, {} tasks",
            counts.0, counts.1, counts.2, counts.3
        );
        println!("  webhook (admin): {}", portal.create_webhook(1));
        println!("  admin API:       {}/_emulator/info", portal.base_url());
        if let Some(cid) = &args.client_id {
            let grant = portal
                .install_app(cid)
                .await
                .context("installing the app")?;
            println!(
                "  app {cid}: access_token={} refresh_token={} application_token={}",
                grant.access_token, grant.refresh_token, grant.application_token
            );
            println!(
                "  app page:        {}/marketplace/app/{cid}/",
                portal.base_url()
            );
        }
    }
    println!("\nRunning; press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
