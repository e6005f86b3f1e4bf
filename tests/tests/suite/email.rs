//! Mail to customers through a real SMTP server (aiosmtpd on loopback, see
//! `frontline_tests::smtp`): the receipt at handoff and the resolved mail, threaded and
//! carrying the conversation's reply token; an SMTP server that is down, then up, gets
//! exactly one mail; a mail refused for good is recorded and noted in the chat thread.

use std::time::{Duration, Instant};

use frontline_bot::delivery::Outcome;
use frontline_bot::BotOptions;
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::{free_port, Mail, SmtpServer};
use serde_json::json;

const REPLY_DOMAIN: &str = "reply.shop.test";
const CUSTOMER: &str = "dana@customer.test";
const QUESTION: &str = "My parcel NW-4411 never arrived, can someone check?";

fn email_toml(port: u16) -> String {
    format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"Northwind Support <support@shop.test>\"\nreply_domain = \"{REPLY_DOMAIN}\"\ntimeout = \"2s\"\n"
    )
}

async fn customer_hands_off(rig: &Rig) -> Handoff {
    hand_off(
        &rig.server,
        json!({"email": CUSTOMER, "name": "Dana", "message": QUESTION}),
    )
    .await
}

/// `reply+<52 hex digits>@REPLY_DOMAIN` (a nonce and its MAC), read from the header.
fn reply_token(mail: &Mail) -> String {
    let token = frontline_tests::mail::reply_token(mail);
    assert_eq!(token.len(), 52, "{token}");
    assert!(
        token.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "{token}"
    );
    token
}

#[tokio::test]
async fn receipt_and_resolved_mails_thread_and_carry_the_reply_token() {
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
        let handoff = customer_hands_off(&rig).await;

        let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
        let receipt = &mails[0];
        assert_eq!(receipt.header("X-RcptTo"), Some(CUSTOMER), "{backend:?}");
        assert!(receipt.header("To").is_some_and(|to| to.contains(CUSTOMER)));
        assert!(receipt
            .header("From")
            .is_some_and(|f| f.contains("support@shop.test")));
        assert!(
            receipt
                .header("Subject")
                .is_some_and(|s| s.contains("we have your question")),
            "{:?}",
            receipt.header("Subject")
        );
        assert!(receipt
            .header("Content-Type")
            .is_some_and(|c| c.starts_with("multipart/alternative")));
        let body = receipt.text();
        assert!(body.contains("Content-Type: text/plain"), "{body}");
        assert!(body.contains("Content-Type: text/html"), "{body}");
        assert!(body.contains(QUESTION), "the transcript: {body}");
        assert!(
            body.contains("Reply to this email to add anything"),
            "{body}"
        );
        let receipt_id = receipt
            .header("Message-ID")
            .expect("Message-ID")
            .to_string();
        assert!(
            receipt_id.starts_with('<') && receipt_id.ends_with(&format!("@{REPLY_DOMAIN}>")),
            "{receipt_id}"
        );
        assert_eq!(receipt.header("In-Reply-To"), None, "the first mail");
        let token = reply_token(receipt);
        for internal in [&handoff.escalation_id, &handoff.conversation_id] {
            assert!(
                !receipt.raw.contains(internal.as_str()),
                "{internal} leaked"
            );
        }

        let resolved = rig
            .store
            .resolve(&handoff.escalation_id, "Ana")
            .await
            .expect("resolve");
        assert!(matches!(
            resolved,
            frontline_shared::store::escalations::Transition::Applied(_)
        ));
        let mails = smtp.wait_for(2, Duration::from_secs(15)).await;
        let second = &mails[1];
        assert!(
            second
                .header("Subject")
                .is_some_and(|s| s.contains("resolved")),
            "{:?}",
            second.header("Subject")
        );
        assert_eq!(second.header("In-Reply-To"), Some(receipt_id.as_str()));
        assert!(second
            .header("References")
            .is_some_and(|r| r.contains(&receipt_id)));
        assert_ne!(second.header("Message-ID"), Some(receipt_id.as_str()));
        assert_eq!(reply_token(second), token, "one conversation, one token");
        assert!(second.text().contains("Ana marked"), "{}", second.text());

        // The resolved mail's rating links: opening one stores nothing (mail scanners
        // follow links); the page's form does.
        // Signed for rating, not for replies: another token than the reply address's.
        let rating = frontline_tests::mail::rating_token(second);
        assert_eq!(rating.len(), 52, "{rating}");
        assert_ne!(rating, token);
        let paths = frontline_tests::mail::rating_paths(second);
        let expected: Vec<String> = (1..=5)
            .map(|n| format!("/csat/{rating}?rating={n}"))
            .collect();
        for path in &expected {
            assert!(paths.contains(path), "{path} in {paths:?}");
        }
        let page = rig
            .server
            .client
            .get(rig.server.at(&expected[1]))
            .send()
            .await
            .expect("rating page");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("page");
        assert!(
            html.contains("2 out of 5") && html.contains("<form method=\"post\""),
            "{html}"
        );
        let ratings = |rig: &Rig| {
            let store = rig.store.clone();
            async move {
                store
                    .resolved_ratings(&frontline_tests::demo_site(), 0, i64::MAX)
                    .await
                    .expect("ratings")
                    .into_iter()
                    .filter_map(|r| r.rating)
                    .collect::<Vec<i64>>()
            }
        };
        assert!(ratings(&rig).await.is_empty(), "a GET rates nothing");
        let confirmed = rig
            .server
            .client
            .post(rig.server.at(&format!("/csat/{rating}")))
            .form(&[("rating", "2"), ("comment", "Slow, but solved")])
            .send()
            .await
            .expect("confirm");
        assert_eq!(confirmed.status().as_u16(), 200);
        assert_eq!(ratings(&rig).await, vec![2]);
        let forged = rig
            .server
            .client
            .post(rig.server.at(&format!("/csat/{}", "0".repeat(32))))
            .form(&[("rating", "5")])
            .send()
            .await
            .expect("forged");
        assert_eq!(forged.status().as_u16(), 404);
        assert_eq!(ratings(&rig).await, vec![2], "a forged link rates nothing");

        rig.drained().await;
        assert_eq!(smtp.mails().len(), 2, "nothing else was mailed");
        rig.stop().await;
        smtp.stop().await;
    }
}

#[tokio::test]
async fn without_email_configured_nothing_is_mailed_and_no_thread_is_opened() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = customer_hands_off(&rig).await;
        rig.slack().alert_for(&handoff.escalation_id).await;
        rig.drained().await;
        let thread = rig
            .store
            .mail_thread(&handoff.conversation_id)
            .await
            .expect("store");
        assert_eq!(thread, None, "{backend:?}");
        rig.stop().await;
    }
}

/// Steps the worker until the mail row was worked on, returning the outcomes seen.
async fn step_until(rig: &Rig, within: Duration, done: impl Fn(&Outcome) -> bool) {
    let deadline = Instant::now() + within;
    loop {
        let outcome = rig.bot.worker().try_deliver_once().await.expect("store");
        if done(&outcome) {
            return;
        }
        assert!(Instant::now() < deadline, "last outcome {outcome:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn smtp_down_then_up_delivers_exactly_one_mail() {
    for backend in backends() {
        let port = free_port();
        let options = BotOptions {
            run_workers: false,
            ..BotOptions::default()
        };
        let rig =
            Rig::start_shared(backend, Platforms::Slack, &email_toml(port), "", options).await;
        let handoff = customer_hands_off(&rig).await;

        // Nothing listens: the alert is posted, the mail is retried.
        step_until(
            &rig,
            Duration::from_secs(10),
            |o| matches!(o, Outcome::Worked { retried, .. } if *retried >= 1),
        )
        .await;
        let mails = rig
            .store
            .mails_of(&handoff.conversation_id)
            .await
            .expect("store");
        assert_eq!(mails.len(), 1, "{backend:?}");
        assert_eq!(mails[0].status, "failed", "{mails:?}");

        let smtp = SmtpServer::start_on(port).await;
        step_until(
            &rig,
            Duration::from_secs(15),
            |o| matches!(o, Outcome::Worked { delivered, .. } if *delivered >= 1),
        )
        .await;
        assert_eq!(
            rig.bot.worker().try_deliver_once().await.expect("store"),
            Outcome::Idle
        );
        assert_eq!(rig.store.pending_outbox().await.expect("store"), 0);
        let mails = smtp.mails();
        assert_eq!(mails.len(), 1, "exactly one mail, {backend:?}");
        let sent = rig
            .store
            .mails_of(&handoff.conversation_id)
            .await
            .expect("store");
        assert_eq!(sent[0].status, "sent");
        assert_eq!(
            mails[0].header("Message-ID"),
            Some(sent[0].message_id.as_str())
        );

        // The row delivered again (a replica that crashed before marking it delivered):
        // the record says it was sent, so nothing is sent twice.
        let pool = sqlx::AnyPool::connect(&rig.db.url).await.expect("pool");
        sqlx::query("UPDATE outbox SET delivered_at = NULL, available_at = 0 WHERE kind = 'email'")
            .execute(&pool)
            .await
            .expect("redeliver");
        pool.close().await;
        step_until(
            &rig,
            Duration::from_secs(10),
            |o| matches!(o, Outcome::Worked { delivered, .. } if *delivered >= 1),
        )
        .await;
        assert_eq!(smtp.mails().len(), 1, "still exactly one mail");

        rig.stop().await;
        smtp.stop().await;
    }
}

#[tokio::test]
async fn a_mail_refused_for_good_is_recorded_and_noted_in_the_chat_thread() {
    for backend in backends() {
        let smtp = SmtpServer::start_refusing().await;
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            &email_toml(smtp.port),
            "",
            BotOptions::default(),
        )
        .await;
        let handoff = customer_hands_off(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let notice = rig
            .slack()
            .wait_for("the bounce notice", Duration::from_secs(15), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("Email bounced"))
                    .cloned()
            })
            .await;
        assert_eq!(notice.thread_ts.as_deref(), Some(alert.ts.as_str()));
        rig.drained().await;
        let mails = rig
            .store
            .mails_of(&handoff.conversation_id)
            .await
            .expect("store");
        assert_eq!(mails.len(), 1, "{backend:?}");
        assert_eq!(mails[0].status, "bounced");
        assert!(
            mails[0].error.as_deref().is_some_and(|e| e.contains("500")),
            "{mails:?}"
        );
        let dashboard = DashboardSession::sign_in(&rig.server, "Ana").await;
        let page = dashboard
            .get(&format!("/admin/conversations/{}", handoff.conversation_id))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("email bounced"), "{}", page.body);
        assert!(smtp.mails().is_empty());
        rig.stop().await;
        smtp.stop().await;
    }
}

/// `POST /api/v1/inbound/email` with `raw` as the body.
async fn post_mail(
    rig: &Rig,
    raw: &str,
    token: &str,
    content_type: &str,
) -> (u16, serde_json::Value) {
    let response = rig
        .server
        .client
        .post(rig.server.at("/api/v1/inbound/email"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(raw.to_string())
        .send()
        .await
        .expect("inbound request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// A reply as Gmail writes it: the customer's text, the attribution, the quoted mail.
fn gmail_reply(from: &str, token: &str, message_id: &str, in_reply_to: &str, text: &str) -> String {
    format!(
        "From: Dana <{from}>\r\nTo: Northwind Support <reply+{token}@{REPLY_DOMAIN}>\r\nSubject: Re: Northwind: we have your question\r\nMessage-ID: <{message_id}>\r\nIn-Reply-To: {in_reply_to}\r\nDate: Sun, 29 Nov 2026 15:10:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n\r\nOn Sun, Nov 29, 2026 at 3:04 PM Northwind Support <support@shop.test> wrote:\r\n\r\n> Hello Dana,\r\n> we have your question.\r\n"
    )
}

#[tokio::test]
async fn a_mail_reply_reaches_the_chat_thread_once_and_forged_mail_stores_nothing() {
    use frontline_tests::widget_server::INBOUND_TOKEN;
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
        let handoff = customer_hands_off(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let receipt = smtp.wait_for(1, Duration::from_secs(15)).await.remove(0);
        let token = reply_token(&receipt);
        let receipt_id = receipt
            .header("Message-ID")
            .expect("Message-ID")
            .to_string();
        let transcript_len = |rig: &Rig| {
            let store = rig.store.clone();
            let id = handoff.conversation_id.clone();
            async move { store.transcript(&id).await.expect("transcript").len() }
        };
        let before = transcript_len(&rig).await;

        // Forged or wrong: nothing stored in this conversation.
        let reply = gmail_reply(
            CUSTOMER,
            &token,
            "r1@mail.customer.test",
            &receipt_id,
            "It says delivered, but nothing came.",
        );
        let (status, body) = post_mail(&rig, &reply, "not-the-token", "message/rfc822").await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "invalid_inbound_token");
        let forged = gmail_reply(
            CUSTOMER,
            &"0".repeat(32),
            "r2@mail.customer.test",
            &receipt_id,
            "hi",
        );
        // A token naming no conversation opens a new one (see `email_inbound`).
        let (status, body) = post_mail(&rig, &forged, INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(
            (status, body["opened"].as_bool()),
            (201, Some(true)),
            "{body}"
        );
        let stranger = gmail_reply(
            "mallory@evil.test",
            &token,
            "r3@mail.evil.test",
            &receipt_id,
            "hi",
        );
        let (status, body) = post_mail(&rig, &stranger, INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("sender_mismatch")),
            "{body}"
        );
        let (status, _) = post_mail(&rig, &reply, INBOUND_TOKEN, "application/json").await;
        assert_eq!(status, 415);
        let (status, body) =
            post_mail(&rig, "no mail at all", INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("malformed_mail")),
            "{body}"
        );
        assert_eq!(
            transcript_len(&rig).await,
            before,
            "nothing stored, {backend:?}"
        );

        // The real reply: stored once, relayed without the quoted mail.
        let (status, body) = post_mail(&rig, &reply, INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            body,
            json!({"stored": true, "relayed": true, "opened": false})
        );
        let (status, body) = post_mail(&rig, &reply, INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stored"], false);
        let relayed = rig
            .slack()
            .wait_for("the relayed reply", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("It says delivered, but nothing came."))
                    .cloned()
            })
            .await;
        assert_eq!(relayed.thread_ts.as_deref(), Some(alert.ts.as_str()));
        assert!(
            !relayed.text.contains("we have your question"),
            "{}",
            relayed.text
        );
        rig.drained().await;
        let copies = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.text.contains("It says delivered"))
                .count()
        });
        assert_eq!(copies, 1, "the duplicate was not relayed again");
        let transcript = rig
            .store
            .transcript(&handoff.conversation_id)
            .await
            .expect("transcript");
        assert_eq!(transcript.len(), before + 1);
        let last = transcript.last().expect("a line");
        assert_eq!(
            (last.author.as_str(), last.body.as_str()),
            ("customer", "It says delivered, but nothing came.")
        );

        // A reply to a resolved conversation reopens it.
        rig.store
            .resolve(&handoff.escalation_id, "Ana")
            .await
            .expect("resolve");
        let later = gmail_reply(
            CUSTOMER,
            &token,
            "r4@mail.customer.test",
            &receipt_id,
            "Still nothing, sorry!",
        );
        let (status, body) = post_mail(&rig, &later, INBOUND_TOKEN, "message/rfc822").await;
        assert_eq!(
            (status, body["relayed"].as_bool()),
            (201, Some(true)),
            "{body}"
        );
        let escalation = rig
            .store
            .escalation(&handoff.escalation_id)
            .await
            .expect("store")
            .expect("escalation");
        assert_eq!(
            escalation.status.as_str(),
            "queued",
            "reopened, {backend:?}"
        );

        rig.stop().await;
        smtp.stop().await;
    }
}

#[tokio::test]
async fn an_agent_reply_is_mailed_to_a_customer_who_left_and_not_to_one_watching() {
    use frontline_shared::store::escalations::ReplyOrigin;
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let toml = format!("{}away_after = \"1s\"\n", email_toml(smtp.port));
        let rig =
            Rig::start_shared(backend, Platforms::Slack, &toml, "", BotOptions::default()).await;

        // Dana left after handing off: the reply is mailed, in the same thread.
        let gone = customer_hands_off(&rig).await;
        let receipt = smtp.wait_for(1, Duration::from_secs(15)).await.remove(0);
        let reply_text = "Your parcel left our depot today.";
        rig.store
            .append_agent_message(&gone.escalation_id, "Ana", reply_text, ReplyOrigin::Web)
            .await
            .expect("reply");
        let mails = smtp.wait_for(2, Duration::from_secs(15)).await;
        let mailed = &mails[1];
        assert!(
            mailed
                .header("Subject")
                .is_some_and(|s| s.contains("a reply")),
            "{:?}",
            mailed.header("Subject")
        );
        assert!(mailed.text().contains(reply_text), "{}", mailed.text());
        assert!(mailed.text().contains(QUESTION), "the earlier messages");
        assert_eq!(mailed.header("In-Reply-To"), receipt.header("Message-ID"));

        // Eli is watching the conversation live: the reply reaches the stream, no mail.
        let eli = "eli@customer.test";
        let watching = hand_off(
            &rig.server,
            json!({"email": eli, "name": "Eli", "message": "Do you ship to Norway?"}),
        )
        .await;
        smtp.wait_for(3, Duration::from_secs(15)).await;
        let mut stream = watching.stream(&rig.server).await;
        stream
            .next(Duration::from_secs(10))
            .await
            .expect("the stream's first event");
        let live = "Yes, we ship to Norway.";
        rig.store
            .append_agent_message(&watching.escalation_id, "Ana", live, ReplyOrigin::Web)
            .await
            .expect("reply");
        stream
            .until(Duration::from_secs(10), |e| e.data["body"] == live)
            .await
            .expect("the reply on the live stream");
        // The mail row waits `away_after`, then finds the reply seen.
        rig.drained().await;
        let mails = smtp.mails();
        assert_eq!(mails.len(), 3, "{backend:?}");
        assert!(
            !mails.iter().any(|m| m.text().contains(live)),
            "no mail for a reply the customer saw live"
        );
        drop(stream);
        rig.stop().await;
        smtp.stop().await;
    }
}

/// A saved reply is Markdown: its mail carries it rendered, as HTML in the HTML part and as
/// its text in the text part (no asterisks anywhere), while a plain reply stays as typed.
#[tokio::test]
async fn a_saved_reply_is_mailed_with_its_markdown_rendered() {
    use frontline_shared::store::escalations::{ReplyExtras, ReplyOrigin};
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let toml = format!("{}away_after = \"1s\"\n", email_toml(smtp.port));
        let rig =
            Rig::start_shared(backend, Platforms::Slack, &toml, "", BotOptions::default()).await;
        let gone = customer_hands_off(&rig).await;
        smtp.wait_for(1, Duration::from_secs(15)).await;
        let extras = ReplyExtras {
            saved_reply: Some("Refund policy"),
            ..ReplyExtras::default()
        };
        rig.store
            .append_agent_message_as(
                &gone.escalation_id,
                "Ana",
                "Refunds reach your card within **5 days**. See [refunds](https://shop.test/refunds).",
                ReplyOrigin::Web,
                extras,
            )
            .await
            .expect("reply");
        let mails = smtp.wait_for(2, Duration::from_secs(15)).await;
        let body = mails[1].text();
        assert!(
            body.contains(
                "Refunds reach your card within 5 days. See refunds (https://shop.test/refunds)."
            ),
            "{backend:?}: the text part: {body}"
        );
        assert!(
            body.contains("Refunds reach your card within <strong>5 days</strong>."),
            "{backend:?}: the HTML part: {body}"
        );
        assert!(
            !body.contains("**"),
            "{backend:?}: no Markdown left: {body}"
        );
        rig.stop().await;
        smtp.stop().await;
    }
}
