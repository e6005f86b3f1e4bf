//! Callbacks signed the way Slack signs them, and the payloads Slack sends.
//!
//! Signature: `X-Slack-Signature: v0=` + hex(HMAC-SHA256(secret, `v0:{ts}:{body}`)),
//! `X-Slack-Request-Timestamp: {ts}` (Unix seconds).

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::slack_standin::{Posted, BOT_ID, SIGNING_SECRET};

/// `v0=…` for `body` at `timestamp` with `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64
}

/// A request ready to send (and to send again, for replay tests).
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub path: &'static str,
    pub body: String,
    pub content_type: &'static str,
    pub timestamp: i64,
    pub signature: Option<String>,
    pub retry_num: Option<u32>,
}

impl SignedRequest {
    /// An interaction (`payload=<json>` form), signed now with the real secret.
    pub fn interaction(payload: &Value) -> SignedRequest {
        let body =
            serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form encoding");
        Self::signed(
            "/slack/interactions",
            body,
            "application/x-www-form-urlencoded",
        )
    }

    /// An Events API body, signed now with the real secret.
    pub fn event(event: &Value) -> SignedRequest {
        Self::signed("/slack/events", event.to_string(), "application/json")
    }

    /// A slash command (`command`, `text`) typed in `channel`, signed now.
    pub fn command(command: &str, text: &str, channel: &str) -> SignedRequest {
        let trigger = format!("{}.{}", now(), rand::random::<u32>());
        let body = serde_urlencoded::to_string([
            ("token", "legacy-verification-token"),
            ("team_id", "T0NORTHWIND"),
            ("team_domain", "northwind"),
            ("channel_id", channel),
            ("channel_name", "support-leads"),
            ("user_id", "U0MANAGER"),
            ("user_name", "mia"),
            ("command", command),
            ("text", text),
            ("api_app_id", "A0FRONTLINE"),
            ("response_url", "https://hooks.slack.com/commands/T0/1/abc"),
            ("trigger_id", trigger.as_str()),
        ])
        .expect("form encoding");
        Self::signed("/slack/commands", body, "application/x-www-form-urlencoded")
    }

    fn signed(path: &'static str, body: String, content_type: &'static str) -> SignedRequest {
        let timestamp = now();
        SignedRequest {
            signature: Some(sign(SIGNING_SECRET, timestamp, &body)),
            path,
            body,
            content_type,
            timestamp,
            retry_num: None,
        }
    }

    /// Re-signed at `timestamp` (e.g. 6 minutes ago) with the real secret.
    pub fn at(mut self, timestamp: i64) -> SignedRequest {
        self.timestamp = timestamp;
        self.signature = Some(sign(SIGNING_SECRET, timestamp, &self.body));
        self
    }

    /// Signed with the wrong secret.
    pub fn forged(mut self) -> SignedRequest {
        self.signature = Some(sign("not-the-secret", self.timestamp, &self.body));
        self
    }

    pub fn unsigned(mut self) -> SignedRequest {
        self.signature = None;
        self
    }

    /// Marked as Slack's `n`th retry. Slack signs each delivery afresh; a retry at
    /// least a second later gets a new timestamp, so it is not a replay.
    pub fn retry(mut self, n: u32) -> SignedRequest {
        self.retry_num = Some(n);
        let later = self.timestamp + 1;
        self.at(later)
    }

    pub async fn send(&self, client: &reqwest::Client, bot_url: &str) -> reqwest::Response {
        self.try_send(client, bot_url)
            .await
            .expect("callback reaches the bot")
    }

    /// Like [`send`](Self::send), but a bot that is down is an error, not a panic.
    pub async fn try_send(
        &self,
        client: &reqwest::Client,
        bot_url: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let mut request = client
            .post(format!("{bot_url}{}", self.path))
            .header("content-type", self.content_type)
            .header("x-slack-request-timestamp", self.timestamp.to_string())
            .body(self.body.clone());
        if let Some(signature) = &self.signature {
            request = request.header("x-slack-signature", signature);
        }
        if let Some(n) = self.retry_num {
            request = request
                .header("x-slack-retry-num", n.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        request.send().await
    }
}

/// A workspace member clicking buttons.
#[derive(Debug, Clone)]
pub struct SlackUser {
    pub id: &'static str,
    pub name: &'static str,
}

/// `block_actions` for `user` clicking `action_id` on `message`, as Slack sends it.
pub fn block_action(user: &SlackUser, message: &Posted, action_id: &str) -> Value {
    let value = message
        .blocks
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["elements"].as_array().into_iter().flatten())
        .find(|e| e["action_id"] == action_id)
        .map(|e| e["value"].clone())
        .unwrap_or(Value::Null);
    json!({
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": "T0NORTHWIND"},
        "api_app_id": "A0FRONTLINE",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": false},
        "trigger_id": format!("{}.{}.{}", crate::slack_callbacks::now(), rand::random::<u32>(), hex::encode(rand::random::<[u8; 8]>())),
        "team": {"id": "T0NORTHWIND", "domain": "northwind"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": message.channel, "name": "support"},
        "message": {
            "type": "message", "subtype": "bot_message", "bot_id": BOT_ID, "text": message.text,
            "ts": message.ts, "blocks": message.blocks,
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0NORTHWIND/1/standin",
        "actions": [{
            "action_id": action_id, "block_id": "frontline_actions",
            "text": {"type": "plain_text", "text": action_id, "emoji": true},
            "value": value, "type": "button", "action_ts": format!("{}.000100", crate::slack_callbacks::now()),
        }],
    })
}

/// A message shortcut (`message_action`, callback `callback_id`) used by `user` on
/// `message`, as Slack sends it
/// (<https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions>).
pub fn message_shortcut(user: &SlackUser, message: &Posted, callback_id: &str) -> Value {
    json!({
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": format!("{}.000200", crate::slack_callbacks::now()),
        "team": {"id": "T0NORTHWIND", "domain": "northwind"},
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": "T0NORTHWIND"},
        "channel": {"id": message.channel, "name": "support"},
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": format!("{}.{}.{}", crate::slack_callbacks::now(), rand::random::<u32>(), hex::encode(rand::random::<[u8; 8]>())),
        "response_url": "https://hooks.slack.com/app/T0NORTHWIND/2/standin",
        "message_ts": message.ts,
        "message": {
            "type": "message", "subtype": "bot_message", "bot_id": BOT_ID, "text": message.text,
            "ts": message.ts, "thread_ts": message.thread_ts,
        },
    })
}

/// `view_submission` of modal `view` (as `views.open` answered it) by `user`, with option
/// `value` chosen in the select whose block and action id are `select`
/// (<https://api.slack.com/reference/interaction-payloads/views#view_submission>).
pub fn view_submission(user: &SlackUser, view: &Value, select: &str, value: &str) -> Value {
    let mut view = view.clone();
    view["state"] = json!({"values": {select: {select: {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }}}});
    view["app_id"] = json!("A0FRONTLINE");
    view["bot_id"] = json!(BOT_ID);
    view["root_view_id"] = view["id"].clone();
    json!({
        "type": "view_submission",
        "team": {"id": "T0NORTHWIND", "domain": "northwind"},
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": "T0NORTHWIND"},
        "api_app_id": "A0FRONTLINE",
        "token": "legacy-verification-token",
        "trigger_id": format!("{}.{}.{}", crate::slack_callbacks::now(), rand::random::<u32>(), hex::encode(rand::random::<[u8; 8]>())),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    })
}

/// `user` picks `chosen` in the alert's "Assign to…" `users_select` (the one whose
/// `action_id` starts with `assign:` or `reassign:`), shaped as
/// <https://api.slack.com/reference/interaction-payloads/block-actions> documents it: the
/// action carries `selected_user`, and `state.values[block_id][action_id]` holds the
/// select's value.
pub fn user_pick(user: &SlackUser, message: &Posted, chosen: &str) -> Value {
    let (block_id, action_id) = message
        .blocks
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| {
            b["elements"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |e| (b["block_id"].clone(), e))
        })
        .find(|(_, e)| e["type"] == "users_select")
        .map(|(block, e)| (block, e["action_id"].clone()))
        .expect("the alert has an Assign to… select");
    let block = block_id.as_str().unwrap_or_default().to_string();
    let action = action_id.as_str().unwrap_or_default().to_string();
    let mut payload = block_action(user, message, &action);
    payload["state"] = json!({"values": {
        block.clone(): {action.clone(): {"type": "users_select", "selected_user": chosen}}
    }});
    payload["actions"] = json!([{
        "type": "users_select", "action_id": action, "block_id": block,
        "selected_user": chosen, "action_ts": format!("{}.000200", now()),
    }]);
    payload
}

fn event_callback(event_id: &str, event: Value) -> Value {
    json!({
        "token": "legacy-verification-token",
        "team_id": "T0NORTHWIND",
        "api_app_id": "A0FRONTLINE",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now(),
        "authorizations": [{"enterprise_id": null, "team_id": "T0NORTHWIND", "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": false}],
        "is_ext_shared_channel": false,
        "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
    })
}

/// A person's message in the thread of `parent`.
pub fn thread_reply(event_id: &str, user: &SlackUser, parent: &Posted, text: &str) -> Value {
    let ts = format!("{}.{:06}", now(), rand::random::<u32>() % 1_000_000);
    event_callback(
        event_id,
        json!({
            "type": "message", "channel": parent.channel, "user": user.id, "text": text,
            "ts": ts, "thread_ts": parent.ts, "event_ts": ts, "channel_type": "channel",
            "client_msg_id": hex::encode(rand::random::<[u8; 8]>()), "team": "T0NORTHWIND",
        }),
    )
}

/// A person's message sharing files in the thread of `parent` (subtype `file_share`, as
/// https://api.slack.com/events/message/file_share shows it): `files` are
/// `(file id, name, url_private)`, e.g. from
/// [`SlackStandIn::add_private_file`](crate::slack_standin::SlackStandIn::add_private_file).
pub fn thread_file_share(
    event_id: &str,
    user: &SlackUser,
    parent: &Posted,
    text: &str,
    files: &[(&str, &str, &str)],
) -> Value {
    let ts = format!("{}.{:06}", now(), rand::random::<u32>() % 1_000_000);
    let files: Vec<Value> = files
        .iter()
        .map(|(id, name, url)| {
            json!({
                "id": id, "created": now(), "timestamp": now(), "name": name, "title": name,
                "mimetype": "application/octet-stream", "filetype": "binary",
                "pretty_type": "Binary", "user": user.id, "editable": false, "size": 1,
                "mode": "hosted", "is_external": false, "external_type": "",
                "is_public": false, "public_url_shared": false, "display_as_bot": false,
                "username": "", "url_private": url, "url_private_download": format!("{url}?download=1"),
                "permalink": format!("https://northwind.slack.com/files/{}/{id}/{name}", user.id),
            })
        })
        .collect();
    event_callback(
        event_id,
        json!({
            "type": "message", "subtype": "file_share", "channel": parent.channel,
            "user": user.id, "text": text, "files": files, "upload": false,
            "ts": ts, "thread_ts": parent.ts, "event_ts": ts, "channel_type": "channel",
            "display_as_bot": false, "team": "T0NORTHWIND",
        }),
    )
}

/// A bot's message (another integration, or ours) in the thread of `parent`.
pub fn bot_thread_message(event_id: &str, parent: &Posted, text: &str) -> Value {
    let ts = format!("{}.{:06}", now(), rand::random::<u32>() % 1_000_000);
    event_callback(
        event_id,
        json!({
            "type": "message", "subtype": "bot_message", "channel": parent.channel,
            "bot_id": "B0OTHER", "text": text, "ts": ts, "thread_ts": parent.ts,
            "event_ts": ts, "channel_type": "channel",
        }),
    )
}

/// An edit of a thread reply (`message_changed`).
pub fn edited_thread_message(
    event_id: &str,
    user: &SlackUser,
    parent: &Posted,
    text: &str,
) -> Value {
    let ts = format!("{}.{:06}", now(), rand::random::<u32>() % 1_000_000);
    event_callback(
        event_id,
        json!({
            "type": "message", "subtype": "message_changed", "channel": parent.channel,
            "hidden": true, "ts": ts, "event_ts": ts, "channel_type": "channel",
            "message": {"type": "message", "user": user.id, "text": text, "ts": ts, "thread_ts": parent.ts,
                        "edited": {"user": user.id, "ts": ts}},
        }),
    )
}

/// Slack's URL check when the Events URL is configured.
pub fn url_verification(challenge: &str) -> Value {
    json!({"token": "legacy-verification-token", "challenge": challenge, "type": "url_verification"})
}
