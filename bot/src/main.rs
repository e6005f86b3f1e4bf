//! `frontline-bot`: alerts, claims and the two-way relay in Slack and Discord.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use frontline_bot::Application;
use frontline_shared::config::Settings;

/// The demo configuration the widget server ships (its sites give alerts their names).
const DEMO_CONFIG: &str = include_str!("../../widget-server/demo/frontline.toml");

/// Frontline's chat-ops bot.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// TOML configuration file, shared with the widget server (default: the demo).
    #[arg(long, env = "FRONTLINE_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    frontline_shared::telemetry::init("info,sqlx=warn,slack_morphism=warn");
    let args = Args::parse();
    let demo_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../widget-server/demo");
    let settings =
        Settings::load(args.config.as_deref(), DEMO_CONFIG, &demo_dir).context("configuration")?;
    let app = Application::build(settings).await.context("start-up")?;
    let platforms: Vec<&str> = app.platforms().iter().map(|p| p.as_str()).collect();
    println!("Frontline bot listening on http://{}", app.local_addr());
    if platforms.is_empty() {
        println!("No chat credentials: alerts are not delivered (escalations stay claimable from the web queue).");
    } else {
        println!("Delivering alerts to: {}", platforms.join(", "));
    }
    app.run_until_stopped(frontline_shared::shutdown::os_signal())
        .await?;
    Ok(())
}
