//! Logging setup shared by the binaries: `FRONTLINE_LOG` (or `RUST_LOG`) filters,
//! `FRONTLINE_LOG_FORMAT=json` switches to JSON lines. Colours only when the log's stream
//! is a terminal, so log files and journald get plain text.

use std::io::IsTerminal;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `default_filter` applies when no variable is set.
pub fn init(default_filter: &str) {
    install(
        default_filter,
        std::io::stdout,
        std::io::stdout().is_terminal(),
    );
}

/// [`init`] for a command-line tool whose standard output is its result (`frontline-eval`'s
/// JSON): the log goes to standard error.
pub fn init_on_stderr(default_filter: &str) {
    install(
        default_filter,
        std::io::stderr,
        std::io::stderr().is_terminal(),
    );
}

fn install<W>(default_filter: &str, writer: W, terminal: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = std::env::var("FRONTLINE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default_filter.to_string());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("FRONTLINE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .with_ansi(terminal);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
