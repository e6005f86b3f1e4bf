//! What each outbox row does in chat, on every configured platform.
//!
//! | row | effect |
//! |---|---|
//! | `escalation_created` | post the alert in the routed channel (purpose `alert`) |
//! | `escalation_updated` | re-render the alert for the new status |
//! | `customer_message` | post the message in the alert's thread (`customer-{message id}`), then share its files there (`file-{attachment id}`, [`super::files`]) |
//! | `agent_message` | post the agent's reply, attributed, in the alert's thread (`agent-{message id}`), then share its files there, except on the platform it was typed in |
//! | `assigned` | tell the assignee: a Slack DM (`assigned-{row id}`), a Discord mention in the thread |
//! | `taken_over` | tell the thread (`taken-over-{row id}`, on Discord mentioning the previous owner) and, on Slack, the previous owner by DM (`taken-over-dm-{row id}`) |
//! | `realert` | nudge in the thread with a mention (`realert-{n}`), or after `realerts_before_managers` tell the managers' channel (`managers-{n}`) |
//! | `digest` | build the digest from the store, post it in its channel (`digest`), then its chart (`digest-chart`) |
//! | `csat` | post the customer's rating in the alert's thread (`csat-{outbox row id}`) |
//! | `erased` | edit the alert (and the managers' heads-up) to "[erased at the customer's request]", delete the thread replies and files ([`super::files`]) |
//! | `webhook` | POST the event, signed, to its endpoint ([`crate::webhooks`]) |
//! | `email` | send the mail to the customer ([`crate::mail`]); a bounce is noted in the alert's thread (`bounce-{message id}`) |
//! | `chat_files` | fetch the files an agent shared in the thread, check them and relay them with the text to the customer ([`super::chat_files`]) |
//! | `mail_flagged` | note an inbound mail held back (another sender) or opened from a stale reply address in the alert's thread (`mail-flag-{outbox row id}`) |
//!
//! Every post goes through [`Effects::post_once`]: skip it if recorded, else (on a retry)
//! look for the post an interrupted attempt made, else post; then record it at once.
//! A row that fails on one platform is retried whole; platforms that already
//! succeeded find their record and do nothing.

mod assigned;
mod taken_over;

use std::sync::Arc;

use frontline_shared::config::SlaSettings;
use frontline_shared::contracts::outbox::{
    AgentMessage, Csat, CustomerMessage, EmailJob, FilesRefused, MailFlag, OutboxMessage,
};
use frontline_shared::contracts::Subject;
use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::site_id::SiteId;
use frontline_shared::stats;
use frontline_shared::store::chat::ChatMessageRef;
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::outbox::OutboxRow;
use frontline_shared::store::Store;

use crate::chat::{Chat, Post, PostKey, Target};
use crate::digest::{chart, DigestView};
use crate::error::{DeliveryError, DigestError};
use crate::mail::{Mailer, Sent};
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
    /// For digests' planning lines: `[planning]` and the sites' settings (time zone,
    /// business hours).
    pub planning: frontline_shared::config::PlanningSettings,
    pub site_settings: Arc<Vec<frontline_shared::config::SiteSettings>>,
    /// Sends mail rows; `None` without `[email]` (mail rows then wait).
    pub mailer: Option<Arc<Mailer>>,
    /// `[[webhooks]]` endpoints (empty: webhook rows of removed endpoints are dropped).
    pub webhooks: Arc<crate::webhooks::Webhooks>,
    /// `[attachments] max_bytes`: the largest file an agent's chat share may relay.
    pub max_file_bytes: usize,
    /// `[attachments] max_files`: the most files of one chat share relayed (the rest are
    /// named in a note in the thread).
    pub max_files: usize,
}

impl Effects {
    /// Applies `row` on every platform; an error means "retry the whole row later".
    pub async fn apply(&self, row: &OutboxRow) -> Result<(), DeliveryError> {
        let escalation_id = match (&row.subject, &row.message) {
            (Subject::Digest(_), OutboxMessage::Digest(job)) => {
                return self.digest(row, job).await;
            }
            (Subject::Mail(id), OutboxMessage::Email(job)) => {
                return self.mail(row, id, job).await;
            }
            (Subject::Webhook { .. }, OutboxMessage::Webhook(job)) => {
                return self.webhooks.deliver(&self.store, row, job).await;
            }
            (Subject::Escalation(id), OutboxMessage::ChatFiles(job)) => {
                return self.chat_files(id, job, row).await;
            }
            (Subject::Escalation(id), _) => id,
            // The store parks rows whose subject does not fit their kind.
            (Subject::Digest(_) | Subject::Mail(_) | Subject::Webhook { .. }, _) => return Ok(()),
        };
        if self.chats.is_empty() {
            return Err(DeliveryError::NotConfigured(
                "no chat platform has credentials",
            ));
        }
        let Some(escalation) = self.store.escalation(escalation_id).await? else {
            tracing::warn!(escalation = %escalation_id, "outbox row for an unknown escalation; skipped");
            return Ok(());
        };
        for chat in &self.chats {
            match &row.message {
                OutboxMessage::EscalationCreated => self.alert(chat, &escalation, row).await?,
                OutboxMessage::EscalationUpdated { .. } => self.refresh(chat, &escalation).await?,
                OutboxMessage::CustomerMessage(message) => {
                    self.customer_message(chat, &escalation, message, row)
                        .await?
                }
                OutboxMessage::AgentMessage(message) => {
                    self.agent_message(chat, &escalation, message, row).await?
                }
                OutboxMessage::Realert { number, away_owner } => {
                    let away_owner = away_owner.as_deref();
                    self.realert(chat, &escalation, (*number, away_owner), row)
                        .await?
                }
                OutboxMessage::Csat(csat) => self.csat(chat, &escalation, csat, row).await?,
                OutboxMessage::Assigned(assignment) => {
                    self.assigned(chat, &escalation, assignment, row).await?
                }
                OutboxMessage::TakenOver(notice) => {
                    self.taken_over(chat, &escalation, notice, row).await?
                }
                OutboxMessage::MailFlagged(flag) => {
                    self.mail_flagged(chat, &escalation, flag, row).await?
                }
                OutboxMessage::Erased => self.erase(chat, &escalation).await?,
                OutboxMessage::FilesRefused(refused) => {
                    self.files_refused(chat, &escalation, refused, row).await?
                }
                OutboxMessage::Digest(_)
                | OutboxMessage::Email(_)
                | OutboxMessage::Webhook(_)
                | OutboxMessage::ChatFiles(_) => {}
            }
        }
        Ok(())
    }

    /// Posts the customer's rating in the alert's thread (`csat-{outbox row id}`: each
    /// rating its own post, even two given in the same millisecond).
    async fn csat(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        csat: &Csat,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::Csat {
            escalation,
            rating: csat.rating,
            comment: csat.comment.as_deref(),
        };
        let purpose = format!("csat-{}", row.id);
        self.post_in_thread(chat, &alert, &purpose, &post, row)
            .await
    }

    /// Notes a flagged inbound mail in the alert's thread (`mail-flag-{outbox row id}`:
    /// each flag is its own row, so two flags in the same millisecond are two notes).
    async fn mail_flagged(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        flag: &MailFlag,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::MailFlagged { escalation, flag };
        let purpose = format!("mail-flag-{}", row.id);
        self.post_in_thread(chat, &alert, &purpose, &post, row)
            .await
    }

    /// Names the files of a chat share that did not reach the customer, in the alert's
    /// thread (`files-refused-{outbox row id}`).
    async fn files_refused(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        refused: &FilesRefused,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::FilesRefused {
            escalation,
            files: &refused.files,
        };
        let purpose = format!("files-refused-{}", row.id);
        self.post_in_thread(chat, &alert, &purpose, &post, row)
            .await
    }

    /// Sends a mail row's mail (once, see [`Mailer::send`]).
    async fn mail(
        &self,
        row: &OutboxRow,
        escalation_id: &str,
        job: &EmailJob,
    ) -> Result<(), DeliveryError> {
        let Some(mailer) = &self.mailer else {
            return Err(DeliveryError::NotConfigured("[email] is not configured"));
        };
        let Some(escalation) = self.store.escalation(escalation_id).await? else {
            tracing::warn!(escalation = %escalation_id, "mail for an unknown escalation; skipped");
            return Ok(());
        };
        let sent = mailer
            .send(&self.store, &escalation, job, row.created_at_ms)
            .await?;
        if let Sent::NotYet { at_ms } = sent {
            let wait = (at_ms - self.store.now_ms()).max(0).unsigned_abs();
            return Err(DeliveryError::NotYet(std::time::Duration::from_millis(
                wait,
            )));
        }
        if let Sent::Bounced { error } = &sent {
            for chat in &self.chats {
                let Some(alert) = self.alert_of(chat, &escalation).await? else {
                    continue;
                };
                let post = Post::MailBounced {
                    escalation: &escalation,
                    error,
                };
                let purpose = format!("bounce-{}", job.message_id);
                self.post_in_thread(chat, &alert, &purpose, &post, row)
                    .await?;
            }
        }
        Ok(())
    }

    async fn alert(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        row: &OutboxRow,
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
            .post_once(chat, ALERT, &target, &post, row.attempts, since)
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
        message: &CustomerMessage,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::CustomerMessage {
            escalation,
            body: &message.body,
            reopened: message.reopened,
        };
        let purpose = format!("customer-{}", message.message_id);
        self.post_in_thread(chat, &alert, &purpose, &post, row)
            .await?;
        self.message_files(chat, escalation, message.message_id, &thread_of(&alert))
            .await
    }

    /// Mirrors an agent's reply into the thread; the thread it was typed in has it already
    /// (a saved reply chosen in a chat's modal was not typed there, so it is posted).
    async fn agent_message(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        message: &AgentMessage,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        if message.origin.platform() == Some(chat.platform()) && message.saved_reply.is_none() {
            return Ok(());
        }
        let Some(alert) = self.alert_of(chat, escalation).await? else {
            return Ok(());
        };
        let post = Post::AgentMessage {
            escalation,
            agent: &message.agent,
            body: &message.body,
            origin: message.origin,
            saved_reply: message.saved_reply.as_deref(),
        };
        let purpose = format!("agent-{}", message.message_id);
        self.post_in_thread(chat, &alert, &purpose, &post, row)
            .await?;
        self.message_files(chat, escalation, message.message_id, &thread_of(&alert))
            .await
    }

    /// Posts one conversation message (purpose `{who}-{message id}`) in the alert's
    /// thread, once.
    async fn post_in_thread(
        &self,
        chat: &Arc<dyn Chat>,
        alert: &ChatMessageRef,
        purpose: &str,
        post: &Post<'_>,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        self.post_once(
            chat,
            purpose,
            &thread_of(alert),
            post,
            row.attempts,
            row.created_at_ms,
        )
        .await?;
        Ok(())
    }

    /// Re-alert `number`: a nudge in the alert's thread, or the managers' heads-up once
    /// `realerts_before_managers` nudges went unanswered. With `away_owner` (it is claimed
    /// by an agent who is away), the managers are told at once, naming them (in the
    /// alert's thread when there is no managers' channel).
    async fn realert(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        (number, away_owner): (i64, Option<&str>),
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let still = match away_owner {
            None => escalation.status == EscalationStatus::Queued,
            Some(owner) => {
                escalation.status == EscalationStatus::Claimed
                    && escalation.claimed_by.as_deref() == Some(owner)
            }
        };
        if !still {
            return Ok(()); // claimed, reassigned or resolved since: nothing to say
        }
        let alert = self.alert_of(chat, escalation).await?;
        let since = row.created_at_ms;
        if let Some(owner) = away_owner {
            let target = match (chat.managers_channel(), &alert) {
                (Some(managers), _) => Target {
                    channel: managers.to_string(),
                    thread: None,
                },
                (None, Some(alert)) => thread_of(alert),
                (None, None) => return Ok(()),
            };
            let post = Post::Managers {
                escalation,
                number,
                alert: alert.as_ref(),
                away_owner: Some(owner),
            };
            let purpose = format!("managers-{number}");
            self.post_once(chat, &purpose, &target, &post, row.attempts, since)
                .await?;
            return Ok(());
        }
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
                    away_owner: None,
                };
                let purpose = format!("managers-{number}");
                self.post_once(chat, &purpose, &target, &post, row.attempts, since)
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
            row.attempts,
            since,
        )
        .await?;
        Ok(())
    }

    async fn digest(&self, row: &OutboxRow, job: &DigestJob) -> Result<(), DeliveryError> {
        let Some(chat) = self.chats.iter().find(|c| c.platform() == job.platform) else {
            tracing::warn!(key = %job.key, platform = job.platform.as_str(),
                "digest for a platform without credentials; not posted");
            return Ok(());
        };
        let subject = &row.subject;
        let target = Target {
            channel: job.channel.clone(),
            thread: None,
        };
        let since = row.created_at_ms;
        let has_text = self
            .store
            .chat_message(subject, job.platform, DIGEST)
            .await?
            .is_some();
        let has_chart = self
            .store
            .chat_message(subject, job.platform, DIGEST_CHART)
            .await?
            .is_some();
        if has_text && has_chart {
            return Ok(());
        }
        let data = self.digest_data(job).await?;
        let planning = self.planning_lines(&data.sites).await?;
        if !has_text {
            let view = DigestView::new(&data, job, &self.sites, planning.clone());
            let post = Post::Digest {
                subject,
                view: &view,
            };
            self.post_once(chat, DIGEST, &target, &post, row.attempts, since)
                .await?;
        }
        if !has_chart {
            // Drawing and encoding take milliseconds of CPU: off the async threads.
            let series = data.series.clone();
            let forecast = chart::forecast_series(&series, &planning);
            let png = tokio::task::spawn_blocking(move || chart::render(&series, &forecast))
                .await
                .map_err(DigestError::ChartTask)?
                .map_err(DigestError::Chart)?;
            let title = format!(
                "Conversations, deflections and handoffs: 14 days to {}",
                job.day
            );
            let post = Post::Chart {
                subject,
                png: &png,
                title: &title,
            };
            self.post_once(chat, DIGEST_CHART, &target, &post, row.attempts, since)
                .await?;
        }
        Ok(())
    }

    /// Planning lines for each of the digest's sites this bot has settings for (the
    /// forecasts made on the way are stored, so accuracy is measured against them).
    async fn planning_lines(
        &self,
        sites: &[SiteId],
    ) -> Result<Vec<frontline_shared::planning::DigestLines>, DeliveryError> {
        let now = self.store.now_ms();
        let mut lines = Vec::new();
        for id in sites {
            if let Some(site) = self.site_settings.iter().find(|s| &s.id == id) {
                lines.push(
                    frontline_shared::planning::digest_lines(
                        &self.store,
                        &self.planning,
                        site,
                        now,
                    )
                    .await?,
                );
            }
        }
        Ok(lines)
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
            .chat_message(
                &Subject::Escalation(escalation.id.clone()),
                chat.platform(),
                ALERT,
            )
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
        let subject = post.subject();
        let platform = chat.platform();
        if let Some(existing) = self.store.chat_message(&subject, platform, purpose).await? {
            return Ok((existing, false));
        }
        let key = PostKey::new(subject.clone(), purpose);
        let earlier = if attempts > 1 {
            chat.find_earlier(target, &key, since_ms).await?
        } else {
            None
        };
        let (message_ref, fresh) = match earlier {
            Some(found) => {
                tracing::info!(%subject, platform = platform.as_str(), purpose, message = %found,
                    "found the post of an interrupted attempt; not posting again");
                (found, false)
            }
            None => (chat.post(target, &key, post).await?, true),
        };
        let record = ChatMessageRef {
            subject,
            platform,
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
pub(crate) fn thread_of(alert: &ChatMessageRef) -> Target {
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
