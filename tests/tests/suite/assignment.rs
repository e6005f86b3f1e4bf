//! Assignment, reassignment and take-over (issue 21) on each backend: an assignment and
//! claims racing for one escalation leave exactly one owner through the same conditional
//! update, the losers are told who won; an admin assigns, reassigns and takes over through
//! the admin API and the dashboard, an agent may not, and each is audited.

use frontline_shared::accounts::NewAgent;
use frontline_shared::accounts::Role;
use frontline_shared::agent_action::{apply, AgentAction, Outcome};
use frontline_shared::audit::{Actor, AuditAction, AuditFilter, Source};
use frontline_shared::escalation::Priority;
use frontline_shared::store::agents::new_agent_id;
use frontline_shared::store::audit::AuditRecord;
use frontline_shared::store::conversations::Conversation;
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::json;

use crate::accounts::create_agent;

fn handoff(conversation: &str) -> NewHandoff {
    NewHandoff {
        conversation: Conversation {
            id: conversation.into(),
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
    }
}

#[tokio::test]
async fn an_assignment_racing_claims_leaves_exactly_one_owner_and_the_losers_are_told_who() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("connect");
        let bob = NewAgent::parse("bob@example.com", "Bob Baker", "agent").expect("valid");
        let manager = Actor::unlinked("Lea", Source::Api, None).with_role(Role::Admin);
        let created = AuditRecord {
            actor: &manager,
            action: AuditAction::AgentCreated,
        };
        let bob = store
            .create_agent(&new_agent_id(), &bob, None, created)
            .await
            .expect("create")
            .expect("new");
        let mut assignments_won = 0;
        for round in 0..8 {
            let conversation = format!("conv_race_{round}");
            let (escalation, _) = store
                .create_handoff(handoff(&conversation))
                .await
                .expect("handoff");
            let id = escalation.id.clone();
            // One assignment to Bob and three claims, all at once.
            let mut racers = Vec::new();
            let assign = AgentAction::Assign {
                agent_id: bob.id.clone(),
            };
            racers.push(("Bob Baker".to_string(), assign, manager.clone()));
            for name in ["Ana", "Cy", "Dee"] {
                let actor = Actor::unlinked(name, Source::Slack, Some(format!("U_{name}")));
                racers.push((name.to_string(), AgentAction::Claim, actor));
            }
            let tasks: Vec<_> = racers
                .into_iter()
                .map(|(owner, action, actor)| {
                    let store = store.clone();
                    let id = id.clone();
                    tokio::spawn(async move {
                        let outcome = apply(&store, &action, &id, &actor).await.expect("apply");
                        (owner, outcome)
                    })
                })
                .collect();
            let mut winners = Vec::new();
            let mut refusals = Vec::new();
            for task in tasks {
                match task.await.expect("join") {
                    (owner, Outcome::Applied(_)) => winners.push(owner),
                    (_, Outcome::Refused(refusal)) => refusals.push(refusal.to_string()),
                    (owner, other) => panic!("{backend:?}: {owner}: {other:?}"),
                }
            }
            assert_eq!(winners.len(), 1, "{backend:?} round {round}: {winners:?}");
            let winner = &winners[0];
            assert_eq!(
                refusals,
                vec![format!("already claimed by {winner}"); 3],
                "{backend:?} round {round}"
            );
            let stored = store.escalation(&id).await.expect("read").expect("stored");
            assert_eq!(stored.claimed_by.as_deref(), Some(winner.as_str()));
            if winner == "Bob Baker" {
                assignments_won += 1;
                assert_eq!(stored.claimed_by_agent_id.as_deref(), Some(bob.id.as_str()));
            } else {
                assert_eq!(stored.claimed_by_agent_id, None, "an unlinked claim");
            }
        }
        // One audit row per round: the winner's claim or assignment, nobody else's.
        let rows = |action| {
            let store = store.clone();
            async move {
                let filter = AuditFilter {
                    action: Some(action),
                    ..AuditFilter::default()
                };
                store.audit_entries(&filter, 100).await.expect("audit")
            }
        };
        let assigned = rows(AuditAction::Assign).await;
        let claimed = rows(AuditAction::Claim).await;
        assert_eq!(assigned.len(), assignments_won, "{backend:?}");
        assert_eq!(assigned.len() + claimed.len(), 8, "{backend:?}");
        assert!(assigned.iter().all(|row| row.actor == "Lea"));
    }
}

/// `POST /api/v1/admin/escalations/{id}/{action}` with the admin token.
async fn api(
    server: &TestServer,
    id: &str,
    action: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let path = format!("/api/v1/admin/escalations/{id}/{action}");
    server.admin_post(&path, body).await
}

#[tokio::test]
async fn an_admin_assigns_reassigns_and_takes_over_through_the_api_and_each_is_audited() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let ana = create_agent(&server, "ana@example.com", "Ana", "agent", None).await;
        let ana_id = ana["agent"]["id"].as_str().expect("id").to_string();
        let lea = create_agent(&server, "lea@example.com", "Lea", "admin", None).await;
        let lea_id = lea["agent"]["id"].as_str().expect("id").to_string();
        let handoff = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "My parcel never arrived"}),
        )
        .await;
        let id = handoff.escalation_id;

        let (status, body) = api(
            &server,
            &id,
            "reassign",
            json!({"agent": "Max", "agent_id": lea_id}),
        )
        .await;
        assert_eq!(status, 409, "{backend:?}: {body}");
        assert_eq!(body["error"]["message"], "this escalation is not claimed");

        let (status, body) = api(
            &server,
            &id,
            "assign",
            json!({"agent": "Max", "agent_id": ana_id}),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["status"], "claimed");
        assert_eq!(body["claimed_by"], "Ana");
        assert_eq!(body["claimed_by_agent_id"], ana_id.as_str());

        // Assigning what is claimed is refused naming the owner: reassign it instead.
        let (status, body) = api(
            &server,
            &id,
            "assign",
            json!({"agent": "Max", "agent_id": lea_id}),
        )
        .await;
        assert_eq!(status, 409, "{backend:?}: {body}");
        assert_eq!(body["error"]["message"], "already claimed by Ana");
        let (status, body) = api(
            &server,
            &id,
            "reassign",
            json!({"agent": "Max", "agent_id": ana_id}),
        )
        .await;
        assert_eq!(status, 409, "{backend:?}: {body}");
        assert_eq!(body["error"]["message"], "already assigned to Ana");

        let (status, body) = api(
            &server,
            &id,
            "reassign",
            json!({"agent": "Max", "agent_id": lea_id}),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["claimed_by"], "Lea");

        let (status, body) = api(&server, &id, "take_over", json!({"agent": "Max"})).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["claimed_by"], "Max");
        assert_eq!(body["claimed_by_agent_id"], serde_json::Value::Null);
        let (status, body) = api(&server, &id, "take_over", json!({"agent": "Max"})).await;
        assert_eq!(status, 409, "{backend:?}: {body}");
        assert_eq!(
            body["error"]["message"],
            "you already claimed this escalation"
        );

        let (status, body) = api(
            &server,
            &id,
            "reassign",
            json!({"agent": "Max", "agent_id": "agt_nobody"}),
        )
        .await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_agent_id");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`agent_id`"));

        let (_, audit) = server
            .get_json(
                "/api/v1/admin/audit?actor=Max&format=json",
                Some(ADMIN_TOKEN),
            )
            .await;
        let mut actions: Vec<&str> = audit
            .as_array()
            .expect("rows")
            .iter()
            .filter(|row| row["object_id"] == id.as_str())
            .map(|row| row["action"].as_str().unwrap_or_default())
            .collect();
        actions.sort_unstable();
        assert_eq!(
            actions,
            ["assign", "reassign", "take_over"],
            "{backend:?}: {audit}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_escalation_page_lets_admins_assign_and_refuses_agents() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let ana = create_agent(
            &server,
            "ana@example.com",
            "Ana",
            "agent",
            Some("ana's passphrase"),
        )
        .await;
        let ana_id = ana["agent"]["id"].as_str().expect("id").to_string();
        create_agent(
            &server,
            "lea@example.com",
            "Lea",
            "admin",
            Some("lea's passphrase"),
        )
        .await;
        let handoff = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "My parcel never arrived"}),
        )
        .await;
        let id = handoff.escalation_id;
        let page = format!("/admin/escalations/{id}");

        let agent =
            DashboardSession::sign_in_account(&server, "ana@example.com", "ana's passphrase").await;
        let shown = agent.get(&page).await;
        assert!(
            !shown.body.contains("Assign to"),
            "{backend:?}: agents see no select"
        );
        let refused = agent
            .post_form(&format!("{page}/assign"), &[("agent_id", ana_id.as_str())])
            .await;
        assert_eq!(refused.status, 403, "{backend:?}: {}", refused.body);
        assert!(refused
            .body
            .contains("only an admin can assign or take over escalations"));

        let admin =
            DashboardSession::sign_in_account(&server, "lea@example.com", "lea's passphrase").await;
        let shown = admin.get(&page).await;
        assert!(shown.body.contains("Assign to"), "{backend:?}");
        assert!(
            shown
                .body
                .contains(&format!("<option value=\"{ana_id}\">Ana</option>")),
            "{}",
            shown.body
        );
        let done = admin
            .post_form(&format!("{page}/assign"), &[("agent_id", ana_id.as_str())])
            .await;
        assert_eq!(done.status, 303, "{backend:?}: {}", done.body);
        let shown = admin.get(&done.location.expect("redirect")).await;
        assert!(
            shown
                .body
                .contains("Assigned. The agent owns this escalation now."),
            "{backend:?}"
        );
        assert!(
            shown.body.contains("<strong>Owner:</strong> Ana"),
            "{backend:?}"
        );
        assert!(shown.body.contains("Reassign to"), "{backend:?}");
        assert!(shown.body.contains("Take over"), "{backend:?}");

        // A stale page (it still showed the escalation queued) is refused naming the owner.
        let stale = admin
            .post_form(&format!("{page}/assign"), &[("agent_id", ana_id.as_str())])
            .await;
        let shown = admin.get(&stale.location.expect("redirect")).await;
        assert!(
            shown.body.contains("Already assigned to Ana."),
            "{backend:?}"
        );
        server.stop().await;
    }
}
