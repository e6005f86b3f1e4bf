//! Customers' files in the chat thread (issue 24), on each backend: a file sent from the
//! widget is shared in the escalation's Slack thread (`files.getUploadURLExternal`, the
//! bytes, `files.completeUploadExternal` with `thread_ts`) or as a Discord reply to the
//! alert (multipart `files[0]`), with exactly its stored bytes, once even when Slack's
//! answer is lost after it shared the file. The export archive holds the same bytes.
//! Erasure deletes the thread replies and the file (Slack `chat.delete`/`files.delete`,
//! Discord `DELETE …/messages/{id}`) and edits the alert.

use std::io::{Cursor, Read};
use std::time::Duration;

use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);
const ERASED: &str = "[erased at the customer's request]";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const NOTE: &[u8] = b"Order 100234, parcel dented on the left side.\n";

async fn erase(server: &TestServer, email: &str) {
    let response = server
        .client
        .delete(server.at(&format!("/api/v1/admin/customers/{email}")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 200);
}

/// `GET …/export` with `query` and `accept`: status, content type and body.
pub(crate) async fn export(
    server: &TestServer,
    email: &str,
    query: &str,
    accept: Option<&str>,
) -> (u16, String, Vec<u8>) {
    let mut request = server
        .client
        .get(server.at(&format!("/api/v1/admin/customers/{email}/export{query}")))
        .bearer_auth(ADMIN_TOKEN);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("export");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

pub(crate) fn entry(archive: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name} in the archive: {e}"))
        .read_to_end(&mut bytes)
        .expect("read entry");
    bytes
}

#[tokio::test]
async fn a_file_reaches_the_slack_thread_once_when_the_answer_is_lost_and_goes_with_erasure() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let slack = rig.slack();
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My invoice is wrong"}),
        )
        .await;
        let alert = slack.alert_for(&sam.escalation_id).await;

        // Slack shares the file but the answer never arrives: the retry must find the
        // share in the thread instead of sharing it a second time.
        slack.lose_answer_of("files.completeUploadExternal");
        let (status, sent) = sam
            .send_files(
                &rig.server,
                Some("Here it is"),
                &[("invoice.pdf", PDF), ("note.txt", NOTE)],
            )
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let ts = alert.ts.clone();
        slack
            .wait_for("both files in the thread", WAIT, |s| {
                (s.files
                    .iter()
                    .filter(|f| f.thread_ts.as_deref() == Some(ts.as_str()))
                    .count()
                    == 2)
                    .then_some(())
            })
            .await;
        rig.drained().await;
        let (files, completes, replies) = slack.with(|s| {
            (
                s.files.clone(),
                s.calls_to("files.completeUploadExternal").len(),
                s.calls_to("conversations.replies").len(),
            )
        });
        assert_eq!(files.len(), 2, "{context}: shared once each");
        assert_eq!(files[0].filename, "invoice.pdf", "{context}");
        assert_eq!(files[0].bytes, PDF, "{context}");
        assert_eq!(files[0].channel, alert.channel, "{context}");
        assert_eq!(files[1].filename, "note.txt", "{context}");
        assert_eq!(files[1].bytes, NOTE, "{context}");
        assert_eq!(completes, 2, "{context}: no second completion");
        assert!(replies >= 1, "{context}: the retry looked in the thread");

        // The export archive: the JSON export as `export.json`, and the files' bytes.
        let (status, _, json_body) = export(&rig.server, "sam@example.com", "", None).await;
        assert_eq!(status, 200, "{context}");
        let document: Value = serde_json::from_slice(&json_body).expect("json export");
        let (status, content_type, zip_body) =
            export(&rig.server, "sam@example.com", "?format=zip", None).await;
        assert_eq!(status, 200, "{context}");
        assert_eq!(content_type, "application/zip", "{context}");
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_body)).expect("a zip archive");
        assert_eq!(archive.len(), 3, "{context}: the JSON and two files");
        let inside: Value =
            serde_json::from_slice(&entry(&mut archive, "export.json")).expect("export.json");
        assert_eq!(inside, document, "{context}: the same document");
        let listed = &document["conversations"][0]["attachments"];
        let pdf_id = listed[0]["id"].as_str().expect("id");
        let note_id = listed[1]["id"].as_str().expect("id");
        assert_eq!(
            entry(&mut archive, &format!("attachments/{pdf_id}/invoice.pdf")),
            PDF,
            "{context}"
        );
        assert_eq!(
            entry(&mut archive, &format!("attachments/{note_id}/note.txt")),
            NOTE,
            "{context}"
        );
        let (status, content_type, _) =
            export(&rig.server, "sam@example.com", "", Some("application/zip")).await;
        assert_eq!((status, content_type.as_str()), (200, "application/zip"));
        let (status, _, refused) =
            export(&rig.server, "sam@example.com", "?format=tar", None).await;
        assert_eq!(status, 400, "{context}");
        assert!(
            String::from_utf8_lossy(&refused).contains("`format`"),
            "{context}"
        );

        // Erasure: the thread's text line and both files are deleted, the alert edited.
        erase(&rig.server, "sam@example.com").await;
        let escalation = sam.escalation_id.clone();
        slack
            .wait_for("the thread emptied and the alert erased", WAIT, |s| {
                let files_gone = s.files.iter().all(|f| f.deleted);
                let ours: Vec<_> = s
                    .messages
                    .iter()
                    .filter(|m| m.meta("escalation_id") == Some(escalation.as_str()))
                    .collect();
                (files_gone && ours.len() == 1 && ours[0].visible_text().contains(ERASED))
                    .then_some(())
            })
            .await;
        let deleted = slack.with(|s| s.deleted.clone());
        assert_eq!(deleted.len(), 1, "{context}: the line naming the files");
        assert!(
            deleted[0].visible_text().contains("invoice.pdf"),
            "{context}: {}",
            deleted[0].visible_text()
        );
        assert_eq!(deleted[0].thread_ts.as_deref(), Some(ts.as_str()));
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_file_reaches_the_discord_alert_as_a_reply_and_goes_with_erasure() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My invoice is wrong"}),
        )
        .await;
        let alert = discord
            .wait_for("the alert", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.message_reference.is_none())
                    .cloned()
            })
            .await;
        let (status, sent) = sam
            .send_files(&rig.server, None, &[("invoice.pdf", PDF)])
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let with_file = discord
            .wait_for("the reply with the file", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| !m.attachments.is_empty())
                    .cloned()
            })
            .await;
        rig.drained().await;
        assert_eq!(
            with_file.attachments,
            vec![("invoice.pdf".to_string(), PDF.to_vec())],
            "{context}"
        );
        assert_eq!(with_file.channel_id, alert.channel_id, "{context}");
        assert_eq!(
            with_file.message_reference.as_ref().expect("a reply")["message_id"],
            alert.id.as_str(),
            "{context}"
        );
        let replies = discord.with(|s| {
            s.messages
                .iter()
                .filter(|m| m.message_reference.is_some())
                .count()
        });
        assert_eq!(
            replies, 2,
            "{context}: the line naming the file, and the file"
        );

        erase(&rig.server, "sam@example.com").await;
        discord
            .wait_for("the replies deleted and the alert erased", WAIT, |s| {
                (s.messages.len() == 1 && s.messages[0].content == ERASED && s.deleted.len() == 2)
                    .then_some(())
            })
            .await;
        let deleted_file = discord.with(|s| s.deleted.iter().any(|m| m.id == with_file.id));
        assert!(deleted_file, "{context}: the file's message is deleted");
        rig.stop().await;
    }
}
