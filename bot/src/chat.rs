//! The seam between delivery and the chat platforms.
//!
//! Delivery decides *what* to post and *where* (routing, records, retries); a [`Chat`]
//! knows *how*: rendering for its markup, its Web API, and how to recognise a message an
//! interrupted attempt already posted ([`PostKey`] travels with every post as Slack
//! message metadata or a Discord nonce).

use async_trait::async_trait;
use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::{Assignment, MailFlag, MailFlagReason, Origin, TakeOver};
use frontline_shared::contracts::Subject;
use frontline_shared::escalation::Escalation;
use frontline_shared::store::chat::ChatMessageRef;

use crate::digest::DigestView;
use crate::error::ChatError;

/// What a message is for. Each post has its own [`PostKey`] purpose.
#[derive(Debug, Clone, Copy)]
pub enum Post<'a> {
    /// The claimable alert for a new escalation, at the top of its channel.
    Alert { escalation: &'a Escalation },
    /// A customer's follow-up, in the alert's thread; `reopened` when the message reopened
    /// a resolved escalation.
    CustomerMessage {
        escalation: &'a Escalation,
        body: &'a str,
        reopened: bool,
    },
    /// An agent's reply to the customer typed elsewhere (the dashboard, the admin API or
    /// another platform), in the alert's thread so colleagues see what the customer was told.
    AgentMessage {
        escalation: &'a Escalation,
        agent: &'a str,
        body: &'a str,
        /// Where it was typed.
        origin: Origin,
        /// The saved reply's name, when the agent sent one.
        saved_reply: Option<&'a str>,
    },
    /// Still unclaimed after the SLA: a nudge with the on-call mention, in the thread.
    Realert {
        escalation: &'a Escalation,
        number: i64,
    },
    /// An agent was given the escalation: a Slack DM, or a mention (`mention`: their
    /// linked Discord user id) in the alert's Discord thread; `alert` is where it lives.
    Assigned {
        escalation: &'a Escalation,
        assignment: &'a Assignment,
        mention: Option<&'a str>,
        alert: Option<&'a ChatMessageRef>,
    },
    /// An admin took the escalation over: in the alert's thread (`direct: false`; on
    /// Discord with a mention of the previous owner, `mention`: their linked user id), or
    /// as a Slack DM to the previous owner (`direct: true`); `alert` is where it lives.
    TakenOver {
        escalation: &'a Escalation,
        notice: &'a TakeOver,
        mention: Option<&'a str>,
        direct: bool,
        alert: Option<&'a ChatMessageRef>,
    },
    /// The managers' heads-up, in their channel; `alert` is where the alert lives.
    Managers {
        escalation: &'a Escalation,
        number: i64,
        alert: Option<&'a ChatMessageRef>,
        /// It is claimed by this agent, who is away.
        away_owner: Option<&'a str>,
    },
    /// The customer's satisfaction rating, in the thread.
    Csat {
        escalation: &'a Escalation,
        rating: i64,
        comment: Option<&'a str>,
    },
    /// A mail to the customer was refused for good ("email bounced"), in the thread.
    MailBounced {
        escalation: &'a Escalation,
        /// The mail server's answer.
        error: &'a str,
    },
    /// An inbound mail that was not added as the customer's, in the thread.
    MailFlagged {
        escalation: &'a Escalation,
        flag: &'a MailFlag,
    },
    /// Files shared in the thread that did not reach the customer, each with the reason.
    FilesRefused {
        escalation: &'a Escalation,
        files: &'a [frontline_shared::contracts::outbox::RefusedFile],
    },
    /// A daily (or on-demand) digest; `subject` is the digest.
    Digest {
        subject: &'a Subject,
        view: &'a DigestView,
    },
    /// The digest's chart, posted right after it.
    Chart {
        subject: &'a Subject,
        png: &'a [u8],
        title: &'a str,
    },
}

impl Post<'_> {
    /// What the post is about: an escalation or a digest. Records of posts (and
    /// [`PostKey`]s) are kept under it.
    pub fn subject(&self) -> Subject {
        match self {
            Post::Alert { escalation }
            | Post::CustomerMessage { escalation, .. }
            | Post::AgentMessage { escalation, .. }
            | Post::Realert { escalation, .. }
            | Post::Managers { escalation, .. }
            | Post::Assigned { escalation, .. }
            | Post::TakenOver { escalation, .. }
            | Post::MailBounced { escalation, .. }
            | Post::MailFlagged { escalation, .. }
            | Post::FilesRefused { escalation, .. }
            | Post::Csat { escalation, .. } => Subject::Escalation(escalation.id.clone()),
            Post::Digest { subject, .. } | Post::Chart { subject, .. } => (*subject).clone(),
        }
    }
}

/// "from the dashboard", "in Slack", "in Discord": where a mirrored agent reply was typed
/// (an [`Origin`] as text).
/// How a thread post introduces an agent's reply: `replied to the customer`, or for a saved
/// reply `sent saved reply “Refund policy”` (the name written by `escape`).
pub fn replied(saved_reply: Option<&str>, escape: impl Fn(&str) -> String) -> String {
    match saved_reply {
        Some(name) => format!("sent saved reply “{}”", escape(name)),
        None => "replied to the customer".to_string(),
    }
}

pub fn typed_in(origin: &str) -> &'static str {
    match origin {
        "slack" => "in Slack",
        "discord" => "in Discord",
        _ => "from the dashboard",
    }
}

/// Where a post goes: a channel, and the thread (Slack thread ts / Discord message
/// replied to) when it belongs under the alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub channel: String,
    pub thread: Option<String>,
}

/// Identifies one post across attempts: `(escalation, purpose)`, e.g. `alert`,
/// `customer-17`, `agent-18`, `realert-2`, `managers-2`; or `(digest, digest | digest-chart)`.
/// On the wire (Slack metadata, Discord nonce) the subject is its stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostKey {
    pub subject: Subject,
    pub purpose: String,
}

impl PostKey {
    pub fn new(subject: Subject, purpose: impl Into<String>) -> Self {
        PostKey {
            subject,
            purpose: purpose.into(),
        }
    }
}

/// A file to share in a thread: what a customer sent, checked and stored.
#[derive(Debug, Clone, Copy)]
pub struct ChatFile<'a> {
    pub name: &'a str,
    /// As stored (`image/png`, `application/pdf`, …).
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A place reserved for a file before it is shared (Slack: the file id and upload URL
/// of `files.getUploadURLExternal`). Delivery records the id before sharing, so a retry
/// can ask whether the interrupted attempt shared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSlot {
    pub file_id: String,
    pub upload_url: String,
}

/// A chat platform the bot posts to.
#[async_trait]
pub trait Chat: Send + Sync + std::fmt::Debug {
    fn platform(&self) -> ChatPlatform;

    /// Where alerts go when no route matches.
    fn default_channel(&self) -> Option<&str>;

    /// Where escalations go after `realerts_before_managers` re-alerts.
    fn managers_channel(&self) -> Option<&str>;

    /// The message an earlier, interrupted attempt posted for `key` at `target`, if it
    /// can be found (posted no earlier than `since_ms`). Platforms whose posts are
    /// idempotent by themselves (Discord's nonce) answer `None`.
    async fn find_earlier(
        &self,
        target: &Target,
        key: &PostKey,
        since_ms: i64,
    ) -> Result<Option<String>, ChatError>;

    /// Posts and returns the new message's reference (Slack `ts`, Discord message id).
    async fn post(
        &self,
        target: &Target,
        key: &PostKey,
        post: &Post<'_>,
    ) -> Result<String, ChatError>;

    /// Where to tell the agent whose account's e-mail is `email` about an escalation
    /// (an assignment, a take-over): Slack, a direct message found by the e-mail; Discord,
    /// the alert's thread. `None` when they cannot be reached.
    async fn person_target(
        &self,
        email: &str,
        alert: Option<&ChatMessageRef>,
    ) -> Result<Option<Target>, ChatError>;

    /// Re-renders a posted alert for the escalation's current status (buttons included).
    async fn refresh_alert(
        &self,
        alert: &ChatMessageRef,
        escalation: &Escalation,
    ) -> Result<(), ChatError>;

    /// Edits a posted message in place to [`ERASED_TEXT`], without buttons (the
    /// customer's data was erased). Editing it again changes nothing.
    async fn erase(&self, message: &ChatMessageRef) -> Result<(), ChatError>;

    /// Deletes a posted message (a thread reply of an erased customer's escalation; on
    /// Slack a shared file, purpose `file-…`, is deleted as a file). Deleting what is
    /// already gone succeeds.
    async fn delete(&self, message: &ChatMessageRef) -> Result<(), ChatError>;

    /// Reserves a place for `file` before sharing it; `None` on platforms whose posts are
    /// idempotent by themselves (Discord's nonce).
    async fn reserve_file(&self, file: &ChatFile<'_>) -> Result<Option<FileSlot>, ChatError>;

    /// The reference of the file reserved as `file_id` if an interrupted attempt already
    /// shared it at `target`.
    async fn find_shared_file(
        &self,
        target: &Target,
        file_id: &str,
    ) -> Result<Option<String>, ChatError>;

    /// Fetches a file a person shared in a thread, from the URL the platform's event gave
    /// (only from the platform's own hosts), at most `max_bytes`.
    async fn download_file(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, crate::download::DownloadError>;

    /// Shares `file` at `target` (into `slot` when one was reserved); returns what
    /// [`Chat::delete`] needs later (Slack file id, Discord message id).
    async fn post_file(
        &self,
        target: &Target,
        key: &PostKey,
        file: &ChatFile<'_>,
        slot: Option<&FileSlot>,
    ) -> Result<String, ChatError>;
}

/// What every message posted for an erased customer says afterwards.
pub const ERASED_TEXT: &str = "[erased at the customer's request]";

/// "Customer rating: ★★★★☆ 4/5 — “comment”", the comment on one line and escaped for
/// the platform by `escape`.
pub fn rating_text(rating: i64, comment: Option<&str>, escape: fn(&str) -> String) -> String {
    let mut text = format!("Customer rating: {}", stars(rating));
    if let Some(comment) = comment {
        text.push_str(&format!(
            " — “{}”",
            escape(&frontline_shared::templates::one_line(comment))
        ));
    }
    text
}

/// "<warning> Email bounced: …", the server's answer on one line and escaped by `escape`.
pub fn bounce_text(warning: &str, error: &str, escape: fn(&str) -> String) -> String {
    format!(
        "{warning} Email bounced: the customer's mail server refused our mail ({}).",
        escape(&frontline_shared::templates::one_line(error))
    )
}

/// "<warning> Mail flagged: …": why an inbound mail was held back or where a new
/// escalation came from, sender and subject on one line, escaped by `escape`.
pub fn flag_text(warning: &str, flag: &MailFlag, escape: fn(&str) -> String) -> String {
    let sender = escape(&frontline_shared::templates::one_line(&flag.sender));
    let subject = flag
        .subject
        .as_deref()
        .map(|s| {
            format!(
                " (subject “{}”)",
                escape(&frontline_shared::templates::one_line(s))
            )
        })
        .unwrap_or_default();
    match flag.reason {
        MailFlagReason::SenderMismatch => format!(
            "{warning} Mail flagged: {sender} wrote to this conversation's reply address{subject}, but is not its customer. The mail was not added to the conversation."
        ),
        MailFlagReason::UnknownToken => format!(
            "{warning} Mail flagged: {sender} wrote to a reply address that names no conversation{subject}. It was opened as this new escalation."
        ),
    }
}

/// "<warning> Not sent to the customer: “setup.exe” (not an allowed file type …);
/// “video.mov” (larger than …)": the files of a chat share that were left out, names and
/// reasons on one line, escaped by `escape`.
pub fn refused_files_text(
    warning: &str,
    files: &[frontline_shared::contracts::outbox::RefusedFile],
    escape: fn(&str) -> String,
) -> String {
    let named: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "“{}” ({})",
                escape(&frontline_shared::templates::one_line(&f.name)),
                escape(&f.reason)
            )
        })
        .collect();
    format!("{warning} Not sent to the customer: {}", named.join("; "))
}

/// "★★☆☆☆ 2/5": a rating as stars.
pub fn stars(rating: i64) -> String {
    let full = usize::try_from(rating.clamp(0, 5)).unwrap_or(0);
    format!("{}{} {rating}/5", "★".repeat(full), "☆".repeat(5 - full))
}

#[cfg(test)]
mod tests {
    use super::{bounce_text, rating_text};
    use frontline_shared::templates::{escape_discord, escape_slack};

    #[test]
    fn rating_and_bounce_texts_are_one_line_and_escaped_per_platform() {
        assert_eq!(
            rating_text(4, Some("fast\n<!channel> *thanks*"), escape_slack),
            "Customer rating: ★★★★☆ 4/5 — “fast &lt;!channel&gt; *thanks*”",
        );
        assert_eq!(
            rating_text(2, None, escape_discord),
            "Customer rating: ★★☆☆☆ 2/5"
        );
        assert_eq!(
            bounce_text(":warning:", "550 no\nsuch user", escape_slack),
            ":warning: Email bounced: the customer's mail server refused our mail (550 no such user)."
        );
    }
}
