//! Property tests against the running server: whatever a client sends to the public API,
//! the answer is a JSON 2xx/4xx, never a 5xx or a dropped connection, and the server keeps
//! serving. Case counts follow `PROPTEST_CASES` (default 64 per property here).

use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::TestServer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "(?s).{0,60}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("text".to_string()),
                    Just("email".to_string()),
                    Just("conversation_id".to_string()),
                    Just("customer".to_string()),
                    Just("page_url".to_string()),
                    Just("helpful".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_body_makes_the_server_fail() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    let paths = [
        "/api/v1/sites/demo/ask",
        "/api/v1/sites/demo/handoff",
        "/api/v1/sites/demo/feedback",
        "/api/v1/conversations/conv_x/messages",
    ];
    let handle = tokio::runtime::Handle::current();
    let url = server.url.clone();
    let executed = tokio::task::spawn_blocking(move || {
        let client = reqwest::Client::new();
        let executed = std::cell::Cell::new(0u32);
        for path in paths {
            let mut runner = TestRunner::new(Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            });
            let result = runner.run(&body(), |bytes| {
                executed.set(executed.get() + 1);
                let (status, content_type) = handle.block_on(async {
                    let response = client
                        .post(format!("{url}{path}"))
                        .header("content-type", "application/json")
                        .body(bytes)
                        .send()
                        .await
                        .expect("the server answers");
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    (response.status().as_u16(), content_type)
                });
                prop_assert!(status < 500, "{path} answered {status}");
                prop_assert!(
                    content_type.starts_with("application/json") || status == 204,
                    "{path}: {content_type}"
                );
                Ok(())
            });
            if let Err(failure) = result {
                panic!("{failure}");
            }
        }
        executed.get()
    })
    .await
    .expect("fuzz task");
    eprintln!("fuzzed the public API with {executed} requests");
    assert!(executed >= 4 * cases, "every path got its cases");
    assert_eq!(
        server.get_json("/healthz", None).await.0,
        200,
        "still serving"
    );
}
