//! GDPR: `GET /api/v1/admin/customers/{email}/export` and `DELETE
//! /api/v1/admin/customers/{email}` on each backend. The export holds the customer's
//! conversation, messages, escalation, fields and rating; erasure removes them, has the bot
//! edit the chat alert and delete its thread replies (seen in the Slack and Discord stand-ins),
//! leaves other customers alone and the figures of `/api/v1/admin/stats` unchanged; both
//! are idempotent.

use std::time::Duration;

use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);
const ERASED: &str = "[erased at the customer's request]";

async fn delete(server: &TestServer, path: &str) -> (u16, Value) {
    let response = server
        .client
        .delete(server.at(path))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("DELETE");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The figures of `/api/v1/admin/stats` (counts, timings, daily series, rating scores),
/// without the lists that quote customers' words.
async fn figures(server: &TestServer) -> Value {
    let (status, mut stats) = server
        .get_json("/api/v1/admin/stats", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "{stats}");
    if let Some(report) = stats["report"].as_object_mut() {
        report.remove("top_unanswered");
    }
    if let Some(csat) = stats["csat"].as_object_mut() {
        csat.remove("lowest");
    }
    stats
}

#[tokio::test]
async fn export_then_erase_a_customer_keeping_the_figures() {
    for backend in backends() {
        for platform in [Platforms::Slack, Platforms::Discord] {
            let context = format!("{backend:?} {platform:?}");
            let rig = Rig::start(backend, platform, "").await;
            let sam = hand_off(
                &rig.server,
                json!({"email": "sam@example.com", "name": "Sam Rivera",
                       "message": "My parcel to 12 Elm Street never came",
                       "customer": {"plan": "gold", "city": "Lyon"}}),
            )
            .await;
            sam.write(&rig.server, "It was order 100234").await;
            let other = hand_off(
                &rig.server,
                json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my refund?"}),
            )
            .await;
            rig.drained().await;
            let before = figures(&rig.server).await;

            // Export: any case of the address finds the same customer.
            let (status, export) = rig
                .server
                .get_json(
                    "/api/v1/admin/customers/SAM@Example.com/export",
                    Some(ADMIN_TOKEN),
                )
                .await;
            assert_eq!(status, 200, "{context}: {export}");
            let conversations = export["conversations"].as_array().expect("list");
            assert_eq!(conversations.len(), 1, "{context}: {export}");
            let conversation = &conversations[0];
            assert_eq!(conversation["id"], sam.conversation_id.as_str());
            let text = conversation.to_string();
            for expected in ["12 Elm Street", "It was order 100234", "Lyon", "Sam Rivera"] {
                assert!(text.contains(expected), "{context}: {expected} in {text}");
            }
            assert_eq!(
                conversation["escalations"][0]["email"], "sam@example.com",
                "{context}"
            );
            assert!(
                !text.contains("Where is my refund"),
                "{context}: only Sam's"
            );

            // Erase: counts, then nothing left to erase.
            let path = "/api/v1/admin/customers/sam@example.com";
            let (status, erased) = delete(&rig.server, path).await;
            assert_eq!(status, 200, "{context}: {erased}");
            assert_eq!(
                erased,
                json!({"erased_conversations": 1, "erased_escalations": 1}),
                "{context}"
            );
            let (status, again) = delete(&rig.server, path).await;
            assert_eq!(status, 200, "{context}: {again}");
            assert_eq!(
                again,
                json!({"erased_conversations": 0, "erased_escalations": 0}),
                "{context}"
            );
            let (_, export) = rig
                .server
                .get_json(&format!("{path}/export"), Some(ADMIN_TOKEN))
                .await;
            assert_eq!(export["conversations"], json!([]), "{context}: {export}");
            let (_, transcript) = rig
                .server
                .get_json(
                    &format!("/api/v1/conversations/{}", sam.conversation_id),
                    Some(&sam.token),
                )
                .await;
            assert!(
                !transcript.to_string().contains("Elm Street"),
                "{context}: {transcript}"
            );

            // The chat messages posted for Sam now say they were erased; Kim's stay.
            match platform {
                Platforms::Slack => {
                    let slack = rig.slack();
                    slack
                        .wait_for("Sam's posts erased", WAIT, |s| {
                            let sams: Vec<_> = s
                                .messages
                                .iter()
                                .filter(|m| {
                                    m.meta("escalation_id") == Some(sam.escalation_id.as_str())
                                })
                                .collect();
                            // The alert stays, edited; the thread reply is deleted.
                            (sams.len() == 1
                                && sams[0].visible_text().contains(ERASED)
                                && !sams[0].visible_text().contains("Elm Street")
                                && s.deleted.len() == 1
                                && s.deleted[0].visible_text().contains("order 100234"))
                            .then_some(())
                        })
                        .await;
                    let kim = slack.alert_for(&other.escalation_id).await;
                    assert!(
                        kim.visible_text().contains("Where is my refund"),
                        "{context}"
                    );
                }
                Platforms::Discord => {
                    let discord = rig.discord();
                    discord
                        .wait_for("Sam's posts erased", WAIT, |s| {
                            let erased = s.messages.iter().filter(|m| m.content == ERASED).count();
                            // The alert stays, edited; the reply under it is deleted.
                            (erased == 1
                                && s.deleted.len() == 1
                                && s.deleted[0].content.contains("order 100234")
                                && s.messages.iter().all(|m| !m.content.contains("Elm Street")))
                            .then_some(())
                        })
                        .await;
                    let refund = discord.with(|s| {
                        s.messages
                            .iter()
                            .any(|m| m.content.contains("Where is my refund"))
                    });
                    assert!(refund, "{context}: Kim's alert is untouched");
                }
            }
            rig.drained().await;
            assert_eq!(figures(&rig.server).await, before, "{context}");
            let (_, kim) = rig
                .server
                .get_json(
                    "/api/v1/admin/customers/kim@example.com/export",
                    Some(ADMIN_TOKEN),
                )
                .await;
            assert_eq!(kim["conversations"].as_array().map(Vec::len), Some(1));

            let (status, refused) = rig
                .server
                .get_json(
                    "/api/v1/admin/customers/not-an-address/export",
                    Some(ADMIN_TOKEN),
                )
                .await;
            assert_eq!(status, 400, "{context}: {refused}");
            assert!(refused.to_string().contains("`email`"), "{refused}");
            let (status, _) = rig
                .server
                .get_json("/api/v1/admin/customers/sam@example.com/export", None)
                .await;
            assert!(status == 401 || status == 403, "{context}: {status}");
            rig.stop().await;
        }
    }
}

/// `[privacy] keep_conversations`: with the store's clock moved past the limit, the purge
/// erases the old conversations once (one replica per hour), as erasure does: the
/// figures stay.
#[tokio::test]
async fn retention_purges_old_conversations_once_across_replicas_keeping_the_figures() {
    use frontline_shared::clock::ManualClock;
    use frontline_shared::privacy::retention::{Purge, Retention};
    use frontline_shared::store::Store;
    use jiff::SignedDuration;

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    for backend in backends() {
        let db = frontline_tests::databases::TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "My parcel to 12 Elm Street never came"}),
        )
        .await;
        let (status, asked) = server
            .ask(json!({ "text": "Do you ship to Lyon?" }), None)
            .await;
        assert_eq!(status, 200, "{asked}");
        // Reading the conversation commits the batched question before the figures.
        let (status, _) = server
            .get_json(
                &format!(
                    "/api/v1/conversations/{}",
                    asked["conversation_id"].as_str().expect("id")
                ),
                asked["conversation_token"].as_str(),
            )
            .await;
        assert_eq!(status, 200);
        let before = figures(&server).await;
        let now = jiff::Timestamp::now().as_millisecond();
        let keep = SignedDuration::from_hours(365 * 24);

        // A replica whose clock reads 364 days later finds nothing old enough.
        let early =
            Store::connect_with_clock(&db.url, ManualClock::starting_at(now + 364 * DAY_MS))
                .await
                .expect("store");
        assert_eq!(
            Retention::new(early.clone(), keep)
                .try_purge_once()
                .await
                .expect("purge"),
            Purge::Ran { erased: 0 },
            "{backend:?}"
        );
        early.close().await;

        // Two replicas 366 days later, in the same hour: one purges both conversations.
        let clock = ManualClock::starting_at(now + 366 * DAY_MS);
        let replica_a = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let replica_b = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let (job_a, job_b) = (
            Retention::new(replica_a.clone(), keep),
            Retention::new(replica_b.clone(), keep),
        );
        let (a, b) = tokio::join!(job_a.try_purge_once(), job_b.try_purge_once());
        let mut outcomes = [a.expect("purge a"), b.expect("purge b")];
        outcomes.sort_by_key(|o| matches!(o, Purge::TakenElsewhere));
        assert_eq!(
            outcomes,
            [Purge::Ran { erased: 2 }, Purge::TakenElsewhere],
            "{backend:?}"
        );
        // The next hour finds nothing left.
        clock.advance_ms(60 * 60 * 1000);
        assert_eq!(
            Retention::new(replica_b.clone(), keep)
                .try_purge_once()
                .await
                .expect("purge"),
            Purge::Ran { erased: 0 },
            "{backend:?}"
        );

        let (_, export) = server
            .get_json(
                "/api/v1/admin/customers/sam@example.com/export",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(export["conversations"], json!([]), "{backend:?}: {export}");
        for (id, token) in [
            (sam.conversation_id.as_str(), sam.token.as_str()),
            (
                asked["conversation_id"].as_str().expect("id"),
                asked["conversation_token"].as_str().expect("token"),
            ),
        ] {
            let (_, transcript) = server
                .get_json(&format!("/api/v1/conversations/{id}"), Some(token))
                .await;
            let text = transcript.to_string();
            assert!(
                !text.contains("Elm Street") && !text.contains("Lyon"),
                "{backend:?}: {text}"
            );
        }
        assert_eq!(figures(&server).await, before, "{backend:?}");
        replica_a.close().await;
        replica_b.close().await;
        server.stop().await;
    }
}
