//! A loopback Discord: the REST routes the bot uses, and interactions signed the way
//! Discord signs them (Ed25519 over `timestamp + body`).
//!
//! Routes (under the bot's `FRONTLINE_DISCORD_API_URL` = [`DiscordStandIn::base`]):
//! `POST /api/v10/channels/{channel}/messages` (honours `nonce` + `enforce_nonce`: a
//! repeated nonce returns the existing message instead of creating one) and
//! `PATCH` and `DELETE /api/v10/channels/{channel}/messages/{id}`, and
//! `GET /api/v10/channels/{channel}/messages?after={id}&limit={n}` (the channel's
//! history: the bot's posts and the people's messages the gateway side created), as
//! documented at https://discord.com/developers/docs/resources/message#get-channel-messages:
//! `limit` 1–100 (default 50); with `after`, the `limit` messages right after that id,
//! listed newest first; an unknown channel (here: one without any message, such as a
//! thread nobody started) is `404` with code `10003`. Answers are full Message objects.
//! Mentions are computed the way Discord does from `allowed_mentions`, so a test can see
//! who would actually have been pinged.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::{Json, Router};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use crate::slack_standin::Failure;

/// The bot token the stand-in accepts (`Authorization: Bot …`).
pub const BOT_TOKEN: &str = "discord-frontline-test";
pub const APPLICATION_ID: &str = "1100000000000000001";
pub const BOT_USER_ID: &str = "1100000000000000002";
pub const GUILD_ID: &str = "1100000000000000003";

/// A message as the stand-in stores it.
#[derive(Debug, Clone)]
pub struct DiscordMessage {
    pub id: String,
    pub channel_id: String,
    pub content: String,
    pub components: Value,
    pub nonce: Option<String>,
    pub allowed_mentions: Value,
    pub message_reference: Option<Value>,
    /// Role ids actually pinged (in the content and allowed).
    pub mention_roles: Vec<String>,
    /// Whether `@everyone`/`@here` actually pinged.
    pub mention_everyone: bool,
    pub edits: usize,
    /// Files sent with the message (multipart `files[n]`): (file name, bytes).
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl DiscordMessage {
    /// The `custom_id`s of the message's buttons (component type 2).
    pub fn buttons(&self) -> Vec<String> {
        self.components_of_type(2)
    }

    /// The `custom_id`s of the message's user selects (component type 5).
    pub fn user_selects(&self) -> Vec<String> {
        self.components_of_type(5)
    }

    fn components_of_type(&self, kind: u64) -> Vec<String> {
        let mut ids = Vec::new();
        for row in self.components.as_array().into_iter().flatten() {
            for component in row["components"].as_array().into_iter().flatten() {
                if component["type"].as_u64() == Some(kind) {
                    ids.extend(component["custom_id"].as_str().map(str::to_string));
                }
            }
        }
        ids
    }
}

#[derive(Debug, Clone)]
pub struct DiscordCall {
    pub method: &'static str,
    pub path: String,
    pub body: Value,
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct DiscordState {
    pub messages: Vec<DiscordMessage>,
    /// Messages `DELETE …/messages/{id}` removed (no longer in `messages`).
    pub deleted: Vec<DiscordMessage>,
    pub calls: Vec<DiscordCall>,
    failures: VecDeque<Failure>,
    next_id: u64,
    /// Files people attached, served by the CDN route (see
    /// [`DiscordStandIn::add_cdn_file`]), by path.
    cdn_files: std::collections::HashMap<String, Vec<u8>>,
    /// Every CDN request: the path and whether it carried an `Authorization` header.
    pub cdn_downloads: Vec<(String, bool)>,
}

/// The running stand-in, with the application's signing key.
#[derive(Debug, Clone)]
pub struct DiscordStandIn {
    pub base: String,
    pub(crate) key: Arc<SigningKey>,
    state: Arc<Mutex<DiscordState>>,
    /// The gateway (WebSocket) side, for bots with `[bot.discord] gateway = true`.
    pub gateway: crate::discord_gateway::GatewayStandIn,
    _server: Arc<crate::standin::ServerGuard>,
}

type Shared = Arc<Mutex<DiscordState>>;

impl DiscordStandIn {
    pub async fn start() -> DiscordStandIn {
        let state = Arc::new(Mutex::new(DiscordState {
            next_id: 1_200_000_000_000_000_000,
            ..DiscordState::default()
        }));
        let gateway = crate::discord_gateway::GatewayStandIn::default();
        let listing = gateway.clone();
        let router = Router::new()
            .route(
                "/api/v10/channels/{channel}/messages",
                post(create).get(
                    move |state: State<Shared>,
                          channel: Path<String>,
                          query: Query<HistoryQuery>,
                          headers: HeaderMap| {
                        history(state, listing.clone(), channel, query, headers)
                    },
                ),
            )
            .route(
                "/api/v10/channels/{channel}/messages/{id}",
                patch(edit).delete(remove),
            )
            .route(
                "/attachments/{channel}/{id}/{name}",
                axum::routing::get(cdn_file),
            )
            .with_state(Arc::clone(&state));
        let router = router.merge(gateway.router());
        let (base, server) = crate::standin::serve(router).await;
        gateway.set_base(&base);
        DiscordStandIn {
            base,
            gateway,
            key: Arc::new(SigningKey::from_bytes(&rand::random::<[u8; 32]>())),
            state,
            _server: Arc::new(server),
        }
    }

    /// `DISCORD_PUBLIC_KEY` for the bot.
    /// A file a person attaches to a message in `channel`: served (without any token, as
    /// Discord's CDN does) at the attachment `url` this returns, the way
    /// https://discord.com/developers/docs/resources/message#attachment-object names it.
    pub fn add_cdn_file(&self, channel: &str, id: &str, name: &str, bytes: &[u8]) -> String {
        let path = format!("/attachments/{channel}/{id}/{name}");
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cdn_files
            .insert(path.clone(), bytes.to_vec());
        format!("{}{path}?ex=6a1b2c3d&is=6a19dabd&hm=0f1e2d3c", self.base)
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    pub fn with<T>(&self, read: impl FnOnce(&DiscordState) -> T) -> T {
        read(&self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.failures.extend(std::iter::repeat_n(failure, n));
    }

    /// Polls until `check` returns `Some`, or panics with `what` after `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&DiscordState) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.with(&check) {
                return found;
            }
            if Instant::now() > deadline {
                let calls: Vec<String> = self.with(|s| {
                    s.calls
                        .iter()
                        .map(|c| format!("{} {} {}", c.method, c.path, c.status))
                        .collect()
                });
                panic!("timed out waiting for {what}; calls so far: {calls:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {BOT_TOKEN}"))
}

/// Applies a pending failure or an auth check; `Some` is the error answer.
fn gate(
    state: &Shared,
    method: &'static str,
    path: String,
    headers: &HeaderMap,
    body: &Value,
) -> Option<Response> {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let failure = s.failures.pop_front();
    let (status, response) = match failure {
        Some(Failure::RateLimited { retry_after_secs }) => {
            let mut r = Json(json!({"message": "You are being rate limited.", "retry_after": retry_after_secs as f64, "global": false})).into_response();
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r.headers_mut()
                .insert("retry-after", retry_after_secs.into());
            (429, Some(r))
        }
        Some(Failure::ServerError) => (
            500,
            Some((StatusCode::INTERNAL_SERVER_ERROR, "internal").into_response()),
        ),
        None if !authorized(headers) => (
            401,
            Some(
                (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"message": "401: Unauthorized", "code": 0})),
                )
                    .into_response(),
            ),
        ),
        None => (200, None),
    };
    s.calls.push(DiscordCall {
        method,
        path,
        body: body.clone(),
        status,
    });
    response
}

/// A create-message body: JSON, or `multipart/form-data` with `payload_json` and files.
async fn read_body(
    headers: &HeaderMap,
    request: axum::extract::Request,
) -> Result<(Value, Vec<(String, Vec<u8>)>), Response> {
    use axum::extract::FromRequest;
    let bad = |what: String| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": what, "code": 50035})),
        )
            .into_response()
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("multipart/form-data") {
        let Json(body) = Json::<Value>::from_request(request, &())
            .await
            .map_err(|e| bad(e.to_string()))?;
        return Ok((body, Vec::new()));
    }
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(e.to_string()))?;
    let (mut body, mut files) = (Value::Null, Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
        if name == "payload_json" {
            body = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        } else if name.starts_with("files[") {
            files.push((file_name.unwrap_or(name), bytes.to_vec()));
        }
    }
    let listed = body["attachments"].as_array().map_or(0, Vec::len);
    if listed != files.len() {
        return Err(bad(format!(
            "{} files sent, {listed} listed in attachments",
            files.len()
        )));
    }
    Ok((body, files))
}

async fn create(
    State(state): State<Shared>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let (body, attachments) = match read_body(&headers, request).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let path = format!("/api/v10/channels/{channel}/messages");
    if let Some(refused) = gate(&state, "POST", path, &headers, &body) {
        return refused;
    }
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let nonce = body["nonce"].as_str().map(str::to_string);
    if body["enforce_nonce"] == true {
        if let Some(existing) = s
            .messages
            .iter()
            .find(|m| m.channel_id == channel && m.nonce.is_some() && m.nonce == nonce)
        {
            return Json(message_json(existing)).into_response();
        }
    }
    s.next_id += 1;
    let content = body["content"].as_str().unwrap_or_default().to_string();
    let allowed = body["allowed_mentions"].clone();
    let message = DiscordMessage {
        id: s.next_id.to_string(),
        channel_id: channel,
        mention_roles: pinged_roles(&content, &allowed),
        mention_everyone: pings_everyone(&content, &allowed),
        content,
        components: body.get("components").cloned().unwrap_or(json!([])),
        nonce,
        allowed_mentions: allowed,
        message_reference: body
            .get("message_reference")
            .filter(|r| r.is_object())
            .cloned(),
        edits: 0,
        attachments,
    };
    let answer = message_json(&message);
    s.messages.push(message);
    Json(answer).into_response()
}

/// `GET /channels/{channel}/messages`'s query (`around` and `before` are not used by the bot).
#[derive(Debug, serde::Deserialize)]
struct HistoryQuery {
    after: Option<String>,
    limit: Option<usize>,
}

async fn history(
    State(state): State<Shared>,
    gateway: crate::discord_gateway::GatewayStandIn,
    Path(channel): Path<String>,
    Query(query): Query<HistoryQuery>,
    headers: HeaderMap,
) -> Response {
    let path = format!(
        "/api/v10/channels/{channel}/messages?after={}&limit={}",
        query.after.as_deref().unwrap_or_default(),
        query.limit.map(|l| l.to_string()).unwrap_or_default()
    );
    if let Some(refused) = gate(&state, "GET", path, &headers, &Value::Null) {
        return refused;
    }
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "Invalid Form Body", "code": 50035})),
        )
            .into_response();
    }
    let id = |m: &Value| {
        m["id"]
            .as_str()
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut messages: Vec<Value> = state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .messages
        .iter()
        .filter(|m| m.channel_id == channel)
        .map(message_json)
        .collect();
    messages.extend(gateway.history(&channel));
    if messages.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Unknown Channel", "code": 10003})),
        )
            .into_response();
    }
    messages.sort_by_key(|m| id(m));
    match query.after.and_then(|a| a.parse::<u64>().ok()) {
        // The `limit` messages right after `after`.
        Some(after) => {
            messages.retain(|m| id(m) > after);
            messages.truncate(limit);
        }
        // Without `after`: the newest `limit`.
        None => {
            let skip = messages.len().saturating_sub(limit);
            messages.drain(..skip);
        }
    }
    messages.reverse();
    Json(Value::Array(messages)).into_response()
}

async fn edit(
    State(state): State<Shared>,
    Path((channel, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let path = format!("/api/v10/channels/{channel}/messages/{id}");
    if let Some(refused) = gate(&state, "PATCH", path, &headers, &body) {
        return refused;
    }
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let Some(message) = s
        .messages
        .iter_mut()
        .find(|m| m.channel_id == channel && m.id == id)
    else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Unknown Message", "code": 10008})),
        )
            .into_response();
    };
    if let Some(content) = body["content"].as_str() {
        message.content = content.to_string();
    }
    if let Some(components) = body.get("components").filter(|c| c.is_array()) {
        message.components = components.clone();
    }
    message.edits += 1;
    Json(message_json(message)).into_response()
}

/// `DELETE /channels/{channel}/messages/{id}`
/// (https://discord.com/developers/docs/resources/message#delete-message): `204 No
/// Content`; an unknown message is `404` with code `10008`.
async fn remove(
    State(state): State<Shared>,
    Path((channel, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/api/v10/channels/{channel}/messages/{id}");
    if let Some(refused) = gate(&state, "DELETE", path, &headers, &Value::Null) {
        return refused;
    }
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let Some(at) = s
        .messages
        .iter()
        .position(|m| m.channel_id == channel && m.id == id)
    else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Unknown Message", "code": 10008})),
        )
            .into_response();
    };
    let message = s.messages.remove(at);
    s.deleted.push(message);
    StatusCode::NO_CONTENT.into_response()
}

/// Roles mentioned in `content` that `allowed_mentions` lets through.
fn pinged_roles(content: &str, allowed: &Value) -> Vec<String> {
    let parse_roles = allowed["parse"]
        .as_array()
        .is_some_and(|p| p.iter().any(|v| v == "roles"));
    let listed: Vec<&str> = allowed["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    content
        .split("<@&")
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(id, _)| id.to_string()))
        .filter(|id| allowed.is_null() || parse_roles || listed.contains(&id.as_str()))
        .collect()
}

fn pings_everyone(content: &str, allowed: &Value) -> bool {
    let mentioned = content.contains("@everyone") || content.contains("@here");
    let permitted = allowed.is_null()
        || allowed["parse"]
            .as_array()
            .is_some_and(|p| p.iter().any(|v| v == "everyone"));
    mentioned && permitted
}

/// A full Message object, as serenity expects.
pub(crate) fn message_json(m: &DiscordMessage) -> Value {
    json!({
        "id": m.id, "channel_id": m.channel_id, "guild_id": GUILD_ID,
        "author": {"id": BOT_USER_ID, "username": "Frontline", "discriminator": "0000", "avatar": null, "bot": true, "global_name": null},
        "content": m.content, "timestamp": "2026-11-26T10:00:00.000000+00:00",
        "edited_timestamp": if m.edits > 0 { json!("2026-11-26T10:01:00.000000+00:00") } else { Value::Null },
        "tts": false, "mention_everyone": m.mention_everyone, "mentions": [],
        "mention_roles": m.mention_roles, "embeds": [], "pinned": false,
        "attachments": m.attachments.iter().enumerate().map(|(i, (name, bytes))| json!({
            "id": (1_300_000_000_000_000_000u64 + i as u64).to_string(), "filename": name,
            "size": bytes.len(), "url": format!("https://cdn.example/{name}"),
            "proxy_url": format!("https://cdn.example/{name}"),
        })).collect::<Vec<_>>(),
        "type": if m.message_reference.is_some() { 19 } else { 0 },
        "nonce": m.nonce, "components": m.components, "flags": 0,
        "message_reference": m.message_reference,
    })
}

/// The CDN: an attachment's bytes by its path (the signed query is not checked).
async fn cdn_file(
    State(state): State<Shared>,
    Path((channel, id, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/attachments/{channel}/{id}/{name}");
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let authorized = headers.contains_key(axum::http::header::AUTHORIZATION);
    s.cdn_downloads.push((path.clone(), authorized));
    match s.cdn_files.get(&path) {
        Some(bytes) => bytes.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
