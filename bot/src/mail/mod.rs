//! Mail to customers: the receipt at handoff, and the resolved mail, sent over SMTP.
//!
//! The bot's delivery worker sends mail: it already leases the outbox with retries and
//! back-off, and mails are outbox rows of their own subject (`mail:{escalation}`), so an
//! SMTP server that is down holds back neither the chat posts nor other escalations.
//!
//! Each mail is multipart (plain text + HTML) from overridable templates, carries a
//! `Message-ID` fixed when its row was written, `In-Reply-To` and `References` naming the
//! conversation's earlier mails (so mail clients thread them), and a `Reply-To` of
//! `reply+<token>@reply_domain` whose token is signed ([`frontline_shared::mail_token`]),
//! as are the resolved mail's rating links. No internal id appears in a mail.
//!
//! Sending is recorded by Message-ID before the mail is handed over
//! ([`Store::begin_email`]): a retry after a crash in between does not send it twice.
//!
//! # Layout
//! - [`view`]: what a mail's templates are given.
//! - [`templates`]: the built-in templates and their overrides (per locale).

pub mod templates;
pub mod view;

use frontline_shared::config::{EmailSettings, Secret, SiteSettings};
use frontline_shared::contracts::outbox::{EmailJob, MailKind};
use frontline_shared::escalation::Escalation;
use frontline_shared::mail_token::{MailTokens, Purpose};
use frontline_shared::store::emails::{MailRecord, MailThread};
use frontline_shared::store::{Store, StoreError};
use frontline_shared::templates::TemplateError;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use templates::MailTemplates;
use view::MailView;

/// Why a mail was not sent this time.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Connection refused, timeouts, 4xx answers: tried again later.
    #[error("mail server unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot build the mail: {0}")]
    Build(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Why the mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("invalid configuration at `email.{key}`: {message}")]
    Config { key: &'static str, message: String },
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// What happened to one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Handed to the server now.
    Sent,
    /// Sent before, or its earlier attempt's outcome is unknown.
    AlreadyHandled,
    /// The server refused it permanently (5xx): recorded, not retried.
    Bounced { error: String },
    /// The conversation has no mail thread (or the escalation is gone): nothing to send.
    NoThread,
    /// An agent's reply the customer's live stream showed them: no mail.
    Seen,
    /// An agent's reply to a customer who was watching shortly before: ask again at
    /// `at_ms` (the reply's time plus `away_after`).
    NotYet { at_ms: i64 },
}

/// Whether to mail an agent's reply written at `reply_at` (see [`Mailer::send`]).
pub fn agent_reply_due(watched_at: Option<i64>, reply_at: i64, now: i64, away_ms: i64) -> Sent {
    match watched_at {
        // A live stream read the conversation after the reply was written.
        Some(watched) if watched >= reply_at => Sent::Seen,
        // Not seen within `away_after` of the reply, or nobody watched for `away_after`
        // before it: mail now.
        _ if now - reply_at >= away_ms => Sent::Sent,
        None => Sent::Sent,
        Some(watched) if reply_at - watched >= away_ms => Sent::Sent,
        Some(_) => Sent::NotYet {
            at_ms: reply_at + away_ms,
        },
    }
}

/// Sends customers' mails.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_domain: String,
    /// Signs the reply address and the rating links.
    tokens: MailTokens,
    templates: MailTemplates,
    sites: Vec<SiteSettings>,
    /// The widget server's public URL (for links).
    public_url: String,
    /// `[email] away_after`, in milliseconds.
    away_ms: i64,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("reply_domain", &self.reply_domain)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the SMTP client from `[email]` (and `FRONTLINE_SMTP_PASSWORD`) and loads
    /// the templates (overrides from `templates_dir`); `tokens` signs the mails' tokens.
    pub fn new(
        settings: &EmailSettings,
        password: Option<&Secret>,
        tokens: MailTokens,
        templates_dir: Option<&std::path::Path>,
        sites: &[SiteSettings],
        public_url: String,
    ) -> Result<Mailer, MailSetupError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailSetupError::Config {
                key: "from",
                message: e.to_string(),
            })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| MailSetupError::Config {
                key: "smtp_url",
                message: e.to_string(),
            })?
            .timeout(Some(settings.timeout.unsigned_abs()));
        if let (Some(user), Some(password)) = (settings.smtp_user(), password) {
            builder = builder.credentials(Credentials::new(
                user.to_string(),
                password.expose().to_string(),
            ));
        }
        let locales: Vec<String> = sites.iter().map(|s| s.locale.clone()).collect();
        Ok(Mailer {
            transport: builder.build(),
            from,
            reply_domain: settings.reply_domain.clone(),
            tokens,
            templates: MailTemplates::load(templates_dir, &locales)?,
            sites: sites.to_vec(),
            public_url,
            away_ms: settings
                .away_after
                .as_millis()
                .clamp(0, i128::from(i64::MAX)) as i64,
        })
    }

    /// The `Message-ID` of `job`'s mail.
    pub fn message_id(&self, job: &EmailJob) -> String {
        format!("<{}@{}>", job.message_id, self.reply_domain)
    }

    /// Sends `job` about `escalation`, written at `written_at_ms`, unless its record says
    /// it needs no sending. An agent's reply is mailed only to a customer who is not
    /// watching: one whose live stream has not read the conversation since the reply, and
    /// either had none open for `away_after` before it or has not looked within
    /// `away_after` after it; or at once when the customer chose "email me".
    pub async fn send(
        &self,
        store: &Store,
        escalation: &Escalation,
        job: &EmailJob,
        written_at_ms: i64,
    ) -> Result<Sent, MailError> {
        let Some(thread) = store.mail_thread(&escalation.conversation_id).await? else {
            return Ok(Sent::NoThread);
        };
        // A customer who chose "email me" gets every reply at once.
        if job.mail == MailKind::AgentReply && !thread.email_me {
            let now = store.now_ms();
            match agent_reply_due(thread.watched_at_ms, written_at_ms, now, self.away_ms) {
                Sent::Sent => {}
                other => return Ok(other),
            }
        }
        let message_id = self.message_id(job);
        let earlier: Vec<String> = store
            .mails_of(&escalation.conversation_id)
            .await?
            .into_iter()
            .filter(|m| m.message_id != message_id && m.status != "bounced")
            .map(|m| m.message_id)
            .collect();
        let record = store
            .begin_email(
                &message_id,
                &escalation.conversation_id,
                &escalation.id,
                job.mail,
            )
            .await?;
        match record {
            MailRecord::Send => {}
            MailRecord::Done => return Ok(Sent::AlreadyHandled),
            MailRecord::Bounced(error) => return Ok(Sent::Bounced { error }),
            MailRecord::Unknown => {
                tracing::warn!(escalation = %escalation.id, mail = job.mail.as_str(),
                    "an earlier attempt handed this mail over and stopped before recording the answer; not sending it twice");
                return Ok(Sent::AlreadyHandled);
            }
        }
        let message = match self
            .build(store, escalation, &thread, job, &message_id, &earlier)
            .await
        {
            Ok(message) => message,
            Err(error) => {
                let text = error.to_string();
                store
                    .finish_email(&message_id, "failed", Some(&text))
                    .await?;
                return Err(error);
            }
        };
        match self.transport.send(message).await {
            Ok(_) => {
                store.finish_email(&message_id, "sent", None).await?;
                tracing::info!(escalation = %escalation.id, mail = job.mail.as_str(), "mail sent");
                Ok(Sent::Sent)
            }
            Err(error) if error.is_permanent() => {
                let text = error.to_string();
                store
                    .finish_email(&message_id, "bounced", Some(&text))
                    .await?;
                tracing::warn!(escalation = %escalation.id, mail = job.mail.as_str(), error = %text,
                    "mail refused permanently; recorded as bounced");
                Ok(Sent::Bounced { error: text })
            }
            Err(error) => {
                let text = error.to_string();
                store
                    .finish_email(&message_id, "failed", Some(&text))
                    .await?;
                Err(MailError::Unavailable(text))
            }
        }
    }

    /// The mail, rendered.
    async fn build(
        &self,
        store: &Store,
        escalation: &Escalation,
        thread: &MailThread,
        job: &EmailJob,
        message_id: &str,
        earlier: &[String],
    ) -> Result<Message, MailError> {
        let address = |text: String, what: &str| {
            text.parse::<Mailbox>()
                .map_err(|e| MailError::Build(format!("{what} address: {e}")))
        };
        let to = address(thread.email.clone(), "customer")?;
        let reply_to = address(
            format!(
                "reply+{}@{}",
                self.tokens.issue(Purpose::Reply, thread),
                self.reply_domain
            ),
            "reply",
        )?;
        let transcript = match job.mail {
            MailKind::Receipt => escalation.context.transcript.clone(),
            // Up to the reply itself, so the mail carries the reply and what came before.
            MailKind::AgentReply | MailKind::Resolved => {
                store.transcript(&escalation.conversation_id).await?
            }
        };
        let site = self.sites.iter().find(|s| s.id == escalation.site_id);
        let now = jiff::Timestamp::from_millisecond(store.now_ms())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let view = MailView::new(
            escalation,
            site,
            &transcript,
            &self.public_url,
            &self.tokens.issue(Purpose::Rating, thread),
            now,
        );
        let locale = site.map(|s| s.locale.as_str()).unwrap_or("en");
        let rendered = self.templates.render(job.mail, locale, &view)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .reply_to(reply_to)
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message_id.to_string()))
            .date_now();
        if let Some(last) = earlier.last() {
            builder = builder
                .in_reply_to(last.clone())
                .references(earlier.join(" "));
        }
        let body = MultiPart::alternative_plain_html(rendered.text, rendered.html);
        let files = match (job.mail, job.reply_message_id) {
            (MailKind::AgentReply, Some(line)) => {
                store
                    .message_attachments(&escalation.conversation_id, line)
                    .await?
            }
            _ => Vec::new(),
        };
        if files.is_empty() {
            return builder
                .multipart(body)
                .map_err(|e| MailError::Build(e.to_string()));
        }
        // The agent's files go with their reply, as attachments (RFC 2183).
        let mut mixed = MultiPart::mixed().multipart(body);
        for meta in &files {
            let Some(stored) = store.attachment(&meta.id).await? else {
                continue; // erased meanwhile
            };
            let content_type = ContentType::parse(&stored.meta.content_type)
                .map_err(|e| MailError::Build(format!("{}: {e}", stored.meta.file_name)))?;
            mixed = mixed.singlepart(
                Attachment::new(stored.meta.file_name.clone()).body(stored.content, content_type),
            );
        }
        builder
            .multipart(mixed)
            .map_err(|e| MailError::Build(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_replies_are_mailed_only_to_customers_not_watching() {
        let away = 120_000;
        // Never watched, or gone for longer than `away_after`: at once.
        assert_eq!(
            agent_reply_due(None, 1_000_000, 1_000_001, away),
            Sent::Sent
        );
        assert_eq!(
            agent_reply_due(Some(800_000), 1_000_000, 1_000_001, away),
            Sent::Sent
        );
        // Watching shortly before: wait until `away_after` after the reply…
        assert_eq!(
            agent_reply_due(Some(950_000), 1_000_000, 1_000_001, away),
            Sent::NotYet { at_ms: 1_120_000 }
        );
        // …then mail unless the stream read it meanwhile.
        assert_eq!(
            agent_reply_due(Some(950_000), 1_000_000, 1_120_000, away),
            Sent::Sent
        );
        assert_eq!(
            agent_reply_due(Some(1_000_500), 1_000_000, 1_120_000, away),
            Sent::Seen
        );
    }
}
