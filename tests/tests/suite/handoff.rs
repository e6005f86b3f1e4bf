//! The core's `hand_off` use case on each backend, with the matcher and the question
//! recorder stood in by fixed ports.

use std::sync::Mutex;

use frontline_shared::config::{BusinessHours, SiteSettings};
use frontline_shared::email::Email;
use frontline_shared::escalation::{EscalationStatus, Priority};
use frontline_shared::handoff::{hand_off, Handoff, HandoffPorts, Triage};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};

/// Ports that write a recorded question when flushed and triage every question the same.
struct FixedPorts {
    store: Store,
    /// Written to the store by `flush_questions`, as the recorder would.
    pending: Mutex<Vec<QuestionRecord>>,
    /// Questions the matcher was asked about.
    triaged: Mutex<Vec<String>>,
}

impl HandoffPorts for FixedPorts {
    async fn flush_questions(&self) {
        let pending: Vec<QuestionRecord> = std::mem::take(&mut *self.pending.lock().expect("lock"));
        self.store.record_questions(&pending).await.expect("record");
    }

    async fn triage(&self, question: &str, _handoff: &Handoff) -> Triage {
        self.triaged
            .lock()
            .expect("lock")
            .push(question.to_string());
        Triage {
            priority: Priority::Urgent,
            tags: vec!["shipping".into(), "legal".into()],
            intent: Some("where_is_my_order".into()),
            matched: vec![],
        }
    }
}

fn site(hours: BusinessHours) -> SiteSettings {
    SiteSettings {
        id: frontline_tests::demo_site(),
        name: "Demo".into(),
        origins: vec![],
        knowledge_dir: "kb".into(),
        intents_file: "intents.toml".into(),
        locale: "en".into(),
        routing_tags: vec!["shipping".into(), "returns".into()],
        inbound_addresses: vec![],
        business_hours_file: None,
        business_hours: hours,
    }
}

fn request(message: &str) -> Handoff {
    Handoff {
        conversation_id: "conv_1".into(),
        email: Some(Email::parse("sam@example.com").expect("email")),
        email_me: false,
        name: Some("Sam".into()),
        message: Some(message.into()),
        question: None,
        customer: serde_json::Map::new(),
        page_url: Some("https://shop.example/orders".into()),
    }
}

#[tokio::test]
async fn a_handoff_triages_the_last_question_asked_and_keeps_the_sites_routing_tags() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let asked = QuestionRecord {
            conversation: Conversation {
                id: "conv_1".into(),
                site_id: frontline_tests::demo_site(),
                page_url: None,
                locale: None,
                customer: serde_json::Map::new(),
                created_at_ms: 1,
            },
            question: "where is my order NW-555".into(),
            decision: "handoff".into(),
            confidence: 0.1,
            label: None,
            reason: Some("low_confidence".into()),
            reply: None,
            reply_language_note: None,
            at_ms: 2,
        };
        let ports = FixedPorts {
            store: store.clone(),
            pending: Mutex::new(vec![asked]),
            triaged: Mutex::new(vec![]),
        };
        let now = jiff::Timestamp::from_second(1_780_000_000).expect("time");
        let handed = hand_off(
            &store,
            &site(BusinessHours::always()),
            &ports,
            request("please help"),
            now,
            false,
        )
        .await
        .expect("hand off");
        assert!(handed.created, "{backend:?}");
        let escalation = &handed.escalation;
        assert_eq!(
            *ports.triaged.lock().expect("lock"),
            ["where is my order NW-555"],
            "{backend:?}: the question still in the recorder was flushed and triaged"
        );
        assert_eq!(
            escalation.context.question.as_deref(),
            Some("where is my order NW-555")
        );
        assert_eq!(escalation.priority, Priority::Urgent);
        assert_eq!(
            escalation.tags,
            ["shipping"],
            "{backend:?}: `legal` is not routed by the site"
        );
        assert_eq!(escalation.intent.as_deref(), Some("where_is_my_order"));
        assert_eq!(escalation.status, EscalationStatus::Queued);
        assert!(!escalation.outside_hours);
        let lines: Vec<&str> = escalation
            .context
            .transcript
            .iter()
            .map(|l| l.body.as_str())
            .collect();
        assert_eq!(
            lines,
            ["where is my order NW-555", "please help"],
            "{backend:?}"
        );

        let again = hand_off(
            &store,
            &site(BusinessHours::always()),
            &ports,
            request("please help"),
            now,
            false,
        )
        .await
        .expect("hand off again");
        assert!(!again.created, "{backend:?}: a double submit alerts once");
        assert_eq!(again.escalation.id, escalation.id);
    }
}

#[tokio::test]
async fn a_handoff_without_any_question_is_normal_priority_and_notes_closed_hours() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let ports = FixedPorts {
            store: store.clone(),
            pending: Mutex::new(vec![]),
            triaged: Mutex::new(vec![]),
        };
        let closed = BusinessHours {
            days: vec![],
            ..BusinessHours::always()
        };
        let mut handoff = request("");
        handoff.message = None;
        let now = jiff::Timestamp::from_second(1_780_000_000).expect("time");
        let handed = hand_off(&store, &site(closed), &ports, handoff, now, false)
            .await
            .expect("hand off");
        assert!(
            ports.triaged.lock().expect("lock").is_empty(),
            "{backend:?}"
        );
        assert_eq!(handed.escalation.priority, Priority::Normal);
        assert!(handed.escalation.tags.is_empty());
        assert!(handed.escalation.outside_hours, "{backend:?}");
    }
}
