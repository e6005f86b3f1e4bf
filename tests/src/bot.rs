//! The bot, started in-process on port 0 ([`TestBot`]) or as the real binary
//! ([`BotProcess`]), pointed at the stand-ins.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use frontline_bot::delivery::DeliveryWorker;
use frontline_bot::digest::DigestScheduler;
use frontline_bot::sla::SlaWatcher;
use frontline_bot::{Application, BotOptions};
use frontline_shared::config::{Secret, Settings};
use frontline_widget_server::{demo_dir, DEMO_CONFIG};
use std::io::{BufRead, BufReader};

use crate::discord_standin::{self, DiscordStandIn};
use crate::slack_standin::{self, SlackStandIn};

/// The Slack channel alerts go to when no route matches.
pub const SLACK_DEFAULT_CHANNEL: &str = "C0SUPPORT";
/// The Discord channel alerts go to when no route matches.
pub const DISCORD_DEFAULT_CHANNEL: &str = "1100000000000000100";

/// Short leases so a killed bot's rows come back quickly in tests.
pub const FAST_DELIVERY: &str = "[bot.delivery]\nlease = \"3s\"\npoll = \"20ms\"\n";

/// Bot settings on `database_url` talking to the given stand-ins, plus `extra_toml`
/// (routes, SLA, …) appended to the demo configuration.
pub fn settings(
    database_url: &str,
    slack: Option<&SlackStandIn>,
    discord: Option<&DiscordStandIn>,
    extra_toml: &str,
) -> Settings {
    let text = format!("{DEMO_CONFIG}\n{extra_toml}");
    let mut env: Vec<(&str, String)> = vec![
        ("FRONTLINE_DATABASE_URL", database_url.to_string()),
        ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
    ];
    if let Some(slack) = slack {
        env.push(("FRONTLINE_SLACK_API_URL", slack.api_url()));
        env.push((
            "FRONTLINE_SLACK_DEFAULT_CHANNEL",
            SLACK_DEFAULT_CHANNEL.into(),
        ));
    }
    if let Some(discord) = discord {
        env.push(("FRONTLINE_DISCORD_API_URL", discord.base.clone()));
        env.push((
            "FRONTLINE_DISCORD_DEFAULT_CHANNEL",
            DISCORD_DEFAULT_CHANNEL.into(),
        ));
    }
    let lookup = move |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    let mut settings = Settings::parse(&text, &demo_dir(), Path::new("bot-test.toml"), &lookup)
        .expect("bot test configuration");
    if slack.is_some() {
        settings.secrets.slack_bot_token = Some(Secret::new(slack_standin::BOT_TOKEN));
        settings.secrets.slack_signing_secret = Some(Secret::new(slack_standin::SIGNING_SECRET));
    }
    if let Some(discord) = discord {
        settings.secrets.discord_bot_token = Some(Secret::new(discord_standin::BOT_TOKEN));
        settings.secrets.discord_public_key = Some(Secret::new(discord.public_key_hex()));
        settings.secrets.discord_application_id =
            Some(Secret::new(discord_standin::APPLICATION_ID));
    }
    settings
}

/// A running in-process bot.
#[derive(Debug)]
pub struct TestBot {
    pub url: String,
    pub client: reqwest::Client,
    worker: Option<DeliveryWorker>,
    watcher: Option<SlaWatcher>,
    digests: DigestScheduler,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestBot {
    pub async fn start(settings: Settings) -> TestBot {
        Self::start_with(settings, BotOptions::default()).await
    }

    pub async fn start_with(settings: Settings, options: BotOptions) -> TestBot {
        let app = Application::build_with(settings, options)
            .await
            .expect("bot starts");
        let url = format!("http://{}", app.local_addr());
        let (worker, watcher) = (app.delivery_worker(), app.sla_watcher());
        let digests = app.digest_scheduler();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        TestBot {
            url,
            client: reqwest::Client::new(),
            worker,
            watcher,
            digests,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The delivery worker (for stepping it with `try_deliver_once`).
    pub fn worker(&self) -> &DeliveryWorker {
        self.worker.as_ref().expect("a platform is configured")
    }

    /// The digest scheduler (for stepping it with `check_once`).
    pub fn digests(&self) -> &DigestScheduler {
        &self.digests
    }

    pub fn watcher(&self) -> &SlaWatcher {
        self.watcher.as_ref().expect("a platform is configured")
    }

    /// `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
    }

    /// Stops serving and waits until the workers and store are closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The real `frontline-bot` binary as a child process.
#[derive(Debug)]
pub struct BotProcess {
    /// `None` once it was handed to [`terminate`](crate::processes::terminate).
    child: Option<std::process::Child>,
    pub url: String,
    /// Every line it printed on stdout (its log, unless redirected), so far.
    printed: tokio::sync::watch::Receiver<Vec<String>>,
}

/// `target/<profile>/frontline-bot`, next to this test binary's `deps/` folder.
///
/// `cargo test --workspace` builds it (the bot's own integration test needs it); running
/// only this suite (`--test suite`) uses whatever binary the last workspace build left.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let path = profile_dir.join(format!("frontline-bot{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` (or `cargo test --workspace`, which builds it for bot/tests)",
        path.display()
    );
    path
}

impl BotProcess {
    /// Starts the binary with `--config config` and exactly `env` as its environment;
    /// returns once it prints the address it listens on.
    pub async fn spawn(config: &Path, env: &[(&str, String)]) -> BotProcess {
        let mut child = std::process::Command::new(binary())
            .arg("--config")
            .arg(config)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("FRONTLINE_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("frontline-bot starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (found, address) = tokio::sync::oneshot::channel::<String>();
        let (lines, printed) = tokio::sync::watch::channel(Vec::new());
        // A plain thread drains stdout for the child's whole life (a full pipe would block it).
        std::thread::spawn(move || {
            let echo = std::env::var("TEST_LOG").is_ok();
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if echo {
                    eprintln!("[frontline-bot] {line}");
                }
                if let Some(url) = line.strip_prefix("Frontline bot listening on ") {
                    if let Some(found) = found.take() {
                        let _ = found.send(url.trim().to_string());
                    }
                }
                lines.send_modify(|lines| lines.push(line));
            }
        });
        let url = match tokio::time::timeout(Duration::from_secs(30), address).await {
            Ok(Ok(url)) => url,
            _ => {
                let _ = child.kill();
                panic!("frontline-bot did not print its address within 30 s");
            }
        };
        BotProcess {
            child: Some(child),
            url,
            printed,
        }
    }

    /// The first line printed on stdout (now, or within `within`) that `wanted` accepts.
    pub async fn wait_for_line(
        &self,
        within: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let mut printed = self.printed.clone();
        let first = |lines: &[String]| lines.iter().find(|line| wanted(line)).cloned();
        let seen = tokio::time::timeout(within, printed.wait_for(|lines| first(lines).is_some()))
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|lines| first(&lines));
        seen.or_else(|| first(&self.printed.borrow()))
    }

    /// SIGTERM, then its exit status (see [`crate::processes::terminate`]).
    pub async fn terminate(mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.take().expect("a running process");
        crate::processes::terminate(child, within).await
    }

    /// Runs the binary as [`spawn`](Self::spawn) does, for a start-up that must fail:
    /// waits up to `limit` for it to exit and returns its exit status (`None`: still
    /// running at `limit`, then killed) and everything it printed.
    pub async fn run_expecting_exit(
        config: &Path,
        env: &[(&str, String)],
        limit: Duration,
    ) -> (Option<std::process::ExitStatus>, String) {
        let mut child = tokio::process::Command::new(binary())
            .arg("--config")
            .arg(config)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("FRONTLINE_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("frontline-bot starts");
        let status = tokio::time::timeout(limit, child.wait())
            .await
            .ok()
            .and_then(Result::ok);
        if status.is_none() {
            let _ = child.kill().await;
        }
        let output = child.wait_with_output().await.expect("output");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (status, printed)
    }

    /// `kill -9`: no shutdown, no flushing, leases left behind.
    pub fn kill9(mut self) {
        if let Some(child) = self.child.as_mut() {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
