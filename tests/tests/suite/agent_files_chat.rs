//! Files an agent shares in the escalation's chat thread reach the customer (issue 24), on
//! each backend. Slack: a `message` event of subtype `file_share` in the alert's thread;
//! the bot fetches each `url_private` with its token as a bearer token
//! (https://api.slack.com/types/file#authentication) in its delivery worker, retrying a
//! host that fails, checks the bytes as the customer's files are checked, and relays the
//! text with the files once, even when Slack sends the event again.

use std::time::Duration;

use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{thread_file_share, SignedRequest};
use frontline_tests::slack_standin::BOT_TOKEN;

use crate::attachments::{photo_with_gps, photo_without_gps, EXE, PDF};
use crate::bot_slack::{simple_handoff, ANA};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn files_shared_in_the_slack_thread_reach_the_customer_once_with_the_text() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let slack = rig.slack();
        slack.add_user(ANA.id, ANA.name);
        let handoff = simple_handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = slack.alert_for(&handoff.escalation_id).await;

        // The photo's host fails twice first (the worker retries); the "image" is an
        // executable, which is left out.
        let photo = slack.add_private_file("F0PHOTO", "box.jpg", &photo_with_gps(), 2);
        let label = slack.add_private_file("F0LABEL", "label.pdf", PDF, 0);
        let fake = slack.add_private_file("F0FAKE", "invoice.png", EXE, 0);
        let shared = thread_file_share(
            "Ev0FILES1",
            &ANA,
            &alert,
            "Here is the label, and how to pack it",
            &[
                ("F0LABEL", "label.pdf", &label),
                ("F0PHOTO", "box.jpg", &photo),
                ("F0FAKE", "invoice.png", &fake),
            ],
        );
        let first = SignedRequest::event(&shared);
        let answer = first.send(&rig.bot.client, &rig.bot.url).await;
        assert_eq!(answer.status(), 200, "{context}");
        // Slack sends it again (its answer was late): still one reply.
        let again = first.clone().retry(1);
        let answer = again.send(&rig.bot.client, &rig.bot.url).await;
        assert_eq!(answer.status(), 200, "{context}");

        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the agent's files on the customer's stream");
        assert_eq!(
            relayed.data["body"], "Here is the label, and how to pack it\n📎 label.pdf, box.jpg",
            "{context}"
        );
        let files = relayed.data["attachments"].as_array().expect("files");
        assert_eq!(files.len(), 2, "{context}: {}", relayed.data);
        assert_eq!(files[0]["content_type"], "application/pdf", "{context}");
        assert_eq!(files[1]["content_type"], "image/jpeg", "{context}");
        let url = files[1]["url"].as_str().expect("url");
        let bytes = rig
            .server
            .client
            .get(url)
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body");
        assert_eq!(bytes.as_ref(), photo_without_gps().as_slice(), "{context}");

        rig.drained().await;
        assert!(
            stream.next(Duration::from_millis(500)).await.is_none(),
            "{context}: relayed once"
        );
        // Every download carried the bot token (and only Slack's own URLs were asked).
        let downloads = slack.with(|s| s.file_downloads.clone());
        assert!(
            downloads
                .iter()
                .all(|(_, auth)| auth.as_deref() == Some(&format!("Bearer {BOT_TOKEN}"))),
            "{context}: {downloads:?}"
        );
        assert!(
            downloads.iter().filter(|(id, _)| id == "F0PHOTO").count() >= 3,
            "{context}: the failing host was retried: {downloads:?}"
        );
        // The thread already shows the files: they are not shared back into it.
        let ts = alert.ts.clone();
        let echoed = slack.with(|s| {
            s.files
                .iter()
                .filter(|f| f.thread_ts.as_deref() == Some(ts.as_str()))
                .count()
        });
        assert_eq!(echoed, 0, "{context}");
        rig.stop().await;
    }
}

/// `[attachments] max_files = 2` applies to a share in the thread: of three files, the
/// executable (refused by its bytes) and the third (one too many, never fetched) are
/// left out, and a note in the thread names both with the reason. Slack sends the event
/// again after the reply was applied: nothing is downloaded a second time and no second
/// note is posted.
#[tokio::test]
async fn files_left_out_of_a_thread_share_are_named_in_the_thread_and_fetched_once() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "[attachments]\nmax_files = 2\n").await;
        let slack = rig.slack();
        slack.add_user(ANA.id, ANA.name);
        let handoff = simple_handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = slack.alert_for(&handoff.escalation_id).await;

        let label = slack.add_private_file("F1LABEL", "label.pdf", PDF, 0);
        let fake = slack.add_private_file("F1FAKE", "setup.png", EXE, 0);
        let extra = slack.add_private_file("F1EXTRA", "extra.pdf", PDF, 0);
        let shared = thread_file_share(
            "Ev1FILES",
            &ANA,
            &alert,
            "Label attached",
            &[
                ("F1LABEL", "label.pdf", &label),
                ("F1FAKE", "setup.png", &fake),
                ("F1EXTRA", "extra.pdf", &extra),
            ],
        );
        let first = SignedRequest::event(&shared);
        let answer = first.send(&rig.bot.client, &rig.bot.url).await;
        assert_eq!(answer.status(), 200, "{context}");
        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the agent's files on the customer's stream");
        assert_eq!(
            relayed.data["body"], "Label attached\n📎 label.pdf",
            "{context}: the first two files were considered, one passed"
        );
        let ts = alert.ts.clone();
        let note = slack
            .wait_for("the note naming the files left out", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| {
                        m.thread_ts.as_deref() == Some(ts.as_str())
                            && m.text.contains("Not sent to the customer")
                    })
                    .cloned()
            })
            .await;
        assert_eq!(
            note.text,
            ":warning: Not sent to the customer: “setup.png” (not an allowed file type \
             (images PNG, JPEG, GIF or WebP, PDF, plain text)); “extra.pdf” (more than 2 \
             files in one message)",
            "{context}"
        );
        rig.drained().await;

        // Slack sends the event again: the row it queues fetches nothing.
        let again = first.clone().retry(1);
        let answer = again.send(&rig.bot.client, &rig.bot.url).await;
        assert_eq!(answer.status(), 200, "{context}");
        rig.drained().await;
        let downloads: Vec<String> =
            slack.with(|s| s.file_downloads.iter().map(|(id, _)| id.clone()).collect());
        assert_eq!(
            downloads,
            ["F1LABEL", "F1FAKE"],
            "{context}: each of the first two once, the rest never"
        );
        let notes = slack.with(|s| {
            s.messages
                .iter()
                .filter(|m| m.text.contains("Not sent to the customer"))
                .count()
        });
        assert_eq!(notes, 1, "{context}: one note");
        assert!(
            stream.next(Duration::from_millis(300)).await.is_none(),
            "{context}: relayed once"
        );
        rig.stop().await;
    }
}

const ANA_DISCORD: (&str, &str) = ("1100000000000000301", "ana");

#[tokio::test]
async fn attachments_on_a_discord_thread_message_reach_the_customer() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(
            backend,
            Platforms::Discord,
            "[bot.discord]\ngateway = true\n",
        )
        .await;
        let discord = rig.discord();
        discord
            .gateway
            .wait_for("the bot to identify", WAIT, |log| log.identifies.len() == 1)
            .await;
        let handoff = frontline_tests::customer::hand_off(
            &rig.server,
            serde_json::json!({"email": "eve@example.com", "name": "Eve", "message": "How do I pack it?"}),
        )
        .await;
        let alert = discord
            .wait_for("the alert", WAIT, |s| s.messages.first().cloned())
            .await;
        let mut stream = handoff.stream(&rig.server).await;

        let photo = discord.add_cdn_file(
            &alert.id,
            "1300000000000000001",
            "box.jpg",
            &photo_with_gps(),
        );
        let fake = discord.add_cdn_file(&alert.id, "1300000000000000002", "notes.txt", EXE);
        let size = photo_with_gps().len();
        discord.gateway.message_with_files(
            &alert.id,
            ANA_DISCORD,
            "Like this",
            None,
            false,
            &[
                ("1300000000000000001", "box.jpg", &photo, size),
                ("1300000000000000002", "notes.txt", &fake, EXE.len()),
            ],
        );
        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the agent's file on the customer's stream");
        assert_eq!(relayed.data["body"], "Like this\n📎 box.jpg", "{context}");
        let files = relayed.data["attachments"].as_array().expect("files");
        assert_eq!(files.len(), 1, "{context}: the executable is left out");
        let url = files[0]["url"].as_str().expect("url");
        let bytes = rig
            .server
            .client
            .get(url)
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body");
        assert_eq!(bytes.as_ref(), photo_without_gps().as_slice(), "{context}");
        let downloads = discord.with(|s| s.cdn_downloads.clone());
        assert!(
            downloads.iter().all(|(_, authorized)| !authorized),
            "{context}: the bot token is never sent to the CDN: {downloads:?}"
        );
        // The thread hears which file did not reach the customer, and why.
        let note = discord
            .wait_for("the note naming the executable", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.content.contains("Not sent to the customer"))
                    .cloned()
            })
            .await;
        assert!(
            note.content
                .contains("“notes.txt” (not an allowed file type"),
            "{context}: {}",
            note.content
        );
        rig.stop().await;
    }
}
