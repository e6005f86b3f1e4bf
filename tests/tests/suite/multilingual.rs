//! The product's default matcher (issue 19): the multilingual sentence encoder beside the
//! lexical classifier, loaded from the shipped model files, answers the demo's customers
//! in German, Spanish, French, Dutch, Italian and Portuguese with the right intent; the lexical path alone
//! (`encoder = "none"`) does not. A missing or corrupt model file stops the real binary
//! at start-up with an error naming the file.

use std::path::PathBuf;
use std::time::Duration;

use frontline_matcher::encoder::DEFAULT_MODEL;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer};
use serde_json::json;

/// Our own translations of demo questions, and the intent a person would pick.
const QUESTIONS: &[(&str, &str)] = &[
    ("Wo ist meine Bestellung?", "order_status"),
    ("Wie setze ich mein Passwort zurück?", "reset_password"),
    ("Kann ich mit PayPal bezahlen?", "payment_methods"),
    ("¿Cuánto cuesta el envío?", "shipping_cost"),
    ("Puis-je payer avec Klarna ?", "payment_methods"),
    ("Waar is mijn bestelling?", "order_status"),
    ("Dov'è il mio ordine?", "order_status"),
    ("Quanto custa o frete?", "shipping_cost"),
];

async fn answered(server: &TestServer, question: &str) -> Option<String> {
    let (status, body) = server.ask(json!({ "text": question }), None).await;
    assert_eq!(status, 200, "{question}: {body}");
    (body["decision"] == "answer").then(|| body["answer"]["id"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn the_default_matcher_answers_questions_in_other_languages() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let mut config = settings(&db.url, &ServerOptions::default());
        // The product default: no `encoder` in the configuration.
        config.matcher.encoder = None;
        let server = TestServer::from_settings(config).await;
        for (question, intent) in QUESTIONS {
            assert_eq!(
                answered(&server, question).await.as_deref(),
                Some(*intent),
                "{backend:?}: {question}"
            );
        }
        // An intent with a German answer gives it to a German question.
        let (_, german) = server
            .ask(json!({"text": "Wie setze ich mein Passwort zurück?"}), None)
            .await;
        assert_eq!(german["answer"]["locale"], "de", "{german}");
        assert_eq!(
            german["answer"]["title"],
            "Wie setze ich mein Passwort zurück?"
        );
        assert!(
            german["answer"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Klicken Sie auf der Anmeldeseite")),
            "{german}"
        );
        // An intent without a German answer answers in English, and says so in German.
        let (_, english_only) = server
            .ask(
                json!({"text": "Meine Karte wurde bei der Zahlung abgelehnt"}),
                None,
            )
            .await;
        assert_eq!(
            english_only["answer"]["id"], "card_declined",
            "{english_only}"
        );
        assert_eq!(
            english_only["answer"]["language_note"], "Diese Antwort gibt es nur auf Englisch.",
            "{english_only}"
        );
        assert!(
            english_only["answer"].get("locale").is_none(),
            "{english_only}"
        );
        // English keeps its answers, with no note, and an off-topic question still goes
        // to a person.
        assert_eq!(
            answered(&server, "where is my order").await.as_deref(),
            Some("order_status")
        );
        let (_, english) = server.ask(json!({"text": "where is my order"}), None).await;
        assert!(
            english["answer"].get("language_note").is_none(),
            "{english}"
        );
        let (_, weather) = server
            .ask(json!({"text": "Wie wird das Wetter morgen?"}), None)
            .await;
        assert_eq!(weather["decision"], "handoff", "{weather}");
    }
}

#[tokio::test]
async fn the_lexical_matcher_alone_misses_most_of_them() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let mut right = 0;
    for (question, intent) in QUESTIONS {
        if answered(&server, question).await.as_deref() == Some(*intent) {
            right += 1;
        }
    }
    assert!(
        right <= 2,
        "the lexical path answered {right} of {} right",
        QUESTIONS.len()
    );
}

/// The demo's German versions of articles (`translation_of`) answer German customers: the
/// default matcher takes the question to the original, the German version answers.
#[tokio::test]
async fn an_article_with_a_german_version_answers_a_german_customer_in_german() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let mut config = settings(&db.url, &ServerOptions::default());
        config.matcher.encoder = None;
        let server = TestServer::from_settings(config).await;
        let (status, german) = server
            .ask(
                json!({"text": "Kann ich eine Vorbestellung stornieren, bevor sie verschickt wird?"}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{german}");
        assert_eq!(german["decision"], "answer", "{backend:?}: {german}");
        let answer = &german["answer"];
        assert_eq!(
            answer["title"], "So funktionieren Vorbestellungen",
            "{german}"
        );
        assert_eq!(answer["locale"], "de");
        assert!(answer.get("language_note").is_none(), "{german}");
        assert!(
            answer["html"]
                .as_str()
                .is_some_and(|html| html.contains("jederzeit kostenlos stornieren")),
            "{german}"
        );
        // The English question gets the English original.
        let (_, english) = server
            .ask(
                json!({"text": "can I cancel my pre-order before it ships"}),
                None,
            )
            .await;
        assert_eq!(
            english["answer"]["title"], "How pre-orders work",
            "{english}"
        );
        assert!(english["answer"].get("locale").is_none(), "{english}");
    }
}

/// The answer's assistant line in the restored conversation (`GET
/// /api/v1/conversations/{id}`) of the one question `question` opened.
async fn restored_answer(server: &TestServer, question: &str) -> serde_json::Value {
    let (status, asked) = server.ask(json!({ "text": question }), None).await;
    assert_eq!(status, 200, "{question}: {asked}");
    assert_eq!(asked["decision"], "answer", "{question}: {asked}");
    let id = asked["conversation_id"].as_str().expect("conversation id");
    let token = asked["conversation_token"].as_str().expect("token");
    let (status, conversation) = server
        .get_json(&format!("/api/v1/conversations/{id}"), Some(token))
        .await;
    assert_eq!(status, 200, "{conversation}");
    let lines = conversation["transcript"].as_array().expect("transcript");
    assert_eq!(
        lines.len(),
        2,
        "the question and its answer: {conversation}"
    );
    assert_eq!(lines[1]["author"], "assistant", "{conversation}");
    lines[1].clone()
}

/// After a reload the widget shows the conversation from the API: an answer that stayed
/// in English for a German customer carries the same note there as it did live; an answer
/// in the customer's language carries none.
#[tokio::test]
async fn a_restored_answer_keeps_its_language_note() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let mut config = settings(&db.url, &ServerOptions::default());
        config.matcher.encoder = None;
        let server = TestServer::from_settings(config).await;

        let english_only =
            restored_answer(&server, "Meine Karte wurde bei der Zahlung abgelehnt").await;
        assert_eq!(
            english_only["language_note"], "Diese Antwort gibt es nur auf Englisch.",
            "{backend:?}: {english_only}"
        );
        let german = restored_answer(
            &server,
            "Kann ich eine Vorbestellung stornieren, bevor sie verschickt wird?",
        )
        .await;
        assert_eq!(
            german["title"], "So funktionieren Vorbestellungen",
            "{backend:?}: {german}"
        );
        assert!(
            german.get("language_note").is_none(),
            "{backend:?}: {german}"
        );
        let english = restored_answer(&server, "where is my order").await;
        assert!(
            english.get("language_note").is_none(),
            "{backend:?}: {english}"
        );
        server.stop().await;
    }
}

/// A store written by the release before migration 0034: its answers have no language
/// note after the upgrade (NULL), and the upgraded store keeps the notes of new answers.
#[tokio::test]
async fn answers_stored_before_language_notes_restore_without_one() {
    use frontline_shared::store::conversations::{Conversation, QuestionRecord};
    use frontline_shared::store::Store;

    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let migrations = crate::rollups::previous_migrations(backend, "0034");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        sqlx::migrate::Migrator::new(migrations.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("previous release's migrations");
        // A question and its reply as the previous release's batch wrote them.
        for statement in [
            "INSERT INTO conversations (id, site_id, created_at, answers) VALUES ('c1', 'demo', 1795132800000, 1)",
            "INSERT INTO replies (hash, body) VALUES ('h1', 'Card declined\n\nTry another card.')",
            "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, label, reply_hash, created_at) VALUES \
             ('c1', 'demo', 'customer', 'Meine Karte wurde abgelehnt', 'answer', 0.9, 'intent:card_declined', 'h1', 1795132800000)",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .expect("a row of the previous release");
        }
        pool.close().await;

        let store = Store::connect(&db.url).await.expect("the upgrade");
        let before = store.transcript("c1").await.expect("transcript");
        let notes: Vec<(&str, Option<&str>)> = before
            .iter()
            .map(|l| (l.author.as_str(), l.language_note.as_deref()))
            .collect();
        assert_eq!(
            notes,
            [("customer", None), ("assistant", None)],
            "{backend:?}"
        );

        let asked = QuestionRecord {
            conversation: Conversation {
                id: "c1".into(),
                site_id: frontline_tests::demo_site(),
                page_url: None,
                locale: None,
                customer: serde_json::Map::new(),
                created_at_ms: 1795132800000,
            },
            question: "Meine Karte wurde schon wieder abgelehnt".into(),
            decision: "answer".into(),
            confidence: 0.9,
            label: Some("intent:card_declined".into()),
            reason: None,
            reply: Some("Card declined\n\nTry another card.".into()),
            reply_language_note: Some("Diese Antwort gibt es nur auf Englisch.".into()),
            at_ms: 1795132860000,
        };
        store.record_questions(&[asked]).await.expect("record");
        let after = store.transcript("c1").await.expect("transcript");
        let notes: Vec<(&str, Option<&str>)> = after
            .iter()
            .map(|l| (l.author.as_str(), l.language_note.as_deref()))
            .collect();
        assert_eq!(
            notes,
            [
                ("customer", None),
                ("assistant", None),
                ("customer", None),
                ("assistant", Some("Diese Antwort gibt es nur auf Englisch.")),
            ],
            "{backend:?}"
        );
        store.close().await;
    }
}

/// What the real `frontline-widget-server` binary does with the demo configuration and
/// the default encoder, its models read from `models_dir`: its exit status (`None`: still
/// running after 60 s, then killed) and everything it printed on stdout and stderr.
async fn start_with_models(
    db: &TestDatabase,
    models_dir: &std::path::Path,
) -> (Option<std::process::ExitStatus>, String) {
    let binary = frontline_tests::processes::sibling_binary("frontline-widget-server");
    let child = tokio::process::Command::new(binary)
        .env_clear()
        .env("FRONTLINE_LISTEN", "127.0.0.1:0")
        .env("FRONTLINE_DATABASE_URL", &db.url)
        .env("FRONTLINE_MODELS_DIR", models_dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        // A server that did start is killed when the timeout drops it.
        .kill_on_drop(true)
        .spawn()
        .expect("frontline-widget-server starts");
    match tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await {
        Ok(output) => {
            let output = output.expect("its output");
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (Some(output.status), printed)
        }
        Err(_) => (None, String::new()),
    }
}

/// A copy of the shipped encoder's folder in a temporary models folder, `model.safetensors`
/// left out.
fn models_copy() -> (tempfile::TempDir, PathBuf) {
    let shipped = frontline_matcher::encoder::default_models_dir().join(DEFAULT_MODEL);
    let models = tempfile::tempdir().expect("temp dir");
    let dir = models.path().join(DEFAULT_MODEL);
    std::fs::create_dir(&dir).expect("model folder");
    for name in ["config.json", "tokenizer.json"] {
        std::fs::copy(shipped.join(name), dir.join(name)).expect("copy");
    }
    (models, dir)
}

/// The first `len` bytes of a shipped model file: a download that stopped part-way.
fn truncated(name: &str, len: usize) -> Vec<u8> {
    let shipped = frontline_matcher::encoder::default_models_dir().join(DEFAULT_MODEL);
    let mut bytes = std::fs::read(shipped.join(name)).expect("shipped model file");
    assert!(bytes.len() > len, "{name} is {} bytes", bytes.len());
    bytes.truncate(len);
    bytes
}

#[tokio::test]
async fn a_missing_or_corrupt_model_file_stops_the_server_naming_the_file() {
    let db = TestDatabase::new(backends()[0]).await;
    let shipped = frontline_matcher::encoder::default_models_dir().join(DEFAULT_MODEL);

    // No model.safetensors: the server does not start, and says which file it could not
    // read.
    let (models, dir) = models_copy();
    let weights = dir.join("model.safetensors");
    refuses_to_start_naming(&db, models.path(), "cannot read", &weights).await;

    // A model.safetensors cut off after 1000 bytes: the server says that file is invalid.
    std::fs::write(&weights, truncated("model.safetensors", 1000)).expect("write");
    refuses_to_start_naming(&db, models.path(), "invalid", &weights).await;

    // A copy of the real weights beside a tokenizer.json cut off half-way: the tokenizer
    // is named.
    std::fs::remove_file(&weights).expect("remove");
    std::fs::copy(shipped.join("model.safetensors"), &weights).expect("copy");
    let tokenizer = dir.join("tokenizer.json");
    let half = std::fs::metadata(&tokenizer).expect("tokenizer").len() as usize / 2;
    std::fs::write(&tokenizer, truncated("tokenizer.json", half)).expect("write");
    refuses_to_start_naming(&db, models.path(), "invalid", &tokenizer).await;
}

/// Starts the binary with `models_dir` ([`start_with_models`]) and checks that it exits by
/// itself, unsuccessfully, without listening, saying "`{problem}` encoder model file
/// `{file}`: …".
async fn refuses_to_start_naming(
    db: &TestDatabase,
    models_dir: &std::path::Path,
    problem: &str,
    file: &std::path::Path,
) {
    let (status, printed) = start_with_models(db, models_dir).await;
    let status = status.expect("the server exits by itself, within 60 s");
    assert!(!status.success(), "{status}: {printed}");
    let expected = format!("{problem} encoder model file {}: ", file.display());
    assert!(printed.contains(&expected), "{expected:?} in {printed}");
    assert!(!printed.contains("listening on"), "{printed}");
}

/// The cache file of the one encoder in the default cache folder of a configuration in
/// `dir` (`embeddings/`, beside the file): its size in bytes.
fn default_cache_bytes(dir: &std::path::Path) -> u64 {
    let files: Vec<PathBuf> = std::fs::read_dir(dir.join("embeddings"))
        .expect("the default cache folder beside the configuration")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    std::fs::metadata(&files[0]).expect("cache file").len()
}

#[tokio::test]
async fn a_second_start_reads_the_embeddings_the_first_kept_beside_the_configuration() {
    let db = TestDatabase::new(frontline_tests::databases::TestBackend::Sqlite).await;
    let (dir, options) = crate::knowledge::demo_copy();
    let start = || {
        let mut config = settings(&db.url, &options);
        // The product default: no `encoder` and no `embedding_cache` in the file.
        config.matcher.encoder = None;
        TestServer::from_settings(config)
    };
    let first = start().await;
    assert_eq!(
        answered(&first, "Wo ist meine Bestellung?")
            .await
            .as_deref(),
        Some("order_status")
    );
    first.stop().await;
    let kept = default_cache_bytes(dir.path());
    // Every intent example and article: far more than a few records of 32 + 768 × 4 bytes.
    assert!(kept > 100 * 3_104, "{kept} bytes");

    let second = start().await;
    assert_eq!(
        answered(&second, "Wo ist meine Bestellung?")
            .await
            .as_deref(),
        Some("order_status")
    );
    second.stop().await;
    assert_eq!(
        default_cache_bytes(dir.path()),
        kept,
        "the second start embedded nothing again"
    );
}
