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
