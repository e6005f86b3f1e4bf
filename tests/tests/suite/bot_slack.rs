//! The bot against the Slack stand-in, with the widget server on the same store: alerts,
//! claims, release and resolve. Every test runs on each backend.

use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::Subject;
use std::time::Duration;

use frontline_shared::escalation::EscalationStatus;
use frontline_tests::bot::SLACK_DEFAULT_CHANNEL;
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{block_action, thread_reply, SignedRequest, SlackUser};
use frontline_tests::slack_standin::Posted;
use serde_json::json;

pub(crate) const ANA: SlackUser = SlackUser {
    id: "U0ANA",
    name: "ana",
};
const BEN: SlackUser = SlackUser {
    id: "U0BEN",
    name: "ben",
};
pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) async fn simple_handoff(rig: &Rig) -> Handoff {
    hand_off(
        &rig.server,
        json!({"email": "sam@example.com", "name": "Sam Rivera", "message": "My parcel never arrived"}),
    )
    .await
}

/// Clicks `action` on the current version of `alert` as `user`; the bot must answer 200.
pub(crate) async fn click(rig: &Rig, user: &SlackUser, alert: &Posted, action: &str) {
    let current = rig.slack().with(|s| {
        s.messages
            .iter()
            .find(|m| m.ts == alert.ts)
            .cloned()
            .expect("the alert")
    });
    let response = SignedRequest::interaction(&block_action(user, &current, action))
        .send(&rig.bot.client, &rig.bot.url)
        .await;
    assert_eq!(response.status(), 200, "{action} by {}", user.name);
}

/// Waits until the alert shows exactly `buttons`.
pub(crate) async fn alert_with_buttons(rig: &Rig, alert: &Posted, buttons: &[&str]) -> Posted {
    rig.slack()
        .wait_for(&format!("the alert with buttons {buttons:?}"), WAIT, |s| {
            s.messages
                .iter()
                .find(|m| m.ts == alert.ts && m.buttons() == buttons)
                .cloned()
        })
        .await
}

#[tokio::test]
async fn a_handoff_is_alerted_in_the_routed_channel_with_escaped_context() {
    for backend in backends() {
        let routes = r#"
            [[bot.routes]]
            platform = "slack"
            channel = "C0ELSEWHERE"
            site = "another-site"

            [[bot.routes]]
            platform = "slack"
            channel = "C0DEMO"
            site = "demo"
        "#;
        let rig = Rig::start(backend, Platforms::Slack, routes).await;
        let handoff = hand_off(
            &rig.server,
            json!({
                "email": "eve@example.com",
                "name": "Eve <!channel> <@U0ADMIN>",
                "message": "Where is my order?? <https://evil.example|click here> & thanks",
                "customer": {"order_id": "NW-10492"},
                "page_url": "https://northwind.example/orders",
            }),
        )
        .await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        assert_eq!(
            alert.channel, "C0DEMO",
            "{backend:?}: the demo-site rule wins"
        );
        assert_ne!(alert.channel, SLACK_DEFAULT_CHANNEL);
        assert!(alert.thread_ts.is_none(), "alerts start their own thread");
        let text = alert.visible_text();
        assert!(
            text.contains("Eve &lt;!channel&gt; &lt;@U0ADMIN&gt;"),
            "{text}"
        );
        assert!(
            text.contains(
                "Where is my order?? &lt;https://evil.example|click here&gt; &amp; thanks"
            ),
            "{text}"
        );
        assert!(
            !text.contains("<!channel>") && !text.contains("<https://evil"),
            "{text}"
        );
        assert!(text.contains("eve@example.com"), "{text}");
        assert!(text.contains("https://northwind.example/orders"), "{text}");
        assert!(text.contains("order_id: NW-10492"), "{text}");
        assert!(text.contains("Northwind Outfitters"), "{text}");
        assert!(text.contains("Waiting"), "{text}");
        assert_eq!(alert.buttons(), ["claim"]);
        let stored = rig
            .store
            .escalation(&handoff.escalation_id)
            .await
            .expect("read")
            .expect("stored");
        assert!(
            text.contains(&format!("*Priority:* {}", stored.priority.as_str())),
            "{text}"
        );
        // Candidates that would read 0.0% are noise and left out.
        let shown = stored
            .context
            .matched
            .iter()
            .filter(|c| c.confidence >= 0.0005);
        for candidate in shown.take(3) {
            assert!(
                text.contains(&candidate.title),
                "matched {} in {text}",
                candidate.title
            );
        }
        let recorded = rig
            .store
            .chat_message(
                &Subject::Escalation(handoff.escalation_id.clone()),
                ChatPlatform::Slack,
                "alert",
            )
            .await
            .expect("read")
            .expect("the post is recorded");
        assert_eq!(
            (recorded.channel.as_str(), recorded.message_ref.as_str()),
            ("C0DEMO", alert.ts.as_str())
        );
        rig.drained().await;
        let metrics = rig.bot.metrics().await;
        assert!(
            metrics.contains("frontline_bot_alert_latency_seconds_count{platform=\"slack\"} 1"),
            "{metrics}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn two_agents_claiming_at_once_get_one_owner_one_update_and_one_refusal() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = simple_handoff(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        rig.drained().await;
        let (a, b) = (
            SignedRequest::interaction(&block_action(&ANA, &alert, "claim")),
            SignedRequest::interaction(&block_action(&BEN, &alert, "claim")),
        );
        let (ra, rb) = tokio::join!(
            a.send(&rig.bot.client, &rig.bot.url),
            b.send(&rig.bot.client, &rig.bot.url)
        );
        assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
        let stored = rig
            .store
            .escalation(&handoff.escalation_id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored.status, EscalationStatus::Claimed, "{backend:?}");
        let winner = stored.claimed_by.clone().expect("an owner");
        let loser = if winner == ANA.name { &BEN } else { &ANA };
        assert!(winner == ANA.name || winner == BEN.name, "{winner}");
        let updated = alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;
        assert!(
            updated
                .visible_text()
                .contains(&format!("Claimed by @{winner}")),
            "{}",
            updated.visible_text()
        );
        rig.drained().await;
        rig.slack().with(|s| {
            assert_eq!(
                s.calls_to("chat.update").len(),
                1,
                "{backend:?}: one update"
            );
            assert_eq!(s.ephemerals.len(), 1, "one refusal: {:?}", s.ephemerals);
            let refusal = &s.ephemerals[0];
            assert_eq!(refusal["user"], loser.id);
            assert_eq!(refusal["channel"], alert.channel.as_str());
            let text = refusal["text"].as_str().unwrap_or_default();
            assert!(
                text.contains(&format!("Already claimed by @{winner}")),
                "{text}"
            );
        });
        let metrics = rig.bot.metrics().await;
        assert!(
            metrics.contains("frontline_bot_claims_total{platform=\"slack\",outcome=\"won\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics
                .contains("frontline_bot_claims_total{platform=\"slack\",outcome=\"refused\"} 1"),
            "{metrics}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn release_and_resolve_update_the_alert_and_the_customer_sees_each_status() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = simple_handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let status = |wanted: &'static str| {
            move |e: &frontline_tests::sse::SseEvent| {
                e.event == "status" && e.data["status"] == wanted
            }
        };
        stream.until(WAIT, status("queued")).await.expect("queued");
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        click(&rig, &ANA, &alert, "claim").await;
        let claimed = stream
            .until(WAIT, status("claimed"))
            .await
            .expect("claimed");
        assert_eq!(claimed.data["agent"], "ana", "{backend:?}");
        let claimed_alert = alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;

        click(&rig, &BEN, &claimed_alert, "release").await;
        let refused = rig
            .slack()
            .with(|s| s.ephemerals.last().cloned())
            .expect("refusal");
        assert_eq!(refused["user"], BEN.id);
        assert!(
            refused["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Only @ana"),
            "{refused}"
        );

        click(&rig, &ANA, &claimed_alert, "release").await;
        stream
            .until(WAIT, status("queued"))
            .await
            .expect("released");
        let released = alert_with_buttons(&rig, &alert, &["claim"]).await;
        assert!(
            released.visible_text().contains("Waiting"),
            "{}",
            released.visible_text()
        );

        click(&rig, &BEN, &released, "claim").await;
        let reclaimed = alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;
        click(&rig, &BEN, &reclaimed, "resolve").await;
        let resolved = stream
            .until(WAIT, status("resolved"))
            .await
            .expect("resolved");
        assert_eq!(
            resolved.data["escalation_id"],
            handoff.escalation_id.as_str()
        );
        let closed = alert_with_buttons(&rig, &alert, &[]).await;
        assert!(
            closed.visible_text().contains("Resolved by @ben"),
            "{}",
            closed.visible_text()
        );
        rig.stop().await;
    }
}

/// Issue 18 item 7: the customer sees the agent's Slack display name (`users.info`
/// profile), not the lower-case handle, on the claim and on a relayed reply, and the
/// name is looked up once per agent however many actions they take.
#[tokio::test]
async fn the_customer_sees_the_agents_slack_display_name_looked_up_once() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        rig.slack()
            .add_member(ANA.id, ANA.name, "Ana Lima", "Ana Lima Souza");
        let handoff = simple_handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        click(&rig, &ANA, &alert, "claim").await;
        let claimed = stream
            .until(WAIT, |e| {
                e.event == "status" && e.data["status"] == "claimed"
            })
            .await
            .expect("claimed");
        assert_eq!(claimed.data["agent"], "Ana Lima", "{backend:?}");

        let reply = thread_reply("Ev0NAME1", &ANA, &alert, "Looking into it now");
        let response = SignedRequest::event(&reply)
            .send(&rig.bot.client, &rig.bot.url)
            .await;
        assert_eq!(response.status(), 200);
        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the agent's reply on the customer's stream");
        assert_eq!(relayed.data["author_name"], "Ana Lima", "{backend:?}");

        let lookups = rig.slack().with(|s| s.calls_to("users.info").len());
        assert_eq!(
            lookups, 1,
            "{backend:?}: two actions by one agent, one users.info"
        );
        rig.stop().await;
    }
}
