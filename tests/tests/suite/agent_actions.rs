//! The core's agent actions on each backend: every action, every refusal and its one
//! wording, and the same refusal reaching agents through the admin API and the dashboard.

use frontline_shared::agent_action::{apply, AgentAction, ChatEvent, Outcome, Refusal, Reply};
use frontline_shared::audit::{Actor, Source};
use frontline_shared::config::ChatPlatform;
use frontline_shared::escalation::{Escalation, EscalationStatus, Priority};
use frontline_shared::store::conversations::Conversation;
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::TestServer;
use serde_json::json;

/// A fresh store with one queued escalation; returns both.
async fn queued_escalation(db: &TestDatabase) -> (Store, String) {
    let store = Store::connect(&db.url).await.expect("connect");
    let handoff = NewHandoff {
        conversation: Conversation {
            id: "conv_1".into(),
            site_id: frontline_tests::demo_site(),
            page_url: None,
            locale: None,
            customer: serde_json::Map::new(),
            created_at_ms: 1,
        },
        email: "sam@example.com".into(),
        name: Some("Sam".into()),
        message: Some("My parcel never arrived".into()),
        customer: serde_json::Map::new(),
        page_url: None,
        priority: Priority::Normal,
        tags: vec![],
        intent: None,
        matched: vec![],
        question: Some("My parcel never arrived".into()),
        outside_hours: false,
        mail: false,
        email_me: false,
    };
    let (escalation, created) = store.create_handoff(handoff).await.expect("handoff");
    assert!(created);
    (store, escalation.id)
}

/// `agent` acting through the admin API, as the audit log records them.
fn actor(agent: &str) -> Actor {
    Actor::unlinked(agent, Source::Api, None)
}

async fn applied(store: &Store, action: AgentAction, id: &str, agent: &str) -> Escalation {
    match apply(store, &action, id, &actor(agent))
        .await
        .expect("apply")
    {
        Outcome::Applied(escalation) => *escalation,
        other => panic!("{action:?} by {agent} was not applied: {other:?}"),
    }
}

async fn refused(store: &Store, action: AgentAction, id: &str, agent: &str) -> Refusal {
    match apply(store, &action, id, &actor(agent))
        .await
        .expect("apply")
    {
        Outcome::Refused(refusal) => refusal,
        other => panic!("{action:?} by {agent} was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn claim_takes_a_queued_escalation_once_and_names_its_owner_to_the_others() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (store, id) = queued_escalation(&db).await;
        let claimed = applied(&store, AgentAction::Claim, &id, "Ana").await;
        assert_eq!(claimed.status, EscalationStatus::Claimed, "{backend:?}");
        assert_eq!(claimed.claimed_by.as_deref(), Some("Ana"));

        let by_ben = refused(&store, AgentAction::Claim, &id, "Ben").await;
        assert_eq!(by_ben.to_string(), "already claimed by Ana", "{backend:?}");
        assert_eq!(by_ben.sentence(), "Already claimed by Ana.");
        assert_eq!(by_ben.chat_sentence(), "Already claimed by @Ana.");
        let again = refused(&store, AgentAction::Claim, &id, "Ana").await;
        assert_eq!(again.sentence(), "You already claimed this escalation.");
        let stored = store.escalation(&id).await.expect("read").expect("stored");
        assert_eq!(stored.claimed_by.as_deref(), Some("Ana"), "{backend:?}");
    }
}

#[tokio::test]
async fn release_is_the_owners_alone_and_needs_a_claim() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (store, id) = queued_escalation(&db).await;
        let unclaimed = refused(&store, AgentAction::Release, &id, "Ana").await;
        assert_eq!(unclaimed.to_string(), "this escalation is not claimed");

        applied(&store, AgentAction::Claim, &id, "Ana").await;
        let by_ben = refused(&store, AgentAction::Release, &id, "Ben").await;
        assert_eq!(
            by_ben.chat_sentence(),
            "Only @Ana, who claimed it, can release it.",
            "{backend:?}"
        );
        let released = applied(&store, AgentAction::Release, &id, "Ana").await;
        assert_eq!(released.status, EscalationStatus::Queued, "{backend:?}");
        assert_eq!(released.claimed_by, None);
    }
}

#[tokio::test]
async fn resolve_closes_it_and_every_later_action_is_told_who_resolved_it() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (store, id) = queued_escalation(&db).await;
        let resolved = applied(&store, AgentAction::Resolve, &id, "Ana").await;
        assert_eq!(resolved.status, EscalationStatus::Resolved, "{backend:?}");
        assert_eq!(resolved.resolved_by.as_deref(), Some("Ana"));
        for action in [
            AgentAction::Claim,
            AgentAction::Release,
            AgentAction::Resolve,
        ] {
            let refusal = refused(&store, action.clone(), &id, "Ben").await;
            assert_eq!(
                refusal.to_string(),
                "already resolved by Ana",
                "{backend:?} {action:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_reply_reaches_the_transcript_once_even_when_chat_delivers_it_twice() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (store, id) = queued_escalation(&db).await;
        let web = AgentAction::Reply(Reply {
            files: Vec::new(),
            text: "Checking with the carrier.".into(),
            chat_event: None,
            saved_reply: None,
        });
        applied(&store, web, &id, "Ana").await;
        let from_slack = AgentAction::Reply(Reply {
            files: Vec::new(),
            text: "It ships today.".into(),
            chat_event: Some(ChatEvent {
                platform: ChatPlatform::Slack,
                id: "slack-event:Ev1".into(),
            }),
            saved_reply: None,
        });
        applied(&store, from_slack.clone(), &id, "Ben").await;
        let again = apply(&store, &from_slack, &id, &actor("Ben"))
            .await
            .expect("apply");
        assert!(
            matches!(again, Outcome::AlreadyApplied(_)),
            "{backend:?}: {again:?}"
        );
        let lines: Vec<(String, Option<String>, String)> = store
            .transcript("conv_1")
            .await
            .expect("transcript")
            .into_iter()
            .map(|l| (l.author, l.author_name, l.body))
            .collect();
        assert_eq!(
            lines[1..],
            [
                (
                    "agent".into(),
                    Some("Ana".into()),
                    "Checking with the carrier.".into()
                ),
                ("agent".into(), Some("Ben".into()), "It ships today.".into()),
            ],
            "{backend:?}: {lines:?}"
        );
    }
}

#[tokio::test]
async fn every_action_on_an_unknown_escalation_is_refused_as_not_found() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (store, _) = queued_escalation(&db).await;
        let reply = AgentAction::Reply(Reply {
            files: Vec::new(),
            text: "hello".into(),
            chat_event: None,
            saved_reply: None,
        });
        for action in [
            AgentAction::Claim,
            AgentAction::Release,
            AgentAction::Resolve,
            reply,
        ] {
            let refusal = refused(&store, action.clone(), "esc_missing", "Ana").await;
            assert_eq!(refusal, Refusal::NotFound, "{backend:?} {action:?}");
            assert_eq!(refusal.to_string(), "no such escalation");
        }
    }
}

#[tokio::test]
async fn the_admin_api_and_the_dashboard_give_the_same_refusals() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let handoff = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "My parcel never arrived"}),
        )
        .await;
        let id = handoff.escalation_id;
        let api = |action: &'static str, agent: &'static str| {
            let server = &server;
            let path = format!("/api/v1/admin/escalations/{id}/{action}");
            async move { server.admin_post(&path, json!({ "agent": agent })).await }
        };
        let (status, _) = api("claim", "Ana").await;
        assert_eq!(status, 200);
        let ben = DashboardSession::sign_in(&server, "Ben").await;
        for (action, api_message, page_text) in [
            ("claim", "already claimed by Ana", "Already claimed by Ana."),
            (
                "release",
                "only Ana, who claimed it, can release it",
                "Only Ana, who claimed it, can release it.",
            ),
        ] {
            let (status, body) = api(action, "Ben").await;
            assert_eq!(status, 409, "{backend:?} {action}: {body}");
            assert_eq!(body["error"]["message"], api_message, "{backend:?}");

            let form = ben
                .post_form(&format!("/admin/escalations/{id}/{action}"), &[])
                .await;
            assert_eq!(form.status, 303, "{backend:?} {action}: {}", form.body);
            let target = form.location.expect("redirect");
            let page = ben.get(&target).await;
            assert!(
                page.body.contains(page_text),
                "{backend:?} {action}: {target} shows {}",
                page.body
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_dashboard_action_is_refused_naming_the_field() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let handoff = hand_off(
        &server,
        json!({"email": "sam@example.com", "message": "help"}),
    )
    .await;
    let ana = DashboardSession::sign_in(&server, "Ana").await;
    let page = ana
        .post_form(
            &format!("/admin/escalations/{}/delete", handoff.escalation_id),
            &[],
        )
        .await;
    assert_eq!(page.status, 404, "{}", page.body);
    let body: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    assert_eq!(body["error"]["code"], "unknown_action");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("`action`"), "{message}");
    let (_, stored) = server
        .get_json(
            &format!("/api/v1/admin/escalations/{}", handoff.escalation_id),
            Some(frontline_tests::widget_server::ADMIN_TOKEN),
        )
        .await;
    assert_eq!(stored["status"], "queued");
}
