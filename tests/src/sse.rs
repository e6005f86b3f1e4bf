//! A minimal Server-Sent Events reader for tests.

use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::time::Duration;

/// One received event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: serde_json::Value,
}

/// An open event stream.
pub struct SseStream {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl std::fmt::Debug for SseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SseStream")
    }
}

impl SseStream {
    /// Opens `url`; panics unless the answer is a 200 event stream.
    pub async fn open(client: &reqwest::Client, url: &str) -> SseStream {
        let response = client
            .get(url)
            .send()
            .await
            .expect("connect to event stream");
        assert_eq!(response.status(), 200, "event stream refused");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        SseStream {
            body: Box::pin(
                response
                    .bytes_stream()
                    .map(|chunk| chunk.map(|b| b.to_vec())),
            ),
            buffer: String::new(),
        }
    }

    /// The next event, or `None` when none arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(event) = self.take_event() {
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits for the first event satisfying `wanted`, skipping others.
    pub async fn until(
        &mut self,
        wait: Duration,
        wanted: impl Fn(&SseEvent) -> bool,
    ) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if wanted(&event) {
                return Some(event);
            }
        }
    }

    fn take_event(&mut self) -> Option<SseEvent> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if data.is_empty() {
                continue; // keep-alive comment
            }
            let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data));
            return Some(SseEvent { id, event, data });
        }
    }
}
