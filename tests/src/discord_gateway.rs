//! A loopback Discord gateway, served by the Discord stand-in, that speaks the documented
//! protocol (https://discord.com/developers/docs/events/gateway and
//! https://discord.com/developers/docs/events/gateway-events):
//!
//! - `GET /api/v10/gateway` and `GET /api/v10/gateway/bot` answer the stand-in's `ws://`
//!   URL (https://discord.com/developers/docs/events/gateway#get-gateway-bot);
//! - on connect: **Hello** (op 10) with a heartbeat interval; **Heartbeat** (op 1) is
//!   answered with **Heartbeat ACK** (op 11);
//! - **Identify** (op 2) starts a session: the `READY` dispatch (op 0) with a
//!   `session_id`; **Resume** (op 6) with that session id and the last sequence number
//!   replays every dispatch after it, then `RESUMED`;
//! - [`GatewayStandIn::message_create`] dispatches `MESSAGE_CREATE` (recorded even while no
//!   connection is open, and replayed on resume, as Discord does). The message also
//!   joins its channel's history, which the REST side lists
//!   (`GET /channels/{id}/messages`, see `discord_standin.rs`): a new session (Identify)
//!   is not told what was dispatched before it, as with Discord;
//! - [`GatewayStandIn::ask_reconnect`] sends **Reconnect** (op 7) and closes the socket;
//!   [`GatewayStandIn::drop_connection`] closes it without a word.
//!
//! One session at a time, as Discord allows per bot token and shard: the log counts the
//! connections open at once ([`GatewayLog::most_open`]) so a test sees a second one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::discord_standin::{BOT_USER_ID, GUILD_ID};

/// Heartbeat interval sent in Hello (Discord sends ~41 s; tests end sooner).
const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

/// What the gateway has seen, for assertions.
#[derive(Debug, Default, Clone)]
pub struct GatewayLog {
    /// WebSocket connections opened.
    pub connections: usize,
    /// Identify payloads (a new session each).
    pub identifies: Vec<Value>,
    /// Resume payloads.
    pub resumes: Vec<Value>,
    /// Heartbeats received.
    pub heartbeats: usize,
    /// Connections open now.
    pub open: usize,
    /// The most connections that were open at once.
    pub most_open: usize,
}

#[derive(Debug, Default)]
struct Session {
    log: GatewayLog,
    /// Every dispatch of the current session, in order: (seq, event name, data).
    dispatched: Vec<(u64, String, Value)>,
    session_id: Option<String>,
    next_message_id: u64,
    /// Every message created, as Message objects, in order (channel history).
    history: Vec<Value>,
}

/// Orders for the open connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// New dispatches were recorded.
    Dispatch(u64),
    Reconnect(u64),
    Drop(u64),
}

/// The gateway side of the Discord stand-in.
#[derive(Debug, Clone)]
pub struct GatewayStandIn {
    session: Arc<Mutex<Session>>,
    orders: broadcast::Sender<Order>,
    base: Arc<Mutex<String>>,
}

impl Default for GatewayStandIn {
    fn default() -> Self {
        GatewayStandIn {
            session: Arc::new(Mutex::new(Session {
                next_message_id: 1_400_000_000_000_000_000,
                ..Session::default()
            })),
            orders: broadcast::channel(256).0,
            base: Arc::default(),
        }
    }
}

impl GatewayStandIn {
    /// Routes to merge into the stand-in's router; `base` is its `http://` URL.
    pub(crate) fn router(&self) -> Router {
        Router::new()
            .route("/api/v10/gateway", get(gateway_url))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route("/gateway", get(upgrade))
            .with_state(self.clone())
    }

    pub(crate) fn set_base(&self, base: &str) {
        *self.base.lock().unwrap_or_else(|p| p.into_inner()) = base.to_string();
    }

    fn ws_url(&self) -> String {
        let base = self.base.lock().unwrap_or_else(|p| p.into_inner()).clone();
        format!("{}/gateway", base.replacen("http://", "ws://", 1))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Session) -> T) -> T {
        f(&mut self.session.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn log(&self) -> GatewayLog {
        self.with(|s| s.log.clone())
    }

    /// The messages created in `channel_id` so far, oldest first (Message objects).
    pub(crate) fn history(&self, channel_id: &str) -> Vec<Value> {
        self.with(|s| {
            s.history
                .iter()
                .filter(|m| m["channel_id"] == channel_id)
                .cloned()
                .collect()
        })
    }

    /// Dispatches `MESSAGE_CREATE` for a person's message in `channel_id` (a thread's id,
    /// or a channel), optionally replying to `replied_to`; returns the message id.
    pub fn message_create(
        &self,
        channel_id: &str,
        author: (&str, &str),
        content: &str,
        replied_to: Option<&str>,
        bot: bool,
    ) -> String {
        self.message_with_files(channel_id, author, content, replied_to, bot, &[])
    }

    /// [`message_create`](Self::message_create) with `attachments` (`(id, filename, url,
    /// size)`), as the attachment object describes them
    /// (https://discord.com/developers/docs/resources/message#attachment-object).
    pub fn message_with_files(
        &self,
        channel_id: &str,
        author: (&str, &str),
        content: &str,
        replied_to: Option<&str>,
        bot: bool,
        attachments: &[(&str, &str, &str, usize)],
    ) -> String {
        let attachments: Vec<Value> = attachments
            .iter()
            .map(|(id, filename, url, size)| {
                json!({"id": id, "filename": filename, "size": size, "url": url,
                       "proxy_url": url.replace("cdn.", "media."), "content_type": "application/octet-stream"})
            })
            .collect();
        let (author_id, username) = author;
        let (seq, id) = self.with(|s| {
            s.next_message_id += 1;
            let id = s.next_message_id.to_string();
            let data = json!({
                "id": id, "channel_id": channel_id, "guild_id": GUILD_ID,
                "author": {"id": author_id, "username": username, "discriminator": "0",
                           "avatar": null, "bot": bot, "global_name": null},
                "member": {"roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00",
                           "deaf": false, "mute": false, "flags": 0},
                "content": content, "timestamp": "2026-11-29T10:00:00.000000+00:00",
                "edited_timestamp": null, "tts": false, "mention_everyone": false,
                "mentions": [], "mention_roles": [], "attachments": attachments, "embeds": [],
                "pinned": false, "type": if replied_to.is_some() { 19 } else { 0 },
                "flags": 0,
                "message_reference": replied_to.map(|m| json!({
                    "type": 0, "message_id": m, "channel_id": channel_id, "guild_id": GUILD_ID,
                })),
            });
            let seq = s.dispatched.last().map_or(1, |(seq, _, _)| seq + 1);
            s.history.push(data.clone());
            s.dispatched.push((seq, "MESSAGE_CREATE".into(), data));
            (seq, id)
        });
        let _ = self.orders.send(Order::Dispatch(seq));
        id
    }

    /// Sends Reconnect (op 7) on the open connection, then closes it.
    pub fn ask_reconnect(&self) {
        let n = self.with(|s| s.log.connections as u64);
        let _ = self.orders.send(Order::Reconnect(n));
    }

    /// Closes the open connection without a close frame's reason (a network drop).
    pub fn drop_connection(&self) {
        let n = self.with(|s| s.log.connections as u64);
        let _ = self.orders.send(Order::Drop(n));
    }

    /// Polls the log until `check` holds, or panics naming `what` after `timeout`.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&GatewayLog) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        while !check(&self.log()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:?}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn gateway_url(State(gateway): State<GatewayStandIn>) -> Json<Value> {
    Json(json!({"url": gateway.ws_url()}))
}

async fn gateway_bot(State(gateway): State<GatewayStandIn>) -> Json<Value> {
    Json(json!({
        "url": gateway.ws_url(), "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    }))
}

async fn upgrade(State(gateway): State<GatewayStandIn>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| connection(gateway, socket))
}

fn frame(payload: Value) -> Message {
    Message::Text(payload.to_string().into())
}

/// One WebSocket connection: Hello, then Identify or Resume, then dispatches.
async fn connection(gateway: GatewayStandIn, mut socket: WebSocket) {
    let number = gateway.with(|s| {
        s.log.connections += 1;
        s.log.open += 1;
        s.log.most_open = s.log.most_open.max(s.log.open);
        s.log.connections as u64
    });
    let _open = OpenConnection(gateway.clone());
    let mut orders = gateway.orders.subscribe();
    let hello =
        json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": null, "t": null});
    if socket.send(frame(hello)).await.is_err() {
        return;
    }
    // The last sequence number this connection has sent (None before Identify/Resume).
    let mut sent: Option<u64> = None;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(Message::Text(text))) = incoming else {
                    if matches!(incoming, Some(Ok(Message::Ping(_) | Message::Pong(_)))) { continue; }
                    return;
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { return };
                match payload["op"].as_u64() {
                    Some(1) => {
                        gateway.with(|s| s.log.heartbeats += 1);
                        if socket.send(frame(json!({"op": 11, "d": null, "s": null, "t": null}))).await.is_err() { return; }
                    }
                    Some(2) => {
                        let ready = gateway.with(|s| {
                            s.log.identifies.push(payload["d"].clone());
                            s.dispatched.clear();
                            let session_id = format!("standin-session-{}", s.log.identifies.len());
                            s.session_id = Some(session_id.clone());
                            let data = json!({
                                "v": 10, "session_id": session_id,
                                "resume_gateway_url": "", "guilds": [{"id": GUILD_ID, "unavailable": true}],
                                "user": {"id": BOT_USER_ID, "username": "Frontline", "discriminator": "0",
                                         "avatar": null, "bot": true, "global_name": null,
                                         "verified": true, "mfa_enabled": false, "flags": 0},
                                "application": {"id": crate::discord_standin::APPLICATION_ID, "flags": 0},
                                "shard": [0, 1],
                            });
                            s.dispatched.push((1, "READY".into(), data));
                            s.dispatched.clone()
                        });
                        sent = Some(0);
                        if !send_after(&mut socket, &ready, &mut sent).await { return; }
                    }
                    Some(6) => {
                        let resumed = gateway.with(|s| {
                            s.log.resumes.push(payload["d"].clone());
                            let known = s.session_id.as_deref() == payload["d"]["session_id"].as_str();
                            known.then(|| s.dispatched.clone())
                        });
                        let Some(dispatched) = resumed else {
                            // Invalid Session (op 9), not resumable: the client identifies anew.
                            let _ = socket.send(frame(json!({"op": 9, "d": false, "s": null, "t": null}))).await;
                            continue;
                        };
                        sent = payload["d"]["seq"].as_u64();
                        if !send_after(&mut socket, &dispatched, &mut sent).await { return; }
                        let last = sent.unwrap_or(0);
                        if socket.send(frame(json!({"op": 0, "t": "RESUMED", "s": last, "d": {}}))).await.is_err() { return; }
                    }
                    _ => {}
                }
            }
            order = orders.recv() => {
                let order = match order {
                    Ok(order) => order,
                    Err(broadcast::error::RecvError::Lagged(_)) => Order::Dispatch(0),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                match order {
                    Order::Dispatch(_) if sent.is_some() => {
                        let dispatched = gateway.with(|s| s.dispatched.clone());
                        if !send_after(&mut socket, &dispatched, &mut sent).await { return; }
                    }
                    Order::Reconnect(n) if n == number => {
                        let _ = socket.send(frame(json!({"op": 7, "d": null, "s": null, "t": null}))).await;
                        return;
                    }
                    Order::Drop(n) if n == number => return,
                    _ => {}
                }
            }
        }
    }
}

/// Counts a connection as open until dropped (whichever way the connection ends).
struct OpenConnection(GatewayStandIn);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.with(|s| s.log.open -= 1);
    }
}

/// Sends every dispatch after `sent`; false when the socket is gone.
async fn send_after(
    socket: &mut WebSocket,
    dispatched: &[(u64, String, Value)],
    sent: &mut Option<u64>,
) -> bool {
    let after = sent.unwrap_or(0);
    for (seq, event, data) in dispatched.iter().filter(|(seq, _, _)| *seq > after) {
        let payload = json!({"op": 0, "s": seq, "t": event, "d": data});
        if socket.send(frame(payload)).await.is_err() {
            return false;
        }
        *sent = Some(*seq);
    }
    true
}
