//! `frontline-widget-server`: serve the widget API, handoffs and the demo storefront.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use frontline_shared::config::Settings;
use frontline_widget_server::{demo_dir, Application, DEMO_CONFIG};

/// mimalloc instead of the system allocator: a request allocates and frees many small
/// strings (JSON, headers, the transcript line), and glibc's malloc/free were a tenth of
/// `/ask`'s CPU time (measured with `perf` under `tests/bench/http.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Frontline's widget server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// TOML configuration file (default: the built-in demo storefront on SQLite).
    #[arg(long, env = "FRONTLINE_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    frontline_shared::telemetry::init("info,tantivy=warn,sqlx=warn");
    let args = Args::parse();
    let settings = Settings::load(args.config.as_deref(), DEMO_CONFIG, &demo_dir())
        .context("configuration")?;
    let app = Application::build(settings).await.context("start-up")?;
    if let Some(token) = app.generated_admin_token() {
        tracing::warn!("FRONTLINE_ADMIN_TOKEN is not set; this run's admin token is {token}");
    }
    println!("Frontline widget server listening on {}", app.public_url());
    println!("Demo storefront: {}/", app.public_url());
    app.run_until_stopped(frontline_shared::shutdown::os_signal())
        .await?;
    Ok(())
}
