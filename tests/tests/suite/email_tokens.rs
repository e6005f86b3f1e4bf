//! The tokens of a conversation's mails are signed: the reply address
//! `reply+<nonce><mac>@reply_domain` and the rating links `/csat/<nonce><mac>`, each with a
//! MAC of its own purpose. A forged token (a changed MAC, the bare nonce the store keeps,
//! or the other purpose's token) opens nothing, exactly as an unknown one; a token the
//! previous release mailed (random, stored as it is) still opens its conversation.

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::databases::backends;
use frontline_tests::mail::{
    email_toml, gmail_reply, post_mail, rating_token, reply_token, REPLY_DOMAIN,
};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::{Mail, SmtpServer};
use serde_json::json;

const CUSTOMER: &str = "dana@customer.test";

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

async fn dana_hands_off(rig: &Rig) -> Handoff {
    hand_off(
        &rig.server,
        json!({"email": CUSTOMER, "name": "Dana", "message": "My parcel NW-4411 never arrived."}),
    )
    .await
}

async fn transcript_len(rig: &Rig, conversation_id: &str) -> usize {
    rig.store
        .transcript(conversation_id)
        .await
        .expect("transcript")
        .len()
}

/// The newest mail whose subject has `subject`, waiting for `count` mails in all.
async fn mail_with(smtp: &SmtpServer, count: usize, subject: &str) -> Mail {
    smtp.wait_for(count, Duration::from_secs(15))
        .await
        .into_iter()
        .rev()
        .find(|m| m.header("Subject").is_some_and(|s| s.contains(subject)))
        .unwrap_or_else(|| panic!("a mail about {subject:?}"))
}

/// GET and POST of a rating link: their statuses.
async fn rate_by_link(rig: &Rig, token: &str, rating: u8) -> (u16, u16) {
    let client = &rig.server.client;
    let shown = client
        .get(rig.server.at(&format!("/csat/{token}?rating={rating}")))
        .send()
        .await
        .expect("rating page");
    let posted = client
        .post(rig.server.at(&format!("/csat/{token}")))
        .form(&[("rating", rating.to_string())])
        .send()
        .await
        .expect("rating form");
    (shown.status().as_u16(), posted.status().as_u16())
}

async fn ratings(rig: &Rig) -> Vec<i64> {
    rig.store
        .resolved_ratings(&frontline_tests::demo_site(), 0, i64::MAX)
        .await
        .expect("ratings")
        .into_iter()
        .filter_map(|r| r.rating)
        .collect()
}

#[tokio::test]
async fn a_forged_reply_or_rating_token_opens_nothing_of_the_conversation() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = rig_with_mail(backend, &smtp).await;
        let dana = dana_hands_off(&rig).await;
        rig.slack().alert_for(&dana.escalation_id).await;
        let receipt = mail_with(&smtp, 1, "we have your question").await;
        let token = reply_token(&receipt);
        assert_eq!(token.len(), 52, "{backend:?}: {token}");
        let nonce = rig
            .store
            .mail_thread(&dana.conversation_id)
            .await
            .expect("store")
            .expect("a mail thread")
            .reply_token;
        assert_eq!(nonce.len(), 20, "the store keeps only the nonce");
        assert!(token.starts_with(&nonce), "{token} / {nonce}");
        let before = transcript_len(&rig, &dana.conversation_id).await;

        // One hex digit of the MAC changed, and the bare nonce from the store: each is
        // treated as a token naming no conversation (a new, flagged escalation).
        let last = if token.ends_with('0') { "1" } else { "0" };
        let changed = format!("{}{last}", &token[..51]);
        for (n, forged) in [changed.as_str(), nonce.as_str()].into_iter().enumerate() {
            let mail = gmail_reply(
                CUSTOMER,
                forged,
                &format!("forged{n}@mail.customer.test"),
                "Please send the parcel to my new address instead.",
            );
            let (status, body) = post_mail(&rig.server, &mail).await;
            assert_eq!(
                (status, body["opened"].as_bool()),
                (201, Some(true)),
                "{backend:?} {forged}: {body}"
            );
        }
        assert_eq!(
            transcript_len(&rig, &dana.conversation_id).await,
            before,
            "nothing reached Dana's conversation, {backend:?}"
        );

        // The genuine token reaches it.
        let mail = gmail_reply(CUSTOMER, &token, "real@mail.customer.test", "Any news?");
        let (status, body) = post_mail(&rig.server, &mail).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            body,
            json!({"stored": true, "relayed": true, "opened": false})
        );
        assert_eq!(
            transcript_len(&rig, &dana.conversation_id).await,
            before + 1
        );

        // The resolved mail's rating links carry a token of their own purpose.
        rig.store
            .resolve(&dana.escalation_id, "Ana")
            .await
            .expect("resolve");
        let resolved = mail_with(&smtp, 4, "resolved").await;
        assert_eq!(reply_token(&resolved), token, "one reply address");
        let rating = rating_token(&resolved);
        assert_eq!(rating.len(), 52, "{rating}");
        assert!(rating.starts_with(&nonce) && rating != token, "{rating}");
        let changed = format!(
            "{}{}",
            &rating[..51],
            if rating.ends_with('0') { "1" } else { "0" }
        );
        for forged in [changed.as_str(), nonce.as_str(), token.as_str()] {
            assert_eq!(
                rate_by_link(&rig, forged, 1).await,
                (404, 404),
                "{backend:?}: {forged}"
            );
        }
        assert!(
            ratings(&rig).await.is_empty(),
            "a forged link rates nothing"
        );
        assert_eq!(rate_by_link(&rig, &rating, 5).await, (200, 200));
        assert_eq!(ratings(&rig).await, vec![5], "{backend:?}");
        rig.stop().await;
        smtp.stop().await;
    }
}

/// A reply token as the previous release mailed it: 128 random bits, stored as they are.
const PREVIOUS_RELEASE_TOKEN: &str = "5f0c2a9e81d34b7aa06e3c4d2b1f9e87";

#[tokio::test]
async fn a_reply_token_mailed_by_the_previous_release_still_opens_its_conversation() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = rig_with_mail(backend, &smtp).await;
        let dana = dana_hands_off(&rig).await;
        let alert = rig.slack().alert_for(&dana.escalation_id).await;
        smtp.wait_for(1, Duration::from_secs(15)).await;

        // Dana's mail thread as the previous release wrote it (schema of 0010_email.sql).
        let pool = sqlx::AnyPool::connect(&rig.db.url).await.expect("pool");
        sqlx::query("DELETE FROM email_threads WHERE conversation_id = $1")
            .bind(&dana.conversation_id)
            .execute(&pool)
            .await
            .expect("delete");
        sqlx::query(
            "INSERT INTO email_threads (conversation_id, reply_token, email, created_at) \
             VALUES ($1, '5f0c2a9e81d34b7aa06e3c4d2b1f9e87', 'dana@customer.test', 1764428400000)",
        )
        .bind(&dana.conversation_id)
        .execute(&pool)
        .await
        .expect("previous release's thread");
        pool.close().await;

        let mail = gmail_reply(
            CUSTOMER,
            PREVIOUS_RELEASE_TOKEN,
            "old@mail.customer.test",
            "Replying to your mail from last week.",
        );
        let (status, body) = post_mail(&rig.server, &mail).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        assert_eq!(
            body,
            json!({"stored": true, "relayed": true, "opened": false})
        );
        let relayed = rig
            .slack()
            .wait_for("the relayed reply", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("Replying to your mail from last week."))
                    .cloned()
            })
            .await;
        assert_eq!(relayed.thread_ts.as_deref(), Some(alert.ts.as_str()));

        // Its later mails keep the address and links the customer already has.
        rig.store
            .resolve(&dana.escalation_id, "Ana")
            .await
            .expect("resolve");
        let resolved = mail_with(&smtp, 2, "resolved").await;
        assert_eq!(
            resolved
                .header("Reply-To")
                .map(|r| r.trim_matches(['<', '>', ' '])),
            Some(format!("reply+{PREVIOUS_RELEASE_TOKEN}@{REPLY_DOMAIN}").as_str())
        );
        assert_eq!(rating_token(&resolved), PREVIOUS_RELEASE_TOKEN);
        assert_eq!(
            rate_by_link(&rig, PREVIOUS_RELEASE_TOKEN, 4).await,
            (200, 200)
        );
        assert_eq!(ratings(&rig).await, vec![4], "{backend:?}");
        rig.stop().await;
        smtp.stop().await;
    }
}
