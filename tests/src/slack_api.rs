//! The Web API methods of the Slack stand-in, answering with Slack's documented shapes.

use serde_json::{json, Value};
use std::time::Instant;

use crate::slack_standin::{Posted, SlackState, BOT_ID, BOT_USER};

/// The JSON answer to `method` with `params` (HTTP 200, like Slack).
pub(crate) fn answer(state: &mut SlackState, method: &str, params: &Value) -> Value {
    match method {
        "chat.postMessage" => post_message(state, params),
        "chat.update" => update(state, params),
        "chat.postEphemeral" => post_ephemeral(state, params),
        "conversations.history" => history(state, params),
        "users.info" => users_info(state, params),
        "users.lookupByEmail" => users_lookup_by_email(state, params),
        "conversations.open" => conversations_open(params),
        "files.getUploadURLExternal" => upload_url(state, params),
        "files.completeUploadExternal" => complete_upload(state, params),
        "files.delete" => delete_file(state, params),
        "chat.delete" => delete_message(state, params),
        "conversations.replies" => replies(state, params),
        "apps.connections.open" => connections_open(state),
        "views.open" => views_open(state, params),
        _ => json!({"ok": false, "error": "unknown_method"}),
    }
}

fn text(params: &Value, key: &str) -> Option<String> {
    match &params[key] {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn message_json(message: &Posted, with_metadata: bool) -> Value {
    let mut json = json!({
        "type": "message",
        "user": BOT_USER,
        "bot_id": BOT_ID,
        "app_id": "A0FRONTLINE",
        "team": "T0NORTHWIND",
        "text": message.text,
        "ts": message.ts,
        "blocks": message.blocks,
    });
    if let Some(thread_ts) = &message.thread_ts {
        json["thread_ts"] = json!(thread_ts);
    }
    if with_metadata {
        if let Some(metadata) = &message.metadata {
            json["metadata"] = metadata.clone();
        }
    }
    json
}

fn post_message(state: &mut SlackState, params: &Value) -> Value {
    let Some(channel) = text(params, "channel").filter(|c| !c.is_empty()) else {
        return json!({"ok": false, "error": "channel_not_found"});
    };
    let message_text = text(params, "text").unwrap_or_default();
    let blocks = params["blocks"].clone();
    if message_text.is_empty() && !blocks.is_array() {
        return json!({"ok": false, "error": "no_text"});
    }
    let ts = state.next_ts();
    let posted = Posted {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts: text(params, "thread_ts"),
        text: message_text,
        blocks: if blocks.is_array() { blocks } else { json!([]) },
        metadata: params.get("metadata").filter(|m| m.is_object()).cloned(),
        reply_broadcast: text(params, "reply_broadcast").as_deref() == Some("true"),
        updates: 0,
        at: Instant::now(),
    };
    let message = message_json(&posted, true);
    state.messages.push(posted);
    json!({"ok": true, "channel": channel, "ts": ts, "message": message})
}

fn update(state: &mut SlackState, params: &Value) -> Value {
    let (Some(channel), Some(ts)) = (text(params, "channel"), text(params, "ts")) else {
        return json!({"ok": false, "error": "invalid_arguments"});
    };
    let Some(message) = state
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts)
    else {
        return json!({"ok": false, "error": "message_not_found"});
    };
    if let Some(new_text) = text(params, "text") {
        message.text = new_text;
    }
    if params["blocks"].is_array() {
        message.blocks = params["blocks"].clone();
    }
    message.updates += 1;
    let json = message_json(message, false);
    json!({"ok": true, "channel": channel, "ts": ts, "text": message.text, "message": json})
}

fn post_ephemeral(state: &mut SlackState, params: &Value) -> Value {
    if text(params, "channel").is_none() || text(params, "user").is_none() {
        return json!({"ok": false, "error": "invalid_arguments"});
    }
    state.ephemerals.push(params.clone());
    json!({"ok": true, "message_ts": state.next_ts()})
}

fn ts_value(ts: &str) -> f64 {
    ts.parse().unwrap_or(0.0)
}

fn history(state: &mut SlackState, params: &Value) -> Value {
    let Some(channel) = text(params, "channel") else {
        return json!({"ok": false, "error": "channel_not_found"});
    };
    let oldest = text(params, "oldest").map(|t| ts_value(&t)).unwrap_or(0.0);
    let limit: usize = text(params, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 999);
    let offset: usize = text(params, "cursor")
        .and_then(|c| c.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let with_metadata = text(params, "include_all_metadata").as_deref() == Some("true");
    // Top-level messages only (thread replies appear in conversations.replies), newest first.
    let mut top: Vec<&Posted> = state
        .messages
        .iter()
        .filter(|m| m.channel == channel && ts_value(&m.ts) > oldest)
        .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts) || m.reply_broadcast)
        .collect();
    top.sort_by(|a, b| ts_value(&b.ts).total_cmp(&ts_value(&a.ts)));
    let page: Vec<Value> = top
        .iter()
        .skip(offset)
        .take(limit)
        .map(|m| message_json(m, with_metadata))
        .collect();
    let has_more = top.len() > offset + limit;
    let next = if has_more {
        format!("offset:{}", offset + limit)
    } else {
        String::new()
    };
    json!({"ok": true, "messages": page, "has_more": has_more, "pin_count": 0,
           "response_metadata": {"next_cursor": next}})
}

/// `users.info`, shaped as <https://api.slack.com/methods/users.info> documents it: the
/// handle in `name`, the names people see in `profile.display_name` (may be "") and
/// `profile.real_name`.
fn users_info(state: &mut SlackState, params: &Value) -> Value {
    let Some(id) = text(params, "user") else {
        return json!({"ok": false, "error": "user_not_found"});
    };
    let Some(member) = state.member(&id).cloned() else {
        return json!({"ok": false, "error": "user_not_found"});
    };
    json!({"ok": true, "user": user_json(&id, &member)})
}

/// `users.lookupByEmail` (<https://api.slack.com/methods/users.lookupByEmail>): the user
/// object, or `users_not_found`.
fn users_lookup_by_email(state: &mut SlackState, params: &Value) -> Value {
    let found = text(params, "email").and_then(|email| {
        state
            .member_by_email(&email)
            .map(|(id, member)| user_json(id, member))
    });
    match found {
        Some(user) => json!({"ok": true, "user": user}),
        None => json!({"ok": false, "error": "users_not_found"}),
    }
}

/// `conversations.open` with `users` (<https://api.slack.com/methods/conversations.open>):
/// the direct-message channel with that user, `D` + their id (the same one every time,
/// as Slack answers for an existing DM).
fn conversations_open(params: &Value) -> Value {
    let users = match &params["users"] {
        Value::Array(ids) => ids
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Value::String(ids) => ids.clone(),
        _ => String::new(),
    };
    if users.is_empty() || users.contains(',') {
        return json!({"ok": false, "error": "users_list_not_supplied"});
    }
    json!({"ok": true, "channel": {"id": format!("D{users}")}})
}

/// A user object as `users.info` and `users.lookupByEmail` describe it.
fn user_json(id: &str, member: &crate::slack_standin::Member) -> Value {
    let mut profile = json!({
        "display_name": member.display_name,
        "display_name_normalized": member.display_name,
        "real_name": member.real_name,
        "real_name_normalized": member.real_name,
        "team": "T0NORTHWIND"
    });
    if let Some(email) = &member.email {
        profile["email"] = json!(email);
    }
    json!({
        "id": id, "team_id": "T0NORTHWIND", "name": member.name, "deleted": false,
        "real_name": member.real_name,
        "tz": "Europe/Berlin", "tz_label": "Central European Time", "tz_offset": 3600,
        "profile": profile,
        "is_admin": false, "is_owner": false, "is_bot": false, "is_app_user": false, "updated": 1_700_000_000
    })
}

/// `files.getUploadURLExternal`: a file id and the URL its bytes go to.
fn upload_url(state: &mut SlackState, params: &Value) -> Value {
    let (Some(filename), Some(length)) = (text(params, "filename"), text(params, "length")) else {
        return json!({"ok": false, "error": "invalid_arguments"});
    };
    let Ok(length) = length.parse::<usize>() else {
        return json!({"ok": false, "error": "invalid_arguments"});
    };
    let id = format!(
        "F{:08}",
        state.files.len() + state.pending_uploads.len() + 1
    );
    state.pending_uploads.push(crate::slack_standin::Upload {
        id: id.clone(),
        filename,
        length,
        bytes: None,
    });
    json!({"ok": true, "file_id": id, "upload_url": format!("{}/upload/{id}", state.base)})
}

/// `files.completeUploadExternal`: shares uploaded files in `channel_id`, in the thread
/// `thread_ts` when given (<https://api.slack.com/methods/files.completeUploadExternal>).
fn complete_upload(state: &mut SlackState, params: &Value) -> Value {
    let Some(channel) = text(params, "channel_id") else {
        return json!({"ok": false, "error": "invalid_arguments"});
    };
    let mut shared = Vec::new();
    for file in params["files"].as_array().into_iter().flatten() {
        let id = file["id"].as_str().unwrap_or_default();
        let Some(index) = state.pending_uploads.iter().position(|u| u.id == id) else {
            return json!({"ok": false, "error": "file_not_found"});
        };
        let upload = state.pending_uploads.remove(index);
        let Some(bytes) = upload.bytes.filter(|b| b.len() == upload.length) else {
            return json!({"ok": false, "error": "file_upload_size_mismatch"});
        };
        let title = file["title"]
            .as_str()
            .unwrap_or(&upload.filename)
            .to_string();
        shared.push(json!({"id": id, "name": upload.filename, "title": title}));
        let ts = state.next_ts();
        state.files.push(crate::slack_standin::SharedFile {
            id: id.to_string(),
            channel: channel.clone(),
            thread_ts: text(params, "thread_ts"),
            ts,
            filename: upload.filename,
            title,
            bytes,
            deleted: false,
        });
    }
    json!({"ok": true, "files": shared})
}

/// `files.delete` (<https://api.slack.com/methods/files.delete>): `file_not_found` for an
/// unknown or already deleted file.
fn delete_file(state: &mut SlackState, params: &Value) -> Value {
    let id = text(params, "file").unwrap_or_default();
    match state.files.iter_mut().find(|f| f.id == id && !f.deleted) {
        Some(file) => {
            file.deleted = true;
            json!({"ok": true})
        }
        None => json!({"ok": false, "error": "file_not_found"}),
    }
}

/// `chat.delete` (<https://api.slack.com/methods/chat.delete>): removes the message
/// `ts` of `channel`; `message_not_found` when there is none.
fn delete_message(state: &mut SlackState, params: &Value) -> Value {
    let (channel, ts) = (text(params, "channel"), text(params, "ts"));
    let found = state
        .messages
        .iter()
        .position(|m| Some(&m.channel) == channel.as_ref() && Some(&m.ts) == ts.as_ref());
    match found {
        Some(at) => {
            let message = state.messages.remove(at);
            let answer = json!({"ok": true, "channel": message.channel, "ts": message.ts});
            state.deleted.push(message);
            answer
        }
        None => json!({"ok": false, "error": "message_not_found"}),
    }
}

/// `conversations.replies` (<https://api.slack.com/methods/conversations.replies>): the
/// thread under `ts` in `channel`, its parent first then the replies oldest first, file
/// shares as messages carrying `files` (one page: the stand-in's threads are short).
fn replies(state: &mut SlackState, params: &Value) -> Value {
    let (Some(channel), Some(ts)) = (text(params, "channel"), text(params, "ts")) else {
        return json!({"ok": false, "error": "thread_not_found"});
    };
    let mut thread: Vec<(String, Value)> = state
        .messages
        .iter()
        .filter(|m| m.channel == channel && (m.ts == ts || m.thread_ts.as_ref() == Some(&ts)))
        .map(|m| (m.ts.clone(), message_json(m, false)))
        .collect();
    thread.extend(
        state
            .files
            .iter()
            .filter(|f| f.channel == channel && f.thread_ts.as_ref() == Some(&ts) && !f.deleted)
            .map(|f| {
                let share = json!({"type": "message", "subtype": "file_share", "user": BOT_USER,
                    "bot_id": BOT_ID, "text": "", "ts": f.ts, "thread_ts": ts, "upload": true,
                    "files": [{"id": f.id, "name": f.filename, "title": f.title}]});
                (f.ts.clone(), share)
            }),
    );
    if thread.is_empty() {
        return json!({"ok": false, "error": "thread_not_found"});
    }
    thread.sort_by(|a, b| ts_value(&a.0).total_cmp(&ts_value(&b.0)));
    let messages: Vec<Value> = thread.into_iter().map(|(_, m)| m).collect();
    json!({"ok": true, "messages": messages, "has_more": false,
           "response_metadata": {"next_cursor": ""}})
}

/// `apps.connections.open` (<https://api.slack.com/methods/apps.connections.open>): a
/// WebSocket URL with a fresh ticket.
fn connections_open(state: &mut SlackState) -> Value {
    let Some(url) = state.socket_mode_url.clone() else {
        return json!({"ok": false, "error": "socket_mode_not_enabled"});
    };
    state.socket_mode_tickets += 1;
    json!({"ok": true, "url": format!("{url}?ticket=standin-{}", state.socket_mode_tickets)})
}

/// `views.open` (<https://api.slack.com/methods/views.open>): keeps the view and answers
/// it as Slack does, with an id, the team and a hash added.
fn views_open(state: &mut SlackState, params: &Value) -> Value {
    let mut view = match &params["view"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        other => other.clone(),
    };
    if !view.is_object() || text(params, "trigger_id").is_none() {
        return json!({"ok": false, "error": "invalid_arguments"});
    }
    state.views.push(view.clone());
    view["id"] = json!(format!("V0VIEW{}", state.views.len()));
    view["team_id"] = json!("T0NORTHWIND");
    view["hash"] = json!(format!("{}.hash", state.views.len()));
    json!({"ok": true, "view": view})
}
