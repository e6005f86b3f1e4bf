//! Logging setup shared by both binaries: `FRONTLINE_LOG` (or `RUST_LOG`) filters,
//! `FRONTLINE_LOG_FORMAT=json` switches to JSON lines. Colours only when the log's stream
//! (stdout) is a terminal, so log files and journald get plain text.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `default_filter` applies when no variable is set.
pub fn init(default_filter: &str) {
    let filter = std::env::var("FRONTLINE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default_filter.to_string());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("FRONTLINE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
