//! Several widget-server replicas on one store: any replica serves any conversation.

use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::sse::SseStream;
use frontline_tests::widget_server::TestServer;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_reply_written_through_one_replica_reaches_a_stream_on_another() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (a, b) = (
            TestServer::start(&db.url).await,
            TestServer::start(&db.url).await,
        );
        // The customer talks to replica A; the conversation token works on B too.
        let (_, asked) = a.ask(json!({"text": "where is my refund"}), None).await;
        let (conversation, token) = (
            asked["conversation_id"].as_str().expect("c"),
            asked["conversation_token"].as_str().expect("t"),
        );
        let (status, handoff) = b
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": conversation, "email": "r@example.com"}),
                Some(token),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {handoff}");
        let escalation = handoff["escalation_id"].as_str().expect("e");
        let mut stream = SseStream::open(
            &a.client,
            &a.at(&format!(
                "/api/v1/conversations/{conversation}/events?token={token}"
            )),
        )
        .await;
        assert!(stream
            .until(Duration::from_secs(5), |e| e.data["status"] == "queued")
            .await
            .is_some());
        b.admin_post(
            &format!("/api/v1/admin/escalations/{escalation}/reply"),
            json!({"agent": "Ana", "text": "On it!"}),
        )
        .await;
        let reply = stream
            .until(Duration::from_secs(5), |e| e.data["author"] == "agent")
            .await;
        assert_eq!(
            reply.map(|e| e.data["body"].clone()),
            Some(json!("On it!")),
            "{backend:?}"
        );
    }
}
