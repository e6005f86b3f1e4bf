//! `[privacy] redact`: card numbers and IBANs typed by a customer are masked in what the
//! bot posts to Slack and Discord (alert, thread relay), read in the stand-ins; the
//! customer's own transcript keeps them; the dashboard masks them with a "Reveal"; with
//! `redact_in_store` the stored question texts (knowledge gaps) are masked too.
//! Every test runs on each backend.

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_shared::site_id::SiteId;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

/// Published test numbers (https://docs.stripe.com/testing#cards) and the SWIFT IBAN
/// registry's UK example: valid checksums, never chargeable.
const FIRST: &str = "My card 4111 1111 1111 1111 was charged twice for order 100234 on \
                     2026-11-29, please refund to GB82 WEST 1234 5698 7654 32";
const FOLLOW_UP: &str = "The other card was 5555-5555-5555-4444, order 100235";

/// What Discord shows for escaped Markdown: no escaping backslashes or zero-width spaces.
fn shown(markdown: &str) -> String {
    markdown.replace(['\\', '\u{200b}'], "")
}

fn assert_masked(text: &str, context: &str) {
    for secret in ["4111 1111 1111 1111", "GB82 WEST", "5555-5555-5555-4444"] {
        assert!(
            !text.contains(secret),
            "{context}: {secret} shown in {text}"
        );
    }
}

#[tokio::test]
async fn card_numbers_and_ibans_are_masked_in_chat_but_not_for_the_customer() {
    for backend in backends() {
        for platform in [Platforms::Slack, Platforms::Discord] {
            let context = format!("{backend:?} {platform:?}");
            let rig = Rig::start(backend, platform, "").await;
            let handoff = hand_off(
                &rig.server,
                json!({"email": "sam@example.com", "name": "Sam Rivera", "message": FIRST}),
            )
            .await;
            handoff.write(&rig.server, FOLLOW_UP).await;
            let (alert, follow_up) = match platform {
                Platforms::Slack => {
                    let alert = rig.slack().alert_for(&handoff.escalation_id).await;
                    let ts = alert.ts.clone();
                    let reply = rig
                        .slack()
                        .wait_for("the follow-up in the thread", WAIT, |s| {
                            s.messages
                                .iter()
                                .find(|m| m.thread_ts.as_deref() == Some(ts.as_str()))
                                .cloned()
                        })
                        .await;
                    (alert.visible_text(), reply.text)
                }
                Platforms::Discord => {
                    let discord = rig.discord();
                    let alert = discord
                        .wait_for("the alert", WAIT, |s| s.messages.first().cloned())
                        .await;
                    let reply = discord
                        .wait_for("the follow-up", WAIT, |s| {
                            s.messages
                                .iter()
                                .find(|m| m.message_reference.is_some())
                                .cloned()
                        })
                        .await;
                    (shown(&alert.content), shown(&reply.content))
                }
            };
            assert_masked(&alert, &context);
            assert!(alert.contains("[card ending 1111]"), "{context}: {alert}");
            assert!(alert.contains("[IBAN redacted]"), "{context}: {alert}");
            assert!(
                alert.contains("order 100234 on 2026-11-29"),
                "{context}: ordinary numbers stay: {alert}"
            );
            assert_masked(&follow_up, &context);
            assert!(
                follow_up.contains("[card ending 4444], order 100235"),
                "{context}: {follow_up}"
            );

            // The customer reads their own words as typed.
            let (status, conversation) = rig
                .server
                .get_json(
                    &format!("/api/v1/conversations/{}", handoff.conversation_id),
                    Some(&handoff.token),
                )
                .await;
            assert_eq!(status, 200, "{context}: {conversation}");
            assert!(
                conversation.to_string().contains(FOLLOW_UP),
                "{context}: {conversation}"
            );

            // The dashboard masks, and shows the original on "Reveal".
            let dashboard = DashboardSession::sign_in(&rig.server, "Ana").await;
            let page = dashboard
                .get(&format!("/admin/escalations/{}", handoff.escalation_id))
                .await;
            assert_eq!(page.status, 200, "{context}");
            assert_masked(&page.body, &context);
            assert!(page.body.contains("[card ending 4444]"), "{context}");
            assert!(page.body.contains("?reveal=true\">Reveal</a>"), "{context}");
            let revealed = dashboard
                .get(&format!(
                    "/admin/escalations/{}?reveal=true",
                    handoff.escalation_id
                ))
                .await;
            assert!(
                revealed.body.contains("5555-5555-5555-4444"),
                "{context}: {}",
                revealed.body
            );
            rig.stop().await;
        }
    }
}

#[tokio::test]
async fn with_redact_in_store_question_texts_are_stored_masked() {
    for backend in backends() {
        let privacy =
            "[privacy]\nredact = [\"card\", \"iban\", \"email\"]\nredact_in_store = true\n";
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            privacy,
            "",
            BotOptions::default(),
        )
        .await;
        let question = "zorblax 4111 1111 1111 1111 and ana@example.com";
        let (status, asked) = rig.server.ask(json!({ "text": question }), None).await;
        assert_eq!(status, 200, "{backend:?}: {asked}");
        let site = SiteId::parse("demo").expect("site id");
        let conversation = asked["conversation_id"].as_str().expect("conversation");
        let (_, shown) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{conversation}"),
                asked["conversation_token"].as_str(),
            )
            .await;
        assert!(
            shown
                .to_string()
                .contains("zorblax [card ending 1111] and [email redacted]"),
            "{backend:?}: {shown}"
        );
        let gaps = rig
            .store
            .unanswered_questions(&site, 0, i64::MAX, 1.0, 10)
            .await
            .expect("knowledge gaps");
        assert_eq!(
            gaps,
            ["zorblax [card ending 1111] and [email redacted]"],
            "{backend:?}"
        );
        rig.stop().await;
    }
}
