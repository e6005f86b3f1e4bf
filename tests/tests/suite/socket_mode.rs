//! Slack over Socket Mode only (issue 25): the bot has no signing secret, so its HTTP
//! endpoints refuse every callback, and the stand-in never calls them; claims, thread
//! replies and `/frontline digest` arrive as envelopes over the WebSocket that
//! `apps.connections.open` hands out. With two bot replicas each holds a connection and
//! an envelope delivered to both acts once. Every test runs on each backend.

use std::time::Duration;

use frontline_shared::config::{Secret, Settings};
use frontline_tests::bot::{self, TestBot, FAST_DELIVERY};
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use frontline_tests::rig::Rig;
use frontline_tests::slack_callbacks::{block_action, thread_reply, SignedRequest, SlackUser};
use frontline_tests::slack_socket_mode::{
    slash_command, EnvelopeKind, SocketModeStandIn, APP_TOKEN,
};
use frontline_tests::slack_standin::{Posted, SlackStandIn};
use frontline_tests::sse::SseEvent;
use frontline_tests::widget_server::{ServerOptions, TestServer};
use serde_json::{json, Value};

const ANA: SlackUser = SlackUser {
    id: "U0ANA",
    name: "ana",
};
const WAIT: Duration = Duration::from_secs(10);
/// Slack's acknowledgement window (<https://api.slack.com/apis/socket-mode>).
const ACK_WINDOW: Duration = Duration::from_secs(3);

/// Bot settings with `[bot.slack] socket_mode = true`, `SLACK_APP_TOKEN` and no signing
/// secret.
fn socket_mode_settings(db: &TestDatabase, slack: &SlackStandIn) -> Settings {
    let toml = format!("{FAST_DELIVERY}\n[bot.slack]\nsocket_mode = true\n");
    let mut settings = bot::settings(&db.url, Some(slack), None, &toml);
    settings.secrets.slack_signing_secret = None;
    settings.secrets.slack_app_token = Some(Secret::new(APP_TOKEN));
    settings
}

/// A store, the widget server, the Slack stand-in with its Socket Mode server, and the
/// bot in Socket Mode only ([`socket_mode_settings`]).
async fn socket_mode_rig(backend: TestBackend) -> (Rig, SocketModeStandIn) {
    let db = TestDatabase::new(backend).await;
    let server = TestServer::start_with(&db.url, &ServerOptions::default()).await;
    let slack = SlackStandIn::start().await;
    let socket = SocketModeStandIn::start(&slack).await;
    let bot = TestBot::start(socket_mode_settings(&db, &slack)).await;
    let store = frontline_shared::store::Store::connect(&db.url)
        .await
        .expect("test store handle");
    socket.wait_for_connections(1).await;
    let rig = Rig {
        bot,
        server,
        slack: Some(slack),
        discord: None,
        store,
        db,
    };
    (rig, socket)
}

async fn handoff(rig: &Rig) -> Handoff {
    hand_off(
        &rig.server,
        json!({"email": "sam@example.com", "name": "Sam Rivera", "message": "My parcel never arrived"}),
    )
    .await
}

/// Sends an envelope and waits for its first acknowledgement, which must come within
/// Slack's window; returns the envelope id and the acknowledgement's payload.
async fn deliver(
    socket: &SocketModeStandIn,
    kind: EnvelopeKind,
    payload: Value,
) -> (String, Option<Value>) {
    let id = socket.send(kind, payload).await;
    let ack = socket.wait_for_ack(&id, 1).await;
    assert!(
        ack.after < ACK_WINDOW,
        "{kind:?} acknowledged after {:?}",
        ack.after
    );
    (id, ack.payload)
}

fn status(wanted: &'static str) -> impl Fn(&SseEvent) -> bool {
    move |e: &SseEvent| e.event == "status" && e.data["status"] == wanted
}

fn agent_message(e: &SseEvent) -> bool {
    e.event == "message" && e.data["author"] == "agent"
}

/// The customer's transcript lines written by an agent.
async fn agent_lines(rig: &Rig, handoff: &Handoff) -> Vec<Value> {
    let (code, conversation) = rig
        .server
        .get_json(
            &format!("/api/v1/conversations/{}", handoff.conversation_id),
            Some(&handoff.token),
        )
        .await;
    assert_eq!(code, 200);
    conversation["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter(|l| l["author"] == "agent")
        .cloned()
        .collect()
}

async fn alert_with_buttons(rig: &Rig, alert: &Posted, buttons: &[&str]) -> Posted {
    rig.slack()
        .wait_for(&format!("the alert with buttons {buttons:?}"), WAIT, |s| {
            s.messages
                .iter()
                .find(|m| m.ts == alert.ts && m.buttons() == buttons)
                .cloned()
        })
        .await
}

#[tokio::test]
async fn a_claim_a_thread_reply_and_the_digest_command_work_over_socket_mode_only() {
    for backend in backends() {
        let (rig, socket) = socket_mode_rig(backend).await;
        rig.slack().add_user(ANA.id, ANA.name);
        let handoff = handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        // The HTTP door is shut: a correctly signed click changes nothing.
        let refused = SignedRequest::interaction(&block_action(&ANA, &alert, "claim"))
            .send(&rig.bot.client, &rig.bot.url)
            .await;
        assert!(
            refused.status().is_client_error() || refused.status().is_server_error(),
            "{backend:?}: {}",
            refused.status()
        );

        deliver(
            &socket,
            EnvelopeKind::Interactive,
            block_action(&ANA, &alert, "claim"),
        )
        .await;
        let claimed = stream
            .until(WAIT, status("claimed"))
            .await
            .expect("claimed");
        assert_eq!(claimed.data["agent"], "ana", "{backend:?}");
        alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;

        let reply = thread_reply(
            "Ev0SOCKET1",
            &ANA,
            &alert,
            "Your parcel left the depot &amp; arrives Monday",
        );
        deliver(&socket, EnvelopeKind::EventsApi, reply).await;
        let relayed = stream
            .until(WAIT, agent_message)
            .await
            .expect("the agent's reply");
        assert_eq!(
            relayed.data["body"], "Your parcel left the depot & arrives Monday",
            "{backend:?}"
        );

        let (_, answer) = deliver(
            &socket,
            EnvelopeKind::SlashCommands,
            slash_command("/frontline", "digest", "C0LEADS"),
        )
        .await;
        let answer = answer.expect("the command's answer rides on its acknowledgement");
        assert_eq!(answer["response_type"], "ephemeral", "{answer}");
        assert_eq!(
            answer["text"], "Posting today's digest so far in this channel…",
            "{answer}"
        );
        let digest = rig
            .slack()
            .wait_for("the on-demand digest", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel == "C0LEADS" && m.meta("purpose") == Some("digest"))
                    .cloned()
            })
            .await;
        assert!(digest.text.contains("Today so far"), "{}", digest.text);

        let (_, help) = deliver(
            &socket,
            EnvelopeKind::SlashCommands,
            slash_command("/frontline", "<!channel> help", "C0LEADS"),
        )
        .await;
        let help = help.expect("an answer");
        let text = help["text"].as_str().unwrap_or_default();
        assert!(
            text.starts_with("Usage") && !text.contains("<!channel>"),
            "{help}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn an_envelope_redelivered_after_a_reconnect_acts_once() {
    for backend in backends() {
        let (rig, socket) = socket_mode_rig(backend).await;
        rig.slack().add_user(ANA.id, ANA.name);
        let handoff = handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        let (claim, _) = deliver(
            &socket,
            EnvelopeKind::Interactive,
            block_action(&ANA, &alert, "claim"),
        )
        .await;
        stream
            .until(WAIT, status("claimed"))
            .await
            .expect("claimed");
        let reply = thread_reply("Ev0SOCKET2", &ANA, &alert, "On its way");
        let (event, _) = deliver(&socket, EnvelopeKind::EventsApi, reply).await;
        stream.until(WAIT, agent_message).await.expect("relayed");

        // The socket drops without a close frame; the bot reconnects, and Slack delivers
        // both envelopes again there.
        socket.drop_connection().await;
        socket.wait_for_connections(2).await;
        socket.redeliver(&claim).await;
        socket.redeliver(&event).await;
        for id in [&claim, &event] {
            let again = socket.wait_for_ack(id, 2).await;
            assert_eq!(
                again.connection, 2,
                "{backend:?}: re-delivered on the new connection"
            );
            assert!(again.after < ACK_WINDOW);
        }
        // A marker sent after them: once it is relayed, the worker has passed both.
        let marker = thread_reply("Ev0SOCKET3", &ANA, &alert, "Tracking number follows");
        deliver(&socket, EnvelopeKind::EventsApi, marker).await;
        let next = stream.until(WAIT, agent_message).await.expect("the marker");
        assert_eq!(
            next.data["body"], "Tracking number follows",
            "{backend:?}: no second copy before it"
        );

        let bodies: Vec<Value> = agent_lines(&rig, &handoff)
            .await
            .iter()
            .map(|l| l["body"].clone())
            .collect();
        assert_eq!(
            bodies,
            vec![json!("On its way"), json!("Tracking number follows")],
            "{backend:?}"
        );
        let ephemerals = rig.slack().with(|s| s.ephemerals.clone());
        assert!(
            ephemerals.is_empty(),
            "{backend:?}: the repeated claim told nobody anything: {ephemerals:?}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_disconnect_is_followed_by_a_reconnect_that_carries_on() {
    for backend in backends() {
        let (rig, socket) = socket_mode_rig(backend).await;
        let opened = |rig: &Rig| {
            rig.slack()
                .with(|s| s.calls_to("apps.connections.open").len())
        };
        let before = opened(&rig);

        socket.disconnect("refresh_requested").await;
        socket.wait_for_connections(2).await;
        assert_eq!(
            opened(&rig),
            before + 1,
            "{backend:?}: one more apps.connections.open"
        );

        // Work goes on over the new connection.
        let handoff = handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let id = socket
            .send(
                EnvelopeKind::Interactive,
                block_action(&ANA, &alert, "claim"),
            )
            .await;
        let ack = socket.wait_for_ack(&id, 1).await;
        assert_eq!(ack.connection, 2, "{backend:?}");
        stream
            .until(WAIT, status("claimed"))
            .await
            .expect("claimed");
        assert_eq!(
            socket.connections_opened(),
            2,
            "{backend:?}: no extra connections"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn two_replicas_each_hold_a_connection_and_an_envelope_sent_to_both_acts_once() {
    for backend in backends() {
        let (rig, socket) = socket_mode_rig(backend).await;
        let second = TestBot::start(socket_mode_settings(&rig.db, rig.slack())).await;
        socket.wait_for_open_connections(2).await;
        assert_eq!(socket.open_connections(), vec![1, 2], "{backend:?}");
        rig.slack().add_user(ANA.id, ANA.name);
        let handoff = handoff(&rig).await;
        let mut stream = handoff.stream(&rig.server).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;

        // Slack spreads envelopes over both connections, and re-delivers one to the other
        // connection at once (as after a missed acknowledgement): both replicas get each.
        let claim = socket
            .send_on(
                1,
                EnvelopeKind::Interactive,
                block_action(&ANA, &alert, "claim"),
            )
            .await;
        socket.redeliver_on(2, &claim).await;
        let claimed = stream
            .until(WAIT, status("claimed"))
            .await
            .expect("claimed");
        assert_eq!(claimed.data["agent"], "ana", "{backend:?}");
        // The agent answers once the claim shows (each replica applies its envelopes in
        // order, but not in step with the other).
        let reply = thread_reply("Ev0REPLICA1", &ANA, &alert, "Checking with the courier");
        let event = socket.send_on(2, EnvelopeKind::EventsApi, reply).await;
        socket.redeliver_on(1, &event).await;
        let digest = slash_command("/frontline", "digest", "C0LEADS");
        let command = socket.send_on(1, EnvelopeKind::SlashCommands, digest).await;
        socket.redeliver_on(2, &command).await;
        for id in [&claim, &event, &command] {
            let mut connections: Vec<usize> = Vec::new();
            for n in [1, 2] {
                let ack = socket.wait_for_ack(id, n).await;
                assert!(ack.after < ACK_WINDOW, "{backend:?}: {ack:?}");
                connections.push(ack.connection);
            }
            connections.sort_unstable();
            assert_eq!(
                connections,
                vec![1, 2],
                "{backend:?}: {id} acknowledged by both"
            );
        }

        // A marker on each connection: once both are relayed, each replica's worker has
        // passed everything sent to it before.
        let first = thread_reply("Ev0REPLICA2", &ANA, &alert, "Marker one");
        socket.send_on(1, EnvelopeKind::EventsApi, first).await;
        let second_marker = thread_reply("Ev0REPLICA3", &ANA, &alert, "Marker two");
        socket
            .send_on(2, EnvelopeKind::EventsApi, second_marker)
            .await;
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let message = stream
                .until(WAIT, agent_message)
                .await
                .unwrap_or_else(|| panic!("{backend:?}: agent messages; seen {seen:?}"));
            seen.push(message.data["body"].clone());
        }
        let mut bodies: Vec<Value> = agent_lines(&rig, &handoff)
            .await
            .iter()
            .map(|l| l["body"].clone())
            .collect();
        bodies.sort_by_key(|b| b.to_string());
        assert_eq!(
            bodies,
            vec![
                json!("Checking with the courier"),
                json!("Marker one"),
                json!("Marker two"),
            ],
            "{backend:?}: the reply relayed once"
        );
        let ephemerals = rig.slack().with(|s| s.ephemerals.clone());
        assert!(
            ephemerals.is_empty(),
            "{backend:?}: the second claim told nobody anything: {ephemerals:?}"
        );
        rig.drained().await;
        let digests = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.channel == "C0LEADS" && m.meta("purpose") == Some("digest"))
                .count()
        });
        assert_eq!(digests, 1, "{backend:?}: one digest for the command");
        second.stop().await;
        rig.stop().await;
    }
}
