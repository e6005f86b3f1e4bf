//! A loopback Slack: the Web API methods the bot uses, and signed callbacks the way
//! Slack sends them.
//!
//! Served on port 0 under `/api/{method}` (the bot's `FRONTLINE_SLACK_API_URL` is
//! [`SlackStandIn::api_url`]). It answers like Slack (`{"ok": true, …}`, HTTP 200 with
//! `{"ok": false, "error"}` for API errors), keeps every posted message (visible as
//! soon as the request arrives, even when the reply is delayed) and records every call.
//! [`SlackStandIn::fail_next`] makes the next calls answer 429 with `Retry-After` or 500.
//! Tests in another process read it through [`crate::slack_view`] (`/standin/…`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The bot token the stand-in accepts.
pub const BOT_TOKEN: &str = "xoxb-frontline-test";
/// The app-level token `apps.connections.open` accepts (Socket Mode).
pub use crate::slack_socket_mode::APP_TOKEN;
/// The signing secret callbacks are signed with.
pub const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
/// Our bot's ids as Slack would report them.
pub const BOT_USER: &str = "U0BOT";
pub const BOT_ID: &str = "B0BOT";

/// A message as the stand-in stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub text: String,
    pub blocks: Value,
    pub metadata: Option<Value>,
    pub reply_broadcast: bool,
    /// Times `chat.update` changed it.
    pub updates: usize,
    /// When the post arrived.
    pub at: Instant,
}

impl Posted {
    /// `metadata.event_payload[field]`.
    pub fn meta(&self, field: &str) -> Option<&str> {
        self.metadata.as_ref()?["event_payload"][field].as_str()
    }

    /// All text a person sees: the fallback text and every block's text.
    pub fn visible_text(&self) -> String {
        let mut out = self.text.clone();
        collect_text(&self.blocks, &mut out);
        out
    }

    /// The `action_id`s of the message's buttons.
    pub fn buttons(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for block in self.blocks.as_array().into_iter().flatten() {
            for element in block["elements"].as_array().into_iter().flatten() {
                if element["type"] == "button" {
                    ids.extend(element["action_id"].as_str().map(str::to_string));
                }
            }
        }
        ids
    }
}

fn collect_text(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(text)) = map.get("text") {
                out.push('\n');
                out.push_str(text);
            }
            map.values().for_each(|v| collect_text(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// A file announced with `files.getUploadURLExternal`, not yet completed.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub filename: String,
    pub length: usize,
    pub bytes: Option<Vec<u8>>,
}

/// A file shared in a channel with `files.completeUploadExternal`.
#[derive(Debug, Clone)]
pub struct SharedFile {
    pub id: String,
    pub channel: String,
    /// The thread it was shared in (`thread_ts`), if any.
    pub thread_ts: Option<String>,
    /// The file-share message's own ts.
    pub ts: String,
    pub filename: String,
    pub title: String,
    pub bytes: Vec<u8>,
    /// `files.delete` deleted it.
    pub deleted: bool,
}

/// One Web API call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    pub status: u16,
}

/// How to fail a call on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 429, `Retry-After: secs`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 500.
    ServerError,
}

/// A workspace member as `users.info` describes them.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) real_name: String,
    /// `profile.email` (shown with the `users:read.email` scope).
    pub(crate) email: Option<String>,
}

#[derive(Debug, Default)]
pub struct SlackState {
    pub messages: Vec<Posted>,
    pub calls: Vec<Call>,
    pub ephemerals: Vec<Value>,
    /// Files shared in channels.
    pub files: Vec<SharedFile>,
    pub(crate) pending_uploads: Vec<Upload>,
    /// Messages `chat.delete` removed (no longer in `messages`).
    pub deleted: Vec<Posted>,
    /// Methods whose next call is carried out but answered with HTTP 500, as when the
    /// connection drops after Slack acted (see [`SlackStandIn::lose_answer_of`]).
    lost_answers: Vec<String>,
    /// The stand-in's own address (upload URLs point here).
    pub(crate) base: String,
    failures: VecDeque<Failure>,
    post_delay: Option<Duration>,
    users: HashMap<String, Member>,
    next_ts: u64,
    /// What `apps.connections.open` answers (see [`crate::slack_socket_mode`]).
    pub(crate) socket_mode_url: Option<String>,
    pub(crate) socket_mode_tickets: u64,
    /// Modals opened with `views.open`, as the bot sent them.
    pub views: Vec<Value>,
    /// Files people shared, served at their `url_private` (see
    /// [`SlackStandIn::add_private_file`]), by file id.
    private_files: HashMap<String, PrivateFile>,
    /// Every request for a `url_private`: the file id and the `Authorization` header.
    pub file_downloads: Vec<(String, Option<String>)>,
}

/// A file a person shared, as Slack keeps it.
#[derive(Debug, Clone)]
struct PrivateFile {
    bytes: Vec<u8>,
    /// Answer with HTTP 500 this many more times (a CDN hiccup).
    failures: usize,
}

impl SlackState {
    pub fn calls_to(&self, method: &str) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.method == method).collect()
    }

    /// Messages whose metadata names `escalation_id` and `purpose`.
    pub fn posts_for(&self, escalation_id: &str, purpose: &str) -> Vec<&Posted> {
        self.messages
            .iter()
            .filter(|m| {
                m.meta("escalation_id") == Some(escalation_id) && m.meta("purpose") == Some(purpose)
            })
            .collect()
    }
}

/// The running stand-in.
#[derive(Debug, Clone)]
pub struct SlackStandIn {
    pub base: String,
    state: Arc<Mutex<SlackState>>,
    _server: Arc<crate::standin::ServerGuard>,
}

impl SlackStandIn {
    pub async fn start() -> SlackStandIn {
        let state = Arc::new(Mutex::new(SlackState {
            next_ts: 1,
            ..SlackState::default()
        }));
        let router = Router::new()
            .route("/api/{method}", any(call))
            .route("/upload/{file}", axum::routing::post(upload))
            .route(
                "/files-pri/{team_file}/{name}",
                axum::routing::get(private_file),
            )
            .merge(crate::slack_view::routes())
            .with_state(Arc::clone(&state));
        let (base, server) = crate::standin::serve(router).await;
        state.lock().unwrap_or_else(|p| p.into_inner()).base = base.clone();
        SlackStandIn {
            base,
            state,
            _server: Arc::new(server),
        }
    }

    /// What the bot's `FRONTLINE_SLACK_API_URL` should be.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.base)
    }

    /// Reads the recorded state.
    pub fn with<T>(&self, read: impl FnOnce(&SlackState) -> T) -> T {
        read(&self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The next `n` calls (any method) fail with `failure`.
    pub fn fail_next(&self, n: usize, failure: Failure) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.failures.extend(std::iter::repeat_n(failure, n));
    }

    /// The next call of `method` is carried out but answered with HTTP 500 (the answer
    /// is lost on the way back, so the caller cannot know it succeeded).
    pub fn lose_answer_of(&self, method: &str) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .lost_answers
            .push(method.to_string());
    }

    /// The Socket Mode URL `apps.connections.open` hands out (`None`: `socket_mode_not_enabled`).
    pub fn set_socket_mode_url(&self, url: Option<String>) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .socket_mode_url = url;
    }

    /// `chat.postMessage` keeps the message at once but answers only after `delay`.
    pub fn delay_posts(&self, delay: Option<Duration>) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .post_delay = delay;
    }

    /// A workspace member `users.info` knows, whose display and real name are the handle.
    pub fn add_user(&self, id: &str, name: &str) {
        self.add_member(id, name, name, name);
    }

    /// A workspace member with handle `name` and profile `display_name` / `real_name`
    /// (Slack sends an unset one as "").
    pub fn add_member(&self, id: &str, name: &str, display_name: &str, real_name: &str) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add_member(id, name, display_name, real_name);
    }

    /// A workspace member whose profile also shows `email` (`users.info`,
    /// `users.lookupByEmail`).
    pub fn add_user_with_email(&self, id: &str, name: &str, email: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.add_member(id, name, name, name);
        if let Some(member) = state.users.get_mut(id) {
            member.email = Some(email.to_string());
        }
    }

    /// A file a person shares (e.g. in a thread): served at the `url_private` this returns,
    /// only to requests carrying the bot token as `Authorization: Bearer` (as Slack does:
    /// https://api.slack.com/types/file#authentication); the first `failures` requests
    /// answer HTTP 500.
    pub fn add_private_file(&self, id: &str, name: &str, bytes: &[u8], failures: usize) -> String {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let file = PrivateFile {
            bytes: bytes.to_vec(),
            failures,
        };
        state.private_files.insert(id.to_string(), file);
        format!("{}/files-pri/T0NORTHWIND-{id}/{name}", state.base)
    }

    /// Polls until `check` returns `Some`, or panics with `what` after `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&SlackState) -> Option<T>,
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
                        .map(|c| format!("{} {}", c.method, c.status))
                        .collect()
                });
                panic!("timed out waiting for {what}; calls so far: {calls:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The alert posted for `escalation_id` (waits for exactly one to exist).
    pub async fn alert_for(&self, escalation_id: &str) -> Posted {
        self.wait_for("the alert", Duration::from_secs(10), |s| {
            s.posts_for(escalation_id, "alert")
                .first()
                .map(|m| (*m).clone())
        })
        .await
    }
}

async fn call(
    State(state): State<Arc<Mutex<SlackState>>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let params = params(&headers, query.as_deref(), &body);
    // `apps.connections.open` takes the app-level token, every other method the bot token.
    let token = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {token}"));
    let (failure, delay) = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        (s.failures.pop_front(), s.post_delay)
    };
    let record = |status: u16| {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
            status,
        });
    };
    match failure {
        Some(Failure::RateLimited { retry_after_secs }) => {
            record(429);
            let mut response = Json(json!({"ok": false, "error": "ratelimited"})).into_response();
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
                .headers_mut()
                .insert("retry-after", retry_after_secs.into());
            return response;
        }
        Some(Failure::ServerError) => {
            record(500);
            return (StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error").into_response();
        }
        None => {}
    }
    record(200);
    if !authorized {
        return Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    let (answer, lost) = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        let answer = crate::slack_api::answer(&mut s, &method, &params);
        let lost = s.lost_answers.iter().position(|m| *m == method);
        (answer, lost.map(|at| s.lost_answers.remove(at)).is_some())
    };
    if lost {
        return (StatusCode::INTERNAL_SERVER_ERROR, "connection reset").into_response();
    }
    if method == "chat.postMessage" {
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
    }
    Json(answer).into_response()
}

/// A shared file's `url_private` (`/files-pri/{team}-{file id}/{name}`): the bytes with
/// the bot token as a bearer token, else Slack's sign-in page (HTTP 200, HTML), which is
/// what a client that forgets the header gets
/// (https://api.slack.com/types/file#authentication).
async fn private_file(
    State(state): State<Arc<Mutex<SlackState>>>,
    Path((team_file, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let id = team_file
        .split_once('-')
        .map_or(team_file.as_str(), |(_, id)| id)
        .to_string();
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    s.file_downloads.push((id.clone(), auth.clone()));
    if auth.as_deref() != Some(&format!("Bearer {BOT_TOKEN}")) {
        let page = "<!DOCTYPE html><html><body>Sign in to Slack</body></html>";
        return ([(axum::http::header::CONTENT_TYPE, "text/html")], page).into_response();
    }
    match s.private_files.get_mut(&id) {
        Some(file) if file.failures > 0 => {
            file.failures -= 1;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Some(file) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            file.bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The upload URL: takes the file's bytes, answers in plain text like Slack does.
async fn upload(
    State(state): State<Arc<Mutex<SlackState>>>,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.calls.push(Call {
        method: "upload".to_string(),
        params: json!({ "file": file, "length": body.len() }),
        status: 200,
    });
    match s.pending_uploads.iter_mut().find(|u| u.id == file) {
        Some(upload) => {
            upload.bytes = Some(body.to_vec());
            format!("OK - {}", body.len()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "unknown upload").into_response(),
    }
}

/// The call's parameters as JSON, from a JSON body, a form body or the query string.
fn params(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    }
    let text = if body.is_empty() {
        query.unwrap_or_default().as_bytes()
    } else {
        body
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(text).unwrap_or_default();
    let mut map = serde_json::Map::new();
    for (key, value) in pairs {
        // Form bodies carry JSON fields (blocks, metadata) as strings.
        let parsed = match key.as_str() {
            "blocks" | "metadata" | "attachments" => {
                serde_json::from_str(&value).unwrap_or(Value::String(value))
            }
            _ => Value::String(value),
        };
        map.insert(key, parsed);
    }
    Value::Object(map)
}

impl SlackState {
    pub(crate) fn next_ts(&mut self) -> String {
        self.next_ts += 1;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        format!("{now}.{:06}", self.next_ts)
    }

    /// A workspace member `users.info` then describes (replacing one with the same id).
    pub(crate) fn add_member(&mut self, id: &str, name: &str, display_name: &str, real_name: &str) {
        self.users.insert(
            id.to_string(),
            Member {
                name: name.to_string(),
                display_name: display_name.to_string(),
                real_name: real_name.to_string(),
                email: None,
            },
        );
    }

    pub(crate) fn member(&self, id: &str) -> Option<&Member> {
        self.users.get(id)
    }

    /// The member whose profile e-mail is `email` (case-insensitive, as Slack matches).
    pub(crate) fn member_by_email(&self, email: &str) -> Option<(&String, &Member)> {
        self.users.iter().find(|(_, m)| {
            m.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }
}
