//! Writes a store holding every kind of outbox row and conversation event this release
//! writes (the fixture `tests/fixtures/store-previous-release.sqlite`), through the same
//! `Store` methods the widget server, the bot and its scheduler call, on a manual clock.
//!
//! `cargo run -p frontline-shared --example previous_release_store -- OUT.sqlite`

use frontline_shared::clock::ManualClock;
use frontline_shared::escalation::Priority;
use frontline_shared::store::chat::ChatMessageRef;
use frontline_shared::store::conversations::Conversation;
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::escalations::{NewHandoff, ReplyOrigin};
use frontline_shared::store::Store;
use std::time::Duration;

/// 2026-11-20T09:00:00Z.
const START_MS: i64 = 1_795_165_200_000;

fn conversation(id: &str) -> Conversation {
    Conversation {
        id: id.into(),
        site_id: "demo".into(),
        page_url: Some("https://shop.example/cart".into()),
        locale: Some("en".into()),
        customer: serde_json::Map::new(),
        created_at_ms: START_MS,
    }
}

fn handoff(conversation_id: &str, email: &str, message: &str, priority: Priority) -> NewHandoff {
    NewHandoff {
        conversation: conversation(conversation_id),
        email: email.into(),
        name: Some("Ana Lima".into()),
        message: Some(message.into()),
        customer: serde_json::Map::from_iter([("plan".to_string(), serde_json::json!("gold"))]),
        page_url: Some("https://shop.example/cart".into()),
        priority,
        tags: vec!["shipping".into()],
        intent: Some("where_is_my_order".into()),
        matched: vec![],
        question: Some(message.into()),
        outside_hours: false,
    }
}

/// Records a post the way the bot does after posting it.
async fn posted(store: &Store, subject: &str, purpose: &str, channel: &str, ts: &str) {
    let record = ChatMessageRef {
        escalation_id: subject.into(),
        platform: "slack".into(),
        purpose: purpose.into(),
        channel: channel.into(),
        message_ref: ts.into(),
        thread_ref: Some(ts.into()),
    };
    store.record_chat_message(&record).await.expect("record post");
}

/// Leases and completes every due row, as the bot's delivery worker does.
async fn deliver_all(store: &Store) {
    loop {
        let rows = store
            .lease_outbox("fixture", 100, Duration::from_secs(60))
            .await
            .expect("lease");
        if rows.is_empty() {
            return;
        }
        for row in rows {
            store.complete_outbox(row.id).await.expect("complete");
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let out = std::env::args().nth(1).expect("usage: previous_release_store OUT.sqlite");
    let clock = ManualClock::starting_at(START_MS);
    let url = format!("sqlite://{out}?mode=rwc");
    let store = Store::connect_with_clock(&url, clock.clone()).await.expect("store");
    let tick = || clock.advance_ms(1_000);

    // Escalation A: every transition, delivered (as by a running bot).
    let (a, _) = store
        .create_handoff(handoff("conv_fixture_a", "ana@example.com", "My parcel never arrived", Priority::High))
        .await
        .expect("handoff a");
    posted(&store, &a.id, "alert", "C0SUPPORT", "1795165200.000100").await;
    tick();
    store.append_customer_message(&conversation("conv_fixture_a"), "It was order 1042").await.expect("customer");
    tick();
    store.record_realert(&a.id, 0).await.expect("realert");
    tick();
    store.claim(&a.id, "ana").await.expect("claim");
    tick();
    store
        .append_agent_message(&a.id, "ana", "Your refund is on its way", ReplyOrigin::Chat { platform: "slack", event: "Ev0FIXTURE1" })
        .await
        .expect("slack reply");
    tick();
    store.append_agent_message(&a.id, "Ben", "We emailed you the label", ReplyOrigin::Web).await.expect("web reply");
    tick();
    store
        .append_agent_message(&a.id, "dee", "Sorry for the wait", ReplyOrigin::Chat { platform: "discord", event: "1234567890" })
        .await
        .expect("discord reply");
    tick();
    store.release(&a.id, "ana").await.expect("release");
    tick();
    store.claim(&a.id, "ben").await.expect("claim again");
    tick();
    store.resolve(&a.id, "ben").await.expect("resolve");
    tick();
    store.append_customer_message(&conversation("conv_fixture_a"), "Actually it arrived damaged").await.expect("reopen");
    tick();
    let scheduled = DigestJob {
        key: DigestJob::scheduled_key("slack", "C0MANAGERS", "2026-11-19"),
        platform: "slack".into(),
        channel: "C0MANAGERS".into(),
        day: "2026-11-19".into(),
        time_zone: "America/New_York".into(),
        sites: vec!["demo".into()],
        late: true,
        on_demand: false,
    };
    store.schedule_digest(&scheduled).await.expect("digest");
    let subject = format!("digest:{}", scheduled.key);
    posted(&store, &subject, "digest", "C0MANAGERS", "1795165211.000200").await;
    posted(&store, &subject, "digest-chart", "C0MANAGERS", "1795165211.000300").await;
    deliver_all(&store).await;

    // Escalation B and an on-demand digest: written, not yet delivered (the bot was down).
    tick();
    let (b, _) = store
        .create_handoff(handoff("conv_fixture_b", "bo@example.com", "Where is my refund?", Priority::Normal))
        .await
        .expect("handoff b");
    tick();
    store.append_customer_message(&conversation("conv_fixture_b"), "Order 2044, paid by card").await.expect("customer b");
    tick();
    store.record_realert(&b.id, 0).await.expect("realert b");
    tick();
    store.append_agent_message(&b.id, "Ben", "Looking into it now", ReplyOrigin::Web).await.expect("web reply b");
    tick();
    let on_demand = DigestJob {
        key: "on-demand:slack:C0LEADS:fixture1".into(),
        platform: "slack".into(),
        channel: "C0LEADS".into(),
        day: "2026-11-20".into(),
        time_zone: "UTC".into(),
        sites: vec![],
        late: false,
        on_demand: true,
    };
    store.schedule_digest(&on_demand).await.expect("on-demand digest");
    println!("escalation a: {}\nescalation b: {}", a.id, b.id);
    store.close().await;
}
