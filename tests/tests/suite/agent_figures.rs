//! Per-agent figures (issue 21) on each backend: claims, resolves, median and p90 time to
//! claim, to first reply and to resolve, reopen rate, and CSAT of what each person
//! resolved, for a period. History is written on a manual clock through the agent-action
//! use case (and a customer's message for the reopen); the expected numbers are worked out
//! by hand below. An admin sees everyone, an agent only themselves.

use frontline_shared::agent_action::{apply, AgentAction, Outcome, Reply};
use frontline_shared::audit::{Actor, Source};
use frontline_shared::clock::ManualClock;
use frontline_shared::store::conversations::Conversation;
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};

use crate::accounts::create_agent;

const MINUTE: i64 = 60_000;

/// Conversation `id` of the demo site, as the widget opened it at `created_at_ms`.
fn conversation(id: &str, created_at_ms: i64) -> Conversation {
    Conversation {
        id: id.into(),
        site_id: frontline_tests::demo_site(),
        page_url: None,
        locale: None,
        customer: serde_json::Map::new(),
        created_at_ms,
    }
}

/// Opens an escalation now (on the store's clock); its id.
pub(crate) async fn open(store: &Store, conversation_id: &str) -> String {
    let handoff = NewHandoff {
        conversation: conversation(conversation_id, store.now_ms()),
        email: format!("{conversation_id}@example.com"),
        name: None,
        message: Some("Help please".into()),
        customer: serde_json::Map::new(),
        page_url: None,
        priority: Default::default(),
        tags: vec![],
        intent: None,
        matched: vec![],
        question: None,
        outside_hours: false,
        mail: false,
        email_me: false,
    };
    let (escalation, _) = store.create_handoff(handoff).await.expect("handoff");
    escalation.id
}

async fn act(
    store: &Store,
    clock: &ManualClock,
    at: i64,
    actor: &Actor,
    action: AgentAction,
    id: &str,
) {
    clock.set_ms(at);
    let outcome = apply(store, &action, id, actor).await.expect("apply");
    assert!(matches!(outcome, Outcome::Applied(_)), "{outcome:?}");
}

/// One person's row as `(agent, claims, resolves, claim median, claim p90, resolve
/// median, resolve p90, ratings, csat %, average)`.
type Row = (
    String,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    i64,
    Option<f64>,
    Option<f64>,
);

/// One person's newer figures as `(agent, first replies, first reply median, first reply
/// p90, reopened, reopen %)`.
type NewerRow = (String, i64, f64, f64, i64, Option<f64>);

fn newer_rows(body: &Value) -> Vec<NewerRow> {
    body["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| {
            (
                a["agent"].as_str().unwrap_or_default().to_string(),
                a["first_replies"].as_i64().unwrap_or(-1),
                a["time_to_first_reply"]["median_seconds"]
                    .as_f64()
                    .unwrap_or(-1.0),
                a["time_to_first_reply"]["p90_seconds"]
                    .as_f64()
                    .unwrap_or(-1.0),
                a["reopened"].as_i64().unwrap_or(-1),
                a["reopen_percent"].as_f64(),
            )
        })
        .collect()
}

fn reply(text: &str) -> AgentAction {
    AgentAction::Reply(Reply {
        text: text.into(),
        files: Vec::new(),
        chat_event: None,
        saved_reply: None,
    })
}

fn rows(body: &Value) -> Vec<Row> {
    body["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| {
            let secs = |v: &Value| v.as_f64().unwrap_or(-1.0);
            (
                a["agent"].as_str().unwrap_or_default().to_string(),
                a["claims"].as_i64().unwrap_or(-1),
                a["resolves"].as_i64().unwrap_or(-1),
                secs(&a["time_to_claim"]["median_seconds"]),
                secs(&a["time_to_claim"]["p90_seconds"]),
                secs(&a["time_to_resolve"]["median_seconds"]),
                secs(&a["time_to_resolve"]["p90_seconds"]),
                a["ratings"].as_i64().unwrap_or(-1),
                a["csat_percent"].as_f64(),
                a["average_rating"].as_f64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_agent_sees_their_own_figures_and_an_admin_sees_everyones() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let created = create_agent(
            &server,
            "ana@example.com",
            "Ana Ruiz",
            "agent",
            Some("ana's passphrase"),
        )
        .await;
        let ana_id = created["agent"]["id"].as_str().expect("id").to_string();
        let ana = Actor {
            name: "Ana Ruiz".into(),
            agent_id: Some(ana_id.clone()),
            source: Source::Web,
            origin: Some("127.0.0.1".into()),
            role: frontline_shared::accounts::Role::Agent,
        };
        let bo = Actor::unlinked("bo", Source::Slack, Some("U0BO".into()));

        // 2026-03-02 09:00 UTC: four escalations open at once.
        let t0 = "2026-03-02T09:00:00Z"
            .parse::<jiff::Timestamp>()
            .expect("time")
            .as_millisecond();
        let clock = ManualClock::starting_at(t0);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let e1 = open(&store, "conv_f1").await;
        let e2 = open(&store, "conv_f2").await;
        let e3 = open(&store, "conv_f3").await;
        let e4 = open(&store, "conv_f4").await;
        // Ana claims e1 after 1 min, e2 after 2, e3 after 5; resolves e1 at 10, e2 at 20.
        act(&store, &clock, t0 + MINUTE, &ana, AgentAction::Claim, &e1).await;
        act(
            &store,
            &clock,
            t0 + 2 * MINUTE,
            &ana,
            AgentAction::Claim,
            &e2,
        )
        .await;
        act(
            &store,
            &clock,
            t0 + 5 * MINUTE,
            &ana,
            AgentAction::Claim,
            &e3,
        )
        .await;
        act(
            &store,
            &clock,
            t0 + 10 * MINUTE,
            &ana,
            AgentAction::Resolve,
            &e1,
        )
        .await;
        act(
            &store,
            &clock,
            t0 + 20 * MINUTE,
            &ana,
            AgentAction::Resolve,
            &e2,
        )
        .await;
        // bo (Slack, no account) claims e4 after 30 s and resolves it at 90 s.
        act(&store, &clock, t0 + 30_000, &bo, AgentAction::Claim, &e4).await;
        act(&store, &clock, t0 + 90_000, &bo, AgentAction::Resolve, &e4).await;
        // First replies: Ana to e1 at 3 min (and again at 4, not a first), to e2 at 8;
        // bo to e4 at 60 s and to e3 (Ana's) at 6 min.
        for (at, who, id) in [
            (t0 + 3 * MINUTE, &ana, &e1),
            (t0 + 4 * MINUTE, &ana, &e1),
            (t0 + 8 * MINUTE, &ana, &e2),
            (t0 + MINUTE, &bo, &e4),
            (t0 + 6 * MINUTE, &bo, &e3),
        ] {
            act(&store, &clock, at, who, reply("On it."), id).await;
        }
        // Ratings: e1 5, e2 2, e4 4.
        clock.set_ms(t0 + 30 * MINUTE);
        for (conversation, rating) in [("conv_f1", 5), ("conv_f2", 2), ("conv_f4", 4)] {
            store.rate(conversation, rating, None).await.expect("rate");
        }
        // At 40 min the customer of e1 writes again: Ana's resolve of e1 is reopened.
        clock.set_ms(t0 + 40 * MINUTE);
        let reopened = store
            .append_customer_message(&conversation("conv_f1", t0), "It came back broken.")
            .await
            .expect("message");
        assert_eq!(reopened.as_deref(), Some(e1.as_str()), "{backend:?}");

        // Ana: claims 60, 120, 300 s → median 120, p90 300; resolves 600, 1200 s →
        // nearest-rank median 600, p90 1200; ratings 5 and 2 → 50 %, 3.5.
        let ana_row: Row = (
            "Ana Ruiz".into(),
            3,
            2,
            120.0,
            300.0,
            600.0,
            1200.0,
            2,
            Some(50.0),
            Some(3.5),
        );
        // bo: one claim at 30 s, one resolve at 90 s, one rating of 4 → 100 %, 4.0.
        let bo_row: Row = (
            "bo".into(),
            1,
            1,
            30.0,
            30.0,
            90.0,
            90.0,
            1,
            Some(100.0),
            Some(4.0),
        );

        let path = "/api/v1/admin/stats/agents?from=2026-03-02&to=2026-03-02&tz=UTC";
        let (status, all) = server.get_json(path, Some(ADMIN_TOKEN)).await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(
            rows(&all),
            vec![ana_row.clone(), bo_row],
            "{backend:?}: {all}"
        );
        // Ana sent the first reply of e1 (180 s) and e2 (480 s): nearest-rank median 180,
        // p90 480; of the two escalations she resolved, e1 was reopened: 50 %. bo sent
        // the first reply of e4 (60 s) and e3 (360 s); his one resolve stayed resolved.
        assert_eq!(
            newer_rows(&all),
            vec![
                ("Ana Ruiz".into(), 2, 180.0, 480.0, 1, Some(50.0)),
                ("bo".into(), 2, 60.0, 360.0, 0, Some(0.0)),
            ],
            "{backend:?}: {all}"
        );
        assert_eq!(all["agents"][0]["agent_id"], json!(ana_id));
        assert_eq!(all["agents"][1]["agent_id"], Value::Null);

        // The day before has nothing.
        let (_, before) = server
            .get_json(
                "/api/v1/admin/stats/agents?from=2026-03-01&to=2026-03-01&tz=UTC",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(rows(&before), vec![]);

        // Ana, signed in as an agent, gets only her own row, in the API and the page.
        let session =
            DashboardSession::sign_in_account(&server, "ana@example.com", "ana's passphrase").await;
        let own = session.get(path).await;
        assert_eq!(own.status, 200, "{}", own.body);
        let own: Value = serde_json::from_str(&own.body).expect("json");
        assert_eq!(rows(&own), vec![ana_row]);
        let page = session
            .get("/admin/figures?from=2026-03-02&to=2026-03-02&tz=UTC")
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(r#"data-agent-figures="Ana Ruiz""#),
            "{}",
            page.body
        );
        assert!(page.body.contains("2 min 0 s / 5 min 0 s"), "{}", page.body);
        assert!(page.body.contains("50 %"), "{}", page.body);
        assert!(
            page.body
                .contains("<td data-time-to-first-reply>3 min 0 s / 8 min 0 s</td>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<td data-reopened>1 (50 %)</td>"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains(r#"data-agent-figures="bo""#),
            "only her own row"
        );
        // An admin's page lists both.
        let lead = DashboardSession::sign_in(&server, "Lead").await;
        let page = lead
            .get("/admin/figures?from=2026-03-02&to=2026-03-02&tz=UTC")
            .await;
        assert!(
            page.body.contains(r#"data-agent-figures="bo""#),
            "{}",
            page.body
        );
        let bad = lead
            .get("/admin/figures?from=2026-03-05&to=2026-03-01")
            .await;
        assert_eq!(bad.status, 400);

        store.close().await;
        server.stop().await;
    }
}
