//! Typed contracts between the processes: a store written by the previous release
//! (`tests/fixtures/store-previous-release.sqlite`) is read into the new types and its
//! pending rows are delivered; rows this release cannot read are parked, never dropped,
//! on each backend.

use std::path::Path;
use std::time::Duration;

use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::conversation_event::{
    ConversationEvent, MessageEvent, StatusEvent,
};
use frontline_shared::contracts::outbox::{AgentMessage, CustomerMessage, Origin, OutboxMessage};
use frontline_shared::contracts::Subject;
use frontline_shared::escalation::EscalationStatus;
use frontline_shared::site_id::SiteId;
use frontline_shared::store::conversations::Author;
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::outbox::OutboxRow;
use frontline_shared::store::Store;
use frontline_tests::bot::{settings, TestBot, FAST_DELIVERY};
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::slack_standin::SlackStandIn;

use crate::store::{conversation, handoff};

/// The fixture's escalations and first timestamp (see `tests/fixtures/README.md`).
const A: &str = "esc_01a2274f2f683196be1b46fdf71858ba";
const B: &str = "esc_01a2274f2fa9fee6a8f597557e872b0c";
const T0: i64 = 1_795_165_200_000;

/// A private copy of the fixture (the store migrates and writes it).
fn fixture_copy() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/store-previous-release.sqlite");
    let path = dir.path().join("store.sqlite");
    std::fs::copy(&source, &path).expect("copy the fixture");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (dir, url)
}

/// Leases and completes rows until none is due (each subject's rows come in order; a
/// lease that only parks rows returns nothing, so this does not stop at the first empty one).
async fn lease_all(store: &Store) -> Vec<OutboxRow> {
    let mut rows = Vec::new();
    for _ in 0..30 {
        let leased = store
            .lease_outbox("test", 100, Duration::from_secs(30))
            .await
            .expect("lease");
        for row in leased {
            store.complete_outbox(row.id).await.expect("complete");
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| r.id);
    rows
}

fn esc(id: &str) -> Subject {
    Subject::Escalation(id.to_string())
}

fn customer(message_id: i64, body: &str, step: i64, reopened: bool) -> OutboxMessage {
    OutboxMessage::CustomerMessage(CustomerMessage {
        message_id,
        body: body.into(),
        at_ms: T0 + step * 1000,
        reopened,
    })
}

fn agent(message_id: i64, name: &str, body: &str, step: i64, origin: Origin) -> OutboxMessage {
    OutboxMessage::AgentMessage(AgentMessage {
        message_id,
        agent: name.into(),
        body: body.into(),
        at_ms: T0 + step * 1000,
        origin,
        saved_reply: None,
    })
}

fn updated(status: EscalationStatus) -> OutboxMessage {
    OutboxMessage::EscalationUpdated { status }
}

fn status(status: EscalationStatus, agent: Option<&str>, step: i64) -> ConversationEvent {
    ConversationEvent::Status(StatusEvent {
        escalation_id: A.into(),
        status,
        agent: agent.map(str::to_string),
        at_ms: T0 + step * 1000,
    })
}

fn line(message_id: i64, author_name: Option<&str>, body: &str, step: i64) -> ConversationEvent {
    ConversationEvent::Message(MessageEvent {
        message_id,
        author: if author_name.is_some() {
            Author::Agent
        } else {
            Author::Customer
        },
        author_name: author_name.map(str::to_string),
        body: body.into(),
        html: None,
        at_ms: T0 + step * 1000,
        attachments: Vec::new(),
    })
}

#[tokio::test]
async fn every_row_of_the_previous_release_reads_into_the_new_types() {
    let (_dir, url) = fixture_copy();
    let store = Store::connect(&url)
        .await
        .expect("the previous release's store opens");
    // Read the delivered rows too: the previous release's whole history, through the
    // worker's own read path.
    let pool = sqlx::AnyPool::connect(&url).await.expect("raw pool");
    sqlx::query("UPDATE outbox SET delivered_at = NULL")
        .execute(&pool)
        .await
        .expect("mark undelivered");
    let rows = lease_all(&store).await;
    let read: Vec<(i64, Subject, OutboxMessage)> = rows
        .into_iter()
        .map(|r| (r.id, r.subject, r.message))
        .collect();
    let scheduled = "slack:C0MANAGERS:2026-11-19";
    let on_demand = "on-demand:slack:C0LEADS:fixture1";
    use EscalationStatus::{Claimed, Queued, Resolved};
    let expected = vec![
        (1, esc(A), OutboxMessage::EscalationCreated),
        (2, esc(A), customer(2, "It was order 1042", 1, false)),
        (
            3,
            esc(A),
            OutboxMessage::Realert {
                number: 1,
                away_owner: None,
            },
        ),
        (4, esc(A), updated(Claimed)),
        (
            5,
            esc(A),
            agent(3, "ana", "Your refund is on its way", 4, Origin::Slack),
        ),
        (
            6,
            esc(A),
            agent(4, "Ben", "We emailed you the label", 5, Origin::Web),
        ),
        (
            7,
            esc(A),
            agent(5, "dee", "Sorry for the wait", 6, Origin::Discord),
        ),
        (8, esc(A), updated(Queued)),
        (9, esc(A), updated(Claimed)),
        (10, esc(A), updated(Resolved)),
        (11, esc(A), updated(Queued)),
        (
            12,
            esc(A),
            customer(6, "Actually it arrived damaged", 10, true),
        ),
        (
            13,
            Subject::Digest(scheduled.into()),
            OutboxMessage::Digest(DigestJob {
                key: scheduled.into(),
                platform: ChatPlatform::Slack,
                channel: "C0MANAGERS".into(),
                day: "2026-11-19".into(),
                time_zone: "America/New_York".into(),
                sites: vec![SiteId::parse("demo").expect("site")],
                late: true,
                on_demand: false,
            }),
        ),
        (14, esc(B), OutboxMessage::EscalationCreated),
        (
            15,
            esc(B),
            customer(8, "Order 2044, paid by card", 13, false),
        ),
        (
            16,
            esc(B),
            OutboxMessage::Realert {
                number: 1,
                away_owner: None,
            },
        ),
        (
            17,
            esc(B),
            agent(9, "Ben", "Looking into it now", 15, Origin::Web),
        ),
        (
            18,
            Subject::Digest(on_demand.into()),
            OutboxMessage::Digest(DigestJob {
                key: on_demand.into(),
                platform: ChatPlatform::Slack,
                channel: "C0LEADS".into(),
                day: "2026-11-20".into(),
                time_zone: "UTC".into(),
                sites: vec![],
                late: false,
                on_demand: true,
            }),
        ),
    ];
    assert_eq!(read, expected);
    assert!(store.parked_outbox().await.expect("parked").is_empty());

    let events: Vec<ConversationEvent> = store
        .conversation_events("conv_fixture_a", 0)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        vec![
            status(Queued, None, 0),
            line(2, None, "It was order 1042", 1),
            status(Claimed, Some("ana"), 3),
            line(3, Some("ana"), "Your refund is on its way", 4),
            line(4, Some("Ben"), "We emailed you the label", 5),
            line(5, Some("dee"), "Sorry for the wait", 6),
            status(Queued, None, 7),
            status(Claimed, Some("ben"), 8),
            status(Resolved, Some("ben"), 9),
            line(6, None, "Actually it arrived damaged", 10),
            status(Queued, None, 10),
        ]
    );
    let b_events = store
        .conversation_events("conv_fixture_b", 0)
        .await
        .expect("events");
    assert_eq!(b_events.len(), 3);
    assert_eq!(
        b_events[2].event,
        line(9, Some("Ben"), "Looking into it now", 15)
    );
    assert!(store.parked_events().await.expect("parked").is_empty());

    // The bot's records of what it posted, under their subjects and typed platforms.
    let alert = store
        .chat_message(&esc(A), ChatPlatform::Slack, "alert")
        .await
        .expect("read")
        .expect("A's alert");
    assert_eq!(
        (alert.channel.as_str(), alert.message_ref.as_str()),
        ("C0SUPPORT", "1795165200.000100")
    );
    let digest = store
        .chat_message(
            &Subject::Digest(scheduled.into()),
            ChatPlatform::Slack,
            "digest-chart",
        )
        .await
        .expect("read")
        .expect("the digest's chart");
    assert_eq!(digest.message_ref, "1795165211.000300");
    assert_eq!(
        store
            .escalation_for_thread(ChatPlatform::Slack, "C0SUPPORT", "1795165200.000100")
            .await
            .expect("read")
            .as_deref(),
        Some(A)
    );
    store.close().await;
}

#[tokio::test]
async fn the_previous_releases_pending_rows_are_delivered_by_this_bot() {
    let (_dir, url) = fixture_copy();
    let slack = SlackStandIn::start().await;
    let bot = TestBot::start(settings(&url, Some(&slack), None, FAST_DELIVERY)).await;
    let wait = Duration::from_secs(20);
    let alert = slack.alert_for(B).await;
    assert_eq!(alert.channel, "C0SUPPORT");
    assert!(
        alert.visible_text().contains("bo@example.com"),
        "{}",
        alert.visible_text()
    );
    let in_thread = |purpose: &'static str| {
        let alert_ts = alert.ts.clone();
        move |s: &frontline_tests::slack_standin::SlackState| {
            s.posts_for(B, purpose)
                .first()
                .filter(|m| m.thread_ts.as_deref() == Some(alert_ts.as_str()))
                .map(|m| m.visible_text())
        }
    };
    let customer = slack
        .wait_for("the customer's message", wait, in_thread("customer-8"))
        .await;
    assert!(customer.contains("Order 2044, paid by card"), "{customer}");
    let reply = slack
        .wait_for("the dashboard reply", wait, in_thread("agent-9"))
        .await;
    assert!(reply.contains("Looking into it now"), "{reply}");
    slack
        .wait_for("the re-alert", wait, in_thread("realert-1"))
        .await;
    let digest = slack
        .wait_for("the on-demand digest", wait, |s| {
            s.posts_for("digest:on-demand:slack:C0LEADS:fixture1", "digest")
                .first()
                .map(|m| (m.channel.clone(), m.visible_text()))
        })
        .await;
    assert_eq!(digest.0, "C0LEADS");
    assert!(digest.1.contains("Today so far"), "{}", digest.1);
    // A's rows were delivered by the previous release: its alert is not posted again.
    assert!(slack.with(|s| s.posts_for(A, "alert").is_empty()));
    bot.stop().await;
}

/// Inserts a row the way a later release might write it.
async fn insert_raw(url: &str, sql: &str, binds: &[&str]) {
    let pool = sqlx::AnyPool::connect(url).await.expect("raw pool");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(&pool).await.expect("raw insert");
    pool.close().await;
}

const OUTBOX_ROW: &str = "INSERT INTO outbox (escalation_id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, 1, 1)";
const EVENT_ROW: &str = "INSERT INTO conversation_events (conversation_id, kind, payload, created_at) VALUES ($1, $2, $3, 1)";

#[tokio::test]
async fn unknown_kinds_and_versions_are_parked_and_do_not_block_later_rows() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let (escalation, _) = store
            .create_handoff(handoff("c-park"))
            .await
            .expect("handoff");
        assert_eq!(lease_all(&store).await.len(), 1, "the alert row");
        let id = escalation.id.as_str();
        insert_raw(
            &db.url,
            OUTBOX_ROW,
            &[id, "email_reply", r#"{"v":1,"to":"ana@example.com"}"#],
        )
        .await;
        insert_raw(
            &db.url,
            OUTBOX_ROW,
            &[id, "realert", r#"{"v":2,"realert":{"number":1}}"#],
        )
        .await;
        insert_raw(&db.url, OUTBOX_ROW, &[id, "customer_message", "not json"]).await;
        store
            .append_customer_message(&conversation("c-park"), "any news?")
            .await
            .expect("message");

        let delivered = lease_all(&store).await;
        assert_eq!(delivered.len(), 1, "{backend:?}: {delivered:?}");
        assert!(
            matches!(&delivered[0].message, OutboxMessage::CustomerMessage(m) if m.body == "any news?"),
            "{backend:?}: the row behind the unreadable ones is delivered: {delivered:?}"
        );
        let parked = store.parked_outbox().await.expect("parked");
        let kinds: Vec<&str> = parked.iter().map(|(_, kind, _)| kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["email_reply", "realert", "customer_message"],
            "{backend:?}"
        );
        assert!(parked[0].2.contains("email_reply"), "{parked:?}");
        assert!(parked[1].2.contains("version 2"), "{parked:?}");
        assert_eq!(
            store.pending_outbox().await.expect("pending"),
            0,
            "{backend:?}"
        );

        // A release starting gives parked rows another try; still unreadable, they park again.
        assert_eq!(store.unpark_outbox().await.expect("unpark"), 3);
        assert_eq!(store.pending_outbox().await.expect("pending"), 3);
        assert!(lease_all(&store).await.is_empty());
        assert_eq!(
            store.parked_outbox().await.expect("parked").len(),
            3,
            "{backend:?}"
        );

        // Conversation events: the unreadable ones are parked and left out of the stream.
        insert_raw(&db.url, EVENT_ROW, &["c-park", "typing", r#"{"v":1}"#]).await;
        insert_raw(&db.url, EVENT_ROW, &["c-park", "status", r#"{"v":7}"#]).await;
        store
            .append_customer_message(&conversation("c-park"), "hello?")
            .await
            .expect("message");
        let events = store
            .conversation_events("c-park", 0)
            .await
            .expect("events");
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| match &e.event {
                ConversationEvent::Message(m) => m.body.as_str(),
                ConversationEvent::Status(s) => s.status.as_str(),
            })
            .collect();
        assert_eq!(kinds, ["queued", "any news?", "hello?"], "{backend:?}");
        let parked: Vec<String> = store
            .parked_events()
            .await
            .expect("parked")
            .into_iter()
            .map(|(_, kind, _)| kind)
            .collect();
        assert_eq!(parked, ["typing", "status"], "{backend:?}");
        store.close().await;
    }
}
