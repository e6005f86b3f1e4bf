//! The product's default matcher (issue 19): the multilingual sentence encoder beside the
//! lexical classifier, loaded from the shipped model files, answers the demo's customers
//! in German, Spanish, French and Dutch with the right intent; the lexical path alone
//! (`encoder = "none"`) does not.

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
