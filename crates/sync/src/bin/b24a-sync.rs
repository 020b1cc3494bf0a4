//! `b24a-sync`: sync one portal from the command line (webhook URL or a stored portal), printing progress.
//! Thin: parses arguments and calls the library.

use std::sync::Arc;

use anyhow::Context;
use b24a_client::{ClientConfig, OAuthApp, RateLimits};
use b24a_store::Store;
use b24a_sync::{portal, state, sync_portal, Progress, SyncError, SyncOptions};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "b24a-sync", about = "Sync a Bitrix24 portal into the store")]
struct Cli {
    /// sqlite:path.db or postgres://...
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run sync cycles for one portal (the first one is the full import).
    Sync {
        /// Incoming webhook URL (registers the portal if needed).
        #[arg(long, conflicts_with = "portal_id")]
        webhook: Option<String>,
        /// A stored portal (OAuth app install).
        #[arg(long)]
        portal_id: Option<i64>,
        #[arg(long, env = "B24A_CLIENT_ID")]
        client_id: Option<String>,
        #[arg(long, env = "B24A_CLIENT_SECRET")]
        client_secret: Option<String>,
        /// Requests per second and burst of the portal's plan (default: from the portal's licence, 2/50 or 5/250).
        #[arg(long)]
        rate: Option<f64>,
        #[arg(long)]
        burst: Option<f64>,
        #[arg(long, default_value_t = 3)]
        parallelism: usize,
        /// How many cycles to run (0 = until killed), pausing `--every` seconds between them.
        #[arg(long, default_value_t = 1)]
        cycles: u64,
        #[arg(long, default_value_t = 60)]
        every: u64,
        /// Lease holder name (default: cli-pid-random).
        #[arg(long)]
        holder: Option<String>,
        /// Seconds the portal's sync lease lives without renewal.
        #[arg(long, default_value_t = 120)]
        lease_ttl: i64,
        /// Pages chained per batch request (1..=50).
        #[arg(long, default_value_t = 50)]
        max_chain: usize,
    },
    /// Print the sync state of a portal.
    Status {
        #[arg(long)]
        portal_id: i64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let store = Store::connect(&cli.database_url)
        .await
        .context("opening the store")?;
    match cli.command {
        Command::Status { portal_id } => {
            for s in state::load_all(&store, portal_id).await? {
                println!(
                    "{:<20} {:<12} done {:>9} of {:>9}  cursor {:>10}  watermark {:?}  error {:?}",
                    s.entity,
                    s.phase,
                    s.done_count,
                    s.estimated_total
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "?".into()),
                    s.cursor_id,
                    s.watermark,
                    s.last_error
                );
            }
        }
        Command::Sync {
            webhook,
            portal_id,
            client_id,
            client_secret,
            rate,
            burst,
            parallelism,
            cycles,
            every,
            holder,
            lease_ttl,
            max_chain,
        } => {
            let portal_id = match (webhook, portal_id) {
                (Some(url), _) => portal::register_webhook(&store, &url).await?,
                (None, Some(id)) => id,
                (None, None) => anyhow::bail!("give --webhook or --portal-id"),
            };
            let app = match (client_id, client_secret) {
                (Some(client_id), Some(client_secret)) => Some(OAuthApp {
                    client_id,
                    client_secret,
                }),
                _ => None,
            };
            let holder = holder
                .unwrap_or_else(|| format!("cli-{}-{}", std::process::id(), uuid::Uuid::new_v4()));
            let explicit = rate.is_some() || burst.is_some();
            let limits = RateLimits {
                per_second: rate.unwrap_or(RateLimits::STANDARD.per_second),
                burst: burst.unwrap_or(RateLimits::STANDARD.burst),
            };
            let config = ClientConfig {
                rate_limits: limits,
                ..ClientConfig::default()
            };
            let progress = Arc::new(|p: &Progress| {
                let est = p
                    .estimated
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "?".into());
                println!(
                    "progress {} {} {}/{}",
                    p.entity.name(),
                    p.phase,
                    p.done,
                    est
                );
            });
            let opts = SyncOptions {
                parallelism,
                max_chain,
                lease_ttl_secs: lease_ttl,
                adopt_license_limits: !explicit,
                progress: Some(progress),
                ..SyncOptions::default()
            };
            println!("portal {portal_id}");
            let mut n = 0;
            loop {
                let report = match sync_portal(
                    &store,
                    portal_id,
                    app.as_ref(),
                    &holder,
                    config.clone(),
                    opts.clone(),
                )
                .await
                {
                    Ok(r) => r,
                    Err(SyncError::Busy(_)) => {
                        // Another process holds the portal (or a dead one's lease has not expired yet).
                        println!("busy: portal {portal_id} is leased by another process; waiting");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                println!(
                    "cycle done: written {:?} deleted {:?} events {} failed {:?}",
                    report.written, report.deleted, report.events_applied, report.failed
                );
                n += 1;
                if cycles != 0 && n >= cycles {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(every)).await;
            }
        }
    }
    Ok(())
}
