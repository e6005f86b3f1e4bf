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
        // English keeps its answers, and an off-topic question still goes to a person.
        assert_eq!(
            answered(&server, "where is my order").await.as_deref(),
            Some("order_status")
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
