//! Satisfaction after a resolution: `POST /api/v1/conversations/{id}/csat` records one
//! rating per escalation (a later one replaces it), posts it in the chat thread, and the
//! admin stats count it against figures worked out by hand here.

use std::time::Duration;

use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::SignedRequest;
use frontline_tests::widget_server::ADMIN_TOKEN;
use serde_json::{json, Value};

async fn rate(rig: &Rig, handoff: &Handoff, token: Option<&str>, body: Value) -> (u16, Value) {
    rig.server
        .post_json(
            &format!("/api/v1/conversations/{}/csat", handoff.conversation_id),
            body,
            token,
        )
        .await
}

/// The texts of the first two "Customer rating" posts in the escalation's alert thread,
/// once both have arrived.
async fn two_rating_posts(rig: &Rig, escalation_id: &str) -> Vec<String> {
    let alert = rig.slack().alert_for(escalation_id).await;
    rig.slack()
        .wait_for("two rating posts", Duration::from_secs(10), |s| {
            let posts: Vec<String> = s
                .messages
                .iter()
                .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                .filter(|m| m.text.starts_with("Customer rating"))
                .map(|m| m.text.clone())
                .collect();
            (posts.len() == 2).then_some(posts)
        })
        .await
}

#[tokio::test]
async fn ratings_are_kept_per_escalation_posted_in_the_thread_and_counted_in_stats() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let mut handoffs = Vec::new();
        for name in ["ann", "ben", "cy"] {
            let handoff = hand_off(
                &rig.server,
                json!({"email": format!("{name}@customer.test"), "message": format!("{name} needs help")}),
            )
            .await;
            rig.slack().alert_for(&handoff.escalation_id).await;
            handoffs.push(handoff);
        }
        let (ann, ben, cy) = (&handoffs[0], &handoffs[1], &handoffs[2]);

        let (status, body) = rate(&rig, ann, Some(&ann.token), json!({"rating": 5})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("not_resolved")),
            "{body}"
        );
        for (handoff, agent) in [(ann, "Ana"), (ben, "Ana"), (cy, "Bo")] {
            rig.store
                .resolve(&handoff.escalation_id, agent)
                .await
                .expect("resolve");
        }
        let (status, _) = rate(&rig, ann, None, json!({"rating": 5})).await;
        assert_eq!(status, 401);
        let (status, _) = rate(&rig, ann, Some(&ben.token), json!({"rating": 5})).await;
        assert_eq!(status, 401, "another conversation's token");
        let (status, body) = rate(&rig, ann, Some(&ann.token), json!({"rating": 6})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_rating")),
            "{body}"
        );

        let (status, body) = rate(
            &rig,
            ann,
            Some(&ann.token),
            json!({"rating": 2, "comment": "Took too long"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["updated"], false);
        let (status, body) = rate(
            &rig,
            ann,
            Some(&ann.token),
            json!({"rating": 4, "comment": "Sorted in the end"}),
        )
        .await;
        assert_eq!(
            (status, body["updated"].as_bool()),
            (200, Some(true)),
            "{body}"
        );
        let (status, _) = rate(&rig, ben, Some(&ben.token), json!({"rating": 5})).await;
        assert_eq!(status, 200);

        // Both of Ann's ratings reach her escalation's thread.
        let posts = two_rating_posts(&rig, &ann.escalation_id).await;
        assert!(
            posts[0].contains("2/5") && posts[0].contains("Took too long"),
            "{posts:?}"
        );
        assert!(posts[1].contains("4/5"), "{posts:?}");

        // Three resolved, two rated (4 and 5): 100 % satisfied, 4.5 on average, two of
        // three answered; Ana resolved two (both rated), Bo one (not rated).
        let (status, stats) = rig
            .server
            .get_json("/api/v1/admin/stats", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 200, "{stats}");
        let csat = &stats["csat"];
        assert_eq!(csat["resolved"], 3, "{backend:?}: {csat}");
        assert_eq!(csat["ratings"], 2);
        assert_eq!(csat["csat_percent"], 100.0);
        assert_eq!(csat["average"], 4.5);
        let rate_percent = csat["response_rate_percent"].as_f64().expect("a rate");
        assert!((rate_percent - 200.0 / 3.0).abs() < 1e-9, "{rate_percent}");
        assert_eq!(
            csat["lowest"],
            json!([{"rating": 4, "comment": "Sorted in the end", "agent": "Ana", "site_id": "demo"}])
        );
        assert_eq!(
            csat["by_agent"],
            json!([
                {"agent": "Ana", "resolved": 2, "ratings": 2, "csat_percent": 100.0, "average": 4.5},
                {"agent": "Bo", "resolved": 1, "ratings": 0, "csat_percent": null, "average": null},
            ])
        );

        // The dashboard's overview shows the same figures, per site and per agent.
        let dashboard = DashboardSession::sign_in(&rig.server, "Lee").await;
        let page = dashboard.get("/admin").await;
        assert_eq!(page.status, 200);
        for shown in [
            r#"data-figure="csat">100.0%<"#,
            r#"data-figure="csat-average">4.5<"#,
            r#"data-figure="csat-response">66.7%<"#,
            "<tr><td>Northwind Outfitters</td><td>3</td><td>2</td><td>100.0%</td><td>4.5</td></tr>",
            "<tr><td>Ana</td><td>2</td><td>2</td><td>100.0%</td><td>4.5</td></tr>",
            "<tr><td>Bo</td><td>1</td><td>0</td><td>–</td><td>–</td></tr>",
            "<tr><td>4</td><td>Sorted in the end</td><td>Ana</td><td>Northwind Outfitters</td></tr>",
        ] {
            assert!(page.body.contains(shown), "{backend:?}: {shown} in {}", page.body);
        }

        // The managers' digest has the same figures (today so far, on demand).
        let asked = SignedRequest::command("/frontline", "digest", "C0LEADS");
        assert_eq!(
            asked
                .send(&reqwest::Client::new(), &rig.bot.url)
                .await
                .status(),
            200
        );
        let digest = rig
            .slack()
            .wait_for("the on-demand digest", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel == "C0LEADS" && m.meta("purpose") == Some("digest"))
                    .cloned()
            })
            .await;
        assert!(
            digest
                .text
                .contains("Satisfaction (CSAT):* 100 % satisfied · 4.5 average · 2 of 3 rated"),
            "{}",
            digest.text
        );
        rig.stop().await;
    }
}

/// Two ratings of one escalation recorded in the same millisecond are two posts in its
/// thread (the bot once keyed a rating's post by its time, so the second one was taken
/// for a post already made and never appeared; seen as a rare flake of the test above).
#[tokio::test]
async fn two_ratings_in_the_same_millisecond_are_both_posted() {
    use frontline_shared::clock::ManualClock;
    use frontline_shared::store::Store;
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "dee@customer.test", "message": "dee needs help"}),
        )
        .await;
        rig.slack().alert_for(&handoff.escalation_id).await;
        // Stopped at the current time, so the bot (on the system clock) finds the rows due.
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        let store = Store::connect_with_clock(&rig.db.url, clock)
            .await
            .expect("store");
        store
            .resolve(&handoff.escalation_id, "Ana")
            .await
            .expect("resolve");
        for (rating, comment) in [(2, "Slow"), (5, "Actually great")] {
            store
                .rate(&handoff.conversation_id, rating, Some(comment))
                .await
                .expect("rate");
        }
        let posts = two_rating_posts(&rig, &handoff.escalation_id).await;
        assert!(
            posts[0].contains("2/5") && posts[0].contains("Slow"),
            "{backend:?} {posts:?}"
        );
        assert!(
            posts[1].contains("5/5") && posts[1].contains("Actually great"),
            "{posts:?}"
        );
        rig.stop().await;
    }
}
