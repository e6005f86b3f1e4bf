//! The outbox stream: what the bot must do, written by the store in the transaction of the
//! change it announces and read by the bot's delivery worker.
//!
//! | `kind` | subject | fields |
//! |---|---|---|
//! | `escalation_created` | escalation | – |
//! | `escalation_updated` | escalation | `status` |
//! | `customer_message` | escalation | `message_id`, `body`, `at_ms`, `reopened` |
//! | `agent_message` | escalation | `message_id`, `author_name`, `body`, `at_ms`, `origin` |
//! | `realert` | escalation | `realert` (its number), `away_owner` (when its owner is away) |
//! | `assigned` | escalation | the [`Assignment`]: `agent_id`, `agent`, `email`, `by` |
//! | `taken_over` | escalation | the [`TakeOver`]: `from`, `from_agent_id`, `from_email`, `by` |
//! | `digest` | digest | the [`DigestJob`] |
//! | `csat` | escalation | `rating`, `comment`, `at_ms` |
//! | `erased` | escalation | – (the customer's data was erased: edit what was posted) |
//! | `webhook` | webhook | the [`WebhookJob`]: `endpoint`, `event_id`, `event_type`, `body` |
//! | `email` | mail | the [`EmailJob`]: `mail` (`receipt`, `agent_reply`, `resolved`), `message_id`, `reply_message_id` |
//! | `chat_files` | escalation | the [`ChatFiles`]: `event`, `user`, `text`, `files` (`name`, `url`) |
//! | `files_refused` | escalation | the [`FilesRefused`]: `event`, `files` (`name`, `reason`) |
//!
//! Rows of the previous release also carry `escalation_id` (and `author` in customer
//! messages); the row's subject says the same, so they are ignored.

use serde::{Deserialize, Serialize};

use super::Contract;
use crate::config::ChatPlatform;
use crate::escalation::EscalationStatus;
use crate::store::digests::DigestJob;

/// One unit of the bot's work, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxMessage {
    /// Post the alert for a new escalation.
    EscalationCreated,
    /// Claimed, released, resolved or reopened: refresh the posted alert.
    EscalationUpdated { status: EscalationStatus },
    /// A customer wrote after handoff: post it in the escalation's thread.
    CustomerMessage(CustomerMessage),
    /// An agent replied to the customer: post it, attributed, in the escalation's thread on
    /// every platform except the one it was typed in.
    AgentMessage(AgentMessage),
    /// Nobody claimed within the SLA, or its owner is away: re-alert (and maybe tell
    /// managers).
    Realert {
        /// 1 for the first re-alert of the escalation.
        #[serde(rename = "realert")]
        number: i64,
        /// Set when the escalation is claimed by an agent who is away (their name): the
        /// managers are told who. Absent in rows of earlier releases (unclaimed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        away_owner: Option<String>,
    },
    /// An admin assigned (or reassigned) it to an agent: tell them (a Slack DM, a Discord
    /// mention in the alert's thread).
    Assigned(Assignment),
    /// An admin took it over from the agent who had claimed it: tell them (a Slack DM, a
    /// Discord mention in the alert's thread) and the alert's thread.
    TakenOver(TakeOver),
    /// Post a daily (or on-demand) digest.
    Digest(DigestJob),
    /// The customer rated the resolved escalation: post it in the thread.
    Csat(Csat),
    /// Mail the escalation's customer (subject [`Subject::Mail`](super::Subject::Mail)).
    Email(EmailJob),
    /// A mail that was not added to the conversation as the customer's (another sender,
    /// or a reply address naming no conversation): noted in the escalation's thread.
    MailFlagged(MailFlag),
    /// The customer's data was erased: every chat message posted for the escalation is
    /// edited to say so.
    Erased,
    /// POST an event to a webhook endpoint (subject [`Subject::Webhook`](super::Subject::Webhook)).
    Webhook(WebhookJob),
    /// An agent shared files in the alert's thread: fetch them and relay them, with what
    /// they wrote, to the customer.
    ChatFiles(ChatFiles),
    /// Files shared in the alert's thread that were not relayed: a note in the thread
    /// names each with the reason.
    FilesRefused(FilesRefused),
}

impl Contract for OutboxMessage {
    fn kind(&self) -> &'static str {
        match self {
            OutboxMessage::EscalationCreated => "escalation_created",
            OutboxMessage::EscalationUpdated { .. } => "escalation_updated",
            OutboxMessage::CustomerMessage(_) => "customer_message",
            OutboxMessage::AgentMessage(_) => "agent_message",
            OutboxMessage::Realert { .. } => "realert",
            OutboxMessage::Assigned(_) => "assigned",
            OutboxMessage::TakenOver(_) => "taken_over",
            OutboxMessage::Digest(_) => "digest",
            OutboxMessage::Email(_) => "email",
            OutboxMessage::Csat(_) => "csat",
            OutboxMessage::MailFlagged(_) => "mail_flagged",
            OutboxMessage::Erased => "erased",
            OutboxMessage::Webhook(_) => "webhook",
            OutboxMessage::ChatFiles(_) => "chat_files",
            OutboxMessage::FilesRefused(_) => "files_refused",
        }
    }
}

/// Files a person shared in an alert's thread (Slack `file_share`, Discord attachments),
/// for the bot's worker to fetch, check and relay with the text as one agent reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatFiles {
    /// The callback they came in (`slack-event:Ev…`, `discord-message:…`): the reply is
    /// applied once under it, however often the row or the callback is repeated.
    pub event: String,
    /// Who shared them (allowed to reply when the row was written).
    pub user: crate::chat_identity::ChatUser,
    /// What they wrote with the files (may be empty).
    pub text: String,
    pub files: Vec<SharedFileLink>,
}

/// Files of a [`ChatFiles`] row that were left out of the relayed reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesRefused {
    /// The callback they came in (the note is posted once per callback).
    pub event: String,
    pub files: Vec<RefusedFile>,
}

/// A shared file that did not reach the customer, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedFile {
    /// Its name in chat.
    pub name: String,
    /// Why, in words an agent reads: `not an allowed file type …`, `larger than 10 MB`,
    /// `more than 5 files in one message`, `could not be downloaded …`.
    pub reason: String,
}

/// A file as the platform's event names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFileLink {
    /// Its name in chat (cleaned like an upload's when stored).
    pub name: String,
    /// Where the platform serves it (Slack `url_private`, Discord `attachments[].url`).
    pub url: String,
}

/// An escalation given to an agent by someone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The agent's account.
    pub agent_id: String,
    /// Their display name.
    pub agent: String,
    /// Their account's e-mail: Slack finds them by it (`users.lookupByEmail`).
    pub email: String,
    /// Who assigned it (a display name).
    pub by: String,
}

/// A claimed escalation taken from its owner by an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeOver {
    /// Who had claimed it: their display name, or the name an agent without an account
    /// acted under.
    pub from: String,
    /// Their account, when they have one (Discord mentions the user linked to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_agent_id: Option<String>,
    /// Their account's e-mail: Slack finds them by it (`users.lookupByEmail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_email: Option<String>,
    /// Who took it over (a display name).
    pub by: String,
}

/// A customer's satisfaction rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csat {
    /// 1 (bad) to 5 (great).
    pub rating: i64,
    pub comment: Option<String>,
    /// When it was given (the thread post is keyed by its outbox row, `csat-{row id}`).
    pub at_ms: i64,
}

/// An inbound mail held back from the conversation, for the agents to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFlag {
    pub reason: MailFlagReason,
    /// The `From` address.
    pub sender: String,
    pub subject: Option<String>,
    /// When it arrived (the thread note is keyed by its outbox row, `mail-flag-{row id}`).
    pub at_ms: i64,
}

/// Why an inbound mail was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailFlagReason {
    /// Sent to this conversation's reply address by someone other than its customer; the
    /// text was not added.
    SenderMismatch,
    /// Sent to a reply address whose token names no conversation (forged, mistyped or
    /// from another installation); it became this new escalation.
    UnknownToken,
}

/// One event for one webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookJob {
    /// The endpoint's id ([`crate::webhooks::endpoint_id`] of its URL).
    pub endpoint: String,
    /// The event's `id` (`evt_…`): the same on every retry and redelivery.
    pub event_id: String,
    /// The event's `type`, e.g. `escalation.created`.
    pub event_type: String,
    /// The JSON body, built when the event was queued and sent as it is.
    pub body: String,
}

/// A mail to an escalation's customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailJob {
    pub mail: MailKind,
    /// The local part of the mail's `Message-ID` (`<{message_id}@{reply_domain}>`): random,
    /// fixed when the row is written, so every retry sends the same mail and the sent-mail
    /// record (keyed by it) tells a retry it was already sent.
    pub message_id: String,
    /// For `agent_reply`: the transcript line of the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_message_id: Option<i64>,
}

/// Which mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// "We have your question": sent at handoff.
    Receipt,
    /// An agent's reply, for a customer who is not watching.
    AgentReply,
    /// The escalation was resolved (with the satisfaction question).
    Resolved,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Receipt => "receipt",
            MailKind::AgentReply => "agent_reply",
            MailKind::Resolved => "resolved",
        }
    }
}

impl EmailJob {
    /// A job with a fresh random Message-ID.
    pub fn new(mail: MailKind, reply_message_id: Option<i64>) -> Self {
        EmailJob {
            mail,
            message_id: hex::encode(rand::random::<[u8; 16]>()),
            reply_message_id,
        }
    }
}

/// A customer's message after handoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMessage {
    /// The transcript line's id: the thread post is recorded under `customer-{message_id}`.
    pub message_id: i64,
    pub body: String,
    pub at_ms: i64,
    /// The message reopened a resolved escalation.
    #[serde(default)]
    pub reopened: bool,
}

/// An agent's reply, to be mirrored into the chat threads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMessage {
    /// The transcript line's id: the thread post is recorded under `agent-{message_id}`.
    pub message_id: i64,
    /// The agent's display name.
    #[serde(rename = "author_name")]
    pub agent: String,
    pub body: String,
    pub at_ms: i64,
    /// Where it was typed.
    pub origin: Origin,
    /// The saved reply's name when the agent sent one (absent in rows of earlier releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_reply: Option<String>,
}

/// Where an agent typed a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The dashboard or the admin API.
    Web,
    Slack,
    Discord,
}

impl Origin {
    /// The chat platform it was typed in, if any.
    pub fn platform(self) -> Option<ChatPlatform> {
        match self {
            Origin::Web => None,
            Origin::Slack => Some(ChatPlatform::Slack),
            Origin::Discord => Some(ChatPlatform::Discord),
        }
    }

    pub fn from_platform(platform: ChatPlatform) -> Origin {
        match platform {
            ChatPlatform::Slack => Origin::Slack,
            ChatPlatform::Discord => Origin::Discord,
        }
    }

    /// `web`, `slack` or `discord`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Web => "web",
            Origin::Slack => "slack",
            Origin::Discord => "discord",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{decode, encode, Unreadable};

    #[test]
    fn rows_of_the_previous_release_read_without_a_version() {
        let customer =
            r#"{"message_id":7,"author":"customer","body":"any news?","at_ms":12,"reopened":true}"#;
        assert_eq!(
            decode::<OutboxMessage>("customer_message", customer).expect("customer"),
            OutboxMessage::CustomerMessage(CustomerMessage {
                message_id: 7,
                body: "any news?".into(),
                at_ms: 12,
                reopened: true,
            })
        );
        let realert = r#"{"escalation_id":"esc_1","realert":2}"#;
        assert_eq!(
            decode::<OutboxMessage>("realert", realert).expect("realert"),
            OutboxMessage::Realert {
                number: 2,
                away_owner: None
            }
        );
        let created = r#"{"escalation_id":"esc_1"}"#;
        assert_eq!(
            decode::<OutboxMessage>("escalation_created", created).expect("created"),
            OutboxMessage::EscalationCreated
        );
    }

    #[test]
    fn written_rows_carry_their_version_and_read_back() {
        let message = OutboxMessage::AgentMessage(AgentMessage {
            message_id: 3,
            agent: "ana".into(),
            body: "on its way".into(),
            at_ms: 5,
            origin: Origin::Slack,
            saved_reply: None,
        });
        let (kind, payload) = encode(&message).expect("encode");
        assert_eq!(kind, "agent_message");
        let fields: serde_json::Value = serde_json::from_str(&payload).expect("json");
        assert_eq!(fields["v"], 1);
        assert_eq!(fields["author_name"], "ana");
        assert_eq!(fields["origin"], "slack");
        assert!(fields.get("kind").is_none(), "the kind has its own column");
        assert_eq!(
            decode::<OutboxMessage>(kind, &payload).expect("decode"),
            message
        );
    }

    #[test]
    fn unknown_kinds_versions_and_payloads_are_unreadable_not_panics() {
        let unknown = decode::<OutboxMessage>("email_reply", r#"{"v":1}"#);
        assert!(
            matches!(unknown, Err(Unreadable::Payload { .. })),
            "{unknown:?}"
        );
        let newer = decode::<OutboxMessage>("realert", r#"{"v":2,"realert":1}"#);
        assert!(
            matches!(newer, Err(Unreadable::Version { .. })),
            "{newer:?}"
        );
        let broken = decode::<OutboxMessage>("realert", "not json");
        assert!(
            matches!(broken, Err(Unreadable::NotJson { .. })),
            "{broken:?}"
        );
        let missing = decode::<OutboxMessage>("customer_message", r#"{"body":"x"}"#);
        assert!(
            matches!(missing, Err(Unreadable::Payload { .. })),
            "{missing:?}"
        );
    }
}
