//! One customer's bad input costs nobody else anything (issue 17, items 1 and 6): odd code
//! points are refused at the door with a 422 naming the field, a row the store refuses is
//! isolated by the recorder while every good row is kept, a percent-encoded site id spends
//! its site's tokens, and the transcript copied into an escalation is bounded.

use frontline_shared::escalation::{MAX_TRANSCRIPT_CHARS, MAX_TRANSCRIPT_LINES};
use frontline_shared::shutdown;
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use frontline_tests::widget_server::{ServerOptions, TestServer};
use frontline_widget_server::recorder::Recorder;
use futures_util::future::join_all;
use serde_json::json;

fn conversation(id: &str) -> Conversation {
    Conversation {
        id: id.into(),
        site_id: frontline_tests::demo_site(),
        page_url: Some("https://shop.example/cart".into()),
        locale: Some("en".into()),
        customer: serde_json::Map::new(),
        created_at_ms: 1,
    }
}

fn question(conversation_id: &str, text: &str) -> QuestionRecord {
    QuestionRecord {
        conversation: conversation(conversation_id),
        question: text.into(),
        decision: "answer".into(),
        confidence: 0.9,
        label: Some("intent:shipping_time".into()),
        reason: None,
        reply: Some(format!("Shipping times\n\nThree to five days ({text}).")),
        reply_language_note: None,
        at_ms: 2,
    }
}

/// A question this backend's store refuses. PostgreSQL refuses NUL in text (what a
/// customer's `"locale": "en\u0000"` did); SQLite stores anything, so there a trigger
/// refuses one question body, as any constraint the store may grow would.
async fn poisoned_question(db: &TestDatabase) -> QuestionRecord {
    match db.backend {
        TestBackend::Postgres => {
            let mut record = question("conv_poisoned", "where is my order");
            record.conversation.locale = Some("en\u{0}".into());
            record
        }
        TestBackend::Sqlite => {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&db.url)
                .await
                .expect("sqlite connection");
            sqlx::raw_sql(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON messages \
                 WHEN NEW.body = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
            )
            .execute(&mut conn)
            .await
            .expect("trigger");
            question("conv_poisoned", "poison")
        }
    }
}

#[tokio::test]
async fn a_row_the_store_refuses_costs_no_other_question() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let poisoned = poisoned_question(&db).await;
        assert!(
            store
                .record_questions(std::slice::from_ref(&poisoned))
                .await
                .is_err_and(|e| !e.is_unavailable()),
            "{backend:?}: the store refuses the poisoned row for good"
        );
        let (trigger, stopped) = shutdown::channel();
        let (recorder, task) = Recorder::start(store.clone(), stopped);
        let good: Vec<QuestionRecord> = (0..30)
            .map(|i| question(&format!("conv_good_{i}"), &format!("question {i}")))
            .collect();
        // All queued at once, so they share the poisoned row's batch; one conversation
        // asks before and after it, so its order must survive the isolation too.
        recorder.record(question("conv_pair", "first")).await;
        for (i, record) in good.iter().enumerate() {
            if i == 15 {
                recorder.record(poisoned.clone()).await;
            }
            recorder.record(record.clone()).await;
        }
        recorder.record(question("conv_pair", "second")).await;
        recorder.flush().await;

        let mut lost = Vec::new();
        for record in &good {
            let id = &record.conversation.id;
            let kept = store.conversation(id).await.expect("read").is_some()
                && store
                    .transcript(id)
                    .await
                    .expect("transcript")
                    .first()
                    .is_some_and(|line| line.body == record.question);
            if !kept {
                lost.push(id.clone());
            }
        }
        assert!(
            lost.is_empty(),
            "{backend:?}: {} of 30 good questions lost: {lost:?}",
            lost.len()
        );
        let pair: Vec<String> = store
            .transcript("conv_pair")
            .await
            .expect("transcript")
            .into_iter()
            .filter(|line| line.author == "customer")
            .map(|line| line.body)
            .collect();
        assert_eq!(pair, ["first", "second"], "{backend:?}: in order");
        assert!(
            store
                .conversation("conv_poisoned")
                .await
                .expect("read")
                .is_none(),
            "{backend:?}: only the poisoned row is dropped"
        );
        trigger.trigger();
        task.await
            .expect("recorder stops")
            .expect("without an error");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_asks_and_a_poisoned_one_lose_no_conversation() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let texts: Vec<String> = (0..30)
            .map(|i| format!("where is my order number {i}"))
            .collect();
        // The poisoned ask goes out once a few others are answered, so that it lands in
        // the middle of the stream (and, without validation, in a batch with others).
        let answered = std::sync::atomic::AtomicUsize::new(0);
        let midway = tokio::sync::Notify::new();
        let (answered, midway, server) = (&answered, &midway, &server);
        let asks = texts.iter().map(|text| async move {
            let answer = server
                .ask(json!({"text": text, "locale": "en"}), None)
                .await;
            if answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 4 {
                midway.notify_one();
            }
            answer
        });
        let poisoned = async {
            midway.notified().await;
            server
                .ask(
                    json!({"text": "where is my order", "locale": "en\u{0}"}),
                    None,
                )
                .await
        };
        let (answers, (status, body)) = tokio::join!(join_all(asks), poisoned);
        let mut lost = 0;
        for (text, (status, answer)) in texts.iter().zip(&answers) {
            assert_eq!(*status, 200, "{answer}");
            let id = answer["conversation_id"].as_str().expect("id");
            let token = answer["conversation_token"].as_str().expect("token");
            let (status, conversation) = server
                .get_json(&format!("/api/v1/conversations/{id}"), Some(token))
                .await;
            if status != 200 || conversation["transcript"][0]["body"] != text.as_str() {
                lost += 1;
            }
        }
        eprintln!("{backend:?}: poisoned ask answered {status}; {lost} of 30 conversations lost");
        assert_eq!(status, 422, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_locale", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("`locale`")),
            "names the field: {body}"
        );
        assert_eq!(lost, 0, "{backend:?}: {lost} of 30 conversations lost");
    }
}

/// The public site routes, each as (method, path after the site id, JSON body).
pub(crate) const SITE_ROUTES: [(&str, &str, &str); 6] = [
    ("GET", "suggest?q=return", ""),
    ("GET", "config", ""),
    ("GET", "answers/intent/shipping_time", ""),
    ("POST", "ask", r#"{"text": "where is my order"}"#),
    (
        "POST",
        "feedback",
        r#"{"conversation_id": "conv_x", "helpful": true}"#,
    ),
    ("POST", "handoff", r#"{"email": "ana@shop.example"}"#),
];

/// A server whose `demo` site allows a burst of 3 requests, then one a second.
pub(crate) fn tight_site_limit() -> ServerOptions {
    ServerOptions {
        extra_toml: "[server.rate_limits]\nper_ip_per_minute = 100000\nper_ip_burst = 100000\n\
                     per_site_per_second = 1\nper_site_burst = 3\n"
            .into(),
        ..ServerOptions::default()
    }
}

pub(crate) async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    body: &str,
) -> reqwest::Response {
    let url = server.at(path);
    let request = if method == "POST" {
        server
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
    } else {
        server.client.get(url)
    };
    request.send().await.expect("send")
}

#[tokio::test]
async fn a_percent_encoded_site_id_spends_the_sites_tokens_on_every_route() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &tight_site_limit()).await;
    // The burst, spent through the encoded id, is gone for the plain one too.
    for _ in 0..3 {
        let response = send(&server, "GET", "/api/v1/sites/de%6Do/config", "").await;
        assert_eq!(
            response.status().as_u16(),
            200,
            "`de%6Do` is served as `demo`"
        );
    }
    let plain = send(&server, "GET", "/api/v1/sites/demo/config", "").await;
    assert_eq!(
        plain.status().as_u16(),
        429,
        "the encoded requests were counted"
    );
    // With the bucket empty, every route refuses the encoded id (a token refills each
    // second, so one of a few tries may pass; a bypass would pass them all).
    for (method, rest, body) in SITE_ROUTES {
        for encoded in ["de%6Do", "%64%65%6d%6f"] {
            let path = format!("/api/v1/sites/{encoded}/{rest}");
            let mut refused = None;
            for _ in 0..5 {
                let response = send(&server, method, &path, body).await;
                if response.status().as_u16() == 429 {
                    refused = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    break;
                }
            }
            assert!(
                refused.is_some_and(|s| s >= 1),
                "{method} {path}: never refused with a Retry-After"
            );
        }
    }
}

#[tokio::test]
async fn the_transcript_copied_into_an_escalation_is_bounded() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        // 300 answered questions: 600 lines, each reply a few dozen characters.
        let history: Vec<QuestionRecord> = (0..300)
            .map(|i| question("conv_long", &format!("question {i:03}")))
            .collect();
        store.record_questions(&history).await.expect("record");
        // A second conversation whose few lines are each huge.
        let huge = "x".repeat(2_000);
        let big: Vec<QuestionRecord> = (0..40)
            .map(|i| QuestionRecord {
                reply: None,
                reply_language_note: None,
                ..question("conv_big", &format!("{i:02}{huge}"))
            })
            .collect();
        store.record_questions(&big).await.expect("record");
        for (id, last_question) in [
            ("conv_long", "question 299".to_string()),
            ("conv_big", format!("39{huge}")),
        ] {
            let handoff = NewHandoff {
                conversation: conversation(id),
                email: "ana@example.com".into(),
                name: None,
                message: Some("please help".into()),
                customer: serde_json::Map::new(),
                page_url: None,
                priority: Default::default(),
                tags: vec![],
                intent: None,
                matched: vec![],
                question: None,
                outside_hours: false,
                mail: false,
                email_me: false,
            };
            let (escalation, _) = store.create_handoff(handoff).await.expect("handoff");
            let copied = &escalation.context.transcript;
            let chars: usize = copied.iter().map(|l| l.body.chars().count()).sum();
            assert!(
                copied.len() <= MAX_TRANSCRIPT_LINES && chars <= MAX_TRANSCRIPT_CHARS,
                "{backend:?} {id}: {} lines, {chars} characters copied",
                copied.len()
            );
            let bodies: Vec<&str> = copied.iter().map(|l| l.body.as_str()).collect();
            assert_eq!(
                bodies.last(),
                Some(&"please help"),
                "{backend:?}: newest kept"
            );
            assert!(
                bodies.contains(&last_question.as_str()),
                "{backend:?} {id}: the last question is in the copy"
            );
            let full = store.transcript(id).await.expect("transcript");
            assert!(
                full.len() > copied.len(),
                "{backend:?}: the store keeps it all"
            );
            // The fetched escalation carries the same bounded copy.
            let stored = store
                .escalation(&escalation.id)
                .await
                .expect("read")
                .expect("exists");
            assert_eq!(stored.context.transcript.len(), copied.len());
        }
    }
}
