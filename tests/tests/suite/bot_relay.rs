//! The two-way relay through Slack: an agent's thread reply reaches the customer's live
//! stream once (Slack retries, bot messages and edits are not echoed), and the customer's
//! follow-ups are posted in the alert's thread. Every test runs on each backend.

use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{
    bot_thread_message, edited_thread_message, thread_reply, SignedRequest,
};
use frontline_tests::slack_standin::{Failure, SlackState};

use serde_json::json;

use crate::bot_slack::{alert_with_buttons, click, simple_handoff, ANA, WAIT};

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

/// The thread's posts that mirror an agent's reply typed outside Slack.
fn mirrored_replies(slack: &SlackState, alert_ts: &str) -> Vec<String> {
    slack
        .messages
        .iter()
        .filter(|m| m.thread_ts.as_deref() == Some(alert_ts))
        .filter(|m| m.meta("purpose").is_some_and(|p| p.starts_with("agent-")))
        .map(|m| m.text.clone())
        .collect()
}

#[tokio::test]
async fn replies_typed_in_the_dashboard_or_admin_api_appear_in_the_alert_thread_with_their_author()
{
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        rig.slack().add_user(ANA.id, ANA.name);
        let handoff = simple_handoff(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        // Claimed and answered in the web queue by Bea…
        let bea = DashboardSession::sign_in(&rig.server, "Bea Okafor").await;
        let path = format!("/admin/escalations/{}", handoff.escalation_id);
        let claimed = bea.post_form(&format!("{path}/claim"), &[]).await;
        assert_eq!(claimed.status, 303, "{backend:?}: {claimed:?}");
        let replied = bea
            .post_form(
                &format!("{path}/reply"),
                &[(
                    "text",
                    "I have reissued your parcel <!here> & it ships today",
                )],
            )
            .await;
        assert_eq!(replied.status, 303, "{backend:?}: {replied:?}");
        rig.slack()
            .wait_for("the dashboard reply in the thread", WAIT, |s| {
                (!mirrored_replies(s, &alert.ts).is_empty()).then_some(())
            })
            .await;
        // …and through the admin API by an integration acting as Carl; Slack fails the
        // first attempt, the retry posts it once.
        rig.slack().fail_next(1, Failure::ServerError);
        let (status, _) = rig
            .server
            .admin_post(
                &format!("/api/v1/admin/escalations/{}/reply", handoff.escalation_id),
                json!({"agent": "Carl", "text": "Tracking: NW-TRACK-1"}),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}");

        let posted = rig
            .slack()
            .wait_for("both web replies in the thread", WAIT, |s| {
                let replies = mirrored_replies(s, &alert.ts);
                (replies.len() >= 2).then_some(replies)
            })
            .await;
        assert!(
            posted[0].contains("*Bea Okafor*")
                && posted[0].contains("from the dashboard")
                && posted[0]
                    .contains("I have reissued your parcel &lt;!here&gt; &amp; it ships today"),
            "{backend:?}: {}",
            posted[0]
        );
        assert!(
            posted[1].contains("*Carl*") && posted[1].contains("Tracking: NW-TRACK-1"),
            "{backend:?}: {}",
            posted[1]
        );

        // A reply typed in the thread itself is already there: it is not posted again.
        let reply = thread_reply("Ev0SLACKREPLY", &ANA, &alert, "Anything else I can do?");
        let sent = SignedRequest::event(&reply)
            .send(&rig.bot.client, &rig.bot.url)
            .await;
        assert_eq!(sent.status(), 200);
        rig.drained().await;
        let replies = rig.slack().with(|s| mirrored_replies(s, &alert.ts));
        assert_eq!(replies.len(), 2, "{backend:?}: {replies:?}");
        let all_in_thread = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                .count()
        });
        assert_eq!(all_in_thread, 2, "{backend:?}");
        rig.stop().await;
    }
}

/// Issue 18 item 8: a customer's message after Resolve reopens the escalation. It goes back
/// to queued (the widget's stream says so), the thread is told once with the message, and the
/// alert offers Claim again; a second message is an ordinary follow-up.
#[tokio::test]
async fn a_message_after_resolve_reopens_the_escalation_once() {
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
        let claimed = alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;
        click(&rig, &ANA, &claimed, "resolve").await;
        stream
            .until(WAIT, status("resolved"))
            .await
            .expect("resolved");
        alert_with_buttons(&rig, &alert, &[]).await;

        // `write` asserts 201 and `relayed: true`: the message went to the escalation.
        handoff
            .write(&rig.server, "It arrived today but the box is broken")
            .await;
        let reopened = stream
            .until(WAIT, status("queued"))
            .await
            .expect("the widget is told it waits for a person again");
        assert_eq!(
            reopened.data["escalation_id"],
            handoff.escalation_id.as_str(),
            "{backend:?}"
        );
        assert!(reopened.data["agent"].is_null(), "{}", reopened.data);
        let thread = |text: &'static str| {
            let ts = alert.ts.clone();
            move |s: &SlackState| {
                s.messages
                    .iter()
                    .find(|m| m.thread_ts.as_deref() == Some(ts.as_str()) && m.text.contains(text))
                    .cloned()
            }
        };
        let told = rig
            .slack()
            .wait_for(
                "the reopened post in the thread",
                WAIT,
                thread("Reopened by the customer"),
            )
            .await;
        assert!(
            told.text.contains("It arrived today but the box is broken"),
            "{}",
            told.text
        );
        let back = alert_with_buttons(&rig, &alert, &["claim"]).await;
        assert!(
            !back.visible_text().contains("Resolved by"),
            "{}",
            back.visible_text()
        );
        let (code, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", handoff.conversation_id),
                Some(&handoff.token),
            )
            .await;
        assert_eq!(code, 200);
        assert_eq!(
            conversation["escalation"]["status"], "queued",
            "{conversation}"
        );
        let last = conversation["transcript"]
            .as_array()
            .and_then(|t| t.last())
            .cloned()
            .expect("transcript");
        assert_eq!(last["author"], "customer", "{last}");
        assert_eq!(last["body"], "It arrived today but the box is broken");

        // The second message is a plain follow-up: no second "reopened".
        handoff.write(&rig.server, "Hello? Anyone there?").await;
        rig.slack()
            .wait_for(
                "the second message in the thread",
                WAIT,
                thread("Anyone there?"),
            )
            .await;
        rig.drained().await;
        let reopened_posts = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                .filter(|m| m.text.contains("Reopened by the customer"))
                .count()
        });
        assert_eq!(reopened_posts, 1, "{backend:?}");
        let escalation = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", handoff.conversation_id),
                Some(&handoff.token),
            )
            .await
            .1;
        assert_eq!(escalation["escalation"]["status"], "queued");
        rig.stop().await;
    }
}
