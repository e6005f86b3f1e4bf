//! Agents' Discord messages to the customer: one message at a time, in the order the
//! gateway (or the channel history) lists them.
//!
//! A message is relayed when it is written by a person (not this bot, not another bot)
//! and either
//! - in a thread started from an alert (a thread started from a message has that
//!   message's id as its own id), or
//! - a reply to the alert (`message_reference`) in the alert's channel.
//!
//! A message with attachments is queued for the delivery worker, which fetches the files
//! from Discord's CDN and relays them with the text ([`crate::delivery::chat_files`]).
//!
//! The relay is the same use as Slack thread replies ([`crate::actions::thread_reply`]),
//! keyed `discord-message:<id>`, so a message seen twice (replayed after a resume, or
//! both live and in the history after a failover) is relayed once.
//!
//! Once a message in an alert channel or an alert's thread is handled, the channel's
//! cursor (the newest message seen, in the store) moves to it, so the next replica to
//! hold the gateway knows where the history to catch up on starts
//! ([`super::catch_up`]).

use std::collections::HashSet;

use frontline_shared::agent_action::ChatEvent;
use frontline_shared::chat_identity::ChatUser;
use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::SharedFileLink;
use frontline_shared::store::{Store, StoreError};
use serenity::all::Message;

/// Relays agents' alert-thread messages and keeps the channel cursors.
#[derive(Debug, Clone)]
pub struct ThreadRelay {
    pub store: Store,
    /// The channels alerts are posted to (`default_channel`, Discord routes).
    pub alert_channels: HashSet<String>,
    /// `[bot] allow_unlinked`: users who did not `/frontline link` may reply.
    pub allow_unlinked: bool,
}

impl ThreadRelay {
    /// Handles one message: relays it if an agent answers an alert with it, then moves
    /// its channel's cursor if the channel is an alert channel or an alert's thread.
    pub async fn handle(&self, message: &Message) -> Result<(), StoreError> {
        let channel = message.channel_id.to_string();
        let thread_of = self
            .store
            .escalation_for_thread_ref(ChatPlatform::Discord, &channel)
            .await?;
        let tracked = thread_of.is_some() || self.alert_channels.contains(&channel);
        // This bot's own posts (alerts, relayed customer messages) and other bots'.
        if !message.author.bot {
            let escalation = match thread_of {
                Some(escalation) => Some(escalation),
                None => self.replied_alert(message, &channel).await?,
            };
            if let Some(escalation) = escalation {
                self.relay(message, &escalation).await?;
            }
        }
        if tracked {
            self.advance_cursor(&channel, message).await?;
        }
        Ok(())
    }

    /// Moves `channel`'s cursor to `message` (if it is newer).
    pub async fn advance_cursor(&self, channel: &str, message: &Message) -> Result<(), StoreError> {
        match i64::try_from(message.id.get()) {
            Ok(id) => {
                self.store
                    .advance_chat_cursor(ChatPlatform::Discord, channel, id)
                    .await
            }
            Err(_) => Ok(()), // a snowflake from after 2084
        }
    }

    async fn relay(&self, message: &Message, escalation_id: &str) -> Result<(), StoreError> {
        let text = message.content.trim();
        // https://discord.com/developers/docs/resources/message#attachment-object
        let files: Vec<SharedFileLink> = message
            .attachments
            .iter()
            .map(|a| SharedFileLink {
                name: a.filename.clone(),
                url: a.url.clone(),
            })
            .collect();
        if text.is_empty() && files.is_empty() {
            return Ok(());
        }
        let agent = message
            .author
            .global_name
            .clone()
            .unwrap_or_else(|| message.author.name.clone());
        let chat_event = ChatEvent {
            platform: ChatPlatform::Discord,
            id: format!("discord-message:{}", message.id),
        };
        let user = ChatUser {
            platform: ChatPlatform::Discord,
            id: message.author.id.to_string(),
            name: agent,
            email: None,
        };
        let who = (&user, self.allow_unlinked);
        if files.is_empty() {
            let reply = (text.to_string(), Vec::new());
            crate::actions::thread_reply(&self.store, escalation_id, who, reply, chat_event).await
        } else {
            let shared = (text.to_string(), files);
            crate::actions::thread_files(&self.store, escalation_id, who, shared, chat_event).await
        }
    }

    /// The escalation whose alert `message` replies to, in the alert's channel.
    async fn replied_alert(
        &self,
        message: &Message,
        channel: &str,
    ) -> Result<Option<String>, StoreError> {
        let Some(replied_to) = message
            .message_reference
            .as_ref()
            .and_then(|reference| reference.message_id)
        else {
            return Ok(None);
        };
        self.store
            .escalation_for_thread(ChatPlatform::Discord, channel, &replied_to.to_string())
            .await
    }
}
