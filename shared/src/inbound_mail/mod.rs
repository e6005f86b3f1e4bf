//! A customer's reply by mail: parse the raw RFC 822 message, find its conversation by
//! the reply token in the address it was sent to, keep the customer's own text, and store
//! it like a widget follow-up (relayed to the chat thread, reopening a resolved
//! escalation), once per Message-ID.
//!
//! Every door (today `POST /api/v1/inbound/email`) parses with [`InboundMail::parse`] and
//! calls [`receive`]; it only maps [`InboundError`] to its own answers.
//!
//! A reply from another address than the customer's is not added: it is flagged in the
//! escalation's thread ([`Store::flag_mail`]). Mail that maps to no conversation becomes a
//! new escalation from its sender ([`unmapped`]). Mail written by a machine (vacation
//! replies, bulk and list mail, delivery reports; [`automatic`]) is neither: it is only
//! logged, so no mail loop starts and no resolved conversation reopens.
//!
//! # Layout
//! - [`quotes`]: quoted history and signature stripping.
//! - [`automatic`]: which headers mark a mail as automatic (RFC 3834 and common practice).
//! - [`unmapped`]: a mail without a (valid) reply token opens a new escalation.

pub mod automatic;
pub mod quotes;
pub mod unmapped;

use sha2::{Digest, Sha256};

use crate::contracts::outbox::{MailFlag, MailFlagReason};
use crate::mail_token::{MailTokens, Purpose};
use crate::store::emails::MailReplyStored;
use crate::store::{Store, StoreError};
use automatic::Automatic;

/// The parts of a mail a reply needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The `Message-ID` (without `<>`), or `sha256:<hex>` of the raw mail when it has none.
    pub message_id: String,
    /// The sender's address, lowercased.
    pub from: String,
    /// The sender's display name, if the `From` header has one.
    pub from_name: Option<String>,
    /// Every recipient address (`To`, `Cc`, `Delivered-To`, `X-Original-To`), lowercased.
    pub recipients: Vec<String>,
    pub subject: Option<String>,
    /// The text part (an HTML-only mail converted to text), before quote stripping.
    pub text: String,
    /// Why the mail was written by a machine, if its headers say so.
    pub automatic: Option<Automatic>,
}

/// Why a mail was not stored.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error("the body is not an RFC 822 message: {0}")]
    Malformed(&'static str),
    #[error("no recipient is a reply address (reply+<token>@{0})")]
    NoToken(String),
    #[error("the reply address names no conversation")]
    UnknownToken,
    #[error("the sender is not the conversation's customer")]
    SenderMismatch,
    #[error("the reply has no text of its own once quotes and signature are removed")]
    Empty,
    #[error("the reply is longer than {0} characters")]
    TooLong(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Stored and (with an open or reopened escalation) relayed.
    Stored { relayed: bool },
    /// The same Message-ID was stored before.
    Duplicate,
    /// Written by a machine ([`automatic`]): nothing stored, nothing sent.
    Ignored(Automatic),
    /// It mapped to no conversation and opened this new escalation (`created` false when
    /// the conversation it opens already had one).
    Opened {
        escalation_id: String,
        created: bool,
    },
}

impl InboundMail {
    /// Parses one raw message with `mail-parser`.
    pub fn parse(raw: &[u8]) -> Result<InboundMail, InboundError> {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .ok_or(InboundError::Malformed("no headers"))?;
        let sender = message.from().and_then(|a| a.first());
        let from_name = sender
            .and_then(|a| a.name())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        let from = sender
            .and_then(|a| a.address())
            .map(str::to_lowercase)
            .filter(|a| a.contains('@'))
            .ok_or(InboundError::Malformed("no From address"))?;
        let mut recipients: Vec<String> = [message.to(), message.cc()]
            .into_iter()
            .flatten()
            .flat_map(|a| a.iter())
            .filter_map(|a| a.address())
            .map(str::to_lowercase)
            .collect();
        for header in ["Delivered-To", "X-Original-To"] {
            if let Some(raw) = message.header_raw(header) {
                recipients.push(raw.trim().trim_matches(['<', '>']).to_lowercase());
            }
        }
        let message_id = match message.message_id() {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
        };
        let text = message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default();
        let automatic = automatic::detect(|name| message.header_raw(name));
        Ok(InboundMail {
            message_id,
            from,
            from_name,
            recipients,
            subject: message.subject().map(str::to_string),
            text,
            automatic,
        })
    }

    /// The token of the first recipient `reply+<token>@{reply_domain}`.
    pub fn reply_token(&self, reply_domain: &str) -> Option<&str> {
        let suffix = format!("@{}", reply_domain.to_lowercase());
        self.recipients.iter().find_map(|address| {
            address
                .strip_suffix(&suffix)?
                .strip_prefix("reply+")
                .filter(|token| !token.is_empty())
        })
    }
}

/// Stores `mail` as its conversation's customer message; `max_chars` bounds the text kept.
/// A mail written by a machine is only logged ([`Received::Ignored`]).
pub async fn receive(
    store: &Store,
    tokens: &MailTokens,
    mail: &InboundMail,
    reply_domain: &str,
    max_chars: usize,
) -> Result<Received, InboundError> {
    if let Some(why) = mail.automatic {
        tracing::info!(message_id = %mail.message_id, sender = %mail.from, automatic = why.as_str(),
            "automatic mail ignored: not stored, not answered");
        return Ok(Received::Ignored(why));
    }
    let token = mail
        .reply_token(reply_domain)
        .ok_or_else(|| InboundError::NoToken(reply_domain.to_string()))?;
    let thread = tokens
        .thread(store, Purpose::Reply, token)
        .await?
        .ok_or(InboundError::UnknownToken)?;
    if !thread.email.eq_ignore_ascii_case(&mail.from) {
        let flag = MailFlag {
            reason: MailFlagReason::SenderMismatch,
            sender: mail.from.clone(),
            subject: mail.subject.clone(),
            at_ms: store.now_ms(),
        };
        let flagged = store
            .flag_mail(&thread.conversation_id, &mail.message_id, flag)
            .await?;
        tracing::warn!(conversation = %thread.conversation_id, ?flagged, "mail reply from another sender flagged");
        return Err(InboundError::SenderMismatch);
    }
    let text = quotes::strip(&mail.text);
    if text.trim().is_empty() {
        return Err(InboundError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(InboundError::TooLong(max_chars));
    }
    let conversation = store
        .conversation(&thread.conversation_id)
        .await?
        .ok_or(InboundError::UnknownToken)?;
    let stored = store
        .append_customer_mail(&conversation, &text, &mail.message_id)
        .await?;
    tracing::info!(conversation = %conversation.id, duplicate = stored == MailReplyStored::Duplicate, "mail reply received");
    Ok(match stored {
        MailReplyStored::Stored { escalation_id } => Received::Stored {
            relayed: escalation_id.is_some(),
        },
        MailReplyStored::Duplicate => Received::Duplicate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reply_token_sender_and_message_id() {
        let raw = b"From: Dana <Dana@Customer.test>\r\nTo: \"Northwind\" <reply+00ff@Reply.Shop.test>\r\nSubject: Re: hello\r\nMessage-ID: <abc@mail.customer.test>\r\n\r\nThanks!\r\n";
        let mail = InboundMail::parse(raw).expect("parses");
        assert_eq!(mail.from, "dana@customer.test");
        assert_eq!(mail.message_id, "abc@mail.customer.test");
        assert_eq!(mail.reply_token("reply.shop.test"), Some("00ff"));
        assert_eq!(mail.reply_token("other.test"), None);
        assert_eq!(mail.text.trim(), "Thanks!");
    }

    #[test]
    fn a_mail_without_sender_is_malformed() {
        assert!(matches!(
            InboundMail::parse(b"this is not a mail"),
            Err(InboundError::Malformed(_))
        ));
        assert!(matches!(
            InboundMail::parse(b""),
            Err(InboundError::Malformed(_))
        ));
    }
}
