//! Inbound mail that is not a plain reply: a mail to the support address (no reply
//! token) becomes a new escalation from its sender with the subject as the question,
//! once however often it is delivered; a reply address whose token names no
//! conversation opens one too and says so in its thread; a reply from another sender
//! than the conversation's customer is not added but flagged in the thread.

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::SmtpServer;
use frontline_tests::widget_server::INBOUND_TOKEN;
use serde_json::{json, Value};

const REPLY_DOMAIN: &str = "reply.shop.test";
const SUBJECT: &str = "Exchange the Alpine jacket for size M";
const BODY: &str = "I ordered the Alpine jacket (order NW-5120) in L, it is too big.";

fn email_toml(port: u16) -> String {
    format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"Northwind Support <support@shop.test>\"\nreply_domain = \"{REPLY_DOMAIN}\"\ntimeout = \"2s\"\n"
    )
}

/// A new mail as a mail client writes it, to `to`, with a signature under `-- `.
fn new_mail(from: &str, to: &str, message_id: &str) -> String {
    format!(
        "From: Robin Fox <{from}>\r\nTo: {to}\r\nSubject: {SUBJECT}\r\nMessage-ID: <{message_id}>\r\nDate: Sun, 29 Nov 2026 16:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{BODY}\r\n\r\n-- \r\nRobin Fox\r\nSent from my phone\r\n"
    )
}

async fn post_mail(rig: &Rig, raw: &str) -> (u16, Value) {
    let response = rig
        .server
        .client
        .post(rig.server.at("/api/v1/inbound/email"))
        .bearer_auth(INBOUND_TOKEN)
        .header("content-type", "message/rfc822")
        .body(raw.to_string())
        .send()
        .await
        .expect("inbound request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn rig_with_mail(backend: frontline_tests::databases::TestBackend, smtp: &SmtpServer) -> Rig {
    Rig::start_shared(
        backend,
        Platforms::Slack,
        &email_toml(smtp.port),
        "",
        BotOptions::default(),
    )
    .await
}

#[tokio::test]
async fn a_mail_to_the_support_address_opens_an_escalation_from_its_sender_once() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = rig_with_mail(backend, &smtp).await;
        let mail = new_mail(
            "robin@customer.test",
            "Northwind <support@shop.test>",
            "n1@mail.customer.test",
        );

        let (status, body) = post_mail(&rig, &mail).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        assert_eq!(
            body,
            json!({"stored": true, "relayed": true, "opened": true})
        );

        // The alert names the sender and asks the subject; the signature is gone.
        let alert = rig
            .slack()
            .wait_for("the alert", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.visible_text().contains(SUBJECT))
                    .cloned()
            })
            .await;
        let text = alert.visible_text();
        assert!(
            text.contains("Robin Fox") && text.contains("robin@customer.test"),
            "{text}"
        );
        assert!(!text.contains("Sent from my phone"), "{text}");

        // The sender gets the receipt, with a reply address for the rest.
        let receipt = smtp.wait_for(1, Duration::from_secs(15)).await.remove(0);
        assert_eq!(receipt.header("X-RcptTo"), Some("robin@customer.test"));
        assert!(receipt
            .header("Reply-To")
            .is_some_and(|r| r.contains(&format!("@{REPLY_DOMAIN}"))));

        // Delivered again: nothing new.
        let (status, body) = post_mail(&rig, &mail).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stored"], false);
        rig.drained().await;
        let alerts = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.thread_ts.is_none() && m.visible_text().contains(SUBJECT))
                .count()
        });
        assert_eq!(alerts, 1, "{backend:?}");
        assert_eq!(smtp.mails().len(), 1, "one receipt");
        rig.stop().await;
        smtp.stop().await;
    }
}

#[tokio::test]
async fn a_stale_token_opens_a_flagged_escalation_and_a_stranger_is_flagged_in_the_thread() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = rig_with_mail(backend, &smtp).await;

        // A reply address with a token that names no conversation.
        let stale = format!("reply+{}@{REPLY_DOMAIN}", "0".repeat(32));
        let (status, body) = post_mail(
            &rig,
            &new_mail("robin@customer.test", &stale, "n2@mail.customer.test"),
        )
        .await;
        assert_eq!(
            (status, body["opened"].as_bool()),
            (201, Some(true)),
            "{body}"
        );
        let alert = rig
            .slack()
            .wait_for("the alert", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.thread_ts.is_none() && m.visible_text().contains(SUBJECT))
                    .cloned()
            })
            .await;
        let flag = rig
            .slack()
            .wait_for("the flag", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("names no conversation"))
                    .cloned()
            })
            .await;
        assert_eq!(
            flag.thread_ts.as_deref(),
            Some(alert.ts.as_str()),
            "{backend:?}"
        );
        assert!(flag.text.contains("robin@customer.test"), "{}", flag.text);

        // Dana's conversation gets a mail from someone else: not added, flagged.
        let dana = hand_off(
            &rig.server,
            json!({"email": "dana@customer.test", "name": "Dana", "message": "Where is my parcel?"}),
        )
        .await;
        let dana_alert = rig.slack().alert_for(&dana.escalation_id).await;
        let receipt = smtp.wait_for(2, Duration::from_secs(15)).await;
        let reply_to = receipt
            .iter()
            .find(|m| m.header("X-RcptTo") == Some("dana@customer.test"))
            .and_then(|m| m.header("Reply-To"))
            .expect("Dana's receipt")
            .trim_matches(['<', '>', ' '])
            .to_string();
        let before = rig
            .store
            .transcript(&dana.conversation_id)
            .await
            .expect("transcript")
            .len();
        let (status, body) = post_mail(
            &rig,
            &new_mail("mallory@evil.test", &reply_to, "m1@mail.evil.test"),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("sender_mismatch")),
            "{body}"
        );
        let flag = rig
            .slack()
            .wait_for("the stranger's flag", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("mallory@evil.test"))
                    .cloned()
            })
            .await;
        assert_eq!(flag.thread_ts.as_deref(), Some(dana_alert.ts.as_str()));
        assert!(flag.text.contains("is not its customer"), "{}", flag.text);
        // Delivered again: refused again, flagged once, nothing added.
        let (status, _) = post_mail(
            &rig,
            &new_mail("mallory@evil.test", &reply_to, "m1@mail.evil.test"),
        )
        .await;
        assert_eq!(status, 422);
        rig.drained().await;
        let flags = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.text.contains("mallory@evil.test"))
                .count()
        });
        assert_eq!(flags, 1, "{backend:?}");
        let after = rig
            .store
            .transcript(&dana.conversation_id)
            .await
            .expect("transcript")
            .len();
        assert_eq!(after, before, "the stranger's text was not added");
        rig.stop().await;
        smtp.stop().await;
    }
}

/// A second site whose support address is `help@outdoor.test` (written in capitals: the
/// configuration is case-insensitive, as mail addresses are).
const OUTDOOR_SITE: &str = "[[sites]]\nid = \"outdoor\"\nname = \"Northwind Outdoor\"\nknowledge_dir = \"kb\"\nintents_file = \"intents.toml\"\ninbound_addresses = [\"Help@Outdoor.test\"]\n";

#[tokio::test]
async fn a_mail_to_a_sites_support_address_opens_its_escalation_on_that_site() {
    use frontline_shared::inbound_mail::unmapped;
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let shared = format!("{}{OUTDOOR_SITE}", email_toml(smtp.port));
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            &shared,
            "",
            BotOptions::default(),
        )
        .await;
        let site_of = |message_id: &'static str| {
            let store = rig.store.clone();
            async move {
                store
                    .conversation(&unmapped::conversation_id(message_id))
                    .await
                    .expect("store")
                    .expect("a conversation")
                    .site_id
                    .to_string()
            }
        };

        // To the second site's address: its escalation.
        let (status, body) = post_mail(
            &rig,
            &new_mail(
                "robin@customer.test",
                "Northwind Outdoor <help@outdoor.test>",
                "s1@mail.customer.test",
            ),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        assert_eq!(
            site_of("s1@mail.customer.test").await,
            "outdoor",
            "{backend:?}"
        );

        // Through a list address, with the site's address only in `Delivered-To`.
        let forwarded = new_mail(
            "robin@customer.test",
            "team@lists.outdoor.test",
            "s2@mail.customer.test",
        )
        .replacen("To: ", "Delivered-To: help@outdoor.test\r\nTo: ", 1);
        let (status, body) = post_mail(&rig, &forwarded).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(site_of("s2@mail.customer.test").await, "outdoor");

        // To an address no site lists: the first configured site.
        let (status, body) = post_mail(
            &rig,
            &new_mail(
                "robin@customer.test",
                "Northwind <support@shop.test>",
                "s3@mail.customer.test",
            ),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            site_of("s3@mail.customer.test").await,
            "demo",
            "{backend:?}"
        );
        rig.stop().await;
        smtp.stop().await;
    }
}

/// Two mails flagged on one escalation in the same millisecond are two notes in its thread
/// (the bot once keyed a flag's note by its time, as it did ratings, so the second one was
/// taken for a note already posted and never appeared).
#[tokio::test]
async fn two_mails_flagged_in_the_same_millisecond_are_both_noted() {
    use frontline_shared::clock::ManualClock;
    use frontline_shared::contracts::outbox::{MailFlag, MailFlagReason};
    use frontline_shared::store::Store;
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "robin@customer.test", "message": "Exchange my jacket"}),
        )
        .await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        // Stopped at the current time, so the bot (on the system clock) finds the rows due.
        let now = jiff::Timestamp::now().as_millisecond();
        let store = Store::connect_with_clock(&rig.db.url, ManualClock::starting_at(now))
            .await
            .expect("store");
        for (sender, message_id) in [
            ("first.stranger@elsewhere.test", "flag-1@elsewhere.test"),
            ("second.stranger@elsewhere.test", "flag-2@elsewhere.test"),
        ] {
            let flag = MailFlag {
                reason: MailFlagReason::SenderMismatch,
                sender: sender.to_string(),
                subject: None,
                at_ms: now,
            };
            store
                .flag_mail(&handoff.conversation_id, message_id, flag)
                .await
                .expect("flag");
        }
        let notes = rig
            .slack()
            .wait_for("two flag notes", Duration::from_secs(10), |s| {
                let notes: Vec<String> = s
                    .messages
                    .iter()
                    .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                    .filter(|m| m.text.contains("Mail flagged"))
                    .map(|m| m.text.clone())
                    .collect();
                (notes.len() == 2).then_some(notes)
            })
            .await;
        assert!(
            notes[0].contains("first.stranger@elsewhere.test"),
            "{backend:?} {notes:?}"
        );
        assert!(
            notes[1].contains("second.stranger@elsewhere.test"),
            "{backend:?} {notes:?}"
        );
        rig.stop().await;
    }
}
