//! Handoff → Slack alert latency at a sustained handoff rate, on one SQLite store.
//!
//! `cargo bench --workspace --bench alert_latency` (release build). Starts the widget
//! server, the bot (default `[bot.delivery]`: 50 ms poll, 16 in flight) and the Slack
//! stand-in in this process, fires `RATE` handoffs per second (default 200) for
//! `SECONDS` (default 20) from new conversations, and measures from each handoff's `201`
//! to the stand-in receiving its `chat.postMessage`. Prints p50 / p90 / p99 / max, the
//! handoff request latency for context, and how many alerts were missing or duplicated.

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline_tests::bot::{settings, TestBot};
use frontline_tests::slack_standin::SlackStandIn;
use frontline_tests::widget_server::TestServer;
use serde_json::json;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn show(name: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<28} n={:<6} p50={:>7.1} ms  p90={:>7.1} ms  p99={:>7.1} ms  max={:>7.1} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.9)),
        ms(percentile(&samples, 0.99)),
        ms(samples.last().copied().unwrap_or_default()),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate = env_or("RATE", 200);
    let seconds = env_or("SECONDS", 20);
    let dir = tempfile::tempdir()?;
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let server = Arc::new(TestServer::start(&database).await);
    let slack = SlackStandIn::start().await;
    let bot = TestBot::start(settings(&database, Some(&slack), None, "")).await;

    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    println!("firing {total} handoffs at {rate}/s for {seconds} s (SQLite, widget server + bot + Slack stand-in in one process)");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            started + interval * n as u32,
        ))
        .await;
        let server = Arc::clone(&server);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let body = json!({"email": format!("bench{n}@example.com"), "name": format!("Bench {n}"),
                              "message": "My parcel never arrived, can someone help?"});
            let (status, answer) = server.post_json("/api/v1/sites/demo/handoff", body, None).await;
            let stored = Instant::now();
            (status, answer["escalation_id"].as_str().map(str::to_string), sent, stored)
        }));
    }
    let mut handoffs = Vec::with_capacity(tasks.len());
    for task in tasks {
        handoffs.push(task.await?);
    }
    let fired_in = started.elapsed();
    let failed = handoffs
        .iter()
        .filter(|(status, ..)| *status != 201)
        .count();

    // Wait (bounded) for every alert to arrive.
    let expected = handoffs.len() - failed;
    let deadline = Instant::now() + Duration::from_secs(60);
    while slack.with(|s| s.messages.len()) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut request_latency = Vec::new();
    let mut alert_latency = Vec::new();
    let (mut missing, mut duplicated) = (0, 0);
    slack.with(|s| {
        for (_, id, sent, stored) in &handoffs {
            let Some(id) = id else { continue };
            request_latency.push(*stored - *sent);
            let alerts = s.posts_for(id, "alert");
            match alerts.as_slice() {
                [] => missing += 1,
                [alert] => alert_latency.push(alert.at.saturating_duration_since(*stored)),
                [first, ..] => {
                    duplicated += 1;
                    alert_latency.push(first.at.saturating_duration_since(*stored));
                }
            }
        }
    });
    println!(
        "fired in {:.1} s ({:.0}/s achieved); {failed} handoffs failed, {missing} alerts missing, {duplicated} duplicated",
        fired_in.as_secs_f64(),
        handoffs.len() as f64 / fired_in.as_secs_f64()
    );
    show("handoff request (201)", request_latency);
    show("handoff 201 -> alert posted", alert_latency);
    bot.stop().await;
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
    Ok(())
}
