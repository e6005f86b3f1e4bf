//! The store on each backend: handoff atomicity, single-winner claims, ordered outbox.

use frontline_shared::contracts::outbox::OutboxMessage;
use frontline_shared::contracts::Subject;
use frontline_shared::escalation::{EscalationStatus, Priority};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::{NewHandoff, Transition};
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};
use std::time::Duration;

pub(crate) fn conversation(id: &str) -> Conversation {
    Conversation {
        id: id.into(),
        site_id: frontline_tests::demo_site(),
        page_url: Some("https://shop.example/cart".into()),
        locale: Some("en".into()),
        customer: serde_json::Map::new(),
        created_at_ms: 1,
    }
}

pub(crate) fn handoff(conversation_id: &str) -> NewHandoff {
    NewHandoff {
        conversation: conversation(conversation_id),
        email: "ana@example.com".into(),
        name: Some("Ana".into()),
        message: Some("My parcel never arrived".into()),
        customer: serde_json::Map::from_iter([("plan".to_string(), serde_json::json!("gold"))]),
        page_url: Some("https://shop.example/cart".into()),
        priority: Priority::High,
        tags: vec!["shipping".into()],
        intent: Some("where_is_my_order".into()),
        matched: vec![],
        question: Some("where is my order".into()),
        outside_hours: false,
        mail: false,
        email_me: false,
    }
}

#[tokio::test]
async fn handoff_keeps_the_transcript_and_queues_one_alert() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let answered = QuestionRecord {
            conversation: conversation("c1"),
            question: "how long is shipping".into(),
            decision: "answer".into(),
            confidence: 0.9,
            label: Some("intent:shipping_time".into()),
            reason: None,
            reply: Some("Shipping times\n\nThree to five days.".into()),
            reply_language_note: None,
            at_ms: 4,
        };
        let question = QuestionRecord {
            question: "where is my order".into(),
            decision: "handoff".into(),
            confidence: 0.2,
            label: None,
            reason: Some("low_confidence".into()),
            reply: None,
            reply_language_note: None,
            at_ms: 5,
            ..answered.clone()
        };
        // Another conversation gets the same answer (one stored reply serves both).
        let same_answer_elsewhere = QuestionRecord {
            conversation: conversation("c2"),
            ..answered.clone()
        };
        store
            .record_questions(&[answered, question, same_answer_elsewhere])
            .await
            .expect("record");
        let (escalation, created) = store.create_handoff(handoff("c1")).await.expect("handoff");
        assert!(created);
        let lines: Vec<_> = escalation
            .context
            .transcript
            .iter()
            .map(|l| (l.author.as_str(), l.body.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("customer", "how long is shipping"),
                ("assistant", "Shipping times\n\nThree to five days."),
                ("customer", "where is my order"),
                ("customer", "My parcel never arrived")
            ],
            "{backend:?}: the reply follows its question"
        );
        assert_eq!(
            store.transcript("c1").await.expect("transcript").len(),
            4,
            "{backend:?}"
        );
        let elsewhere: Vec<_> = store
            .transcript("c2")
            .await
            .expect("transcript")
            .into_iter()
            .map(|l| (l.author, l.body))
            .collect();
        assert_eq!(
            elsewhere,
            [
                ("customer".to_string(), "how long is shipping".to_string()),
                (
                    "assistant".to_string(),
                    "Shipping times\n\nThree to five days.".to_string()
                )
            ],
            "{backend:?}"
        );
        // A second submit returns the same escalation and queues nothing new.
        let (again, created_again) = store.create_handoff(handoff("c1")).await.expect("handoff");
        assert!(!created_again);
        assert_eq!(again.id, escalation.id);
        let leased = store
            .lease_outbox("w1", 10, Duration::from_secs(30))
            .await
            .expect("lease");
        assert_eq!(leased.len(), 1, "{backend:?}");
        assert_eq!(
            leased[0].subject,
            Subject::Escalation(escalation.id.clone())
        );
        // Leased rows are invisible to a second worker.
        assert!(store
            .lease_outbox("w2", 10, Duration::from_secs(30))
            .await
            .expect("lease")
            .is_empty());
    }
}

#[tokio::test]
async fn concurrent_claims_have_exactly_one_winner() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let (escalation, _) = store.create_handoff(handoff("c2")).await.expect("handoff");
        let attempts = (0..8).map(|i| {
            let store = store.clone();
            let id = escalation.id.clone();
            tokio::spawn(async move { store.claim(&id, &format!("agent{i}")).await })
        });
        let mut winners = Vec::new();
        for attempt in attempts {
            match attempt.await.expect("join").expect("claim") {
                Transition::Applied(e) => winners.push(e.claimed_by),
                Transition::Refused(e) => assert_eq!(e.status, EscalationStatus::Claimed),
                Transition::NotFound => panic!("escalation vanished"),
            }
        }
        assert_eq!(winners.len(), 1, "{backend:?}: {winners:?}");
        let stored = store
            .escalation(&escalation.id)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(stored.claimed_by, winners[0]);
    }
}

#[tokio::test]
async fn outbox_keeps_order_per_escalation() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let (escalation, _) = store.create_handoff(handoff("c3")).await.expect("handoff");
        store
            .append_customer_message(&conversation("c3"), "any news?")
            .await
            .expect("message");
        let first = store
            .lease_outbox("w", 10, Duration::from_secs(30))
            .await
            .expect("lease");
        assert_eq!(
            first.len(),
            1,
            "only the oldest row of an escalation is deliverable"
        );
        store
            .retry_outbox(first[0].id, 0, "slack said 500")
            .await
            .expect("retry");
        let again = store
            .lease_outbox("w", 10, Duration::from_secs(30))
            .await
            .expect("lease");
        assert_eq!(
            again.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![first[0].id]
        );
        assert_eq!(again[0].attempts, 2);
        store.complete_outbox(again[0].id).await.expect("complete");
        let next = store
            .lease_outbox("w", 10, Duration::from_secs(30))
            .await
            .expect("lease");
        assert_eq!(next.len(), 1);
        let OutboxMessage::CustomerMessage(message) = &next[0].message else {
            panic!("a customer message: {next:?}");
        };
        assert_eq!(message.body, "any news?");
        assert_eq!(next[0].subject, Subject::Escalation(escalation.id.clone()));
    }
}

/// Two customer messages racing after Resolve reopen the escalation once: one status change,
/// one "reopened" thread post, and both messages relayed.
#[tokio::test]
async fn concurrent_messages_after_resolve_reopen_once() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let (escalation, _) = store.create_handoff(handoff("c9")).await.expect("handoff");
        store.claim(&escalation.id, "ana").await.expect("claim");
        store.resolve(&escalation.id, "ana").await.expect("resolve");
        let sends = (0..4).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append_customer_message(&conversation("c9"), &format!("still broken {i}"))
                    .await
            })
        });
        for send in sends {
            let relayed = send.await.expect("join").expect("message");
            assert_eq!(
                relayed.as_deref(),
                Some(escalation.id.as_str()),
                "{backend:?}"
            );
        }
        let stored = store
            .escalation(&escalation.id)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(stored.status, EscalationStatus::Queued, "{backend:?}");
        assert_eq!(stored.claimed_by, None);
        assert_eq!(stored.resolved_by, None);
        let mut rows = Vec::new();
        for _ in 0..20 {
            let leased = store
                .lease_outbox("w", 10, Duration::from_secs(30))
                .await
                .expect("lease");
            if leased.is_empty() {
                break;
            }
            for row in leased {
                store.complete_outbox(row.id).await.expect("complete");
                rows.push(row);
            }
        }
        let followups: Vec<_> = rows
            .iter()
            .filter_map(|r| match &r.message {
                OutboxMessage::CustomerMessage(message) => Some(message),
                _ => None,
            })
            .collect();
        assert_eq!(followups.len(), 4, "{backend:?}: {rows:?}");
        let reopened = followups.iter().filter(|m| m.reopened).count();
        assert_eq!(reopened, 1, "{backend:?}: {followups:?}");
        // Alert refreshes: claimed, resolved and reopened (once).
        let updates = rows
            .iter()
            .filter(|r| matches!(r.message, OutboxMessage::EscalationUpdated { .. }))
            .count();
        assert_eq!(updates, 3, "{backend:?}: {rows:?}");
    }
}

/// The Discord gateway's lease (issue 25): one holder at a time, renewed by its holder,
/// taken over only once it lapsed, given up on a clean stop. Time moves by hand.
#[tokio::test]
async fn a_lease_has_one_holder_until_it_lapses() {
    use frontline_shared::clock::ManualClock;
    let ttl = Duration::from_secs(15);
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(1_700_000_000_000);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("connect");
        let hold = |holder: &'static str| {
            let store = store.clone();
            async move {
                store
                    .hold_lease("discord-gateway", holder, ttl)
                    .await
                    .expect("hold")
            }
        };
        assert!(hold("a").await, "{backend:?}: a free lease is taken");
        assert!(!hold("b").await, "{backend:?}: b waits while a holds it");
        clock.advance_ms(14_000);
        assert!(hold("a").await, "{backend:?}: a renews");
        clock.advance_ms(14_999);
        assert!(
            !hold("b").await,
            "{backend:?}: renewed 14.999 s ago: still a's"
        );
        clock.advance_ms(1);
        assert!(
            hold("b").await,
            "{backend:?}: lapsed 15 s after the renewal"
        );
        assert!(!hold("a").await, "{backend:?}: a lost it");
        let holder = store
            .lease_holder("discord-gateway")
            .await
            .expect("read")
            .expect("held");
        assert_eq!(holder.holder, "b", "{backend:?}");
        assert_eq!(holder.expires_at_ms, 1_700_000_044_000, "{backend:?}");

        store
            .release_lease("discord-gateway", "a")
            .await
            .expect("release");
        assert!(!hold("a").await, "{backend:?}: only the holder gives it up");
        store
            .release_lease("discord-gateway", "b")
            .await
            .expect("release");
        assert_eq!(
            store.lease_holder("discord-gateway").await.expect("read"),
            None,
            "{backend:?}"
        );
        assert!(hold("a").await, "{backend:?}: given up, taken at once");

        // Eight replicas race for the lapsed lease: exactly one gets it.
        clock.advance_ms(15_000);
        let racers = ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"];
        let won = futures_util::future::join_all(racers.into_iter().map(&hold)).await;
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "{backend:?}: {won:?}"
        );
        store.close().await;
    }
}

/// Chat cursors only move forward, whatever order handlers finish in.
#[tokio::test]
async fn a_chat_cursor_only_moves_forward() {
    use frontline_shared::config::ChatPlatform;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let channel = "1100000000000000100";
        assert_eq!(
            store
                .chat_cursor(ChatPlatform::Discord, channel)
                .await
                .expect("read"),
            None
        );
        for id in [1_400_000_000_000_000_005, 1_400_000_000_000_000_003] {
            store
                .advance_chat_cursor(ChatPlatform::Discord, channel, id)
                .await
                .expect("advance");
        }
        assert_eq!(
            store
                .chat_cursor(ChatPlatform::Discord, channel)
                .await
                .expect("read"),
            Some(1_400_000_000_000_000_005),
            "{backend:?}"
        );
        assert_eq!(
            store
                .chat_cursor(ChatPlatform::Slack, channel)
                .await
                .expect("read"),
            None,
            "{backend:?}: per platform"
        );
        store.close().await;
    }
}
