//! The Discord gateway (`[bot.discord] gateway = true`): agents answer a customer by
//! simply writing in the alert's thread, or replying to the alert, as Slack agents do.
//!
//! Without a gateway connection the bot cannot read channel messages (Discord delivers
//! them only over the gateway, https://discord.com/developers/docs/events/gateway), so the
//! alert's **Reply** modal was the only way; it stays as an alternative.
//!
//! serenity's gateway client keeps the connection: it identifies with the
//! `GUILD_MESSAGES` and privileged `MESSAGE_CONTENT` intents (enable "Message Content
//! Intent" on the bot's page in the developer portal), sends heartbeats, and on a dropped
//! connection or a `Reconnect` (op 7) resumes the session (op 6), so Discord replays what
//! was dispatched meanwhile.
//!
//! A message is relayed when it is written by a person (not this bot, not another bot)
//! and either
//! - in a thread started from an alert (a thread started from a message has that
//!   message's id as its own id), or
//! - a reply to the alert (`message_reference`) in the alert's channel.
//!
//! The relay is the same use as Slack thread replies ([`crate::actions::thread_reply`]),
//! keyed on the message id, so a message replayed after a resume is relayed once.

use async_trait::async_trait;
use frontline_shared::agent_action::ChatEvent;
use frontline_shared::config::ChatPlatform;
use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::{Store, StoreError};
use serenity::all::{ClientBuilder, Context, EventHandler, GatewayIntents, HttpBuilder, Message};

/// Why the gateway connection ended with an error.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the Discord gateway connection failed: {0}")]
    Client(#[from] serenity::Error),
}

/// What the gateway worker needs.
#[derive(Debug, Clone)]
pub struct DiscordGateway {
    pub api_url: String,
    pub bot_token: String,
    pub store: Store,
}

/// The intents the bot asks for: guild messages and their content (privileged).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// Keeps the gateway connection until `shutdown`.
pub async fn run(gateway: DiscordGateway, mut shutdown: Shutdown) -> Result<(), GatewayError> {
    let token = gateway
        .bot_token
        .trim()
        .trim_start_matches("Bot ")
        .to_string();
    let http = HttpBuilder::new(&token)
        .proxy(gateway.api_url.trim_end_matches('/'))
        .ratelimiter_disabled(true)
        .build();
    let relay = ThreadRelay {
        store: gateway.store,
    };
    let mut client = ClientBuilder::new_with_http(http, intents())
        .event_handler(relay)
        .await?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        ended = client.start() => ended?,
        () = shutdown.wait() => shards.shutdown_all().await,
    }
    Ok(())
}

/// Relays agents' thread messages to the customer.
struct ThreadRelay {
    store: Store,
}

#[async_trait]
impl EventHandler for ThreadRelay {
    async fn message(&self, _ctx: Context, message: Message) {
        // This bot's own posts (alerts, relayed customer messages) and other bots'.
        if message.author.bot {
            return;
        }
        if let Err(error) = self.relay(&message).await {
            tracing::warn!(message = %message.id, %error, "Discord thread message not relayed");
        }
    }
}

impl ThreadRelay {
    async fn relay(&self, message: &Message) -> Result<(), StoreError> {
        let text = message.content.trim();
        if text.is_empty() {
            return Ok(());
        }
        let Some(escalation_id) = self.escalation(message).await? else {
            return Ok(()); // not an alert's thread, not a reply to an alert
        };
        let agent = message
            .author
            .global_name
            .clone()
            .unwrap_or_else(|| message.author.name.clone());
        let chat_event = ChatEvent {
            platform: ChatPlatform::Discord,
            id: format!("discord-message:{}", message.id),
        };
        let user_id = message.author.id.to_string();
        crate::actions::thread_reply(
            &self.store,
            &escalation_id,
            (&agent, &user_id),
            text.to_string(),
            chat_event,
        )
        .await
    }

    /// The escalation whose alert `message` answers: the thread it is in was started from
    /// the alert, or it replies to the alert.
    async fn escalation(&self, message: &Message) -> Result<Option<String>, StoreError> {
        let thread = message.channel_id.to_string();
        if let Some(found) = self
            .store
            .escalation_for_thread_ref(ChatPlatform::Discord, &thread)
            .await?
        {
            return Ok(Some(found));
        }
        let Some(replied_to) = message
            .message_reference
            .as_ref()
            .and_then(|reference| reference.message_id)
        else {
            return Ok(None);
        };
        self.store
            .escalation_for_thread(ChatPlatform::Discord, &thread, &replied_to.to_string())
            .await
    }
}
