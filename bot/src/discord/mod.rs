//! Discord: alerts with buttons, replies to the alert for the conversation, and
//! interactions over HTTP (`POST /discord/interactions`).
//!
//! Without a gateway connection the bot cannot read channel messages, so agents answer
//! customers with the alert's **Reply** button: it opens a modal whose submission
//! (interaction type 5) arrives over HTTP. Customer follow-ups are posted as replies to
//! the alert.
//!
//! Every post carries a `nonce` derived from `(escalation, purpose)` (25 characters) and
//! `enforce_nonce: true`: if an interrupted attempt already created the message, Discord
//! returns that message instead of posting a second one. Discord only remembers nonces
//! for a few minutes, so a retry after a longer outage could repeat a message.
//!
//! # Layout
//! - [`client`]: the REST client (serenity routes and models, our own `Retry-After` handling).
//! - [`components`]: message rendering and button ids.
//! - [`interactions`]: the signed endpoint (PING, buttons, the reply modal).
//! - [`gateway`]: with `gateway = true`, the gateway session (one across replicas,
//!   elected by a store lease).
//! - [`relay`]: agents' messages in an alert's thread (or replies to it) to the customer.
//! - [`catch_up`]: on a new session, what was written meanwhile, from channel history.

pub mod catch_up;
pub mod client;
pub mod components;
pub mod gateway;
pub mod interactions;
pub mod relay;

use async_trait::async_trait;
use frontline_shared::clock::SharedClock;
use frontline_shared::config::{ChatPlatform, DiscordSettings, Settings};
use frontline_shared::escalation::{Escalation, Priority};
use frontline_shared::privacy::Redactor;
use frontline_shared::store::chat::ChatMessageRef;
use frontline_shared::templates::escape_discord;
use frontline_shared::templates::Templates;
use serenity::all::{ChannelId, MessageId, Nonce, RoleId};
use serenity::builder::{CreateAllowedMentions, CreateAttachment, CreateMessage, EditMessage};
use sha2::{Digest, Sha256};

use crate::chat::{Chat, ChatFile, FileSlot, Post, PostKey, Target};
use crate::error::ChatError;
use crate::sla_view::{ManagersView, RealertView};
use crate::templates::DIGEST_DISCORD;
use crate::view::{shorten, AlertView, SiteNames};
pub use client::DiscordRest;
pub use interactions::DiscordEndpoint;

/// Discord as a [`Chat`].
#[derive(Debug)]
pub struct DiscordChat {
    rest: DiscordRest,
    settings: DiscordSettings,
    oncall_role: Option<RoleId>,
    templates: Templates,
    sites: SiteNames,
    clock: SharedClock,
    /// Masks what customers typed before it is posted (`[privacy] redact`).
    redactor: Redactor,
}

/// Longest message content Discord accepts, in characters.
const CONTENT_CHARS: usize = 2_000;

/// The digest chart's file name.
const CHART_FILE: &str = "frontline-digest.png";

/// A Discord snowflake from configuration or the store.
pub fn snowflake(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok().filter(|n| *n != 0)
}

fn channel_id(text: &str) -> Result<ChannelId, ChatError> {
    snowflake(text)
        .map(ChannelId::new)
        .ok_or_else(|| ChatError::Rejected(format!("{text:?} is not a Discord channel id")))
}

fn message_id(text: &str) -> Result<MessageId, ChatError> {
    snowflake(text)
        .map(MessageId::new)
        .ok_or_else(|| ChatError::Rejected(format!("{text:?} is not a Discord message id")))
}

/// The nonce for `key`: `fl` + 23 hex digits of SHA-256(`subject key:purpose`).
pub fn nonce(key: &PostKey) -> String {
    let digest = Sha256::digest(format!("{}:{}", key.subject.key(), key.purpose));
    let hex = hex::encode(digest);
    format!("fl{}", &hex[..23])
}

impl DiscordChat {
    pub fn new(
        rest: DiscordRest,
        settings: DiscordSettings,
        templates: Templates,
        sites: SiteNames,
        clock: SharedClock,
        redactor: Redactor,
    ) -> Self {
        let oncall_role = settings
            .oncall_role
            .as_deref()
            .and_then(snowflake)
            .map(RoleId::new);
        DiscordChat {
            rest,
            settings,
            oncall_role,
            templates,
            sites,
            clock,
            redactor,
        }
    }

    fn mention(&self) -> Option<String> {
        self.oncall_role.map(|role| format!("<@&{role}>"))
    }

    /// The alert's view, with what the customer typed masked.
    fn alert_view(&self, escalation: &Escalation) -> (AlertView, Option<RoleId>) {
        let escalation = &self.redactor.escalation(escalation);
        let urgent = escalation.priority >= Priority::High;
        let mention = self.mention().filter(|_| urgent);
        let view = AlertView::new(
            escalation,
            self.sites.name(&escalation.site_id),
            self.clock.now_ms(),
            mention,
        );
        (view, self.oncall_role.filter(|_| urgent))
    }

    fn message(&self, target: &Target, post: &Post<'_>) -> Result<CreateMessage, ChatError> {
        let now = self.clock.now_ms();
        let message = match post {
            Post::Alert { escalation } => {
                let (view, role) = self.alert_view(escalation);
                CreateMessage::new()
                    .content(components::alert_content(&self.templates, &view)?)
                    .components(components::alert_buttons(&view))
                    .allowed_mentions(components::allowed_mentions(role))
            }
            Post::CustomerMessage {
                escalation,
                body,
                reopened,
            } => CreateMessage::new()
                .content(components::customer_message(
                    &self.redactor.escalation(escalation),
                    &self.redactor.mask(body),
                    *reopened,
                ))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::AgentMessage {
                agent,
                body,
                origin,
                saved_reply,
                ..
            } => CreateMessage::new()
                .content(components::agent_message(
                    agent,
                    &self.redactor.mask(body),
                    origin.as_str(),
                    *saved_reply,
                ))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::Realert { escalation, number } => {
                let escalation = &self.redactor.escalation(escalation);
                let site = self.sites.name(&escalation.site_id);
                let view = RealertView::new(escalation, site, *number, now, self.mention());
                CreateMessage::new()
                    .content(components::realert(&self.templates, &view)?)
                    .allowed_mentions(components::allowed_mentions(self.oncall_role))
            }
            Post::Managers {
                escalation,
                number,
                alert,
                away_owner,
            } => {
                let escalation = &self.redactor.escalation(escalation);
                let site = self.sites.name(&escalation.site_id);
                let channel = alert.map(|a| a.channel.as_str());
                let view = ManagersView::new(escalation, site, *number, now, channel, *away_owner);
                CreateMessage::new()
                    .content(components::managers(&self.templates, &view)?)
                    .allowed_mentions(components::allowed_mentions(None))
            }
            Post::Assigned {
                assignment,
                mention,
                ..
            } => {
                let (content, user) =
                    components::assigned(&assignment.agent, &assignment.by, *mention);
                CreateMessage::new()
                    .content(content)
                    .allowed_mentions(CreateAllowedMentions::new().users(user))
            }
            Post::TakenOver {
                notice, mention, ..
            } => {
                let (content, user) = components::taken_over(&notice.by, &notice.from, *mention);
                CreateMessage::new()
                    .content(content)
                    .allowed_mentions(CreateAllowedMentions::new().users(user))
            }
            Post::Digest { view, .. } => {
                let text = self
                    .templates
                    .render(DIGEST_DISCORD, &view.masked(&self.redactor))?;
                CreateMessage::new()
                    .content(shorten(&text, CONTENT_CHARS - 1))
                    .allowed_mentions(components::allowed_mentions(None))
            }
            // Listed here (`attachments[0]`); the bytes go in the multipart upload.
            Post::Chart { title, .. } => CreateMessage::new()
                .content(format!("📈 {}", escape_discord(title)))
                .add_file(CreateAttachment::bytes(Vec::new(), CHART_FILE))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::Csat {
                rating, comment, ..
            } => CreateMessage::new()
                .content(crate::chat::rating_text(
                    *rating,
                    comment.map(|c| self.redactor.mask(c)).as_deref(),
                    escape_discord,
                ))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::MailBounced { error, .. } => CreateMessage::new()
                .content(crate::chat::bounce_text("⚠️", error, escape_discord))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::MailFlagged { flag, .. } => CreateMessage::new()
                .content(crate::chat::flag_text("⚠️", flag, escape_discord))
                .allowed_mentions(components::allowed_mentions(None)),
            Post::FilesRefused { files, .. } => CreateMessage::new()
                .content(crate::chat::refused_files_text("⚠️", files, escape_discord))
                .allowed_mentions(components::allowed_mentions(None)),
        };
        Ok(match &target.thread {
            Some(parent) => {
                message.reference_message((channel_id(&target.channel)?, message_id(parent)?))
            }
            None => message,
        })
    }
}

#[async_trait]
impl Chat for DiscordChat {
    fn platform(&self) -> ChatPlatform {
        ChatPlatform::Discord
    }

    fn default_channel(&self) -> Option<&str> {
        self.settings.default_channel.as_deref()
    }

    fn managers_channel(&self) -> Option<&str> {
        self.settings.managers_channel.as_deref()
    }

    /// The alert's thread (the mention pings them there).
    async fn person_target(
        &self,
        _email: &str,
        alert: Option<&ChatMessageRef>,
    ) -> Result<Option<Target>, ChatError> {
        Ok(alert.map(crate::delivery::effects::thread_of))
    }

    async fn find_earlier(
        &self,
        _target: &Target,
        _key: &PostKey,
        _since_ms: i64,
    ) -> Result<Option<String>, ChatError> {
        Ok(None) // the nonce makes the post itself idempotent
    }

    async fn post(
        &self,
        target: &Target,
        key: &PostKey,
        post: &Post<'_>,
    ) -> Result<String, ChatError> {
        let message = self
            .message(target, post)?
            .nonce(Nonce::String(nonce(key)))
            .enforce_nonce(true);
        let channel = channel_id(&target.channel)?;
        let sent = match post {
            Post::Chart { png, .. } => {
                self.rest
                    .send_message_with_file(
                        channel,
                        &message,
                        CreateAttachment::bytes(png.to_vec(), CHART_FILE),
                    )
                    .await?
            }
            _ => self.rest.send_message(channel, &message).await?,
        };
        Ok(sent.id.to_string())
    }

    async fn refresh_alert(
        &self,
        alert: &ChatMessageRef,
        escalation: &Escalation,
    ) -> Result<(), ChatError> {
        let (view, _) = self.alert_view(escalation);
        let edit = EditMessage::new()
            .content(components::alert_content(&self.templates, &view)?)
            .components(components::alert_buttons(&view))
            .allowed_mentions(components::allowed_mentions(None));
        self.rest
            .edit_message(
                channel_id(&alert.channel)?,
                message_id(&alert.message_ref)?,
                &edit,
            )
            .await?;
        Ok(())
    }

    async fn erase(&self, message: &ChatMessageRef) -> Result<(), ChatError> {
        let edit = EditMessage::new()
            .content(crate::chat::ERASED_TEXT)
            .components(Vec::new())
            .allowed_mentions(components::allowed_mentions(None));
        self.rest
            .edit_message(
                channel_id(&message.channel)?,
                message_id(&message.message_ref)?,
                &edit,
            )
            .await?;
        Ok(())
    }

    async fn delete(&self, message: &ChatMessageRef) -> Result<(), ChatError> {
        self.rest
            .delete_message(
                channel_id(&message.channel)?,
                message_id(&message.message_ref)?,
            )
            .await
    }

    async fn reserve_file(&self, _file: &ChatFile<'_>) -> Result<Option<FileSlot>, ChatError> {
        Ok(None) // the nonce makes the post itself idempotent
    }

    async fn find_shared_file(
        &self,
        _target: &Target,
        _file_id: &str,
    ) -> Result<Option<String>, ChatError> {
        Ok(None)
    }

    /// A reply to the alert carrying the file (`multipart/form-data`: `payload_json`
    /// listing it, and its bytes as `files[0]`,
    /// https://discord.com/developers/docs/reference#uploading-files).
    async fn post_file(
        &self,
        target: &Target,
        key: &PostKey,
        file: &ChatFile<'_>,
        _slot: Option<&FileSlot>,
    ) -> Result<String, ChatError> {
        let channel = channel_id(&target.channel)?;
        let mut message = CreateMessage::new()
            .add_file(CreateAttachment::bytes(Vec::new(), file.name))
            .allowed_mentions(components::allowed_mentions(None))
            .nonce(Nonce::String(nonce(key)))
            .enforce_nonce(true);
        if let Some(parent) = &target.thread {
            message = message.reference_message((channel, message_id(parent)?));
        }
        let sent = self
            .rest
            .send_message_with_file(
                channel,
                &message,
                CreateAttachment::bytes(file.bytes.to_vec(), file.name),
            )
            .await?;
        Ok(sent.id.to_string())
    }

    async fn download_file(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, crate::download::DownloadError> {
        self.rest.files.fetch(url, max_bytes).await
    }
}

/// Checks that configured Discord channel and role ids are numeric snowflakes; the
/// error names the key and says what is wrong.
pub fn check_ids(settings: &Settings) -> Result<(), (String, String)> {
    let discord = &settings.bot.discord;
    let mut ids: Vec<(String, &str)> = Vec::new();
    if let Some(c) = &discord.default_channel {
        ids.push(("bot.discord.default_channel".into(), c));
    }
    if let Some(c) = &discord.managers_channel {
        ids.push(("bot.discord.managers_channel".into(), c));
    }
    if let Some(r) = &discord.oncall_role {
        ids.push(("bot.discord.oncall_role".into(), r));
    }
    for (i, rule) in settings.bot.routes.iter().enumerate() {
        if rule.platform == ChatPlatform::Discord {
            ids.push((format!("bot.routes[{i}].channel"), &rule.channel));
        }
    }
    match ids.into_iter().find(|(_, id)| snowflake(id).is_none()) {
        Some((key, id)) => Err((key, format!("{id:?} is not a Discord id (digits only)"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_shared::contracts::Subject;

    #[test]
    fn nonces_fit_discords_limit_and_differ_by_purpose() {
        let esc = Subject::Escalation("esc_0123456789abcdef01234567".into());
        let alert = nonce(&PostKey::new(esc.clone(), "alert"));
        let again = nonce(&PostKey::new(esc.clone(), "alert"));
        let other = nonce(&PostKey::new(esc.clone(), "realert-1"));
        assert_eq!(alert.len(), 25);
        assert_eq!(alert, again);
        assert_ne!(alert, other);
    }
}
