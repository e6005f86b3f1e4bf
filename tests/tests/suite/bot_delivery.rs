//! Delivery that loses nothing: rate limits (with `Retry-After`) and 5xx are retried
//! with back-off, and a bot killed with `kill -9` mid-delivery never shows a second
//! alert after it restarts.

use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::Subject;
use std::time::{Duration, Instant};

use frontline_bot::delivery::Outcome;
use frontline_bot::BotOptions;
use frontline_tests::bot::{BotProcess, FAST_DELIVERY, SLACK_DEFAULT_CHANNEL};
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_standin::{Failure, SlackStandIn, BOT_TOKEN, SIGNING_SECRET};
use frontline_tests::widget_server::TestServer;
use serde_json::json;

async fn customer(server: &TestServer, n: usize) -> Handoff {
    hand_off(
        server,
        json!({"email": format!("customer{n}@example.com"), "name": format!("Customer {n}"), "message": "Where is my parcel?"}),
    )
    .await
}

/// Steps the worker until it does something (or fails the test after `within`).
async fn next_work(rig: &Rig, within: Duration) -> Outcome {
    let deadline = Instant::now() + within;
    loop {
        let outcome = rig.bot.worker().try_deliver_once().await.expect("store");
        if outcome != Outcome::Idle {
            return outcome;
        }
        assert!(
            Instant::now() < deadline,
            "no delivery came due within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn retry_after_is_honoured_and_the_retry_finds_no_earlier_post() {
    for backend in backends() {
        let options = BotOptions {
            run_workers: false,
            ..BotOptions::default()
        };
        let rig = Rig::start_with(backend, Platforms::Slack, "", options).await;
        let slack = rig.slack();
        slack.fail_next(
            1,
            Failure::RateLimited {
                retry_after_secs: 2,
            },
        );
        let handoff = customer(&rig.server, 1).await;
        let started = Instant::now();
        let worker = rig.bot.worker();
        let first = worker.try_deliver_once().await.expect("store");
        assert_eq!(
            first,
            Outcome::Worked {
                delivered: 0,
                retried: 1
            },
            "{backend:?}"
        );
        assert_eq!(
            worker.try_deliver_once().await.expect("store"),
            Outcome::Idle,
            "not before Retry-After"
        );

        slack.fail_next(1, Failure::ServerError);
        let second = next_work(&rig, Duration::from_secs(10)).await;
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "retried after {:?}",
            started.elapsed()
        );
        assert_eq!(
            second,
            Outcome::Worked {
                delivered: 0,
                retried: 1
            }
        );
        let third = next_work(&rig, Duration::from_secs(10)).await;
        assert_eq!(
            third,
            Outcome::Worked {
                delivered: 1,
                retried: 0
            }
        );

        slack.with(|s| {
            let calls: Vec<(&str, u16)> = s
                .calls
                .iter()
                .map(|c| (c.method.as_str(), c.status))
                .collect();
            assert_eq!(
                calls,
                [
                    ("chat.postMessage", 429),
                    ("conversations.history", 500),
                    ("conversations.history", 200),
                    ("chat.postMessage", 200),
                ],
                "{backend:?}: a retry first looks for an earlier post"
            );
            assert_eq!(s.posts_for(&handoff.escalation_id, "alert").len(), 1);
        });
        let metrics = rig.bot.metrics().await;
        assert!(
            metrics.contains("frontline_bot_retries_total{reason=\"rate_limited\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("frontline_bot_retries_total{reason=\"unavailable\"} 1"),
            "{metrics}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_storm_of_429s_and_500s_still_alerts_every_escalation_exactly_once() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let slack = rig.slack();
        slack.fail_next(
            6,
            Failure::RateLimited {
                retry_after_secs: 1,
            },
        );
        slack.fail_next(3, Failure::ServerError);
        let mut handoffs = Vec::new();
        for n in 0..6 {
            handoffs.push(customer(&rig.server, n).await);
        }
        for handoff in &handoffs {
            handoff.write(&rig.server, "Any news?").await;
        }
        rig.drained().await;
        slack.with(|s| {
            for handoff in &handoffs {
                let alerts = s.posts_for(&handoff.escalation_id, "alert");
                assert_eq!(alerts.len(), 1, "{backend:?}: {}", handoff.escalation_id);
                let thread: Vec<_> = s
                    .messages
                    .iter()
                    .filter(|m| m.thread_ts.as_deref() == Some(alerts[0].ts.as_str()))
                    .collect();
                assert_eq!(thread.len(), 1, "the follow-up came after its alert, once");
            }
            assert_eq!(s.calls.iter().filter(|c| c.status == 429).count(), 6);
            assert_eq!(s.calls.iter().filter(|c| c.status == 500).count(), 3);
        });
        let metrics = rig.bot.metrics().await;
        assert!(
            metrics.contains("frontline_bot_retries_total{reason=\"rate_limited\"} 6"),
            "{metrics}"
        );
        assert!(
            metrics.contains("frontline_bot_retries_total{reason=\"unavailable\"} 3"),
            "{metrics}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_bot_killed_mid_delivery_never_shows_a_second_alert_after_restart() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let slack = SlackStandIn::start().await;
        let store = frontline_shared::store::Store::connect(&db.url)
            .await
            .expect("store");
        let dir = tempfile::tempdir().expect("config dir");
        let config = dir.path().join("frontline.toml");
        let text = format!("{}\n{FAST_DELIVERY}", frontline_widget_server::DEMO_CONFIG);
        std::fs::write(&config, text).expect("write config");
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
        ];

        // A first bot works through a storm of 429s and 500s.
        let first = BotProcess::spawn(&config, &env).await;
        slack.fail_next(
            4,
            Failure::RateLimited {
                retry_after_secs: 1,
            },
        );
        slack.fail_next(2, Failure::ServerError);
        let mut handoffs = Vec::new();
        for n in 0..3 {
            handoffs.push(customer(&server, n).await);
        }
        for handoff in &handoffs {
            slack.alert_for(&handoff.escalation_id).await;
        }

        // Then Slack gets slow: the posts land but the answers take a second, and the
        // bot is killed while they are in flight, before it can record them.
        slack.delay_posts(Some(Duration::from_secs(1)));
        let mut in_flight = Vec::new();
        for n in 3..5 {
            in_flight.push(customer(&server, n).await);
        }
        for handoff in &in_flight {
            slack.alert_for(&handoff.escalation_id).await;
        }
        first.kill9();
        for handoff in &in_flight {
            let recorded = store
                .chat_message(
                    &Subject::Escalation(handoff.escalation_id.clone()),
                    ChatPlatform::Slack,
                    "alert",
                )
                .await
                .expect("read");
            assert!(
                recorded.is_none(),
                "{backend:?}: the kill must land before the bot records the post"
            );
        }
        handoffs.extend(in_flight);

        // A new bot picks the rows up once their lease expires and finds the posts.
        slack.delay_posts(None);
        let second = BotProcess::spawn(&config, &env).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.pending_outbox().await.expect("outbox") > 0 {
            assert!(
                Instant::now() < deadline,
                "{backend:?}: outbox not drained after restart"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for handoff in &handoffs {
            let posted = slack.with(|s| {
                s.posts_for(&handoff.escalation_id, "alert")
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
            });
            assert_eq!(
                posted.len(),
                1,
                "{backend:?}: exactly one visible alert for {}",
                handoff.escalation_id
            );
            let recorded = store
                .chat_message(
                    &Subject::Escalation(handoff.escalation_id.clone()),
                    ChatPlatform::Slack,
                    "alert",
                )
                .await
                .expect("read")
                .expect("recorded after restart");
            assert_eq!(recorded.message_ref, posted[0].ts);
        }
        let lookups = slack.with(|s| s.calls_to("conversations.history").len());
        assert!(
            lookups >= 2,
            "the restarted bot looked for the earlier posts"
        );
        drop(second);
        store.close().await;
        server.stop().await;
    }
}
