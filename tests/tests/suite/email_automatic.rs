//! Mail written by a machine (RFC 3834 `Auto-Submitted`, `X-Autoreply`, `Precedence:
//! bulk`, delivery reports) is answered `200` with `ignored` and changes nothing: no
//! customer message, no new escalation, no receipt (so no mail loop with another
//! auto-responder), and a vacation reply does not reopen a resolved conversation.

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_shared::inbound_mail::unmapped;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::mail::{email_toml, post_mail, reply_token, REPLY_DOMAIN};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::SmtpServer;
use serde_json::json;

const CUSTOMER: &str = "dana@customer.test";

/// A mail from `from` to `to` with `headers` (each ending in CRLF) and `body`.
fn mail(
    from: &str,
    to: &str,
    message_id: &str,
    subject: &str,
    headers: &str,
    body: &str,
) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Sun, 29 Nov 2026 18:00:00 +0000\r\nMIME-Version: 1.0\r\n{headers}\r\n{body}\r\n"
    )
}

#[tokio::test]
async fn mail_written_by_a_machine_is_neither_stored_nor_answered() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            &email_toml(smtp.port),
            "",
            BotOptions::default(),
        )
        .await;
        let dana = hand_off(
            &rig.server,
            json!({"email": CUSTOMER, "name": "Dana", "message": "Where is my parcel NW-4411?"}),
        )
        .await;
        let receipt = smtp.wait_for(1, Duration::from_secs(15)).await.remove(0);
        let reply_to = format!("reply+{}@{REPLY_DOMAIN}", reply_token(&receipt));
        rig.store
            .resolve(&dana.escalation_id, "Ana")
            .await
            .expect("resolve");
        smtp.wait_for(2, Duration::from_secs(15)).await;
        let before = rig
            .store
            .transcript(&dana.conversation_id)
            .await
            .expect("transcript")
            .len();

        let text = "Content-Type: text/plain; charset=UTF-8\r\n";
        let cases = [
            // Dana's vacation notice answering the resolved mail.
            (
                CUSTOMER,
                reply_to.as_str(),
                "v1@mail.customer.test",
                "Out of office: Re: Your question is resolved",
                format!("Auto-Submitted: auto-replied\r\n{text}"),
                "I am away until 7 December and will read your mail then.",
                "auto_submitted",
            ),
            (
                CUSTOMER,
                reply_to.as_str(),
                "v2@mail.customer.test",
                "Autoreply: Re: Your question is resolved",
                format!("X-Autoreply: yes\r\n{text}"),
                "Thank you for your mail. I am on holiday.",
                "auto_reply",
            ),
            // A newsletter and a bounce sent to the support address.
            (
                "news@vendor.test",
                "support@shop.test",
                "b1@vendor.test",
                "Our winter catalogue is here",
                format!("Precedence: bulk\r\n{text}"),
                "See what is new this winter.",
                "bulk",
            ),
            (
                "MAILER-DAEMON@mx.customer.test",
                "support@shop.test",
                "d1@mx.customer.test",
                "Undelivered Mail Returned to Sender",
                "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
                    .to_string(),
                "--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system: your message could not be delivered.\r\n--b--",
                "report",
            ),
        ];
        for (from, to, message_id, subject, headers, body, why) in &cases {
            let raw = mail(from, to, message_id, subject, headers, body);
            let (status, answer) = post_mail(&rig.server, &raw).await;
            assert_eq!(status, 200, "{backend:?} {why}: {answer}");
            assert_eq!(
                answer,
                json!({"stored": false, "relayed": false, "opened": false, "ignored": why}),
                "{backend:?}"
            );
            let opened = rig
                .store
                .conversation(&unmapped::conversation_id(message_id))
                .await
                .expect("store");
            assert_eq!(opened, None, "{why}: no escalation opened");
        }

        // Dana's conversation stays resolved and unchanged.
        let escalation = rig
            .store
            .escalation(&dana.escalation_id)
            .await
            .expect("store")
            .expect("escalation");
        assert_eq!(escalation.status.as_str(), "resolved", "{backend:?}");
        let after = rig
            .store
            .transcript(&dana.conversation_id)
            .await
            .expect("transcript")
            .len();
        assert_eq!(after, before, "no vacation notice in the conversation");

        // A person's mail saying `Auto-Submitted: no` is a mail like any other.
        let person = mail(
            "Robin Fox <robin@customer.test>",
            "support@shop.test",
            "p1@mail.customer.test",
            "Do you ship to Norway?",
            &format!("Auto-Submitted: no\r\n{text}"),
            "I would like to order two jackets.",
        );
        let (status, answer) = post_mail(&rig.server, &person).await;
        assert_eq!(
            (status, answer["opened"].as_bool()),
            (201, Some(true)),
            "{answer}"
        );
        let mails = smtp.wait_for(3, Duration::from_secs(15)).await;
        assert_eq!(mails[2].header("X-RcptTo"), Some("robin@customer.test"));
        rig.drained().await;
        assert_eq!(
            smtp.mails().len(),
            3,
            "receipt and resolved mail to Dana, Robin's receipt; none to a machine"
        );
        let noticed = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| {
                    m.text.contains("winter catalogue")
                        || m.text.contains("on holiday")
                        || m.text.contains("away until")
                })
                .count()
        });
        assert_eq!(noticed, 0, "{backend:?}: nothing reached the agents");
        rig.stop().await;
        smtp.stop().await;
    }
}
