//! Interactions signed the way Discord signs them (Ed25519 over `timestamp + body`, hex
//! in `X-Signature-Ed25519`, Unix seconds in `X-Signature-Timestamp`), and the payloads
//! Discord sends: PING, button presses, modal submissions.

use ed25519_dalek::Signer;
use serde_json::{json, Value};

use crate::discord_standin::{
    message_json, DiscordMessage, DiscordStandIn, APPLICATION_ID, GUILD_ID,
};

impl DiscordStandIn {
    /// Sends `body` to the bot's interactions endpoint, signed now; returns status and JSON.
    pub async fn interact(
        &self,
        client: &reqwest::Client,
        bot_url: &str,
        body: &Value,
    ) -> (u16, Value) {
        self.interact_at(client, bot_url, body, crate::slack_callbacks::now())
            .await
    }

    /// Like [`Self::interact`], signed at `timestamp` (Unix seconds).
    pub async fn interact_at(
        &self,
        client: &reqwest::Client,
        bot_url: &str,
        body: &Value,
        timestamp: i64,
    ) -> (u16, Value) {
        let timestamp = timestamp.to_string();
        let body = body.to_string();
        let signature = self.sign(&timestamp, &body);
        send(client, bot_url, &body, Some((&signature, &timestamp))).await
    }

    /// `hex(Ed25519(timestamp + body))` with the application's key.
    pub fn sign(&self, timestamp: &str, body: &str) -> String {
        hex::encode(
            self.key
                .sign(format!("{timestamp}{body}").as_bytes())
                .to_bytes(),
        )
    }
}

/// Posts `body` to `/discord/interactions` with the given signature headers.
pub async fn send(
    client: &reqwest::Client,
    bot_url: &str,
    body: &str,
    signed: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = client
        .post(format!("{bot_url}/discord/interactions"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some((signature, timestamp)) = signed {
        request = request
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", timestamp);
    }
    let response = request.send().await.expect("interaction reaches the bot");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A member of the guild pressing buttons.
#[derive(Debug, Clone)]
pub struct DiscordUser {
    pub id: &'static str,
    pub username: &'static str,
}

fn member(user: &DiscordUser) -> Value {
    json!({
        "user": {"id": user.id, "username": user.username, "discriminator": "0", "global_name": user.username, "avatar": null},
        "roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
        "permissions": "2248473465835073", "flags": 0,
    })
}

fn interaction_id() -> String {
    (1_300_000_000_000_000_000u64 + u64::from(rand::random::<u32>())).to_string()
}

/// PING, as Discord sends it when the endpoint URL is saved.
pub fn ping() -> Value {
    json!({"id": interaction_id(), "application_id": APPLICATION_ID, "type": 1, "token": "ping-token", "version": 1})
}

/// A button press (MESSAGE_COMPONENT) on `message`.
pub fn button_press(user: &DiscordUser, message: &DiscordMessage, custom_id: &str) -> Value {
    json!({
        "id": interaction_id(), "application_id": APPLICATION_ID, "type": 3,
        "data": {"custom_id": custom_id, "component_type": 2},
        "guild_id": GUILD_ID, "channel_id": message.channel_id, "member": member(user),
        "token": hex::encode(rand::random::<[u8; 16]>()), "version": 1,
        "message": message_json(message), "app_permissions": "2248473465835073",
        "locale": "en-GB", "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0,
    })
}

/// A MODAL_SUBMIT of the reply modal `custom_id` with `text` in input `input_id`.
pub fn modal_submit(
    user: &DiscordUser,
    channel_id: &str,
    custom_id: &str,
    input_id: &str,
    text: &str,
) -> Value {
    json!({
        "id": interaction_id(), "application_id": APPLICATION_ID, "type": 5,
        "data": {"custom_id": custom_id, "components": [{"type": 1, "components": [{"type": 4, "custom_id": input_id, "value": text}]}]},
        "guild_id": GUILD_ID, "channel_id": channel_id, "member": member(user),
        "token": hex::encode(rand::random::<[u8; 16]>()), "version": 1,
        "app_permissions": "2248473465835073", "locale": "en-GB", "entitlements": [],
    })
}

/// `/frontline <subcommand>` (APPLICATION_COMMAND, a chat-input command) typed in `channel_id`.
pub fn slash_command(user: &DiscordUser, channel_id: &str, subcommand: &str) -> Value {
    json!({
        "id": interaction_id(), "application_id": APPLICATION_ID, "type": 2,
        "data": {"id": "1100000000000000900", "name": "frontline", "type": 1,
                 "options": [{"name": subcommand, "type": 1, "options": []}]},
        "guild_id": GUILD_ID, "channel_id": channel_id, "member": member(user),
        "token": hex::encode(rand::random::<[u8; 16]>()), "version": 1,
        "app_permissions": "2248473465835073", "locale": "en-GB", "entitlements": [],
    })
}

/// `user` picks `chosen` (a user id) in `message`'s user select `custom_id`
/// (MESSAGE_COMPONENT, `component_type` 5 with `values` and `resolved.users`, as
/// <https://discord.com/developers/docs/interactions/message-components#select-menu-object-select-menu-interaction>
/// documents it).
pub fn user_select(
    user: &DiscordUser,
    message: &DiscordMessage,
    custom_id: &str,
    chosen: &str,
) -> Value {
    let mut press = button_press(user, message, custom_id);
    press["data"] = json!({
        "custom_id": custom_id, "component_type": 5, "values": [chosen],
        "resolved": {"users": {chosen: {"id": chosen, "username": "picked", "discriminator": "0", "global_name": null, "avatar": null}}},
    });
    press
}

/// `user` picks the option `chosen` (its value) in the string select `custom_id` of the
/// ephemeral message the bot answered an interaction with (`answer`: a response of type
/// 4 whose `data` holds the content and components): MESSAGE_COMPONENT with
/// `component_type` 3 and `values`, the interaction's `message` being that ephemeral
/// message (`flags` 64), as
/// <https://discord.com/developers/docs/interactions/message-components#select-menu-object-select-menu-interaction>
/// documents it.
pub fn string_select(
    user: &DiscordUser,
    channel_id: &str,
    answer: &Value,
    custom_id: &str,
    chosen: &str,
) -> Value {
    json!({
        "id": interaction_id(), "application_id": APPLICATION_ID, "type": 3,
        "data": {"custom_id": custom_id, "component_type": 3, "values": [chosen]},
        "guild_id": GUILD_ID, "channel_id": channel_id, "member": member(user),
        "token": hex::encode(rand::random::<[u8; 16]>()), "version": 1,
        "message": {
            "id": (1_300_000_000_000_000_000u64 + u64::from(rand::random::<u32>())).to_string(),
            "channel_id": channel_id,
            "author": {"id": crate::discord_standin::BOT_USER_ID, "username": "Frontline", "discriminator": "0000", "avatar": null, "bot": true, "global_name": null},
            "content": answer["data"]["content"], "components": answer["data"]["components"],
            "timestamp": "2026-11-26T10:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
            "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": false, "type": 0, "flags": 64,
        },
        "app_permissions": "2248473465835073", "locale": "en-GB", "entitlements": [],
    })
}

/// `/frontline link CODE` typed in `channel_id`: the `link` subcommand with its string
/// option `code` (type 3).
pub fn link_command(user: &DiscordUser, channel_id: &str, code: &str) -> Value {
    let mut command = slash_command(user, channel_id, "link");
    command["data"]["options"][0]["options"] = json!([{"name": "code", "type": 3, "value": code}]);
    command
}
