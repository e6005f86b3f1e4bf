//! A mail that maps to no conversation (sent to the support address, or to a reply
//! address whose token names none) becomes a new escalation from its sender, with the
//! subject as the question and the customer's own text as the message, through the same
//! [`hand_off`] use case as the widget's form. The sender chose mail, so agent replies
//! are mailed at once ("email me"), and the receipt gives them a reply address for the
//! rest of the conversation.
//!
//! The same mail delivered twice opens one escalation: its conversation id is derived
//! from the Message-ID, and the Message-ID is recorded with the replies'. A mail to a
//! reply address naming no conversation (forged or stale) is opened the same way and
//! flagged in the new escalation's thread, so an agent sees where it came from.
//!
//! The site is the one whose `inbound_addresses` holds a recipient of the mail (`To`,
//! `Cc`, `Delivered-To`, `X-Original-To`; [`site_for`]), else the first configured site,
//! with a logged warning.

use sha2::{Digest, Sha256};

use super::{quotes, InboundError, InboundMail, Received};
use crate::config::SiteSettings;
use crate::contracts::outbox::{MailFlag, MailFlagReason};
use crate::email::Email;
use crate::handoff::{hand_off, Handoff, HandoffPorts};
use crate::store::Store;

/// Why the mail maps to no conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmapped {
    /// No recipient is a reply address: a new question.
    NoToken,
    /// A reply address whose token names no conversation: opened, and flagged.
    UnknownToken,
}

/// How [`site_for`] chose the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteChoice {
    /// A recipient is one of the site's `inbound_addresses`.
    Addressed,
    /// No recipient is any site's address: the first configured site.
    Fallback,
}

/// The site a mail that maps to no conversation opens its escalation on: the first
/// recipient (in the order [`InboundMail::recipients`] lists them) that a site lists in
/// `inbound_addresses` picks that site; with none, the first of `sites` (in
/// configuration order), logged as a warning.
pub fn site_for<'s>(
    mail: &InboundMail,
    sites: &[&'s SiteSettings],
) -> Option<(&'s SiteSettings, SiteChoice)> {
    let addressed = mail.recipients.iter().find_map(|recipient| {
        sites.iter().copied().find(|site| {
            site.inbound_addresses
                .iter()
                .any(|a| a.eq_ignore_ascii_case(recipient))
        })
    });
    if let Some(site) = addressed {
        return Some((site, SiteChoice::Addressed));
    }
    let first = sites.first().copied()?;
    tracing::warn!(site = %first.id, recipients = ?mail.recipients,
        "no recipient of the mail is a site's inbound_addresses entry; it goes to the first site");
    Some((first, SiteChoice::Fallback))
}

/// How the id of every conversation a mail opens begins (the forecast's e-mail channel
/// counts those escalations: `store::forecasts::Channel::Email`).
pub const CONVERSATION_PREFIX: &str = "conv_mail_";

/// The conversation a mail opens: the same for every delivery of the same Message-ID.
pub fn conversation_id(message_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(message_id.as_bytes()));
    format!("{CONVERSATION_PREFIX}{}", &digest[..24])
}

/// Opens a new escalation on `site` from `mail` (see the module docs); `max_chars`
/// bounds the text kept.
pub async fn open_escalation(
    store: &Store,
    site: &SiteSettings,
    ports: &impl HandoffPorts,
    mail: &InboundMail,
    why: Unmapped,
    max_chars: usize,
) -> Result<Received, InboundError> {
    if let Some(why) = mail.automatic {
        tracing::info!(message_id = %mail.message_id, sender = %mail.from, automatic = why.as_str(),
            "automatic mail ignored: no escalation opened, no receipt sent");
        return Ok(Received::Ignored(why));
    }
    if store.inbound_seen(&mail.message_id).await? {
        return Ok(Received::Duplicate);
    }
    let text = quotes::strip(&mail.text).trim().to_string();
    if text.chars().count() > max_chars {
        return Err(InboundError::TooLong(max_chars));
    }
    let subject = mail
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if subject.is_none() && text.is_empty() {
        return Err(InboundError::Empty);
    }
    let email = Email::parse(&mail.from)
        .map_err(|_| InboundError::Malformed("the From address is not a mail address"))?;
    let conversation_id = conversation_id(&mail.message_id);
    let handoff = Handoff {
        conversation_id: conversation_id.clone(),
        email: Some(email),
        email_me: true,
        name: mail.from_name.clone(),
        message: (!text.is_empty()).then_some(text),
        question: subject,
        customer: serde_json::Map::new(),
        page_url: None,
    };
    let handed = hand_off(store, site, ports, handoff, store.clock().now(), true).await?;
    match why {
        Unmapped::NoToken => {
            store
                .record_inbound(&mail.message_id, &conversation_id)
                .await?;
        }
        Unmapped::UnknownToken => {
            let flag = MailFlag {
                reason: MailFlagReason::UnknownToken,
                sender: mail.from.clone(),
                subject: mail.subject.clone(),
                at_ms: store.now_ms(),
            };
            store
                .flag_mail(&conversation_id, &mail.message_id, flag)
                .await?;
        }
    }
    tracing::info!(escalation = %handed.escalation.id, site = %site.id, ?why, "mail opened an escalation");
    Ok(Received::Opened {
        escalation_id: handed.escalation.id,
        created: handed.created,
    })
}

#[cfg(test)]
mod tests {
    use super::conversation_id;

    #[test]
    fn one_message_id_opens_one_conversation() {
        let id = conversation_id("abc@mail.customer.test");
        assert_eq!(id, conversation_id("abc@mail.customer.test"));
        assert_ne!(id, conversation_id("abd@mail.customer.test"));
        assert_eq!(id.len(), "conv_mail_".len() + 24);
    }
}
