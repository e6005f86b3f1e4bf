//! Vague questions over the real `/ask` route (issue 18, item 4): a clarifying choice
//! instead of a guessed answer or an immediate handoff, and the picked option answered and
//! recorded as if asked.

use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::TestServer;
use serde_json::json;

#[tokio::test]
async fn a_vague_question_gets_a_choice_and_the_picked_option_is_answered_as_if_asked() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;

        let (status, help) = server.ask(json!({"text": "help"}), None).await;
        assert_eq!(status, 200, "{help}");
        assert_eq!(help["decision"], "clarify", "{backend:?}: {help}");
        assert!(help["answer"].is_null(), "no guessed answer: {help}");
        assert!(help["handoff_reason"].is_null(), "{help}");
        let titles: Vec<&str> = help["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| o["title"].as_str().expect("title"))
            .collect();
        assert_eq!(
            titles,
            [
                "Where is my order?",
                "How much is shipping?",
                "How do I return something?",
                "Which payment methods do you accept?"
            ],
            "{help}"
        );
        assert_eq!(help["options"][0]["kind"], "intent");
        assert_eq!(help["options"][0]["id"], "order_status");

        // The customer picks "Where is my order?": answered as if asked.
        let id = help["conversation_id"].as_str().expect("id");
        let token = help["conversation_token"].as_str().expect("token");
        let (status, picked) = server
            .ask(
                json!({"conversation_id": id, "text": "Where is my order?",
                       "choice": {"kind": "intent", "id": "order_status"}}),
                Some(token),
            )
            .await;
        assert_eq!(status, 200, "{picked}");
        assert_eq!(picked["decision"], "answer", "{picked}");
        assert_eq!(picked["answer"]["id"], "order_status", "{picked}");
        assert_eq!(picked["options"], json!([]), "{picked}");
        assert!(picked["answer"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("tracking link")));

        // The transcript reads as the conversation did: help, the pick, its answer. (The
        // recorder commits questions within about 10 ms; a stored conversation is read
        // without waiting for it, so give the pick a moment to land.)
        let mut conversation = serde_json::Value::Null;
        for _ in 0..100 {
            let (status, body) = server
                .get_json(&format!("/api/v1/conversations/{id}"), Some(token))
                .await;
            assert_eq!(status, 200, "{body}");
            conversation = body;
            if conversation["transcript"]
                .as_array()
                .is_some_and(|t| t.len() >= 3)
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let lines: Vec<(&str, &str)> = conversation["transcript"]
            .as_array()
            .expect("transcript")
            .iter()
            .map(|l| {
                (
                    l["author"].as_str().unwrap_or_default(),
                    l["title"]
                        .as_str()
                        .or(l["body"].as_str())
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("customer", "help"),
                ("customer", "Where is my order?"),
                ("assistant", "Where is my order?"),
            ],
            "{backend:?}: {conversation}"
        );

        // "my order" is not answered with cancelling it any more.
        let (_, my_order) = server.ask(json!({"text": "my order"}), None).await;
        assert_eq!(my_order["decision"], "clarify", "{my_order}");
        assert_eq!(my_order["options"][0]["id"], "cancel_order", "{my_order}");
        assert_eq!(my_order["options"][1]["id"], "order_status", "{my_order}");

        // A request for a person still hands off at once.
        let (_, human) = server.ask(json!({"text": "talk to a human"}), None).await;
        assert_eq!(human["decision"], "handoff", "{human}");
        assert_eq!(human["handoff_reason"], "asked_for_human", "{human}");
        assert_eq!(human["options"], json!([]), "{human}");

        // An unknown choice is refused, naming the field.
        let (status, bad) = server
            .ask(
                json!({"text": "x", "choice": {"kind": "intent", "id": "no_such_intent"}}),
                None,
            )
            .await;
        assert_eq!(status, 422, "{bad}");
        assert_eq!(bad["error"]["code"], "invalid_choice", "{bad}");
        assert!(bad["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("choice")));
        server.stop().await;
    }
}
