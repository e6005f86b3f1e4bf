//! Away (issue 21): an agent sets themselves away from the dashboard; what they own and
//! nobody works past its SLA is sent to the managers naming them, not nudged in the
//! thread; once back, the watcher leaves it alone again. The API sets it too.

use frontline_bot::delivery::Outcome;
use frontline_shared::clock::ManualClock;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::json;

use crate::accounts::create_agent;

/// One-minute SLAs; unclaimed escalations would be nudged in the thread three times
/// before the managers hear of them.
const SLA: &str = r#"
[bot.sla]
urgent = "1m"
high = "1m"
normal = "1m"
low = "1m"
realerts_before_managers = 3

[bot.slack]
managers_channel = "C0MANAGERS"
"#;

/// Delivers every due outbox row.
async fn deliver_all(rig: &Rig) {
    for _ in 0..50 {
        if rig.bot.worker().try_deliver_once().await.expect("deliver") == Outcome::Idle {
            return;
        }
    }
    panic!("the outbox never drained");
}

#[tokio::test]
async fn what_an_away_agent_owns_past_its_sla_goes_to_the_managers_naming_them() {
    for backend in backends() {
        // The bot's clock is a manual one: time moves only when the test says so.
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        let options = frontline_bot::BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let rig = Rig::start_with(backend, Platforms::Slack, SLA, options).await;
        let ana = create_agent(
            &rig.server,
            "ana@example.com",
            "Ana",
            "agent",
            Some("ana's passphrase"),
        )
        .await;
        let ana_id = ana["agent"]["id"].as_str().expect("id").to_string();
        let handoff = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
        )
        .await;
        let id = handoff.escalation_id.as_str();
        let (status, body) = rig
            .server
            .admin_post(
                &format!("/api/v1/admin/escalations/{id}/assign"),
                json!({"agent": "Lea", "agent_id": ana_id}),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        deliver_all(&rig).await;
        clock.set_ms(jiff::Timestamp::now().as_millisecond() + 61_000);
        let watcher = rig.bot.watcher().clone();
        assert_eq!(
            watcher.check_once().await.expect("check"),
            0,
            "{backend:?}: claimed by someone at work, past the SLA: left alone"
        );

        let session =
            DashboardSession::sign_in_account(&rig.server, "ana@example.com", "ana's passphrase")
                .await;
        let queue = session.get("/admin/queue").await;
        assert!(
            queue.body.contains("Set me away"),
            "{backend:?}: {}",
            queue.body
        );
        let set = session.post_form("/admin/away", &[("away", "true")]).await;
        assert_eq!(set.status, 303, "{backend:?}: {}", set.body);
        assert!(session.get("/admin/queue").await.body.contains("I'm back"));

        assert_eq!(watcher.check_once().await.expect("check"), 1, "{backend:?}");
        deliver_all(&rig).await;
        let managers = rig
            .slack()
            .with(|s| s.posts_for(id, "managers-1").first().map(|m| (*m).clone()));
        let managers = managers.expect("the managers' heads-up");
        assert_eq!(managers.channel, "C0MANAGERS", "{backend:?}");
        assert!(
            managers.text.contains("is claimed by *Ana*, who is away"),
            "{backend:?}: {}",
            managers.text
        );
        assert!(managers.text.contains("Kim"), "{}", managers.text);
        assert!(
            rig.slack()
                .with(|s| s.posts_for(id, "realert-1").is_empty()),
            "{backend:?}: no nudge in the thread for an away owner"
        );

        let back = session.post_form("/admin/away", &[("away", "false")]).await;
        assert_eq!(back.status, 303);
        clock.advance_ms(61_000);
        assert_eq!(
            watcher.check_once().await.expect("check"),
            0,
            "{backend:?}: back at work, nothing to re-alert"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn an_agent_sets_away_through_the_api_and_the_admin_token_has_no_account() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let answer = server
            .client
            .put(server.at("/api/v1/admin/away"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"away": true}))
            .send()
            .await
            .expect("put");
        assert_eq!(answer.status(), 409, "{backend:?}");
        let body: serde_json::Value = answer.json().await.expect("json");
        assert_eq!(body["error"]["code"], "no_account");

        create_agent(
            &server,
            "bo@example.com",
            "Bo",
            "agent",
            Some("bo's passphrase"),
        )
        .await;
        let session =
            DashboardSession::sign_in_account(&server, "bo@example.com", "bo's passphrase").await;
        let answer = reqwest::Client::new()
            .put(server.at("/api/v1/admin/away"))
            .header(reqwest::header::COOKIE, session.cookies())
            .header(reqwest::header::ORIGIN, &server.url)
            .json(&json!({"away": true}))
            .send()
            .await
            .expect("put");
        assert_eq!(answer.status(), 200, "{backend:?}");
        let body: serde_json::Value = answer.json().await.expect("json");
        assert_eq!(body["away"], true);
        assert_eq!(body["display_name"], "Bo");

        let (_, audit) = server
            .get_json(
                "/api/v1/admin/audit?action=away&format=json",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(
            audit.as_array().map(Vec::len),
            Some(1),
            "{backend:?}: {audit}"
        );
        assert_eq!(audit[0]["actor"], "Bo");
        server.stop().await;
    }
}
