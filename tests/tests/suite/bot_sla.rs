//! Re-alerts: an escalation nobody claims within its SLA is nudged in the alert's thread
//! with the on-call mention, then escalated to the managers' channel; a claim stops it.

use std::time::Duration;

use frontline_shared::clock::ManualClock;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{block_action, SignedRequest, SlackUser};
use serde_json::json;

/// Every priority gets a 400 ms SLA; one re-alert in the thread, then the managers.
const TINY_SLA: &str = r#"
[bot.sla]
urgent = "400ms"
high = "400ms"
normal = "400ms"
low = "400ms"
realerts_before_managers = 1

[bot.slack]
managers_channel = "C0MANAGERS"
oncall_mention = "<!subteam^S0ONCALL>"
"#;

#[tokio::test]
async fn an_unclaimed_escalation_is_realerted_then_sent_to_managers_until_claimed() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, TINY_SLA).await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Nobody answers me"}),
        )
        .await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let id = handoff.escalation_id.as_str();

        let nudge = rig
            .slack()
            .wait_for("the thread re-alert", Duration::from_secs(10), |s| {
                s.posts_for(id, "realert-1").first().map(|m| (*m).clone())
            })
            .await;
        assert_eq!(
            nudge.thread_ts.as_deref(),
            Some(alert.ts.as_str()),
            "{backend:?}"
        );
        assert_eq!(nudge.channel, alert.channel);
        assert!(
            nudge.reply_broadcast,
            "the nudge is also shown in the channel"
        );
        assert!(
            nudge.text.starts_with("<!subteam^S0ONCALL>"),
            "{}",
            nudge.text
        );
        assert!(nudge.text.contains("Still unclaimed"), "{}", nudge.text);

        let managers = rig
            .slack()
            .wait_for("the managers' heads-up", Duration::from_secs(10), |s| {
                s.posts_for(id, "managers-2").first().map(|m| (*m).clone())
            })
            .await;
        assert_eq!(managers.channel, "C0MANAGERS");
        assert!(managers.thread_ts.is_none());
        assert!(managers.text.contains("Kim"), "{}", managers.text);
        assert!(
            managers.text.contains(&format!("<#{}>", alert.channel)),
            "{}",
            managers.text
        );
        assert_eq!(
            rig.slack().with(|s| s.posts_for(id, "realert-1").len()),
            1,
            "re-alerted once"
        );

        // Once claimed, the watcher finds nothing to re-alert.
        let claimer = SlackUser {
            id: "U0ANA",
            name: "ana",
        };
        let current = rig.slack().with(|s| {
            s.messages
                .iter()
                .find(|m| m.ts == alert.ts)
                .cloned()
                .expect("alert")
        });
        let click = SignedRequest::interaction(&block_action(&claimer, &current, "claim"));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let stored = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert!(stored.realerts >= 2, "{}", stored.realerts);
        assert_eq!(rig.bot.watcher().check_once().await.expect("check"), 0);
        rig.drained().await;
        let realerts_after = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored")
            .realerts;
        assert_eq!(
            realerts_after, stored.realerts,
            "{backend:?}: no re-alert after the claim"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn replicas_checking_at_the_same_moment_record_each_realert_once() {
    for backend in backends() {
        // The bot's clock is a manual one: time moves only when the test says so.
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        let options = frontline_bot::BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let sla = "[bot.sla]\nnormal = \"1m\"\nlow = \"1m\"\nhigh = \"1m\"\nurgent = \"1m\"\n";
        let rig = Rig::start_with(backend, Platforms::Slack, sla, options).await;
        for n in 0..3 {
            hand_off(
                &rig.server,
                json!({"email": format!("c{n}@example.com"), "message": "hi"}),
            )
            .await;
        }
        let watcher = rig.bot.watcher().clone();
        clock.set_ms(jiff::Timestamp::now().as_millisecond() + 30_000);
        assert_eq!(
            watcher.check_once().await.expect("check"),
            0,
            "{backend:?}: within the SLA"
        );
        clock.advance_ms(60_000);
        // Four "replicas" (watchers on the same store) check at once.
        let checks = (0..4).map(|_| {
            let w = watcher.clone();
            tokio::spawn(async move { w.check_once().await.expect("check") })
        });
        let mut recorded = 0;
        for check in checks {
            recorded += check.await.expect("join");
        }
        assert_eq!(
            recorded, 3,
            "{backend:?}: one re-alert per escalation across replicas"
        );
        let queued = rig.store.pending_outbox().await.expect("outbox");
        assert_eq!(
            queued,
            3 + 3,
            "three alerts and three re-alerts wait in the outbox"
        );
        rig.stop().await;
    }
}
