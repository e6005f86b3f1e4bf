//! The two-way relay through Slack: an agent's thread reply reaches the customer's live
//! stream once (Slack retries, bot messages and edits are not echoed), and the customer's
//! follow-ups are posted in the alert's thread. Every test runs on each backend.

use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{
    bot_thread_message, edited_thread_message, thread_reply, SignedRequest,
};

use crate::bot_slack::{simple_handoff, ANA, WAIT};

#[tokio::test]
async fn a_thread_reply_reaches_the_customer_once_and_bots_are_not_echoed() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        rig.slack().add_user(ANA.id, ANA.name);
        let handoff = simple_handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        let reply = thread_reply(
            "Ev0REPLY1",
            &ANA,
            &alert,
            "Refunds take 5 days &amp; you can track it <https://northwind.example/refunds|here>",
        );
        let first = SignedRequest::event(&reply);
        assert_eq!(
            first.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the agent's reply on the customer's stream");
        assert_eq!(
            relayed.data["body"],
            "Refunds take 5 days & you can track it here (https://northwind.example/refunds)",
            "{backend:?}"
        );
        assert_eq!(relayed.data["author_name"], "ana");

        // Slack redelivers the same event (new signature, X-Slack-Retry-Num), another bot
        // writes in the thread, and an agent edits a message: none reaches the customer.
        let retried = first.clone().retry(1);
        assert_eq!(
            retried.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let bot =
            SignedRequest::event(&bot_thread_message("Ev0BOT", &alert, "Ticket #123 created"));
        assert_eq!(bot.send(&rig.bot.client, &rig.bot.url).await.status(), 200);
        let edit = SignedRequest::event(&edited_thread_message("Ev0EDIT", &ANA, &alert, "edited"));
        assert_eq!(edit.send(&rig.bot.client, &rig.bot.url).await.status(), 200);

        let (status, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", handoff.conversation_id),
                Some(&handoff.token),
            )
            .await;
        assert_eq!(status, 200);
        let agent_lines: Vec<_> = conversation["transcript"]
            .as_array()
            .expect("transcript")
            .iter()
            .filter(|l| l["author"] == "agent")
            .collect();
        assert_eq!(agent_lines.len(), 1, "{backend:?}: {agent_lines:?}");
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_customer_follow_up_is_posted_in_the_alert_thread() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = simple_handoff(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        handoff
            .write(
                &rig.server,
                "The order number is NW-10492 <!here> & it was a gift",
            )
            .await;
        let posted = rig
            .slack()
            .wait_for("the follow-up in the thread", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                    .cloned()
            })
            .await;
        assert_eq!(posted.channel, alert.channel, "{backend:?}");
        assert!(
            posted
                .text
                .contains("The order number is NW-10492 &lt;!here&gt; &amp; it was a gift"),
            "{}",
            posted.text
        );
        assert!(posted.text.contains("Sam Rivera"), "{}", posted.text);
        rig.drained().await;
        let in_thread = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                .count()
        });
        assert_eq!(in_thread, 1);
        rig.stop().await;
    }
}
