//! `frontline-import`: see the crate documentation and `frontline-import --help`.

use clap::Parser;
use frontline_import::cli::{run, Cli};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli, &|name| std::env::var(name).ok()).await {
        Ok(report) => {
            print!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("frontline-import: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
