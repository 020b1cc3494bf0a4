//! `b24a-demo`: the whole product on one machine without Bitrix24. Starts the portal emulator with a generated
//! company, starts the server on SQLite under ./data, registers and installs the app into the emulated portal (the
//! install handler stores the tokens and runs the first import), and prints the portal URL that opens the app the
//! way an administrator sees it. The portal then keeps working as a sales team would (the emulator's "live
//! office", `--live`, on by default), so changes reach the app by its events and incremental sync. A demo aid only: it must never be used against a real portal.

use anyhow::Context;
use b24a_emulator::{
    AppRegistration, CompanyConfig, EmulatorOptions, LiveOffice, PortalSpec, Size,
};
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "b24a-demo",
    about = "The analytics app inside an emulated Bitrix24 portal"
)]
struct Args {
    /// Port of the app server.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Port of the emulated portal.
    #[arg(long, default_value_t = 8090)]
    portal_port: u16,
    /// Company size: tiny, small, demo, large.
    #[arg(long, default_value = "demo")]
    size: String,
    /// Seed of the generated company.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory of the demo database.
    #[arg(long, default_value = "data")]
    data_dir: String,
    /// Front-end assets.
    #[arg(long, default_value = "frontend-assets")]
    assets_dir: String,
    /// The "live office": after install the emulated sales team keeps working (revised amounts of open sales,
    /// children moved and closed, new sales), so R7's growth of the check shows. `--live false` keeps the portal still.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    live: bool,
    /// Seconds between two live-office ticks.
    #[arg(long, default_value_t = 25)]
    live_every: u64,
}

const CLIENT_ID: &str = "local.b24a.demo";
const CLIENT_SECRET: &str = "demo-secret-not-for-production";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if std::env::var_os("RUST_LOG").is_none() {
        // The first import's slow-statement warnings would bury the URL the user needs.
        std::env::set_var("RUST_LOG", "warn,sqlx=error");
    }
    b24a_server::telemetry::init("text");
    b24a_server::memory::give_back_freed_memory();
    let size: Size = args.size.parse().map_err(anyhow::Error::msg)?;
    let emulator = b24a_emulator::start(EmulatorOptions::default())
        .await
        .context("starting the emulator")?;
    println!("Generating a {:?} company (seed {}) ...", size, args.seed);
    // The demo company keeps R7's work both ways: child deals linked by a crm field, and smart-process items.
    let mut spec = PortalSpec::generated(&CompanyConfig::new(args.seed, size).with_linked_deals());
    spec.port = args.portal_port;
    let portal = emulator
        .add_portal(spec)
        .await
        .context("starting the emulated portal")?;

    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir))?;
    let db_path = std::path::Path::new(&args.data_dir).join("demo.db");
    // A fresh store per run: the emulated portal is regenerated each time.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let database_url = format!("sqlite:{}", db_path.display());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    let base = format!("http://{}", listener.local_addr()?);
    let apps = serde_json::json!([{ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Аналитика продаж" }])
        .to_string();
    let config = b24a_server::config::Config::parse_from([
        "b24a-server",
        "--database-url",
        &database_url,
        "--apps",
        &apps,
        "--public-url",
        &base,
        "--oauth-server",
        &emulator.server_endpoint(),
        "--bx24-js-url",
        "",
        "--assets-dir",
        &args.assets_dir,
    ]);
    let store = b24a_store::Store::connect(&config.database_url)
        .await
        .context("opening the demo store")?;
    let apps = config.parse_apps().map_err(anyhow::Error::msg)?;
    let state = b24a_server::app::AppState::new(store, config, apps);
    let server = tokio::spawn(b24a_server::serve_with(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    }));

    let mut reg = AppRegistration::new(
        CLIENT_ID,
        CLIENT_SECRET,
        &format!("{base}/app/{CLIENT_ID}/"),
    );
    reg.install_handler = Some(format!("{base}/install/{CLIENT_ID}"));
    emulator.register_app(reg);
    portal
        .install_app(CLIENT_ID)
        .await
        .context("installing the app into the emulated portal")?;

    // The portal keeps working while the demo runs; the app's events and incremental sync pick the changes up.
    let _office = args.live.then(|| {
        portal.start_live_office(LiveOffice::new(
            std::time::Duration::from_secs(args.live_every.max(1)),
            args.seed,
        ))
    });

    let url = format!("{}/marketplace/app/{CLIENT_ID}/", portal.base_url());
    println!();
    println!(
        "The app is installed into the emulated portal; its first import runs in the background."
    );
    println!("Open the reports as the portal administrator:  {url}");
    println!("  in English:                                  {url}?lang=en");
    println!("  as another employee (no access by default):  {url}?user_id=2");
    if args.live {
        println!(
            "Live office: every {} s the sales team revises some open sales' amounts, moves and closes their child work and makes new sales (--live false to stop it).",
            args.live_every.max(1)
        );
    }
    println!("Press Ctrl-C to stop.");
    server.await??;
    Ok(())
}
