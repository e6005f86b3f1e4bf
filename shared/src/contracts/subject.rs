//! What an outbox row, and the chat posts made for it, are about.
//!
//! Stored as one text key (the `escalation_id` column of `outbox` and `chat_messages`,
//! named before digests went through the outbox): an escalation's id as it is, a digest's
//! key prefixed with `digest:`, an escalation's mails its id prefixed with `mail:` (so a
//! mail server that is down never holds back the chat posts, and mails keep their order).

use std::fmt;

const DIGEST_PREFIX: &str = "digest:";
const MAIL_PREFIX: &str = "mail:";
const WEBHOOK_PREFIX: &str = "webhook:";

/// An escalation, or a digest (by its job key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// An escalation, by id (`esc_…`).
    Escalation(String),
    /// A digest, by its job key (`slack:C0MANAGERS:2026-11-19`, `on-demand:…`).
    Digest(String),
    /// The mails to an escalation's customer, by the escalation's id.
    Mail(String),
    /// An escalation's events for one webhook endpoint (`webhook:<endpoint>:<escalation>`),
    /// so a receiver that is down holds back only its own events.
    Webhook {
        endpoint: String,
        escalation: String,
    },
}

impl Subject {
    /// Reads a stored key.
    pub fn from_key(key: &str) -> Subject {
        if let Some(digest) = key.strip_prefix(DIGEST_PREFIX) {
            return Subject::Digest(digest.to_string());
        }
        if let Some((endpoint, escalation)) = key
            .strip_prefix(WEBHOOK_PREFIX)
            .and_then(|rest| rest.split_once(':'))
        {
            return Subject::Webhook {
                endpoint: endpoint.to_string(),
                escalation: escalation.to_string(),
            };
        }
        match key.strip_prefix(MAIL_PREFIX) {
            Some(escalation) => Subject::Mail(escalation.to_string()),
            None => Subject::Escalation(key.to_string()),
        }
    }

    /// The stored key (and the id chat posts carry in their metadata or nonce).
    pub fn key(&self) -> String {
        match self {
            Subject::Escalation(id) => id.clone(),
            Subject::Digest(key) => format!("{DIGEST_PREFIX}{key}"),
            Subject::Mail(id) => format!("{MAIL_PREFIX}{id}"),
            Subject::Webhook {
                endpoint,
                escalation,
            } => format!("{WEBHOOK_PREFIX}{endpoint}:{escalation}"),
        }
    }

    /// The escalation's id, when the subject is one.
    pub fn escalation_id(&self) -> Option<&str> {
        match self {
            Subject::Escalation(id) => Some(id),
            Subject::Digest(_) | Subject::Mail(_) | Subject::Webhook { .. } => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::Subject;

    #[test]
    fn keys_round_trip_and_digests_are_prefixed() {
        let digest = Subject::Digest("slack:C0MANAGERS:2026-11-19".into());
        assert_eq!(digest.key(), "digest:slack:C0MANAGERS:2026-11-19");
        assert_eq!(Subject::from_key(&digest.key()), digest);
        let escalation = Subject::from_key("esc_0123");
        assert_eq!(escalation, Subject::Escalation("esc_0123".into()));
        assert_eq!(escalation.key(), "esc_0123");
        assert_eq!(escalation.escalation_id(), Some("esc_0123"));
        assert_eq!(digest.escalation_id(), None);
        let mail = Subject::Mail("esc_0123".into());
        assert_eq!(mail.key(), "mail:esc_0123");
        assert_eq!(Subject::from_key("mail:esc_0123"), mail);
        let webhook = Subject::Webhook {
            endpoint: "52073b392da6".into(),
            escalation: "esc_0123".into(),
        };
        assert_eq!(webhook.key(), "webhook:52073b392da6:esc_0123");
        assert_eq!(Subject::from_key(&webhook.key()), webhook);
    }
}
