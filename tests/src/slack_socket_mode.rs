//! A loopback Slack Socket Mode server, next to the Web API stand-in.
//!
//! Follows <https://api.slack.com/apis/socket-mode> and
//! <https://api.slack.com/methods/apps.connections.open>: `apps.connections.open`, called
//! with the app-level token ([`APP_TOKEN`]), answers `{"ok": true, "url": "ws://…"}`
//! (a fresh ticket each call); a client that connects there gets `hello`, then the
//! envelopes a test sends — `interactive`, `events_api`, `slash_commands`, each
//! `{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}` —
//! and must answer each with `{"envelope_id": …}` (plus `payload` for a command). Every
//! acknowledgement is recorded with how long it took. A test can also send
//! `{"type": "disconnect", "reason": "refresh_requested"}`, drop the socket without a
//! close frame, and re-deliver an envelope (same id, `retry_attempt` + 1, like Slack
//! after an unacknowledged delivery).
//!
//! Several clients (bot replicas) may be connected at once; Slack spreads envelopes
//! across an app's connections ("your app may receive events on any of them", same
//! page, "Using multiple connections"). [`SocketModeStandIn::send_on`] and
//! [`SocketModeStandIn::redeliver_on`] pick the connection, so a test can deliver an
//! envelope to one replica and re-deliver it to the other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::slack_standin::SlackStandIn;

/// The app-level token (`xapp-…`, scope `connections:write`) `apps.connections.open` takes.
pub const APP_TOKEN: &str = "xapp-1-A0FRONTLINE-1-frontline-test";
/// The app the stand-in's connections belong to.
pub const APP_ID: &str = "A0FRONTLINE";

/// The kinds of envelope Slack sends over Socket Mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// Block actions, view submissions, shortcuts.
    Interactive,
    /// Events API callbacks (`event_callback`).
    EventsApi,
    /// Slash commands; their acknowledgement may carry the answer.
    SlashCommands,
}

impl EnvelopeKind {
    fn name(self) -> &'static str {
        match self {
            EnvelopeKind::Interactive => "interactive",
            EnvelopeKind::EventsApi => "events_api",
            EnvelopeKind::SlashCommands => "slash_commands",
        }
    }
}

/// An acknowledgement the client sent.
#[derive(Debug, Clone)]
pub struct Ack {
    pub envelope_id: String,
    /// `payload` of the acknowledgement (a slash command's answer), if any.
    pub payload: Option<Value>,
    /// The connection it came over (1 = the first one opened).
    pub connection: usize,
    /// From the envelope's latest delivery to this acknowledgement.
    pub after: Duration,
}

enum Frame {
    Text(String),
    /// Close the TCP connection without a WebSocket close frame.
    Drop,
}

struct Connection {
    frames: mpsc::UnboundedSender<Frame>,
    open: bool,
}

#[derive(Default)]
struct SocketState {
    connections: Vec<Connection>,
    /// Envelope id → (envelope as last sent, when).
    sent: HashMap<String, (Value, Instant)>,
    acks: Vec<Ack>,
    next_envelope: u64,
}

/// The running Socket Mode stand-in (stopped when dropped).
#[derive(Debug, Clone)]
pub struct SocketModeStandIn {
    /// `ws://127.0.0.1:{port}/link`.
    pub url: String,
    state: Arc<Mutex<SocketState>>,
    _server: Arc<crate::standin::ServerGuard>,
}

impl std::fmt::Debug for SocketState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketState")
            .field("connections", &self.connections.len())
            .field("acks", &self.acks)
            .finish_non_exhaustive()
    }
}

/// How long the helpers wait for the client.
const WAIT: Duration = Duration::from_secs(10);

impl SocketModeStandIn {
    /// Starts listening and makes `slack`'s `apps.connections.open` return this URL.
    pub async fn start(slack: &SlackStandIn) -> SocketModeStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!(
            "ws://{}/link",
            listener.local_addr().expect("local address")
        );
        let state = Arc::new(Mutex::new(SocketState::default()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let accepting = Arc::clone(&state);
        tokio::spawn(async move {
            // Dropping the set (when the stand-in stops) ends every connection's task.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(serve(stream, Arc::clone(&accepting)));
                        }
                        Err(_) => break,
                    },
                    _ = &mut stopped => break,
                }
            }
        });
        slack.set_socket_mode_url(Some(url.clone()));
        SocketModeStandIn {
            url,
            state,
            _server: Arc::new(crate::standin::ServerGuard::new(stop)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SocketState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections opened so far (each got `hello`).
    pub fn connections_opened(&self) -> usize {
        self.lock().connections.len()
    }

    /// Waits until at least `n` connections were opened and the newest is open.
    pub async fn wait_for_connections(&self, n: usize) {
        self.wait_until(&format!("connection #{n}"), |s| {
            s.connections.len() >= n && s.connections.last().is_some_and(|c| c.open)
        })
        .await;
    }

    /// The numbers of the connections open now (1 = the first one opened).
    pub fn open_connections(&self) -> Vec<usize> {
        let state = self.lock();
        (1..=state.connections.len())
            .filter(|n| state.connections[n - 1].open)
            .collect()
    }

    /// Waits until `n` connections are open at once.
    pub async fn wait_for_open_connections(&self, n: usize) {
        self.wait_until(&format!("{n} open connections"), |s| {
            s.connections.iter().filter(|c| c.open).count() >= n
        })
        .await;
    }

    /// Sends an envelope of `kind` carrying `payload` on the newest open connection;
    /// returns its `envelope_id`.
    pub async fn send(&self, kind: EnvelopeKind, payload: Value) -> String {
        self.send_to(None, kind, payload).await
    }

    /// Sends an envelope of `kind` carrying `payload` on connection number `connection`;
    /// returns its `envelope_id`.
    pub async fn send_on(&self, connection: usize, kind: EnvelopeKind, payload: Value) -> String {
        self.send_to(Some(connection), kind, payload).await
    }

    async fn send_to(
        &self,
        connection: Option<usize>,
        kind: EnvelopeKind,
        payload: Value,
    ) -> String {
        self.wait_for_connections(1).await;
        let mut state = self.lock();
        state.next_envelope += 1;
        let id = format!("{:08x}-standin-{}", state.next_envelope, kind.name());
        let envelope = json!({
            "envelope_id": id,
            "type": kind.name(),
            "payload": payload,
            "accepts_response_payload": kind == EnvelopeKind::SlashCommands,
            "retry_attempt": 0,
            "retry_reason": "",
        });
        push(&mut state, connection, &id, envelope);
        id
    }

    /// Delivers `envelope_id` again on the newest open connection, as Slack does after
    /// an unacknowledged delivery (`retry_attempt` + 1, `retry_reason: "timeout"`).
    pub async fn redeliver(&self, envelope_id: &str) {
        self.redeliver_to(None, envelope_id).await;
    }

    /// Delivers `envelope_id` again on connection number `connection` (another replica's).
    pub async fn redeliver_on(&self, connection: usize, envelope_id: &str) {
        self.redeliver_to(Some(connection), envelope_id).await;
    }

    async fn redeliver_to(&self, connection: Option<usize>, envelope_id: &str) {
        self.wait_for_connections(1).await;
        let mut state = self.lock();
        let (mut envelope, _) = state
            .sent
            .get(envelope_id)
            .cloned()
            .expect("an envelope sent earlier");
        let attempt = envelope["retry_attempt"].as_u64().unwrap_or(0) + 1;
        envelope["retry_attempt"] = json!(attempt);
        envelope["retry_reason"] = json!("timeout");
        push(&mut state, connection, envelope_id, envelope);
    }

    /// Sends `{"type": "disconnect", "reason": reason}` on the newest open connection.
    pub async fn disconnect(&self, reason: &str) {
        self.wait_for_connections(1).await;
        let frame = json!({
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-standin"},
        });
        let state = self.lock();
        if let Some(connection) = state.connections.iter().rev().find(|c| c.open) {
            let _ = connection.frames.send(Frame::Text(frame.to_string()));
        }
    }

    /// Closes the newest open connection's TCP stream without a close frame.
    pub async fn drop_connection(&self) {
        self.wait_for_connections(1).await;
        let state = self.lock();
        if let Some(connection) = state.connections.iter().rev().find(|c| c.open) {
            let _ = connection.frames.send(Frame::Drop);
        }
    }

    /// The acknowledgements of `envelope_id` so far.
    pub fn acks_for(&self, envelope_id: &str) -> Vec<Ack> {
        self.lock()
            .acks
            .iter()
            .filter(|a| a.envelope_id == envelope_id)
            .cloned()
            .collect()
    }

    /// Waits for the `n`th acknowledgement of `envelope_id` and returns it.
    pub async fn wait_for_ack(&self, envelope_id: &str, n: usize) -> Ack {
        self.wait_until(&format!("ack #{n} of {envelope_id}"), |s| {
            s.acks
                .iter()
                .filter(|a| a.envelope_id == envelope_id)
                .count()
                >= n
        })
        .await;
        self.acks_for(envelope_id)
            .into_iter()
            .nth(n - 1)
            .expect("the acknowledgement")
    }

    async fn wait_until(&self, what: &str, done: impl Fn(&SocketState) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.lock()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:?}",
                self.lock()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Sends `envelope` on connection number `connection` (`None`: the newest open one) and
/// remembers when.
fn push(state: &mut SocketState, connection: Option<usize>, id: &str, envelope: Value) {
    let target = match connection {
        Some(n) => state.connections.get(n - 1).filter(|c| c.open),
        None => state.connections.iter().rev().find(|c| c.open),
    };
    if let Some(connection) = target {
        let _ = connection.frames.send(Frame::Text(envelope.to_string()));
    }
    state
        .sent
        .insert(id.to_string(), (envelope, Instant::now()));
}

/// One client connection: `hello`, then frames out and acknowledgements in.
async fn serve(stream: tokio::net::TcpStream, state: Arc<Mutex<SocketState>>) {
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut writer, mut reader) = socket.split();
    let (frames, mut outgoing) = mpsc::unbounded_channel();
    // Frames queued before `hello` is written still go out after it.
    let number = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.connections.push(Connection { frames, open: true });
        s.connections.len()
    };
    let hello = json!({
        "type": "hello",
        "num_connections": 1,
        "debug_info": {
            "host": format!("applink-standin-{number}"),
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": APP_ID},
    });
    let greeted = writer.send(Message::Text(hello.to_string().into())).await;
    while greeted.is_ok() {
        tokio::select! {
            frame = outgoing.recv() => match frame {
                Some(Frame::Text(text)) => {
                    if writer.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Frame::Drop) | None => break,
            },
            message = reader.next() => match message {
                Some(Ok(Message::Text(text))) => record_ack(&state, number, text.as_str()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    if let Some(connection) = state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .connections
        .get_mut(number - 1)
    {
        connection.open = false;
    }
}

fn record_ack(state: &Mutex<SocketState>, connection: usize, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let Some(envelope_id) = frame["envelope_id"].as_str() else {
        return;
    };
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let after = s
        .sent
        .get(envelope_id)
        .map(|(_, at)| at.elapsed())
        .unwrap_or_default();
    s.acks.push(Ack {
        envelope_id: envelope_id.to_string(),
        payload: frame.get("payload").cloned(),
        connection,
        after,
    });
}

/// A `slash_commands` envelope's payload: the fields Slack posts for a slash command
/// over HTTP, as a JSON object.
pub fn slash_command(command: &str, text: &str, channel: &str) -> Value {
    let trigger = format!(
        "{}.{}.{}",
        crate::slack_callbacks::now(),
        rand::random::<u32>(),
        hex::encode(rand::random::<[u8; 8]>())
    );
    json!({
        "token": "legacy-verification-token",
        "team_id": "T0NORTHWIND",
        "team_domain": "northwind",
        "channel_id": channel,
        "channel_name": "support-leads",
        "user_id": "U0MANAGER",
        "user_name": "mia",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0NORTHWIND/1/standin",
        "trigger_id": trigger,
    })
}
