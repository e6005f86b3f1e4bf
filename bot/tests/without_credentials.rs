//! The real binary with no chat credentials: it starts, says so, and serves `/healthz`.
//! (This integration test also makes `cargo test --workspace` build the binary that the
//! end-to-end suite's crash test runs.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn without_credentials_the_bot_runs_and_says_it_is_not_delivering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontline-bot"))
        .env_clear()
        .env("FRONTLINE_DATABASE_URL", &database)
        .env("FRONTLINE_BOT_LISTEN", "127.0.0.1:0")
        .env("FRONTLINE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut address = None;
    while !seen
        .iter()
        .any(|l: &String| l.contains("No chat credentials"))
    {
        let Ok(line) = received.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            panic!("the bot did not say it is not delivering; output: {seen:?}");
        };
        if let Some(url) = line.strip_prefix("Frontline bot listening on http://") {
            address = Some(url.trim().to_string());
        }
        seen.push(line);
    }
    let address = address.expect("the address is printed first");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let health: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("http://{address}/healthz"))
            .await
            .expect("healthz")
            .json()
            .await
            .expect("json")
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["slack"], false);
    assert_eq!(health["discord"], false);
}
