//! Files from the agent to the customer (issue 24), on each backend: uploaded with a
//! reply through the admin API (`POST /api/v1/admin/escalations/{id}/attachments`) or the
//! dashboard's reply box, checked as the customer's files are (allow-list by the bytes,
//! image metadata removed), stored with the reply, sent live to the customer's widget
//! with signed links, listed under their transcript line, shared in the chat thread, and
//! audited as a reply.

use std::time::Duration;

use frontline_tests::customer::{hand_off, multipart_form, Handoff};
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::sse::SseEvent;
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use mail_parser::MimeHeaders;
use serde_json::{json, Value};

use crate::attachments::{photo_with_gps, photo_without_gps, EXE, PDF};

const WAIT: Duration = Duration::from_secs(15);

/// `POST /api/v1/admin/escalations/{id}/attachments` with the admin token: status, body.
pub(crate) async fn send_agent_files(
    server: &TestServer,
    escalation_id: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart_form(fields, files);
    let response = server
        .client
        .post(server.at(&format!(
            "/api/v1/admin/escalations/{escalation_id}/attachments"
        )))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn download(server: &TestServer, url: &str) -> (u16, String, Vec<u8>) {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        server.at(url)
    };
    let response = server.client.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        disposition,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn is_agent_line(event: &SseEvent) -> bool {
    event.event == "message" && event.data["author"] == "agent"
}

/// The customer's transcript as the widget reads it.
async fn transcript(server: &TestServer, sam: &Handoff) -> Vec<Value> {
    let (status, conversation) = server
        .get_json(
            &format!("/api/v1/conversations/{}", sam.conversation_id),
            Some(&sam.token),
        )
        .await;
    assert_eq!(status, 200, "{conversation}");
    conversation["transcript"]
        .as_array()
        .cloned()
        .expect("lines")
}

#[tokio::test]
async fn an_agents_files_reach_the_widget_live_and_the_slack_thread() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "Where do I send it back?"}),
        )
        .await;
        let alert = rig.slack().alert_for(&sam.escalation_id).await;
        let mut stream = sam.stream(&rig.server).await;

        let (status, sent) = send_agent_files(
            &rig.server,
            &sam.escalation_id,
            &[("agent", "Ana"), ("text", "Here is your return label")],
            &[("label.pdf", PDF), ("shelf.jpg", &photo_with_gps())],
        )
        .await;
        assert_eq!(status, 201, "{context}: {sent}");

        // The widget hears of it live, with links signed for it.
        let line = stream
            .until(WAIT, is_agent_line)
            .await
            .expect("the agent's line on the stream");
        assert_eq!(line.data["author_name"], "Ana", "{context}");
        assert_eq!(
            line.data["body"], "Here is your return label\n📎 label.pdf, shelf.jpg",
            "{context}"
        );
        let files = line.data["attachments"].as_array().expect("attachments");
        assert_eq!(files.len(), 2, "{context}: {}", line.data);
        assert_eq!(files[0]["file_name"], "label.pdf", "{context}");
        assert_eq!(files[0]["content_type"], "application/pdf", "{context}");
        assert_eq!(files[1]["content_type"], "image/jpeg", "{context}");
        // The upload's answer named the same stored files by id, in the order sent.
        let described = |list: &[Value]| -> Vec<(String, String, String)> {
            list.iter()
                .map(|f| {
                    let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
                    (text("id"), text("file_name"), text("content_type"))
                })
                .collect()
        };
        let answered = described(sent["attachments"].as_array().expect("stored files"));
        assert_eq!(answered, described(files), "{context}: {sent}");
        assert!(answered[0].0.starts_with("att_"), "{context}: {sent}");
        assert_eq!(
            (answered[0].1.as_str(), answered[1].1.as_str()),
            ("label.pdf", "shelf.jpg"),
            "{context}"
        );
        let (status, disposition, bytes) =
            download(&rig.server, files[1]["url"].as_str().expect("url")).await;
        assert_eq!(status, 200, "{context}");
        assert!(
            disposition.starts_with("inline"),
            "{context}: {disposition}"
        );
        assert_eq!(
            bytes,
            photo_without_gps(),
            "{context}: the GPS position is gone"
        );
        let (status, disposition, bytes) =
            download(&rig.server, files[0]["url"].as_str().expect("url")).await;
        assert_eq!(status, 200, "{context}");
        assert!(
            disposition.starts_with("attachment"),
            "{context}: {disposition}"
        );
        assert_eq!(bytes, PDF, "{context}");

        // A reload shows them under the agent's line, with fresh links.
        let lines = transcript(&rig.server, &sam).await;
        let last = lines.last().expect("a line");
        assert_eq!(last["author"], "agent", "{context}: {last}");
        let names: Vec<&str> = last["attachments"]
            .as_array()
            .expect("the line's files")
            .iter()
            .filter_map(|f| f["file_name"].as_str())
            .collect();
        assert_eq!(names, ["label.pdf", "shelf.jpg"], "{context}");
        assert!(
            lines[..lines.len() - 1]
                .iter()
                .all(|l| l.get("attachments").is_none()),
            "{context}: no other line has files"
        );

        // The Slack thread gets the reply and both files.
        let ts = alert.ts.clone();
        let shared = rig
            .slack()
            .wait_for("both files in the thread", WAIT, |s| {
                let files: Vec<_> = s
                    .files
                    .iter()
                    .filter(|f| f.thread_ts.as_deref() == Some(ts.as_str()))
                    .cloned()
                    .collect();
                (files.len() == 2).then_some(files)
            })
            .await;
        assert_eq!(shared[0].filename, "label.pdf", "{context}");
        assert_eq!(shared[0].bytes, PDF, "{context}");
        assert_eq!(shared[1].bytes, photo_without_gps(), "{context}");
        let mirrored = rig.slack().with(|s| {
            s.messages.iter().any(|m| {
                m.thread_ts.as_deref() == Some(ts.as_str())
                    && m.text.contains("Here is your return label")
            })
        });
        assert!(mirrored, "{context}: the reply's text is in the thread");

        // Audited as a reply by Ana.
        let (status, rows) = rig
            .server
            .get_json("/api/v1/admin/audit?action=reply", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 200, "{rows}");
        let rows = rows.as_array().cloned().unwrap_or_default();
        assert!(
            rows.iter()
                .any(|r| r["actor"] == "Ana" && r["object_id"] == sam.escalation_id.as_str()),
            "{context}: {rows:?}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn an_agents_file_is_judged_by_its_bytes_and_nothing_is_stored_when_refused() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "Send me the label"}),
        )
        .await;
        let before = transcript(&rig.server, &sam).await.len();

        let (status, error) = send_agent_files(
            &rig.server,
            &sam.escalation_id,
            &[("agent", "Ana")],
            &[("label.png", EXE)],
        )
        .await;
        assert_eq!(status, 422, "{context}: {error}");
        assert_eq!(error["error"]["code"], "file_type_not_allowed", "{context}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("label.png"),
            "{context}: names the file: {error}"
        );

        let (status, error) = send_agent_files(
            &rig.server,
            &sam.escalation_id,
            &[("agent", "Ana"), ("text", "no file here")],
            &[],
        )
        .await;
        assert_eq!(status, 422, "{context}: {error}");
        assert_eq!(error["error"]["code"], "no_file", "{context}");

        let (status, error) = send_agent_files(
            &rig.server,
            &sam.escalation_id,
            &[("agent", "Ana"), ("colour", "red")],
            &[("label.pdf", PDF)],
        )
        .await;
        assert_eq!(status, 422, "{context}: {error}");
        assert_eq!(error["error"]["code"], "unknown_field", "{context}");

        let (status, error) = send_agent_files(
            &rig.server,
            "esc_nope",
            &[("agent", "Ana")],
            &[("a.pdf", PDF)],
        )
        .await;
        assert_eq!(status, 404, "{context}: {error}");

        let after = transcript(&rig.server, &sam).await;
        assert_eq!(after.len(), before, "{context}: nothing was added");
        rig.stop().await;
    }
}

#[tokio::test]
async fn the_dashboard_reply_box_sends_files_shown_under_the_agents_line() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "Which shelf is it on?"}),
        )
        .await;
        let mut stream = sam.stream(&rig.server).await;
        let dashboard = DashboardSession::sign_in(&rig.server, "Ana").await;
        let page = dashboard
            .get(&format!("/admin/escalations/{}", sam.escalation_id))
            .await;
        assert!(
            page.body.contains("enctype=\"multipart/form-data\"")
                && page.body.contains("type=\"file\""),
            "{context}: the reply box takes files"
        );

        // A file alone (no text) is a reply.
        let (content_type, body) =
            multipart_form(&[("text", "")], &[("shelf.jpg", &photo_with_gps())]);
        let path = format!("/admin/escalations/{}/reply", sam.escalation_id);
        let answer = dashboard.post_multipart(&path, &content_type, body).await;
        assert_eq!(answer.status, 303, "{context}: {}", answer.body);
        assert!(
            answer
                .location
                .as_deref()
                .is_some_and(|l| l.contains("done=reply")),
            "{context}: {:?}",
            answer.location
        );
        let line = stream
            .until(WAIT, is_agent_line)
            .await
            .expect("the agent's line on the stream");
        assert_eq!(line.data["body"], "📎 shelf.jpg", "{context}");
        assert_eq!(line.data["attachments"][0]["file_name"], "shelf.jpg");

        // The escalation page shows it inline under Ana's line.
        let page = dashboard
            .get(&format!("/admin/escalations/{}", sam.escalation_id))
            .await;
        let agent_line = page
            .body
            .split("<div class=\"line\">")
            .find(|l| l.contains("agent · Ana"))
            .expect("Ana's line");
        assert!(
            agent_line.contains("alt=\"shelf.jpg\""),
            "{context}: {agent_line}"
        );

        // Neither text nor file: refused, nothing sent.
        let (content_type, body) = multipart_form(&[("text", "  ")], &[]);
        let answer = dashboard.post_multipart(&path, &content_type, body).await;
        assert_eq!(answer.status, 422, "{context}: {}", answer.body);
        // A wrong type: refused, naming the file.
        let (content_type, body) = multipart_form(&[("text", "label")], &[("label.png", EXE)]);
        let answer = dashboard.post_multipart(&path, &content_type, body).await;
        assert_eq!(answer.status, 422, "{context}: {}", answer.body);
        assert!(
            answer.body.contains("label.png"),
            "{context}: {}",
            answer.body
        );
        let agent_lines = transcript(&rig.server, &sam)
            .await
            .iter()
            .filter(|l| l["author"] == "agent")
            .count();
        assert_eq!(agent_lines, 1, "{context}: only the one reply");
        rig.stop().await;
    }
}

#[tokio::test]
async fn an_agents_files_go_with_the_reply_mail_as_attachments() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let smtp = frontline_tests::smtp::SmtpServer::start().await;
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            &frontline_tests::mail::email_toml(smtp.port),
            "",
            frontline_bot::BotOptions::default(),
        )
        .await;
        // Kai chose "email me": every reply is mailed at once.
        let kai = hand_off(
            &rig.server,
            json!({"email": "kai@customer.test", "email_me": true, "message": "Can I get a return label?"}),
        )
        .await;
        smtp.wait_for(1, WAIT).await;
        let (status, sent) = send_agent_files(
            &rig.server,
            &kai.escalation_id,
            &[("agent", "Ana"), ("text", "Your label is attached")],
            &[("label.pdf", PDF), ("shelf.jpg", &photo_with_gps())],
        )
        .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
        let parsed = mail_parser::MessageParser::default()
            .parse(mails[1].raw.as_bytes())
            .expect("a mail");
        let text = parsed.body_text(0).unwrap_or_default().to_string();
        assert!(text.contains("Your label is attached"), "{context}: {text}");
        let files: Vec<(String, Vec<u8>)> = parsed
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect();
        assert_eq!(files.len(), 2, "{context}: {:?}", mails[1].raw);
        assert_eq!(
            files[0],
            ("label.pdf".to_string(), PDF.to_vec()),
            "{context}"
        );
        assert_eq!(
            files[1],
            ("shelf.jpg".to_string(), photo_without_gps()),
            "{context}: as stored, without the GPS position"
        );
        rig.stop().await;
        smtp.stop().await;
    }
}
