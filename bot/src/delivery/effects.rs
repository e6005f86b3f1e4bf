//! What each outbox row does in chat, on every configured platform.
//!
//! | row | effect |
//! |---|---|
//! | `escalation_created` | post the alert in the routed channel (purpose `alert`) |
//! | `escalation_updated` | re-render the alert for the new status |
//! | `customer_message` | post the message in the alert's thread (`customer-{message id}`) |
//! | `agent_message` | post the agent's reply, attributed, in the alert's thread (`agent-{message id}`), except on the platform it was typed in |
//! | `realert` | nudge in the thread with a mention (`realert-{n}`), or after `realerts_before_managers` tell the managers' channel (`managers-{n}`) |
//! | `digest` | build the digest from the store, post it in its channel (`digest`), then its chart (`digest-chart`) |
//!
//! Every post goes through [`Effects::post_once`]: skip it if recorded, else (on a retry)
//! look for the post an interrupted attempt made, else post; then record it at once.
//! A row that fails on one platform is retried whole; platforms that already
//! succeeded find their record and do nothing.

use std::sync::Arc;

use frontline_shared::config::SlaSettings;
use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::stats;
use frontline_shared::store::chat::ChatMessageRef;
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::outbox::{OutboxEvent, OutboxKind};
use frontline_shared::store::Store;

use crate::chat::{Chat, Post, PostKey, Target};
use crate::digest::{chart, DigestView};
use crate::error::{DeliveryError, DigestError};
use crate::metrics::Metrics;
use crate::routing::Routes;
use crate::view::SiteNames;

/// The purpose of an escalation's claimable alert.
pub const ALERT: &str = "alert";
/// The purposes of a digest's message and of its chart.
pub const DIGEST: &str = "digest";
pub const DIGEST_CHART: &str = "digest-chart";

/// Applies outbox rows to the chat platforms.
#[derive(Debug, Clone)]
pub struct Effects {
    pub store: Store,
    pub chats: Vec<Arc<dyn Chat>>,
    pub routes: Routes,
    pub realerts_before_managers: i64,
    pub metrics: Arc<Metrics>,
    /// For digests: SLA breaches are judged as in the dashboard.
    pub sla: SlaSettings,
    /// For digests: the sites "all sites" means, and their display names.
    pub sites: SiteNames,
}

impl Effects {
    /// Applies `event` on every platform; an error means "retry the whole row later".
    pub async fn apply(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        if event.kind == OutboxKind::Digest {
            return self.digest(event).await;
        }
        let Some(escalation) = self.store.escalation(&event.escalation_id).await? else {
            tracing::warn!(escalation = %event.escalation_id, "outbox row for an unknown escalation; skipped");
            return Ok(());
        };
        for chat in &self.chats {
            match event.kind {
                OutboxKind::EscalationCreated => self.alert(chat, &escalation, event).await?,
                OutboxKind::EscalationUpdated => self.refresh(chat, &escalation).await?,
                OutboxKind::CustomerMessage => {
                    self.customer_message(chat, &escalation, event).await?
                }
                OutboxKind::AgentMessage => self.agent_message(chat, &escalation, event).await?,
                OutboxKind::Realert => self.realert(chat, &escalation, event).await?,
                OutboxKind::Digest => {}
            }
        }
        Ok(())
    }

    async fn alert(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        event: &OutboxEvent,
    ) -> Result<(), DeliveryError> {
        let platform = chat.platform();
        let Some(channel) = self
            .routes
            .channel_for(platform, escalation, chat.default_channel())
        else {
            tracing::warn!(escalation = %escalation.id, platform = platform.as_str(),
                "no route matches and no default channel is set; not alerted on this platform");
            return Ok(());
        };
        let target = Target {
            channel,
            thread: None,
        };
        let post = Post::Alert { escalation };
        let since = escalation.created_at_ms;
        let fresh = self
            .post_once(chat, ALERT, &target, &post, event.attempts, since)
            .await?
            .1;
        if fresh {
            let waited = (self.store.now_ms() - escalation.created_at_ms).max(0);
            self.metrics
                .alert_posted(platform.as_str(), waited as f64 / 1000.0);
        }
        Ok(())
    }

    async fn refresh(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
    ) -> Result<(), DeliveryError> {
        match self.alert_of(chat, escalation).await? {
            Some(alert) => Ok(chat.refresh_alert(&alert, escalation).await?),
            None => Ok(()),
        }
    }

    async fn customer_message(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        event: &OutboxEvent,
    ) -> Result<(), DeliveryError> {
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let body = event.payload["body"].as_str().unwrap_or_default();
        let reopened = event.payload["reopened"].as_bool().unwrap_or(false);
        let post = Post::CustomerMessage {
            escalation,
            body,
            reopened,
        };
        self.post_message_in_thread(chat, &alert, "customer", &post, event)
            .await
    }

    /// Mirrors an agent's reply into the thread; the thread it was typed in has it already.
    async fn agent_message(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        event: &OutboxEvent,
    ) -> Result<(), DeliveryError> {
        let origin = event.payload["origin"].as_str().unwrap_or("web");
        if origin == chat.platform().as_str() {
            return Ok(());
        }
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::AgentMessage {
            escalation,
            agent: event.payload["author_name"].as_str().unwrap_or("an agent"),
            body: event.payload["body"].as_str().unwrap_or_default(),
            origin,
        };
        self.post_message_in_thread(chat, &alert, "agent", &post, event)
            .await
    }

    /// Posts one conversation message (`{who}-{message id}`) in the alert's thread, once.
    async fn post_message_in_thread(
        &self,
        chat: &Arc<dyn Chat>,
        alert: &ChatMessageRef,
        who: &str,
        post: &Post<'_>,
        event: &OutboxEvent,
    ) -> Result<(), DeliveryError> {
        let purpose = match event.payload["message_id"].as_i64() {
            Some(id) => format!("{who}-{id}"),
            None => format!("{who}-outbox-{}", event.id),
        };
        self.post_once(
            chat,
            &purpose,
            &thread_of(alert),
            post,
            event.attempts,
            event.created_at_ms,
        )
        .await?;
        Ok(())
    }

    async fn realert(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        event: &OutboxEvent,
    ) -> Result<(), DeliveryError> {
        if escalation.status != EscalationStatus::Queued {
            return Ok(()); // claimed or resolved since: nothing to nudge about
        }
        let number = event.payload["realert"]
            .as_i64()
            .unwrap_or(escalation.realerts);
        let alert = self.alert_of(chat, escalation).await?;
        let since = event.created_at_ms;
        if number > self.realerts_before_managers {
            if let Some(managers) = chat.managers_channel() {
                let target = Target {
                    channel: managers.to_string(),
                    thread: None,
                };
                let post = Post::Managers {
                    escalation,
                    number,
                    alert: alert.as_ref(),
                };
                let purpose = format!("managers-{number}");
                self.post_once(chat, &purpose, &target, &post, event.attempts, since)
                    .await?;
                return Ok(());
            }
        }
        let Some(alert) = alert else {
            return Ok(());
        };
        let post = Post::Realert { escalation, number };
        let purpose = format!("realert-{number}");
        self.post_once(
            chat,
            &purpose,
            &thread_of(&alert),
            &post,
            event.attempts,
            since,
        )
        .await?;
        Ok(())
    }

    async fn digest(&self, event: &OutboxEvent) -> Result<(), DeliveryError> {
        let job: DigestJob =
            serde_json::from_value(event.payload.clone()).map_err(DigestError::Payload)?;
        let Some(chat) = self
            .chats
            .iter()
            .find(|c| c.platform().as_str() == job.platform)
        else {
            tracing::warn!(key = %job.key, platform = %job.platform,
                "digest for a platform without credentials; not posted");
            return Ok(());
        };
        let id = event.escalation_id.as_str();
        let target = Target {
            channel: job.channel.clone(),
            thread: None,
        };
        let since = event.created_at_ms;
        let has_text = self
            .store
            .chat_message(id, &job.platform, DIGEST)
            .await?
            .is_some();
        let has_chart = self
            .store
            .chat_message(id, &job.platform, DIGEST_CHART)
            .await?
            .is_some();
        if has_text && has_chart {
            return Ok(());
        }
        let data = self.digest_data(&job).await?;
        if !has_text {
            let view = DigestView::new(&data, &job, &self.sites);
            let post = Post::Digest { id, view: &view };
            self.post_once(chat, DIGEST, &target, &post, event.attempts, since)
                .await?;
        }
        if !has_chart {
            // Drawing and encoding take milliseconds of CPU: off the async threads.
            let series = data.series.clone();
            let png = tokio::task::spawn_blocking(move || chart::render(&series))
                .await
                .map_err(DigestError::ChartTask)?
                .map_err(DigestError::Chart)?;
            let title = format!(
                "Conversations, deflections and handoffs: 14 days to {}",
                job.day
            );
            let post = Post::Chart {
                id,
                png: &png,
                title: &title,
            };
            self.post_once(chat, DIGEST_CHART, &target, &post, event.attempts, since)
                .await?;
        }
        Ok(())
    }

    /// The digest's figures, from the store as it is now.
    async fn digest_data(
        &self,
        job: &DigestJob,
    ) -> Result<stats::digest::DigestData, DeliveryError> {
        let tz =
            jiff::tz::TimeZone::get(&job.time_zone).map_err(|source| DigestError::TimeZone {
                zone: job.time_zone.clone(),
                source,
            })?;
        let day: jiff::civil::Date = job.day.parse().map_err(|source| DigestError::Day {
            day: job.day.clone(),
            source,
        })?;
        let sites = if job.sites.is_empty() {
            self.sites.ids()
        } else {
            job.sites.clone()
        };
        let now = self.store.now_ms();
        let data = stats::digest::digest(
            &self.store,
            &sites,
            &tz,
            &job.time_zone,
            day,
            &self.sla,
            now,
        )
        .await?;
        Ok(data)
    }

    async fn alert_of(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
    ) -> Result<Option<ChatMessageRef>, DeliveryError> {
        Ok(self
            .store
            .chat_message(&escalation.id, chat.platform().as_str(), ALERT)
            .await?)
    }

    /// Posts `post` for `purpose` unless it is recorded or an interrupted attempt already
    /// posted it; records it right away. Returns the record and whether it is new.
    async fn post_once(
        &self,
        chat: &Arc<dyn Chat>,
        purpose: &str,
        target: &Target,
        post: &Post<'_>,
        attempts: i64,
        since_ms: i64,
    ) -> Result<(ChatMessageRef, bool), DeliveryError> {
        let subject = post.subject_id();
        let platform = chat.platform().as_str();
        if let Some(existing) = self.store.chat_message(subject, platform, purpose).await? {
            return Ok((existing, false));
        }
        let key = PostKey::new(subject, purpose);
        let earlier = if attempts > 1 {
            chat.find_earlier(target, &key, since_ms).await?
        } else {
            None
        };
        let (message_ref, fresh) = match earlier {
            Some(found) => {
                tracing::info!(subject, platform, purpose, message = %found,
                    "found the post of an interrupted attempt; not posting again");
                (found, false)
            }
            None => (chat.post(target, &key, post).await?, true),
        };
        let record = ChatMessageRef {
            escalation_id: subject.to_string(),
            platform: platform.to_string(),
            purpose: purpose.to_string(),
            channel: target.channel.clone(),
            thread_ref: Some(target.thread.clone().unwrap_or_else(|| message_ref.clone())),
            message_ref,
        };
        self.store.record_chat_message(&record).await?;
        Ok((record, fresh))
    }
}

/// Where replies to `alert` go.
fn thread_of(alert: &ChatMessageRef) -> Target {
    Target {
        channel: alert.channel.clone(),
        thread: Some(
            alert
                .thread_ref
                .clone()
                .unwrap_or_else(|| alert.message_ref.clone()),
        ),
    }
}
