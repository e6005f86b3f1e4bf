//! `POST /discord/interactions`: Discord's interactions endpoint.
//!
//! Verified with the application's Ed25519 public key (`DISCORD_PUBLIC_KEY`) over
//! `X-Signature-Timestamp` + body (`X-Signature-Ed25519`: exactly 128 lower-case hex
//! digits, nothing else), then the 5-minute window and replay memory. Answers:
//!
//! | interaction | response |
//! |---|---|
//! | PING (1) | PONG (1) |
//! | button `claim/release/resolve:<id>` won | DEFERRED_UPDATE_MESSAGE (6); the outbox edits the alert |
//! | the same, refused | ephemeral message (4, flags 64) naming the holder |
//! | button `reply:<id>` | MODAL (9) with one paragraph input |
//! | user select `assign:<id>` / `reassign:<id>` | the picked user's linked account gets it (6), or an ephemeral refusal (4) |
//! | button `saved:<id>` | ephemeral message (4, flags 64) with a string select `saved:<id>` of the site's saved replies (at most 25) |
//! | string select `saved:<id>` | sends the chosen saved reply, rendered for the customer, as the clicking agent (deduplicated by interaction id); UPDATE_MESSAGE (7) turns the private select into "Sent …" (the thread is told through the outbox) |
//! | MODAL_SUBMIT (5) `reply:<id>` | relays the text to the customer (deduplicated by interaction id), answers with a message (4) showing it |
//! | APPLICATION_COMMAND (2) `/frontline digest` | enqueues today's digest so far for the channel; ephemeral acknowledgement (4) |
//! | APPLICATION_COMMAND (2) `/frontline link CODE` | links the user to the account whose one-time code it is; ephemeral answer (4) |

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::agent_action::{self, ChatEvent, Outcome, Refusal, Reply};
use frontline_shared::chat_identity::{self, ChatUser};
use frontline_shared::config::ChatPlatform;
use frontline_shared::saved_replies::{send, SavedReplyError};
use frontline_shared::store::Store;
use serde::Deserialize;
use serenity::builder::{CreateInteractionResponse, CreateInteractionResponseMessage};
use serenity::interactions_endpoint::Verifier;

use super::components::{self, ButtonId, REPLY_INPUT};
use crate::actions::{self, AgentAction};
use crate::digest::{DigestScheduler, ACKNOWLEDGED, USAGE};
use crate::error::CallbackError;
use crate::http::AppState;
use crate::metrics::Metrics;
use crate::replay::{canonical_hex, ReplayGuard};

/// Verifies and answers Discord's interactions.
pub struct DiscordEndpoint {
    verifier: Verifier,
    replay: ReplayGuard,
    store: Store,
    metrics: Arc<Metrics>,
    digests: DigestScheduler,
    /// `[bot] allow_unlinked`: users who did not `/frontline link` may act.
    allow_unlinked: bool,
}

impl std::fmt::Debug for DiscordEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordEndpoint").finish_non_exhaustive()
    }
}

/// Why `DISCORD_PUBLIC_KEY` is unusable.
#[derive(Debug, thiserror::Error)]
#[error("DISCORD_PUBLIC_KEY must be 64 hex digits of a valid Ed25519 public key")]
pub struct InvalidPublicKey;

impl DiscordEndpoint {
    pub fn new(
        public_key_hex: &str,
        replay: ReplayGuard,
        store: Store,
        metrics: Arc<Metrics>,
        digests: DigestScheduler,
    ) -> Result<Self, InvalidPublicKey> {
        let bytes: [u8; 32] = hex::decode(public_key_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(InvalidPublicKey)?;
        let verifier = Verifier::try_new(bytes).map_err(|_| InvalidPublicKey)?;
        Ok(DiscordEndpoint {
            verifier,
            replay,
            store,
            metrics,
            digests,
            allow_unlinked: true,
        })
    }

    /// With `[bot] allow_unlinked` (default `true`).
    pub fn allowing_unlinked(self, allow_unlinked: bool) -> Self {
        DiscordEndpoint {
            allow_unlinked,
            ..self
        }
    }

    async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), CallbackError> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(CallbackError::BadSignature)
        };
        let signature = header("x-signature-ed25519")?;
        let timestamp = header("x-signature-timestamp")?;
        // Only the canonical spelling: serenity's parser also takes `A-F` and `+`, which
        // would let a captured request pass again under a new spelling.
        let bytes = canonical_hex::<64>(signature).ok_or(CallbackError::BadSignature)?;
        self.verifier
            .verify(signature, timestamp, body)
            .map_err(|()| CallbackError::BadSignature)?;
        self.replay.check("discord", timestamp, &bytes).await
    }

    async fn handle(
        &self,
        interaction: Incoming,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let custom_id = interaction
            .data
            .as_ref()
            .and_then(|d| d.custom_id.as_deref())
            .and_then(ButtonId::parse);
        match (interaction.kind, custom_id) {
            (PING, _) => Ok(CreateInteractionResponse::Pong),
            (MESSAGE_COMPONENT, Some(ButtonId::Reply(id))) => Ok(CreateInteractionResponse::Modal(
                components::reply_modal(&id),
            )),
            (
                MESSAGE_COMPONENT,
                Some(ButtonId::Assign {
                    reassign,
                    escalation,
                }),
            ) => self.assign(&interaction, reassign, &escalation).await,
            (MESSAGE_COMPONENT, Some(ButtonId::SavedReply(id))) => {
                match interaction.data.as_ref().and_then(|d| d.values.first()) {
                    None => self.saved_replies(&id).await,
                    Some(chosen) => self.send_saved_reply(&interaction, &id, chosen).await,
                }
            }
            (MESSAGE_COMPONENT, Some(ButtonId::Action(action, id))) => {
                self.act(action, &id, &interaction.chat_user()).await
            }
            (MODAL_SUBMIT, Some(ButtonId::Reply(id))) => self.relay(&interaction, &id).await,
            (APPLICATION_COMMAND, _) => self.command(&interaction).await,
            _ => Err(CallbackError::BadRequest(
                "unsupported interaction".to_string(),
            )),
        }
    }

    async fn act(
        &self,
        action: AgentAction,
        id: &str,
        user: &ChatUser,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let refusal = actions::click(
            &self.store,
            &self.metrics,
            action,
            id,
            user,
            self.allow_unlinked,
        )
        .await?;
        Ok(match refusal {
            None => CreateInteractionResponse::Acknowledge,
            Some(message) => ephemeral(components::refusal(&message)),
        })
    }

    /// `/frontline digest`: today's digest so far, in the channel the command came from.
    async fn command(
        &self,
        interaction: &Incoming,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let data = interaction.data.as_ref();
        let name = data.and_then(|d| d.name.as_deref()).unwrap_or_default();
        let subcommand = data.and_then(|d| d.options.first());
        let sub = subcommand.map(|o| o.name.as_str()).unwrap_or_default();
        if name == COMMAND && sub == "link" {
            let code = subcommand
                .and_then(|o| o.options.iter().find(|v| v.name == "code"))
                .and_then(|v| v.value.as_ref())
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            return self.link(interaction, code).await;
        }
        let channel = interaction.channel_id.as_deref().unwrap_or_default();
        if name != COMMAND || sub != "digest" || channel.is_empty() {
            return Ok(ephemeral(USAGE.to_string()));
        }
        self.digests
            .request_now(ChatPlatform::Discord, channel, &interaction.id)
            .await?;
        Ok(ephemeral(ACKNOWLEDGED.to_string()))
    }

    /// "Assign to…": the chosen Discord user's linked account gets the escalation through
    /// the core, as a Slack pick or the dashboard would give it.
    async fn assign(
        &self,
        interaction: &Incoming,
        reassign: bool,
        escalation: &str,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let Some(chosen) = interaction.data.as_ref().and_then(|d| d.values.first()) else {
            return Ok(CreateInteractionResponse::Acknowledge);
        };
        // Whether the clicking user may assign at all, before who they picked.
        let user = interaction.chat_user();
        if let Some(refusal) = actions::may_assign(&self.store, &user, self.allow_unlinked).await? {
            return Ok(ephemeral(components::refusal(&refusal)));
        }
        let assignee = ChatUser {
            platform: ChatPlatform::Discord,
            id: chosen.clone(),
            name: chosen.clone(),
            email: None,
        };
        let Some(account) = chat_identity::linked_account(&self.store, &assignee).await? else {
            return Ok(ephemeral(format!(
                "<@{}> has not linked a Frontline agent account yet (/frontline link).",
                chosen
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
            )));
        };
        let agent_id = account.id;
        let action = if reassign {
            AgentAction::Reassign { agent_id }
        } else {
            AgentAction::Assign { agent_id }
        };
        self.act(action, escalation, &user).await
    }

    /// The "Saved reply" button: a private select of the saved replies usable on the
    /// escalation's site.
    async fn saved_replies(&self, id: &str) -> Result<CreateInteractionResponse, CallbackError> {
        let Some(escalation) = self.store.escalation(id).await? else {
            return Ok(ephemeral(components::refusal(
                &Refusal::NotFound.chat_sentence(),
            )));
        };
        let replies = self.store.saved_replies(Some(&escalation.site_id)).await?;
        if replies.is_empty() {
            return Ok(ephemeral(
                "There are no saved replies for this site yet.".to_string(),
            ));
        }
        let listed: Vec<(String, String)> = replies.into_iter().map(|r| (r.id, r.name)).collect();
        Ok(CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(format!(
                    "Send a saved reply to {}; it is filled in for them.",
                    frontline_shared::templates::discord_value(escalation.customer_label())
                ))
                .components(vec![components::saved_reply_select(id, &listed)])
                .ephemeral(true)
                .allowed_mentions(components::allowed_mentions(None)),
        ))
    }

    /// A saved reply picked in the select: sent through the core's saved-reply door (the
    /// dashboard's and Slack's), as the clicking agent.
    async fn send_saved_reply(
        &self,
        interaction: &Incoming,
        id: &str,
        chosen: &str,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let actor =
            match chat_identity::actor(&self.store, &interaction.chat_user(), self.allow_unlinked)
                .await?
            {
                Ok(actor) => actor,
                Err(not_linked) => return Ok(ephemeral(not_linked.to_string())),
            };
        let Some(saved) = self.store.saved_reply(chosen).await? else {
            return Ok(ephemeral(components::refusal(
                "That saved reply no longer exists.",
            )));
        };
        let chat_event = ChatEvent {
            platform: ChatPlatform::Discord,
            id: format!("discord-interaction:{}", interaction.id),
        };
        let sent = send::send(&self.store, &saved.id, id, &actor, Some(chat_event)).await;
        let text = match sent {
            Ok((Outcome::Applied(_), text)) => text,
            Ok((Outcome::AlreadyApplied(_), _)) => return Ok(ephemeral("Already sent.".into())),
            Ok((Outcome::Refused(refusal), _)) => {
                return Ok(ephemeral(components::refusal(&refusal.chat_sentence())))
            }
            Err(SavedReplyError::Store(error)) => return Err(error.into()),
            Err(error) => return Ok(ephemeral(components::refusal(&error.to_string()))),
        };
        // Replaces the private select; the thread is told through the outbox.
        Ok(CreateInteractionResponse::UpdateMessage(
            CreateInteractionResponseMessage::new()
                .content(components::saved_reply_sent(&saved.name, &text))
                .components(Vec::new())
                .allowed_mentions(components::allowed_mentions(None)),
        ))
    }

    /// `/frontline link CODE`: links the user to the account whose one-time code it is.
    async fn link(
        &self,
        interaction: &Incoming,
        code: &str,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let user = interaction.chat_user();
        Ok(ephemeral(
            match chat_identity::link(&self.store, &user, code).await? {
                Some(account) => format!(
                    "Linked: in Frontline you act as {} now.",
                    frontline_shared::templates::escape_discord(&account.display_name)
                ),
                None => LINK_REFUSED.to_string(),
            },
        ))
    }

    async fn relay(
        &self,
        interaction: &Incoming,
        id: &str,
    ) -> Result<CreateInteractionResponse, CallbackError> {
        let body = interaction
            .data
            .iter()
            .flat_map(|d| d.components.iter())
            .flat_map(|row| row.components.iter())
            .find(|c| c.custom_id.as_deref() == Some(REPLY_INPUT))
            .and_then(|c| c.value.clone())
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| CallbackError::BadRequest("the reply is empty".into()))?;
        let user = interaction.chat_user();
        let actor = match chat_identity::actor(&self.store, &user, self.allow_unlinked).await? {
            Ok(actor) => actor,
            Err(not_linked) => return Ok(ephemeral(not_linked.to_string())),
        };
        let agent = actor.name.clone();
        let action = AgentAction::Reply(Reply {
            files: Vec::new(),
            text: body.clone(),
            chat_event: Some(ChatEvent {
                platform: ChatPlatform::Discord,
                id: format!("discord-interaction:{}", interaction.id),
            }),
            saved_reply: None,
        });
        match agent_action::apply(&self.store, &action, id, &actor).await? {
            Outcome::Applied(_) => {}
            Outcome::AlreadyApplied(_) => return Ok(ephemeral("Already sent.".to_string())),
            Outcome::Refused(refusal) => {
                return Ok(ephemeral(components::refusal(&refusal.chat_sentence())))
            }
        }
        Ok(CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(components::relayed_reply(&agent, &body))
                .allowed_mentions(components::allowed_mentions(None)),
        ))
    }
}

fn ephemeral(content: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(content)
            .ephemeral(true)
            .allowed_mentions(components::allowed_mentions(None)),
    )
}

pub async fn endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CallbackError> {
    let discord = state
        .discord
        .as_ref()
        .ok_or(CallbackError::NotConfigured("Discord"))?;
    let verified = discord.verify(&headers, &body).await;
    let outcome = if verified.is_ok() {
        "accepted"
    } else {
        "refused"
    };
    state.metrics.callback("discord_interactions", outcome);
    verified?;
    let interaction: Incoming = serde_json::from_slice(&body)
        .map_err(|e| CallbackError::BadRequest(format!("unreadable interaction: {e}")))?;
    let response = discord.handle(interaction).await?;
    Ok(Json(response).into_response())
}

const PING: u8 = 1;
const APPLICATION_COMMAND: u8 = 2;
/// The slash command's name (subcommands `digest`, and `link` with a `code` string).
pub const COMMAND: &str = "frontline";
/// The answer to `/frontline link` with a code that opens nothing.
const LINK_REFUSED: &str =
    "That link code is unknown, used or expired. Take a new one from your queue page in Frontline.";
const MESSAGE_COMPONENT: u8 = 3;
const MODAL_SUBMIT: u8 = 5;

/// The parts of an interaction we read (Discord sends many more).
#[derive(Debug, Deserialize)]
struct Incoming {
    id: String,
    #[serde(rename = "type")]
    kind: u8,
    data: Option<IncomingData>,
    channel_id: Option<String>,
    /// In a guild: the member, with their user.
    member: Option<IncomingMember>,
    /// In a DM: the user.
    user: Option<IncomingUser>,
}

#[derive(Debug, Deserialize)]
struct IncomingData {
    custom_id: Option<String>,
    /// A select's picks (a user select: user ids).
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    components: Vec<IncomingRow>,
    /// Application commands: the command's name and its (sub)options.
    name: Option<String>,
    #[serde(default)]
    options: Vec<IncomingOption>,
}

#[derive(Debug, Deserialize)]
struct IncomingOption {
    name: String,
    /// A subcommand's own options (`link`'s `code`).
    #[serde(default)]
    options: Vec<IncomingValue>,
}

#[derive(Debug, Deserialize)]
struct IncomingValue {
    name: String,
    value: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct IncomingRow {
    #[serde(default)]
    components: Vec<IncomingComponent>,
}

#[derive(Debug, Deserialize)]
struct IncomingComponent {
    custom_id: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IncomingMember {
    user: Option<IncomingUser>,
}

#[derive(Debug, Deserialize)]
struct IncomingUser {
    id: String,
    username: Option<String>,
    /// The display name the user chose (null when unset):
    /// <https://discord.com/developers/docs/resources/user#user-object>.
    global_name: Option<String>,
}

impl Incoming {
    /// The agent's name: their Discord display name (`global_name`), else their
    /// username, else their id.
    /// The clicking user's Discord id (`unknown` when the interaction names none).
    fn user_id(&self) -> String {
        self.member
            .as_ref()
            .and_then(|m| m.user.as_ref())
            .or(self.user.as_ref())
            .map_or_else(|| "unknown".to_string(), |user| user.id.clone())
    }

    /// The clicking user, as the core maps chat users to accounts.
    fn chat_user(&self) -> ChatUser {
        ChatUser {
            platform: ChatPlatform::Discord,
            id: self.user_id(),
            name: self.agent(),
            email: None,
        }
    }

    fn agent(&self) -> String {
        let user = self
            .member
            .as_ref()
            .and_then(|m| m.user.as_ref())
            .or(self.user.as_ref());
        match user {
            Some(user) => [&user.global_name, &user.username]
                .into_iter()
                .flatten()
                .map(|name| name.trim())
                .find(|name| !name.is_empty())
                .map_or_else(|| user.id.clone(), str::to_string),
            None => "unknown".to_string(),
        }
    }
}
