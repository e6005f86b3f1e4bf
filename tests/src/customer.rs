//! What a customer does through the widget server: hand off, write, watch the stream.

use serde_json::{json, Value};

use crate::sse::SseStream;
use crate::widget_server::TestServer;

/// A stored handoff, as the widget saw it.
#[derive(Debug, Clone)]
pub struct Handoff {
    pub escalation_id: String,
    pub conversation_id: String,
    pub token: String,
}

/// `POST /api/v1/sites/demo/handoff` in a new conversation; panics unless `201`.
pub async fn hand_off(server: &TestServer, body: Value) -> Handoff {
    let (status, answer) = server
        .post_json("/api/v1/sites/demo/handoff", body, None)
        .await;
    assert_eq!(status, 201, "handoff refused: {answer}");
    let field = |name: &str| answer[name].as_str().expect(name).to_string();
    Handoff {
        escalation_id: field("escalation_id"),
        conversation_id: field("conversation_id"),
        token: field("conversation_token"),
    }
}

impl Handoff {
    /// The customer's live event stream.
    pub async fn stream(&self, server: &TestServer) -> SseStream {
        let url = server.at(&format!(
            "/api/v1/conversations/{}/events?token={}",
            self.conversation_id, self.token
        ));
        SseStream::open(&server.client, &url).await
    }

    /// The customer writes after the handoff.
    pub async fn write(&self, server: &TestServer, text: &str) {
        let (status, body) = server
            .post_json(
                &format!("/api/v1/conversations/{}/messages", self.conversation_id),
                json!({ "text": text }),
                Some(&self.token),
            )
            .await;
        assert_eq!(status, 201, "message refused: {body}");
        assert_eq!(body["relayed"], true, "{body}");
    }
}

/// A `multipart/form-data` body (RFC 7578) of `file` parts and an optional `text` part, as
/// a browser's `FormData` sends it: its `Content-Type` and bytes.
pub fn file_form(text: Option<&str>, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let fields: Vec<(&str, &str)> = text.map(|text| ("text", text)).into_iter().collect();
    multipart_form(&fields, files)
}

/// A `multipart/form-data` body of text `fields` (name, value), then `file` parts.
pub fn multipart_form(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----frontline-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, content) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

impl Handoff {
    /// `POST /api/v1/conversations/{id}/attachments` with `files` (name, bytes) and `text`;
    /// returns status and JSON.
    pub async fn send_files(
        &self,
        server: &TestServer,
        text: Option<&str>,
        files: &[(&str, &[u8])],
    ) -> (u16, Value) {
        let (content_type, body) = file_form(text, files);
        let response = server
            .client
            .post(server.at(&format!(
                "/api/v1/conversations/{}/attachments",
                self.conversation_id
            )))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}
