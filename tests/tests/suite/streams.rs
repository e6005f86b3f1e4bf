//! Live event streams (issue 17, item 4 and smalls of item 10): capped per conversation
//! (the newest replaces the oldest) and per client IP (429 + Retry-After), errors in the
//! JSON envelope, and `?token=` taken by this route only.

use std::time::Duration;

use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::sse::SseStream;
use frontline_tests::widget_server::{ServerOptions, TestServer};
use futures_util::StreamExt;
use serde_json::json;

fn capped() -> ServerOptions {
    let defaults = ServerOptions::default();
    ServerOptions {
        extra_toml: format!(
            "{}\n[server.limits]\nstreams_per_conversation = 2\nstreams_per_ip = 3\n",
            defaults.extra_toml
        ),
        ..defaults
    }
}

/// A new conversation: its id and token.
async fn conversation(server: &TestServer) -> (String, String) {
    let (status, body) = server.ask(json!({"text": "shipping cost"}), None).await;
    assert_eq!(status, 200, "{body}");
    (
        body["conversation_id"].as_str().expect("id").to_string(),
        body["conversation_token"]
            .as_str()
            .expect("token")
            .to_string(),
    )
}

fn events_url(server: &TestServer, id: &str, token: &str) -> String {
    server.at(&format!("/api/v1/conversations/{id}/events?token={token}"))
}

#[tokio::test]
async fn a_third_stream_of_a_conversation_ends_the_oldest() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &capped()).await;
    // A handed-off conversation: its stream starts with a `queued` status event.
    let (status, handoff) = server
        .post_json(
            "/api/v1/sites/demo/handoff",
            json!({"email": "a@example.com", "message": "where is my refund"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{handoff}");
    let id = handoff["conversation_id"].as_str().expect("id");
    let token = handoff["conversation_token"].as_str().expect("token");
    let url = events_url(&server, id, token);
    let oldest = server.client.get(&url).send().await.expect("first");
    assert_eq!(oldest.status(), 200);
    let mut oldest = oldest.bytes_stream();
    let _second = SseStream::open(&server.client, &url).await;
    let mut newest = SseStream::open(&server.client, &url).await;
    let mut received = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = oldest.next().await {
            match chunk {
                Ok(bytes) => received.extend_from_slice(&bytes),
                Err(_) => break,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the oldest stream was not ended");
    let received = String::from_utf8_lossy(&received);
    assert!(
        received.contains("event: replaced"),
        "the ended stream tells the widget not to reconnect: {received}"
    );
    assert!(
        newest.next(Duration::from_secs(5)).await.is_some(),
        "the newest stream replays the conversation"
    );
    server.stop().await;
}

#[tokio::test]
async fn streams_beyond_the_per_ip_cap_get_429_with_retry_after_in_json() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &capped()).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let (id, token) = conversation(&server).await;
        open.push(SseStream::open(&server.client, &events_url(&server, &id, &token)).await);
    }
    let (id, token) = conversation(&server).await;
    let url = events_url(&server, &id, &token);
    let refused = server.client.get(&url).send().await.expect("send");
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");

    // A closed stream frees its place (the server notices the disconnect).
    open.pop();
    let mut opened = false;
    for _ in 0..50 {
        let response = server.client.get(&url).send().await.expect("send");
        if response.status() == 200 {
            opened = true;
            break;
        }
        assert_eq!(response.status(), 429);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        opened,
        "the place of a closed stream was not freed within 5 s"
    );
    server.stop().await;
}

#[tokio::test]
async fn event_stream_errors_are_json() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (id, token) = conversation(&server).await;
    let bad_query = server
        .client
        .get(server.at(&format!(
            "/api/v1/conversations/{id}/events?token={token}&after=yesterday"
        )))
        .send()
        .await
        .expect("send");
    assert_eq!(bad_query.status(), 400);
    let body: serde_json::Value = bad_query.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "invalid_query", "{body}");
    let bad_path = server
        .client
        .get(server.at("/api/v1/conversations/%FF/events?token=x"))
        .send()
        .await
        .expect("send");
    assert!(bad_path.status().is_client_error());
    let body: serde_json::Value = bad_path.json().await.expect("a JSON error");
    assert!(body["error"]["code"].is_string(), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_token_in_the_query_opens_the_event_stream_only() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (id, token) = conversation(&server).await;
    let in_query = server
        .client
        .get(server.at(&format!("/api/v1/conversations/{id}?token={token}")))
        .send()
        .await
        .expect("send");
    assert_eq!(
        in_query.status(),
        401,
        "a token in the URL of a plain route"
    );
    let (status, _) = server
        .get_json(&format!("/api/v1/conversations/{id}"), Some(&token))
        .await;
    assert_eq!(status, 200, "the header still works");
    // Opens (`open` asserts a 200 event stream).
    let _stream = SseStream::open(&server.client, &events_url(&server, &id, &token)).await;
    server.stop().await;
}
