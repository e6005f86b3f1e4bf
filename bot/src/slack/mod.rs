//! Slack: alerts with Block Kit buttons, threads for the conversation, Events API and
//! interactivity over HTTP (or Socket Mode).
//!
//! Scopes used (see `bot/slack-app-manifest.yml`): `chat:write` (post, update, ephemeral),
//! `channels:history` / `groups:history` (read thread replies as events, and
//! `conversations.history` to find an interrupted post), `users:read` (agent names),
//! `files:write` (the digest's chart, customers' files, deleting them on erasure),
//! `commands` (`/frontline digest`).
//!
//! Every post carries message metadata `{event_type: "frontline_escalation",
//! event_payload: {escalation_id, purpose}}`; a retried alert first looks for it in
//! `conversations.history` (since the escalation was created), so a crash between
//! posting and recording never shows a second alert. Thread posts (customer messages,
//! re-alerts) are not looked up: `conversations.replies` cannot return metadata through
//! slack-morphism, so a crash in that narrow window may repeat one thread line.
//!
//! # Layout
//! - [`client`]: the Web API client and error classification.
//! - [`blocks`]: message rendering; [`text`]: agent text → customer text.
//! - [`signature`]: request verification; [`interactions`], [`events`], [`commands`]:
//!   HTTP endpoints.
//! - [`socket_mode`]: the same handlers over Socket Mode.

pub mod blocks;
pub mod client;
pub mod commands;
pub mod events;
pub mod interactions;
pub mod saved_replies;
pub mod signature;
pub mod socket_mode;
pub mod text;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use frontline_shared::chat_identity::ChatUser;
use frontline_shared::clock::SharedClock;
use frontline_shared::config::{ChatPlatform, SlackSettings};
use frontline_shared::escalation::{Escalation, Priority};
use frontline_shared::privacy::Redactor;
use frontline_shared::store::chat::ChatMessageRef;
use frontline_shared::store::Store;
use frontline_shared::templates::Templates;
use slack_morphism::prelude::*;

use crate::chat::{Chat, ChatFile, FileSlot, Post, PostKey, Target};
use crate::error::ChatError;
use crate::metrics::Metrics;
use crate::sla_view::{ManagersView, RealertView};
use crate::view::{AlertView, SiteNames};
pub use client::SlackWeb;
pub use signature::SlackVerifier;

/// What Slack's callbacks act on, whether they arrive over HTTP or Socket Mode.
#[derive(Debug, Clone)]
pub struct SlackHandlers {
    pub chat: Arc<SlackChat>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// `[bot] allow_unlinked`: users without an account with their e-mail may act.
    pub allow_unlinked: bool,
}

/// `metadata.event_type` of every message the bot posts.
pub const EVENT_TYPE: &str = "frontline_escalation";

/// The digest chart's file name.
const CHART_FILE: &str = "frontline-digest.png";

/// Pages of `conversations.history` searched for an interrupted post.
const HISTORY_PAGES: usize = 5;

/// Slack as a [`Chat`].
#[derive(Debug)]
pub struct SlackChat {
    pub web: SlackWeb,
    settings: SlackSettings,
    templates: Templates,
    sites: SiteNames,
    clock: SharedClock,
    /// Masks what customers typed before it is posted (`[privacy] redact`).
    redactor: Redactor,
    /// User id → display name and e-mail, from `users.info`.
    names: Mutex<NameCache>,
}

/// How long a display name from `users.info` is reused (one hour).
pub const NAME_TTL_MS: i64 = 60 * 60 * 1000;

/// How long a failed lookup's fallback is reused before `users.info` is asked again.
pub const FAILED_NAME_TTL_MS: i64 = 60 * 1000;

/// The agent names a bot process has looked up.
#[derive(Debug, Default)]
struct NameCache {
    /// User id → (name and e-mail, expiry in clock ms).
    entries: HashMap<String, (Named, i64)>,
    /// User id → Slack handle seen in an interaction payload (the fallback).
    handles: HashMap<String, String>,
}

/// A user as `users.info` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    name: String,
    /// `profile.email` (with the `users:read.email` scope).
    email: Option<String>,
}

impl NameCache {
    fn cached(&mut self, user_id: &str, now_ms: i64) -> Option<Named> {
        match self.entries.get(user_id) {
            Some((name, expires)) if *expires > now_ms => Some(name.clone()),
            Some(_) => {
                self.entries.remove(user_id);
                None
            }
            None => None,
        }
    }
}

/// A user's display name per `users.info`: `profile.display_name`, else
/// `profile.real_name`, else the user's `real_name`, else their handle (`name`).
/// Slack sends unset names as empty strings.
fn display_name(user: &SlackUser) -> Option<String> {
    let profile = user.profile.as_ref();
    [
        profile.and_then(|p| p.display_name.as_ref()),
        profile.and_then(|p| p.real_name.as_ref()),
        user.real_name.as_ref(),
        user.name.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|name| name.trim())
    .find(|name| !name.is_empty())
    .map(str::to_string)
}

impl SlackChat {
    pub fn new(
        web: SlackWeb,
        settings: SlackSettings,
        templates: Templates,
        sites: SiteNames,
        clock: SharedClock,
        redactor: Redactor,
    ) -> Self {
        SlackChat {
            web,
            settings,
            templates,
            sites,
            clock,
            redactor,
            names: Mutex::new(NameCache::default()),
        }
    }

    /// The agent name shown to customers and stored as owner: the user's Slack display
    /// name (`users.info` profile `display_name`, else `real_name`), else their handle,
    /// else their id. See [`SlackChat::agent_name_or`].
    pub async fn agent_name(&self, user_id: &str) -> String {
        self.agent_name_or(user_id, None).await
    }

    /// [`SlackChat::agent_name`], with the handle an interaction payload carries as the
    /// fallback when `users.info` fails. Answers are cached per user for
    /// [`NAME_TTL_MS`] (a failure's fallback for [`FAILED_NAME_TTL_MS`]), so a busy
    /// thread costs one call; a failure is logged at WARN and never fails the caller.
    pub async fn agent_name_or(&self, user_id: &str, handle: Option<&str>) -> String {
        self.chat_user(user_id, handle).await.name
    }

    /// The user as [`SlackChat::agent_name_or`] names them, with the e-mail their
    /// `users.info` profile gives (what maps them to an agent account), from the same
    /// cached call.
    pub async fn chat_user(&self, user_id: &str, handle: Option<&str>) -> ChatUser {
        let now = self.clock.now_ms();
        if let Some(handle) = handle.filter(|h| !h.is_empty()) {
            self.names()
                .handles
                .insert(user_id.to_string(), handle.to_string());
        }
        let cached = self.names().cached(user_id, now);
        let named = match cached {
            Some(named) => named,
            None => self.look_up(user_id, now).await,
        };
        ChatUser {
            platform: ChatPlatform::Slack,
            id: user_id.to_string(),
            name: named.name,
            email: named.email,
        }
    }

    async fn look_up(&self, user_id: &str, now: i64) -> Named {
        let (name, email, ttl) = match self.web.user(user_id).await {
            Ok(user) => {
                let email = user
                    .profile
                    .as_ref()
                    .and_then(|p| p.email.as_ref())
                    .map(|e| e.to_string())
                    .filter(|e| !e.is_empty());
                (display_name(&user), email, NAME_TTL_MS)
            }
            Err(error) => {
                tracing::warn!(%error, user = user_id, "users.info failed; using the Slack handle");
                (None, None, FAILED_NAME_TTL_MS)
            }
        };
        let mut names = self.names();
        let name = name
            .or_else(|| names.handles.get(user_id).cloned())
            .unwrap_or_else(|| user_id.to_string());
        let named = Named { name, email };
        names
            .entries
            .insert(user_id.to_string(), (named.clone(), now + ttl));
        named
    }

    fn names(&self) -> std::sync::MutexGuard<'_, NameCache> {
        self.names.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An ephemeral message only `user` sees.
    pub async fn tell_privately(
        &self,
        channel: &str,
        user: &str,
        text: String,
    ) -> Result<(), ChatError> {
        let request = SlackApiChatPostEphemeralRequest::new(
            channel.into(),
            user.into(),
            SlackMessageContent::new().with_text(text),
        );
        self.web.post_ephemeral(&request).await
    }

    /// The alert's view, with what the customer typed masked.
    fn alert_view(&self, escalation: &Escalation) -> AlertView {
        let escalation = &self.redactor.escalation(escalation);
        let mention = (escalation.priority >= Priority::High)
            .then(|| self.settings.oncall_mention.clone())
            .flatten();
        AlertView::new(
            escalation,
            self.sites.name(&escalation.site_id),
            self.clock.now_ms(),
            mention,
        )
    }

    fn render(&self, post: &Post<'_>) -> Result<(String, Option<Vec<SlackBlock>>), ChatError> {
        let now = self.clock.now_ms();
        Ok(match post {
            Post::Alert { escalation } => {
                let (text, blocks) = blocks::alert(&self.templates, &self.alert_view(escalation))?;
                (text, Some(blocks))
            }
            Post::CustomerMessage {
                escalation,
                body,
                reopened,
            } => {
                let escalation = &self.redactor.escalation(escalation);
                let body = self.redactor.mask(body);
                (blocks::customer_message(escalation, &body, *reopened), None)
            }
            Post::AgentMessage {
                agent,
                body,
                origin,
                saved_reply,
                ..
            } => {
                let body = self.redactor.mask(body);
                let text = blocks::agent_message(agent, &body, origin.as_str(), *saved_reply);
                (text, None)
            }
            Post::Realert { escalation, number } => {
                let escalation = &self.redactor.escalation(escalation);
                let site = self.sites.name(&escalation.site_id);
                let mention = self.settings.oncall_mention.clone();
                let view = RealertView::new(escalation, site, *number, now, mention);
                (blocks::realert(&self.templates, &view)?, None)
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
                (blocks::managers(&self.templates, &view)?, None)
            }
            Post::Assigned {
                escalation,
                assignment,
                alert,
                ..
            } => {
                let escalation = &self.redactor.escalation(escalation);
                let site = self.sites.name(&escalation.site_id);
                let channel = alert.map(|a| a.channel.as_str());
                (
                    blocks::assigned(escalation, site, &assignment.by, channel),
                    None,
                )
            }
            Post::TakenOver {
                escalation,
                notice,
                direct,
                alert,
                ..
            } => {
                let escalation = &self.redactor.escalation(escalation);
                let text = if *direct {
                    let site = self.sites.name(&escalation.site_id);
                    let channel = alert.map(|a| a.channel.as_str());
                    blocks::taken_over_from_you(escalation, site, &notice.by, channel)
                } else {
                    blocks::taken_over(&notice.by, &notice.from)
                };
                (text, None)
            }
            Post::Digest { view, .. } => (
                self.templates
                    .render(crate::templates::DIGEST_SLACK, &view.masked(&self.redactor))?,
                None,
            ),
            Post::Chart { title, .. } => (title.to_string(), None),
            Post::Csat {
                rating, comment, ..
            } => (
                crate::chat::rating_text(
                    *rating,
                    comment.map(|c| self.redactor.mask(c)).as_deref(),
                    frontline_shared::templates::escape_slack,
                ),
                None,
            ),
            Post::MailBounced { error, .. } => (
                crate::chat::bounce_text(
                    ":warning:",
                    error,
                    frontline_shared::templates::escape_slack,
                ),
                None,
            ),
            Post::MailFlagged { flag, .. } => (
                crate::chat::flag_text(
                    ":warning:",
                    flag,
                    frontline_shared::templates::escape_slack,
                ),
                None,
            ),
            Post::FilesRefused { files, .. } => (
                crate::chat::refused_files_text(
                    ":warning:",
                    files,
                    frontline_shared::templates::escape_slack,
                ),
                None,
            ),
        })
    }
}

fn metadata(key: &PostKey) -> SlackMessageMetadata {
    let payload = HashMap::from([
        ("escalation_id".to_string(), key.subject.key()),
        ("purpose".to_string(), key.purpose.clone()),
    ]);
    SlackMessageMetadata::new(EVENT_TYPE.to_string()).with_event_payload(payload)
}

fn is_ours(message: &SlackHistoryMessage, key: &PostKey) -> bool {
    let Some(metadata) = &message.content.metadata else {
        return false;
    };
    let payload = metadata.event_payload.as_ref();
    let field = |name: &str| payload.and_then(|p| p.get(name)).map(String::as_str);
    metadata.event_type == EVENT_TYPE
        && field("escalation_id") == Some(key.subject.key().as_str())
        && field("purpose").is_none_or(|p| p == key.purpose)
}

#[async_trait]
impl Chat for SlackChat {
    fn platform(&self) -> ChatPlatform {
        ChatPlatform::Slack
    }

    fn default_channel(&self) -> Option<&str> {
        self.settings.default_channel.as_deref()
    }

    fn managers_channel(&self) -> Option<&str> {
        self.settings.managers_channel.as_deref()
    }

    /// A direct message, found by the account's e-mail.
    async fn person_target(
        &self,
        email: &str,
        _alert: Option<&ChatMessageRef>,
    ) -> Result<Option<Target>, ChatError> {
        Ok(self.web.direct_channel(email).await?.map(|channel| Target {
            channel,
            thread: None,
        }))
    }

    async fn find_earlier(
        &self,
        target: &Target,
        key: &PostKey,
        since_ms: i64,
    ) -> Result<Option<String>, ChatError> {
        if target.thread.is_some() {
            return Ok(None);
        }
        let oldest = format!("{}.000000", (since_ms / 1000 - 1).max(0));
        let mut cursor = None;
        for _ in 0..HISTORY_PAGES {
            let request = SlackApiConversationsHistoryRequest::new()
                .with_channel(target.channel.clone().into())
                .with_oldest(oldest.clone().into())
                .with_include_all_metadata(true)
                .with_limit(200)
                .opt_cursor(cursor);
            let page = self.web.history(&request).await?;
            if let Some(found) = page.messages.iter().find(|m| is_ours(m, key)) {
                return Ok(Some(found.origin.ts.to_string()));
            }
            cursor = page
                .response_metadata
                .and_then(|m| m.next_cursor)
                .filter(|c| !c.to_string().is_empty());
            if cursor.is_none() {
                break;
            }
        }
        Ok(None)
    }

    async fn post(
        &self,
        target: &Target,
        key: &PostKey,
        post: &Post<'_>,
    ) -> Result<String, ChatError> {
        if let Post::Chart { png, title, .. } = post {
            return self
                .web
                .upload_file(&target.channel, CHART_FILE, title, "image/png", png)
                .await;
        }
        let (text, blocks) = self.render(post)?;
        let content = SlackMessageContent::new()
            .with_text(text)
            .opt_blocks(blocks)
            .with_metadata(metadata(key));
        let broadcast = matches!(post, Post::Realert { .. });
        let request = SlackApiChatPostMessageRequest::new(target.channel.clone().into(), content)
            .opt_thread_ts(target.thread.clone().map(Into::into))
            .opt_reply_broadcast(broadcast.then_some(true))
            .with_unfurl_links(false)
            .with_unfurl_media(false);
        let response = self.web.post_message(&request).await?;
        Ok(response.ts.to_string())
    }

    async fn refresh_alert(
        &self,
        alert: &ChatMessageRef,
        escalation: &Escalation,
    ) -> Result<(), ChatError> {
        let (text, blocks) = blocks::alert(&self.templates, &self.alert_view(escalation))?;
        let key = PostKey::new(alert.subject.clone(), alert.purpose.clone());
        let content = SlackMessageContent::new()
            .with_text(text)
            .with_blocks(blocks)
            .with_metadata(metadata(&key));
        let request = SlackApiChatUpdateRequest::new(
            alert.channel.clone().into(),
            content,
            alert.message_ref.clone().into(),
        );
        self.web.update(&request).await
    }

    async fn erase(&self, message: &ChatMessageRef) -> Result<(), ChatError> {
        let key = PostKey::new(message.subject.clone(), message.purpose.clone());
        let content = SlackMessageContent::new()
            .with_text(crate::chat::ERASED_TEXT.to_string())
            .with_blocks(vec![SlackBlock::Section(
                SlackSectionBlock::new().with_text(SlackBlockText::MarkDown(
                    SlackBlockMarkDownText::new(crate::chat::ERASED_TEXT.to_string()),
                )),
            )])
            .with_metadata(metadata(&key));
        let request = SlackApiChatUpdateRequest::new(
            message.channel.clone().into(),
            content,
            message.message_ref.clone().into(),
        );
        self.web.update(&request).await
    }

    async fn delete(&self, message: &ChatMessageRef) -> Result<(), ChatError> {
        if message
            .purpose
            .starts_with(crate::delivery::files::FILE_PURPOSE)
        {
            return self.web.delete_file(&message.message_ref).await;
        }
        self.web
            .delete_message(&message.channel, &message.message_ref)
            .await
    }

    async fn reserve_file(&self, file: &ChatFile<'_>) -> Result<Option<FileSlot>, ChatError> {
        Ok(Some(
            self.web.upload_slot(file.name, file.bytes.len()).await?,
        ))
    }

    async fn find_shared_file(
        &self,
        target: &Target,
        file_id: &str,
    ) -> Result<Option<String>, ChatError> {
        let Some(thread) = &target.thread else {
            return Ok(None);
        };
        let mut cursor = None;
        for _ in 0..HISTORY_PAGES {
            let request = SlackApiConversationsRepliesRequest::new(
                target.channel.clone().into(),
                thread.clone().into(),
            )
            .with_limit(200)
            .opt_cursor(cursor);
            let page = self.web.replies(&request).await?;
            let shared = page.messages.iter().any(|m| {
                m.content
                    .files
                    .iter()
                    .flatten()
                    .any(|f| f.id.to_string() == file_id)
            });
            if shared {
                return Ok(Some(file_id.to_string()));
            }
            cursor = page
                .response_metadata
                .and_then(|m| m.next_cursor)
                .filter(|c| !c.to_string().is_empty());
            if cursor.is_none() {
                break;
            }
        }
        Ok(None)
    }

    async fn post_file(
        &self,
        target: &Target,
        _key: &PostKey,
        file: &ChatFile<'_>,
        slot: Option<&FileSlot>,
    ) -> Result<String, ChatError> {
        let Some(slot) = slot else {
            return Err(ChatError::Rejected(
                "a Slack file needs its upload slot".into(),
            ));
        };
        self.web
            .share_upload(
                slot,
                &target.channel,
                target.thread.as_deref(),
                file.name,
                file.content_type,
                file.bytes,
            )
            .await?;
        Ok(slot.file_id.clone())
    }

    async fn download_file(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, crate::download::DownloadError> {
        self.web.files.fetch(url, max_bytes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(json: serde_json::Value) -> SlackUser {
        serde_json::from_value(json).expect("a users.info user")
    }

    #[test]
    fn the_display_name_falls_back_to_the_real_name_then_the_handle() {
        let shown = |json| display_name(&user(json));
        assert_eq!(
            shown(serde_json::json!({"id": "U1", "name": "ana",
                "profile": {"display_name": "Ana Lima", "real_name": "Ana Lima Souza"}})),
            Some("Ana Lima".to_string())
        );
        assert_eq!(
            shown(serde_json::json!({"id": "U1", "name": "ana",
                "profile": {"display_name": "", "real_name": "Ana Lima Souza"}})),
            Some("Ana Lima Souza".to_string())
        );
        assert_eq!(
            shown(serde_json::json!({"id": "U1", "name": "ana",
                "profile": {"display_name": " ", "real_name": ""}})),
            Some("ana".to_string())
        );
        assert_eq!(shown(serde_json::json!({"id": "U1"})), None);
    }

    #[test]
    fn cached_names_expire() {
        let mut cache = NameCache::default();
        let named = Named {
            name: "Ana Lima".into(),
            email: Some("ana@example.com".into()),
        };
        cache
            .entries
            .insert("U1".into(), (named.clone(), 1_000 + NAME_TTL_MS));
        assert_eq!(cache.cached("U1", 1_000), Some(named));
        assert_eq!(cache.cached("U1", 1_000 + NAME_TTL_MS), None);
        assert!(cache.entries.is_empty());
    }
}
