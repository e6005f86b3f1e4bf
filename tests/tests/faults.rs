//! Past one machine, under faults: two widget servers and two bots (the real binaries) on
//! one PostgreSQL, 1,000 handoffs sent round-robin while agents' Claim clicks race through
//! both bots; a bot and a widget server are killed with `kill -9` mid-run (and restarted),
//! and PostgreSQL itself is restarted. Afterwards every accepted handoff is stored with the
//! customer's message, alerted exactly once and owned by exactly one agent; requests during
//! the outage got a clear 503, never a success that was not stored.
//!
//! Runs when `FRONTLINE_TEST_POSTGRES_URL` is set (CI sets it). Restarting PostgreSQL
//! needs `FRONTLINE_TEST_PG_CTL`, the command prefix that controls the server, e.g.
//! `pg_ctlcluster --skip-systemctl-redirect 15 main` (`.ci/run` sets it); without it the
//! database faults are skipped with a note. `FAULT_HANDOFFS` changes the load (default 1000).
//! This is its own test binary so that restarting PostgreSQL never disturbs other tests.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use frontline_shared::store::Store;
use frontline_tests::bot::{BotProcess, FAST_DELIVERY, SLACK_DEFAULT_CHANNEL};
use frontline_tests::databases::{postgres_admin_url, TestBackend, TestDatabase};
use frontline_tests::processes::ServerProcess;
use frontline_tests::slack_callbacks::{block_action, SignedRequest, SlackUser};
use frontline_tests::slack_standin::{SlackStandIn, BOT_TOKEN, SIGNING_SECRET};
use serde_json::json;

const AGENTS: [SlackUser; 2] = [
    SlackUser {
        id: "U0ANA",
        name: "ana",
    },
    SlackUser {
        id: "U0BEN",
        name: "ben",
    },
];

/// What happened to one handoff request.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// 201: stored and queued.
    Accepted { escalation: String, message: String },
    /// 503: the store was unavailable; nothing claimed as sent.
    Unavailable,
    /// The connection broke mid-request (a server killed while answering): unknown.
    Unknown,
}

fn pg_ctl() -> Option<Vec<String>> {
    std::env::var("FRONTLINE_TEST_PG_CTL")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.split_whitespace().map(str::to_string).collect())
}

fn postgres(action: &str) {
    let Some(command) = pg_ctl() else { return };
    let status = std::process::Command::new(&command[0])
        .args(&command[1..])
        .arg(action)
        .status()
        .unwrap_or_else(|e| panic!("{command:?} {action}: {e}"));
    assert!(status.success(), "{command:?} {action} failed");
}

/// Starts PostgreSQL again when dropped, so a failing assertion never leaves it stopped.
struct StartPostgresOnDrop;

impl Drop for StartPostgresOnDrop {
    fn drop(&mut self) {
        if let Some(command) = pg_ctl() {
            // No assertion here: this may run while a test failure is unwinding.
            let _ = std::process::Command::new(&command[0])
                .args(&command[1..])
                .arg("start")
                .status();
        }
    }
}

/// The replicas' current addresses (a restarted replica gets a new port).
#[derive(Default)]
struct Replicas {
    servers: RwLock<Vec<String>>,
    bots: RwLock<Vec<String>>,
}

async fn hand_off(client: &reqwest::Client, replicas: &Replicas, i: usize) -> Outcome {
    let message = format!("Order NW-{i:05} never arrived");
    let body = json!({"email": format!("customer{i}@example.com"), "name": format!("Customer {i}"),
                      "message": message, "page_url": "https://northwind.example/orders"});
    // Like a load balancer: try the replica whose turn it is, then the other one when the
    // connection is refused (the request never reached a server, so retrying is safe).
    for attempt in 0..6 {
        let server = {
            let servers = replicas.servers.read().unwrap_or_else(|p| p.into_inner());
            servers[(i + attempt) % servers.len()].clone()
        };
        match client
            .post(format!("{server}/api/v1/sites/demo/handoff"))
            .json(&body)
            .send()
            .await
        {
            Ok(response) if response.status() == 201 => {
                let value: serde_json::Value = response.json().await.unwrap_or_default();
                let escalation = value["escalation_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                return Outcome::Accepted {
                    escalation,
                    message,
                };
            }
            Ok(response) if response.status() == 503 => {
                assert_eq!(
                    response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                    Some("1")
                );
                let value: serde_json::Value = response.json().await.unwrap_or_default();
                assert_eq!(
                    value["error"]["code"], "unavailable",
                    "a clear 503: {value}"
                );
                return Outcome::Unavailable;
            }
            Ok(response) => panic!("handoff {i}: unexpected {}", response.status()),
            Err(error) if error.is_connect() => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(_) => return Outcome::Unknown,
        }
    }
    Outcome::Unknown
}

/// Clicks Claim on every new alert, once through each bot, as two different agents.
async fn click_claims(
    slack: SlackStandIn,
    replicas: Arc<Replicas>,
    stop: Arc<AtomicUsize>,
) -> usize {
    let client = reqwest::Client::new();
    let mut clicked: HashSet<String> = HashSet::new();
    let mut clicks = 0;
    loop {
        let fresh: Vec<_> = slack.with(|s| {
            s.messages
                .iter()
                .filter(|m| {
                    m.meta("purpose") == Some("alert") && m.buttons().iter().any(|b| b == "claim")
                })
                .filter(|m| !clicked.contains(m.meta("escalation_id").unwrap_or_default()))
                .cloned()
                .collect()
        });
        for alert in fresh {
            let bots = replicas
                .bots
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let races = AGENTS.iter().zip(bots.iter().cycle()).map(|(agent, bot)| {
                let request = SignedRequest::interaction(&block_action(agent, &alert, "claim"));
                let (client, bot) = (client.clone(), bot.clone());
                async move {
                    request
                        .try_send(&client, &bot)
                        .await
                        .map(|r| r.status().as_u16())
                }
            });
            let results = futures_util::future::join_all(races).await;
            clicks += results.len();
            // Retried later if no bot could be reached (one was being restarted).
            if results.iter().any(|r| matches!(r, Ok(200))) {
                clicked.insert(alert.meta("escalation_id").unwrap_or_default().to_string());
            }
        }
        if stop.load(Ordering::SeqCst) == 1 {
            return clicks;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_lose_nothing_under_kills_and_a_database_restart() {
    if postgres_admin_url().is_none() {
        eprintln!("skipped: FRONTLINE_TEST_POSTGRES_URL is not set");
        return;
    }
    if pg_ctl().is_none() {
        eprintln!("note: FRONTLINE_TEST_PG_CTL is not set; PostgreSQL will not be restarted");
    }
    let total: usize = std::env::var("FAULT_HANDOFFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let db = TestDatabase::new(TestBackend::Postgres).await;
    let slack = SlackStandIn::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("frontline.toml");
    let demo = frontline_widget_server::demo_dir();
    let text = frontline_widget_server::DEMO_CONFIG
        .replace(
            "knowledge_dir = \"kb\"",
            &format!("knowledge_dir = {:?}", demo.join("kb")),
        )
        .replace(
            "intents_file = \"intents.toml\"",
            &format!("intents_file = {:?}", demo.join("intents.toml")),
        );
    let limits = "[server.rate_limits]\nper_ip_per_minute = 1000000\nper_ip_burst = 1000000\nper_site_per_second = 100000\nper_site_burst = 100000\n";
    std::fs::write(&config, format!("{text}\n{limits}\n{FAST_DELIVERY}")).expect("config");
    let env = vec![
        ("FRONTLINE_DATABASE_URL", db.url.clone()),
        ("FRONTLINE_LISTEN", "127.0.0.1:0".to_string()),
        ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
        (
            "FRONTLINE_ADMIN_TOKEN",
            "fault-admin-token-0123456789abcdef".to_string(),
        ),
        ("FRONTLINE_SLACK_API_URL", slack.api_url()),
        (
            "FRONTLINE_SLACK_DEFAULT_CHANNEL",
            SLACK_DEFAULT_CHANNEL.to_string(),
        ),
        ("SLACK_BOT_TOKEN", BOT_TOKEN.to_string()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
    ];
    for agent in &AGENTS {
        slack.add_user(agent.id, agent.name);
    }
    let spawn_server = || ServerProcess::spawn(&config, &env);
    let spawn_bot = || BotProcess::spawn(&config, &env);
    let mut servers = vec![spawn_server().await, spawn_server().await];
    let mut bots = vec![spawn_bot().await, spawn_bot().await];
    let replicas = Arc::new(Replicas::default());
    *replicas.servers.write().expect("lock") = servers.iter().map(|s| s.url.clone()).collect();
    *replicas.bots.write().expect("lock") = bots.iter().map(|b| b.url.clone()).collect();

    let stop_clicking = Arc::new(AtomicUsize::new(0));
    let clicker = tokio::spawn(click_claims(
        slack.clone(),
        Arc::clone(&replicas),
        Arc::clone(&stop_clicking),
    ));
    let done = Arc::new(AtomicUsize::new(0));
    let outcomes: Arc<Mutex<HashMap<usize, Outcome>>> = Arc::default();
    let load = {
        let (replicas, done, outcomes) = (
            Arc::clone(&replicas),
            Arc::clone(&done),
            Arc::clone(&outcomes),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let semaphore = Arc::new(tokio::sync::Semaphore::new(16));
            let mut tasks = Vec::new();
            for i in 0..total {
                let permit = Arc::clone(&semaphore)
                    .acquire_owned()
                    .await
                    .expect("semaphore");
                let (client, replicas, done, outcomes) = (
                    client.clone(),
                    Arc::clone(&replicas),
                    Arc::clone(&done),
                    Arc::clone(&outcomes),
                );
                tasks.push(tokio::spawn(async move {
                    let outcome = hand_off(&client, &replicas, i).await;
                    outcomes.lock().expect("lock").insert(i, outcome);
                    done.fetch_add(1, Ordering::SeqCst);
                    drop(permit);
                }));
            }
            for task in tasks {
                task.await.expect("handoff task");
            }
        })
    };

    let wait_until = |n: usize| {
        let done = Arc::clone(&done);
        async move {
            while done.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    // Faults, at fixed points of the run.
    wait_until(total / 5).await;
    bots.remove(0).kill9();
    tokio::time::sleep(Duration::from_millis(300)).await;
    bots.insert(0, spawn_bot().await);
    *replicas.bots.write().expect("lock") = bots.iter().map(|b| b.url.clone()).collect();

    wait_until(2 * total / 5).await;
    servers.remove(0).kill9();
    tokio::time::sleep(Duration::from_millis(300)).await;
    servers.insert(0, spawn_server().await);
    *replicas.servers.write().expect("lock") = servers.iter().map(|s| s.url.clone()).collect();

    wait_until(3 * total / 5).await;
    tokio::task::spawn_blocking(|| postgres("restart"))
        .await
        .expect("restart");
    load.await.expect("load");

    // A clear 503 while the database is down, and nothing stored.
    let client = reqwest::Client::new();
    if pg_ctl().is_some() {
        let restart_guard = StartPostgresOnDrop;
        tokio::task::spawn_blocking(|| postgres("stop"))
            .await
            .expect("stop");
        let response = client
            .post(format!("{}/api/v1/sites/demo/handoff", servers[1].url))
            .json(&json!({"email": "outage@example.com", "message": "during the outage"}))
            .send()
            .await
            .expect("the server answers while the database is down");
        assert_eq!(response.status(), 503);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let ready = client
            .get(format!("{}/readyz", servers[1].url))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status(), 503, "not ready without the store");
        tokio::task::spawn_blocking(move || drop(restart_guard))
            .await
            .expect("start");
    }

    // Let everything settle: every row delivered, every alert clicked.
    let store = Store::connect(&db.url).await.expect("store");
    let outcomes = outcomes.lock().expect("lock").clone();
    let accepted: HashMap<String, String> = outcomes
        .values()
        .filter_map(|o| match o {
            Outcome::Accepted {
                escalation,
                message,
            } => Some((escalation.clone(), message.clone())),
            _ => None,
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pending = store.pending_outbox().await.unwrap_or(i64::MAX);
        let claimed = store
            .escalations_with_status(
                &[frontline_shared::escalation::EscalationStatus::Queued],
                None,
                10_000,
            )
            .await
            .map(|q| q.is_empty())
            .unwrap_or(false);
        if pending == 0 && claimed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: {pending} outbox rows pending, queue empty: {claimed}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop_clicking.store(1, Ordering::SeqCst);
    let clicks = clicker.await.expect("clicker");

    let unavailable = outcomes
        .values()
        .filter(|o| **o == Outcome::Unavailable)
        .count();
    let unknown = outcomes
        .values()
        .filter(|o| **o == Outcome::Unknown)
        .count();
    eprintln!(
        "{total} handoffs: {} accepted, {unavailable} answered 503, {unknown} unknown (connection cut); {clicks} claim clicks",
        accepted.len()
    );
    assert!(
        accepted.len() >= total * 9 / 10,
        "most handoffs were accepted"
    );
    for (escalation_id, message) in &accepted {
        let escalation = store
            .escalation(escalation_id)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{escalation_id} was answered 201 but is not stored"));
        assert!(
            escalation
                .context
                .transcript
                .iter()
                .any(|l| &l.body == message),
            "{escalation_id}: the customer's message is kept"
        );
        let owner = escalation
            .claimed_by
            .clone()
            .unwrap_or_else(|| panic!("{escalation_id} has no owner"));
        assert!(
            AGENTS
                .iter()
                .any(|a| a.name == owner || a.id == owner || owner.contains(a.name)),
            "{escalation_id}: owner {owner}"
        );
        let alerts = slack.with(|s| s.posts_for(escalation_id, "alert").len());
        assert_eq!(alerts, 1, "{escalation_id} alerted exactly once");
        let refreshed = slack.with(|s| {
            s.posts_for(escalation_id, "alert")
                .first()
                .map(|m| m.updates)
                .unwrap_or(0)
        });
        assert!(
            refreshed >= 1,
            "{escalation_id}: the alert was updated to show its owner"
        );
    }
    // Stored escalations are exactly the accepted ones, plus at most the unknown outcomes
    // (a server killed after committing but before answering): a 503 never stored one.
    let all = store
        .escalations_with_status(
            &[
                frontline_shared::escalation::EscalationStatus::Queued,
                frontline_shared::escalation::EscalationStatus::Claimed,
                frontline_shared::escalation::EscalationStatus::Resolved,
            ],
            None,
            100_000,
        )
        .await
        .expect("all");
    let extra = all.iter().filter(|e| !accepted.contains_key(&e.id)).count();
    assert!(
        extra <= unknown,
        "{extra} stored escalations were never confirmed, but only {unknown} outcomes were unknown"
    );
    let alerted: usize = slack.with(|s| {
        s.messages
            .iter()
            .filter(|m| m.meta("purpose") == Some("alert"))
            .count()
    });
    assert_eq!(
        alerted,
        all.len(),
        "one alert per stored escalation, none for a refused one"
    );
    store.close().await;
}
