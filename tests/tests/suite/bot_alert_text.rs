//! What the Slack alert says, read in the stand-in: no 0.0% candidates, one label for the
//! customer, a form message that repeats the last question shown once; and the demo page
//! identifies nobody it does not know.

use frontline_shared::escalation::MatchedCandidate;
use frontline_shared::store::conversations::Conversation;
use frontline_shared::store::escalations::NewHandoff;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use serde_json::json;

fn candidate(id: &str, title: &str, confidence: f32) -> MatchedCandidate {
    MatchedCandidate {
        kind: "intent".into(),
        id: id.into(),
        title: title.into(),
        confidence,
    }
}

#[tokio::test]
async fn the_alert_lists_real_candidates_and_labels_the_customer_one_way() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let question = "How long does a refund take?";
        let (_, asked) = rig.server.ask(json!({ "text": question }), None).await;
        let (_, again) = rig
            .server
            .ask(
                json!({ "text": "and to PayPal?", "conversation_id": asked["conversation_id"] }),
                asked["conversation_token"].as_str(),
            )
            .await;
        assert_eq!(again["conversation_id"], asked["conversation_id"]);
        let (_, repeated) = rig
            .server
            .ask(
                json!({ "text": question, "conversation_id": asked["conversation_id"] }),
                asked["conversation_token"].as_str(),
            )
            .await;
        assert_eq!(repeated["conversation_id"], asked["conversation_id"]);
        // The widget's form sends the last question as its message, as the demo does.
        let (status, handoff) = rig
            .server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": asked["conversation_id"], "email": "sam@example.com",
                       "name": "Sam Rivera", "message": question}),
                asked["conversation_token"].as_str(),
            )
            .await;
        assert_eq!(status, 201, "{handoff}");
        let id = handoff["escalation_id"].as_str().expect("id");
        let alert = rig.slack().alert_for(id).await;
        let text = alert.visible_text();
        let transcript: Vec<&str> = text.lines().filter(|l| l.starts_with("> ")).collect();
        assert!(
            !transcript.iter().any(|l| l.starts_with("> _customer:_")),
            "{backend:?}: {text}"
        );
        let from_sam: Vec<&&str> = transcript
            .iter()
            .filter(|l| l.starts_with("> _Sam Rivera:_"))
            .collect();
        assert_eq!(from_sam.len(), 3, "{backend:?}: three questions in {text}");
        let repeats = transcript.iter().filter(|l| l.ends_with(question)).count();
        assert_eq!(
            repeats, 2,
            "{backend:?}: asked twice, the form adds none: {text}"
        );

        // A handoff whose matcher candidates include ones at 0.0%.
        let conversation = Conversation {
            id: "conv-zero-candidates".into(),
            site_id: frontline_tests::demo_site(),
            page_url: None,
            locale: None,
            customer: serde_json::Map::new(),
            created_at_ms: rig.store.now_ms(),
        };
        let (escalation, _) = rig
            .store
            .create_handoff(NewHandoff {
                conversation,
                email: "kim@example.com".into(),
                name: None,
                message: Some("Can I pay with Klarna?".into()),
                customer: serde_json::Map::new(),
                page_url: None,
                priority: Default::default(),
                tags: Vec::new(),
                intent: None,
                matched: vec![
                    candidate("payment_methods", "Payment methods", 0.62),
                    candidate("klarna", "Klarna pay later", 0.0004),
                    candidate("gift_cards", "Gift cards", 0.0),
                ],
                question: Some("Can I pay with Klarna?".into()),
                outside_hours: false,
                mail: false,
                email_me: false,
            })
            .await
            .expect("handoff");
        let alert = rig.slack().alert_for(&escalation.id).await;
        let text = alert.visible_text();
        assert!(
            text.contains("Payment methods (62.0%)"),
            "{backend:?}: {text}"
        );
        assert!(
            !text.contains("0.0%")
                && !text.contains("Gift cards")
                && !text.contains("Klarna pay later"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("> _kim@example.com:_ Can I pay with Klarna?"),
            "{text}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn the_demo_storefront_identifies_nobody() {
    let db = frontline_tests::databases::TestDatabase::new(backends()[0]).await;
    let server = frontline_tests::widget_server::TestServer::start(&db.url).await;
    let page = server
        .client
        .get(server.at("/"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("src=\"/widget.js\""), "{page}");
    let scripts: String = page
        .split("<script")
        .skip(1)
        .filter_map(|s| s.split_once("</script>").map(|(inside, _)| inside))
        .collect();
    assert!(!scripts.contains("identify("), "{scripts}");
    assert!(!page.contains("Sam Rivera") && !page.contains("NW-10492"));
    server.stop().await;
}
