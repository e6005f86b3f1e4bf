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

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64)
}

/// A short string around one odd code point: controls (NUL first of all), noncharacters,
/// and legal oddities (a bidi override, a BOM, the replacement character, newlines).
fn odd_string() -> impl Strategy<Value = String> {
    let odd = proptest::sample::select(vec![
        '\u{0}',
        '\u{1}',
        '\u{1b}',
        '\u{1f}',
        '\u{7f}',
        '\u{85}',
        '\u{9f}',
        '\u{fdd0}',
        '\u{fdef}',
        '\u{fffe}',
        '\u{ffff}',
        '\u{1fffe}',
        '\u{10ffff}',
        '\u{202e}',
        '\u{feff}',
        '\u{fffd}',
        '\r',
        '\n',
    ]);
    ("[a-z]{0,6}", odd, "[a-z ]{0,6}").prop_map(|(a, c, b)| format!("{a}{c}{b}"))
}

/// Where the odd string goes: a route and a string field of its body (or the query).
#[derive(Debug, Clone, Copy)]
enum Field {
    AskText,
    AskLocale,
    AskPageUrl,
    AskCustomerKey,
    AskCustomerValue,
    AskConversationId,
    HandoffEmail,
    HandoffName,
    HandoffMessage,
    HandoffPageUrl,
    HandoffCustomerKey,
    HandoffCustomerValue,
    FeedbackConversationId,
    MessageText,
    SuggestQuery,
}

const FIELDS: [Field; 15] = [
    Field::AskText,
    Field::AskLocale,
    Field::AskPageUrl,
    Field::AskCustomerKey,
    Field::AskCustomerValue,
    Field::AskConversationId,
    Field::HandoffEmail,
    Field::HandoffName,
    Field::HandoffMessage,
    Field::HandoffPageUrl,
    Field::HandoffCustomerKey,
    Field::HandoffCustomerValue,
    Field::FeedbackConversationId,
    Field::MessageText,
    Field::SuggestQuery,
];

/// Customer fields with one field named `odd`.
fn odd_key(odd: &str) -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::from_iter([(
        odd.to_string(),
        serde_json::json!("x"),
    )]))
}

/// The request for `field` holding `odd`: (method, path, JSON body).
fn odd_request(field: Field, odd: &str, conversation: &str) -> (&'static str, String, String) {
    use serde_json::json;
    let mut ask = json!({"text": "where is my order", "locale": "en",
        "page_url": "https://shop.example/p", "customer": {"plan": "gold"}});
    let mut handoff = json!({"email": "ana@shop.example", "name": "Ana", "message": "help",
        "page_url": "https://shop.example/p", "customer": {"plan": "gold"}});
    let url = format!("https://shop.example/{odd}");
    let site = "/api/v1/sites/demo";
    let post = |path: &str, body: serde_json::Value| ("POST", path.to_string(), body.to_string());
    match field {
        Field::AskText => post(&format!("{site}/ask"), {
            ask["text"] = json!(odd);
            ask
        }),
        Field::AskLocale => post(&format!("{site}/ask"), {
            ask["locale"] = json!(odd);
            ask
        }),
        Field::AskPageUrl => post(&format!("{site}/ask"), {
            ask["page_url"] = json!(url);
            ask
        }),
        Field::AskCustomerKey => post(&format!("{site}/ask"), {
            ask["customer"] = odd_key(odd);
            ask
        }),
        Field::AskCustomerValue => post(&format!("{site}/ask"), {
            ask["customer"]["plan"] = json!(odd);
            ask
        }),
        Field::AskConversationId => post(&format!("{site}/ask"), {
            ask["conversation_id"] = json!(odd);
            ask
        }),
        Field::HandoffEmail => post(&format!("{site}/handoff"), {
            handoff["email"] = json!(format!("ana{odd}@shop.example"));
            handoff
        }),
        Field::HandoffName => post(&format!("{site}/handoff"), {
            handoff["name"] = json!(odd);
            handoff
        }),
        Field::HandoffMessage => post(&format!("{site}/handoff"), {
            handoff["message"] = json!(odd);
            handoff
        }),
        Field::HandoffPageUrl => post(&format!("{site}/handoff"), {
            handoff["page_url"] = json!(url);
            handoff
        }),
        Field::HandoffCustomerKey => post(&format!("{site}/handoff"), {
            handoff["customer"] = odd_key(odd);
            handoff
        }),
        Field::HandoffCustomerValue => post(&format!("{site}/handoff"), {
            handoff["customer"]["plan"] = json!(odd);
            handoff
        }),
        Field::FeedbackConversationId => post(
            &format!("{site}/feedback"),
            json!({"conversation_id": odd, "helpful": true}),
        ),
        Field::MessageText => post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "text": odd }),
        ),
        Field::SuggestQuery => (
            "GET",
            format!(
                "{site}/suggest?{}",
                serde_urlencoded::to_string([("q", odd)]).unwrap_or_default()
            ),
            String::new(),
        ),
    }
}

/// NUL and odd code points in every string field of the public API: never a 5xx, and a
/// good question sent alongside each one is never lost (on every backend: PostgreSQL is
/// the one that refuses NUL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_code_points_in_any_field_never_fail_or_lose_a_good_question() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let (status, first) = server
            .ask(serde_json::json!({"text": "I want a person"}), None)
            .await;
        assert_eq!(status, 200, "{first}");
        let conversation = first["conversation_id"].as_str().expect("id").to_string();
        let token = first["conversation_token"]
            .as_str()
            .expect("token")
            .to_string();
        let handle = tokio::runtime::Handle::current();
        let server = std::sync::Arc::new(server);
        let shared = std::sync::Arc::clone(&server);
        let good = tokio::task::spawn_blocking(move || {
            let server = shared;
            let mut runner = TestRunner::new(Config {
                cases: cases(),
                failure_persistence: None,
                ..Config::default()
            });
            let good = std::cell::RefCell::new(Vec::new());
            let strategy = (proptest::sample::select(FIELDS.to_vec()), odd_string());
            let result = runner.run(&strategy, |(field, odd)| {
                let (method, path, body) = odd_request(field, &odd, &conversation);
                // Three good questions sent with it, so that they share its batch.
                let texts: Vec<String> = (0..3)
                    .map(|i| format!("where is my parcel {} {i}", good.borrow().len()))
                    .collect();
                let (odd_answer, good_answers) = handle.block_on(async {
                    let mut request = if method == "POST" {
                        server
                            .client
                            .post(server.at(&path))
                            .header("content-type", "application/json")
                            .body(body)
                    } else {
                        server.client.get(server.at(&path))
                    };
                    request = request.bearer_auth(&token);
                    let odd = async {
                        let response = request.send().await.expect("the server answers");
                        let status = response.status().as_u16();
                        let json = response.json::<serde_json::Value>().await.ok();
                        (status, json)
                    };
                    let asks = texts
                        .iter()
                        .map(|text| server.ask(serde_json::json!({ "text": text }), None));
                    tokio::join!(odd, futures_util::future::join_all(asks))
                });
                let (status, json) = odd_answer;
                prop_assert!(status < 500, "{field:?} {odd:?}: {status} {json:?}");
                prop_assert!(status == 204 || json.is_some(), "{field:?}: JSON answer");
                for (text, (status, answer)) in texts.into_iter().zip(good_answers) {
                    prop_assert_eq!(status, 200, "{}", answer);
                    good.borrow_mut().push((text, answer));
                }
                Ok(())
            });
            if let Err(failure) = result {
                panic!("{backend:?}: {failure}");
            }
            good.into_inner()
        })
        .await
        .expect("property task");
        let mut lost = Vec::new();
        for (text, answer) in &good {
            let id = answer["conversation_id"].as_str().expect("id");
            let token = answer["conversation_token"].as_str().expect("token");
            let (status, body) = server
                .get_json(&format!("/api/v1/conversations/{id}"), Some(token))
                .await;
            if status != 200 || body["transcript"][0]["body"] != text.as_str() {
                lost.push(id.to_string());
            }
        }
        assert!(
            lost.is_empty(),
            "{backend:?}: {} of {} good questions sent with odd ones lost",
            lost.len(),
            good.len()
        );
        eprintln!(
            "{backend:?}: {} good questions sent along odd ones, none lost",
            good.len()
        );
    }
}

/// `demo` with some of its letters percent-encoded (upper- or lower-case hex), at least one.
fn encoded_demo() -> impl Strategy<Value = String> {
    proptest::collection::vec((any::<bool>(), any::<bool>()), 4).prop_filter_map(
        "at least one letter encoded",
        |choices| {
            if !choices.iter().any(|(encode, _)| *encode) {
                return None;
            }
            let encoded = "demo"
                .bytes()
                .zip(choices)
                .map(|(b, (encode, upper))| match (encode, upper) {
                    (false, _) => char::from(b).to_string(),
                    (true, true) => format!("%{b:02X}"),
                    (true, false) => format!("%{b:02x}"),
                })
                .collect();
            Some(encoded)
        },
    )
}

/// Percent-encoded site ids on every public site route never get past the site's rate
/// limit: once its bucket is empty, they are served no faster than it refills (one a
/// second here), where a bypass would serve them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_encoded_site_ids_never_bypass_the_site_limit() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &crate::bad_input::tight_site_limit()).await;
    let mut drained = false;
    for _ in 0..10 {
        let response =
            crate::bad_input::send(&server, "GET", "/api/v1/sites/demo/config", "").await;
        if response.status().as_u16() == 429 {
            drained = true;
            break;
        }
    }
    assert!(drained, "the plain id drains the bucket");
    let started = std::time::Instant::now();
    let handle = tokio::runtime::Handle::current();
    let routes = crate::bad_input::SITE_ROUTES.to_vec();
    let (served, total) = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        let served = std::cell::Cell::new(0u32);
        let total = std::cell::Cell::new(0u32);
        let strategy = (proptest::sample::select(routes), encoded_demo());
        let result = runner.run(&strategy, |((method, rest, body), site)| {
            let path = format!("/api/v1/sites/{site}/{rest}");
            let status = handle.block_on(async {
                crate::bad_input::send(&server, method, &path, body)
                    .await
                    .status()
                    .as_u16()
            });
            prop_assert!(status < 500, "{method} {path}: {status}");
            total.set(total.get() + 1);
            if status != 429 {
                served.set(served.get() + 1);
            }
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
        (served.get(), total.get())
    })
    .await
    .expect("property task");
    let refills = started.elapsed().as_secs() as u32 + 1;
    eprintln!("{total} encoded requests with an empty bucket: {served} served, {refills} tokens refilled at most");
    assert!(
        served <= refills,
        "{served} of {total} encoded requests got past an empty site bucket (at most {refills} tokens refilled)"
    );
}
