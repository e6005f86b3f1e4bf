//! Supervised processes and traces: a worker that stops ends the binary with a message
//! naming it and a non-zero status (so its supervisor restarts it), while SIGTERM still
//! stops both binaries cleanly with status 0; every request carries an `x-request-id`;
//! and a handoff's escalation id follows it into the bot's delivery log lines.

use std::process::ExitStatus;
use std::time::Duration;

use frontline_tests::bot::{self, BotProcess, TestBot, SLACK_DEFAULT_CHANNEL};
use frontline_tests::customer::hand_off;
use frontline_tests::databases::{backends, postgres_admin_url, TestBackend, TestDatabase};
use frontline_tests::processes::ServerProcess;
use frontline_tests::slack_standin::{SlackStandIn, BOT_TOKEN, SIGNING_SECRET};
use frontline_tests::widget_server::TestServer;
use frontline_widget_server::DEMO_CONFIG;
use serde_json::json;

const EXIT_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_bot_whose_socket_mode_worker_fails_exits_non_zero_naming_the_worker() {
    let db = TestDatabase::new(backends()[0]).await;
    let slack = SlackStandIn::start().await;
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("frontline.toml");
    // Socket Mode with an app token Slack refuses (revoked, say): the worker that holds
    // the connection cannot open it and ends.
    std::fs::write(
        &config,
        format!("{DEMO_CONFIG}\n[bot.slack]\nsocket_mode = true\n"),
    )
    .expect("write config");
    let env = [
        ("FRONTLINE_DATABASE_URL", db.url.clone()),
        ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
        ("FRONTLINE_SLACK_API_URL", slack.api_url()),
        (
            "FRONTLINE_SLACK_DEFAULT_CHANNEL",
            SLACK_DEFAULT_CHANNEL.to_string(),
        ),
        ("SLACK_BOT_TOKEN", BOT_TOKEN.to_string()),
        ("SLACK_APP_TOKEN", "xapp-revoked".to_string()),
    ];
    let (status, printed) = BotProcess::run_expecting_exit(&config, &env, EXIT_WITHIN).await;
    assert!(
        printed.contains("Frontline bot listening on"),
        "it started before the worker failed:\n{printed}"
    );
    assert_failed_naming(status, &printed, "slack socket mode", "invalid_auth");
}

/// A PostgreSQL store that turns read-only under a running widget server (a standby after
/// a failover, an operator's `default_transaction_read_only`) refuses every question the
/// recorder writes from then on. The recorder cannot recover from that over connections
/// that stay on that server, so it fails and the process exits non-zero, naming it and
/// why; its supervisor restarts it and it connects afresh. PostgreSQL only: SQLite cannot
/// be made read-only under a process that has the file open.
#[tokio::test]
async fn a_widget_server_whose_store_turns_read_only_exits_non_zero_naming_the_recorder() {
    if postgres_admin_url().is_none() {
        eprintln!(
            "note: FRONTLINE_TEST_POSTGRES_URL is not set; the read-only store test is skipped"
        );
        return;
    }
    let db = TestDatabase::new(TestBackend::Postgres).await;
    let server = demo_server(&db).await;
    let client = reqwest::Client::new();
    let ask = |text: &str| {
        client
            .post(format!("{}/api/v1/sites/demo/ask", server.url))
            .json(&json!({ "text": text }))
            .send()
    };
    let asked: serde_json::Value = ask("how long does shipping take")
        .await
        .expect("ask")
        .error_for_status()
        .expect("answered")
        .json()
        .await
        .expect("json");
    let conversation = client
        .get(format!(
            "{}/api/v1/conversations/{}",
            server.url,
            asked["conversation_id"].as_str().expect("conversation id")
        ))
        .bearer_auth(asked["conversation_token"].as_str().expect("token"))
        .send()
        .await
        .expect("conversation");
    assert_eq!(conversation.status(), 200, "the question was recorded");

    db.turn_read_only().await;
    let answered = ask("do you ship to Austria?").await.expect("ask");
    assert_eq!(
        answered.status(),
        200,
        "answers come from the knowledge base; recording follows"
    );
    let (status, printed) = server.wait_for_exit(EXIT_WITHIN).await;
    assert_failed_naming(status, &printed, "recorder", "read-only transaction");
}

/// The real widget server on the demo configuration, on `db`, on a free port.
async fn demo_server(db: &TestDatabase) -> ServerProcess {
    let config = frontline_widget_server::demo_dir().join("frontline.toml");
    ServerProcess::spawn(
        &config,
        &[
            ("FRONTLINE_DATABASE_URL", db.url.clone()),
            ("FRONTLINE_LISTEN", "127.0.0.1:0".to_string()),
        ],
    )
    .await
}

/// The process ended by itself (`status` is `Some`), non-zero, and what it `printed`
/// names the failed `worker` and says `why`.
fn assert_failed_naming(status: Option<ExitStatus>, printed: &str, worker: &str, why: &str) {
    let status = status.unwrap_or_else(|| {
        panic!("the process kept running although its `{worker}` worker failed:\n{printed}")
    });
    assert!(!status.success(), "exit status {status}:\n{printed}");
    assert!(
        printed.contains(&format!("worker `{worker}` failed")),
        "the message names the worker:\n{printed}"
    );
    assert!(printed.contains(why), "and why ({why}):\n{printed}");
}

#[tokio::test]
async fn sigterm_stops_both_binaries_gracefully_with_status_zero() {
    let db = TestDatabase::new(backends()[0]).await;
    let config = frontline_widget_server::demo_dir().join("frontline.toml");
    let server = demo_server(&db).await;
    let bot = BotProcess::spawn(
        &config,
        &[
            ("FRONTLINE_DATABASE_URL", db.url.clone()),
            ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
        ],
    )
    .await;
    let server_status = server.terminate(EXIT_WITHIN).await;
    let bot_status = bot.terminate(EXIT_WITHIN).await;
    assert!(
        server_status.is_some_and(|s| s.success()),
        "widget server: {server_status:?}"
    );
    assert!(
        bot_status.is_some_and(|s| s.success()),
        "bot: {bot_status:?}"
    );
}

/// `GET url` with `x-request-id: sent` (if any); the id the response carries.
async fn echoed_id(client: &reqwest::Client, url: &str, sent: Option<&str>) -> String {
    let mut request = client.get(url);
    if let Some(id) = sent {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.expect("request");
    let ids: Vec<_> = response.headers().get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "{url}: one x-request-id in {ids:?}");
    ids[0].to_str().expect("ascii").to_string()
}

fn looks_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn both_binaries_echo_a_sane_request_id_and_replace_or_generate_the_rest() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let slack = SlackStandIn::start().await;
    let bot = TestBot::start(bot::settings(&db.url, Some(&slack), None, "")).await;
    for url in [
        server.at("/healthz"),
        server.at("/api/v1/sites/demo/config"),
        format!("{}/healthz", bot.url),
    ] {
        let client = &server.client;
        assert_eq!(
            echoed_id(client, &url, Some("lb-7f3a.2:1_x")).await,
            "lb-7f3a.2:1_x",
            "{url}"
        );
        let first = echoed_id(client, &url, None).await;
        let second = echoed_id(client, &url, None).await;
        assert!(looks_generated(&first), "{url}: {first}");
        assert_ne!(first, second, "{url}: a fresh id per request");
        let long = "a".repeat(65);
        for unsound in ["two words", "<script>", long.as_str()] {
            let replaced = echoed_id(client, &url, Some(unsound)).await;
            assert!(
                looks_generated(&replaced),
                "{url}: {unsound:?} → {replaced}"
            );
        }
    }
    bot.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_delivery_logs_under_the_escalation_id_of_its_handoff() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let slack = SlackStandIn::start().await;
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("frontline.toml");
    std::fs::write(&config, format!("{DEMO_CONFIG}\n{}", bot::FAST_DELIVERY))
        .expect("write config");
    let env = [
        ("FRONTLINE_DATABASE_URL", db.url.clone()),
        ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
        ("FRONTLINE_SLACK_API_URL", slack.api_url()),
        (
            "FRONTLINE_SLACK_DEFAULT_CHANNEL",
            SLACK_DEFAULT_CHANNEL.to_string(),
        ),
        ("SLACK_BOT_TOKEN", BOT_TOKEN.to_string()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
        ("FRONTLINE_LOG_FORMAT", "json".to_string()),
    ];
    let bot = BotProcess::spawn(&config, &env).await;
    let handoff = hand_off(
        &server,
        json!({"email": "ana@example.com", "name": "Ana", "message": "Where is my parcel?"}),
    )
    .await;
    slack.alert_for(&handoff.escalation_id).await;
    let id = handoff.escalation_id.clone();
    let line = bot
        .wait_for_line(Duration::from_secs(10), move |line| {
            serde_json::from_str::<serde_json::Value>(line).is_ok_and(|log| {
                log["spans"].as_array().is_some_and(|spans| {
                    spans
                        .iter()
                        .any(|span| span["name"] == "delivery" && span["escalation"] == id.as_str())
                })
            })
        })
        .await;
    assert!(
        line.is_some(),
        "no log line of the bot carries escalation {} in a delivery span",
        handoff.escalation_id
    );
    drop(bot);
    server.stop().await;
}
