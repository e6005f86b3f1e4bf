//! The handoff use case: a customer asks for a person and gets one, with the whole context.
//!
//! [`hand_off`] makes sure the conversation's questions are written, takes the question
//! to hand over (the last one the customer asked, else the form's message), lets the
//! matcher triage it (priority, routing tags, intent, the candidates it considered),
//! keeps the routing tags the site routes by, notes whether the team is open, and stores
//! the escalation, its context and the bot's outbox row in one transaction. A
//! conversation that already has an open escalation gets that one back, so a double
//! submit never alerts twice.
//!
//! The matcher lives in `frontline-matcher`, which this crate does not link (the bot
//! must not load tantivy): the process taking the handoff reaches it, and its question
//! recorder, through [`HandoffPorts`].

use std::future::Future;

use crate::config::SiteSettings;
use crate::email::Email;
use crate::escalation::{Escalation, MatchedCandidate, Priority};
use crate::store::conversations::Conversation;
use crate::store::escalations::NewHandoff;
use crate::store::{Store, StoreError};

/// A customer's request for a person, validated by the caller.
#[derive(Debug, Clone)]
pub struct Handoff {
    /// The conversation handed over: one the caller authorized, or a fresh id.
    pub conversation_id: String,
    /// The customer's address; `None` only when `[email]` is not configured (the widget
    /// then does not ask for one).
    pub email: Option<Email>,
    /// The customer chose "email me": with `[email]`, agent replies are mailed at once
    /// instead of after `away_after` without a live stream.
    pub email_me: bool,
    pub name: Option<String>,
    /// What the customer wrote in the handoff form.
    pub message: Option<String>,
    /// The question to hand over when the conversation has none of its own (a new
    /// conversation opened by mail: its subject); else `message` is.
    pub question: Option<String>,
    /// Fields the storefront passed about the customer (plan, order number, …).
    pub customer: serde_json::Map<String, serde_json::Value>,
    pub page_url: Option<String>,
}

/// What the matcher makes of the question handed over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triage {
    pub priority: Priority,
    /// Routing tags of the matched intent (before the site's filter).
    pub tags: Vec<String>,
    /// The intent that decided priority and tags, if one matched.
    pub intent: Option<String>,
    /// Candidates considered, best first.
    pub matched: Vec<MatchedCandidate>,
}

/// What a handoff needs from the process taking it: the widget server implements it over
/// its question recorder and the site's live matcher; tests with fixed answers.
pub trait HandoffPorts {
    /// Returns once every question recorded so far is in the store (they are written in
    /// batches, and the handoff reads the transcript).
    fn flush_questions(&self) -> impl Future<Output = ()> + Send;

    /// The matcher's triage of `question`, asked on the handoff's page by its customer
    /// (async: a decision that runs the sentence encoder costs milliseconds of CPU and
    /// runs off the async threads).
    fn triage(&self, question: &str, handoff: &Handoff) -> impl Future<Output = Triage> + Send;
}

/// A stored handoff.
#[derive(Debug, Clone, PartialEq)]
pub struct HandedOff {
    pub escalation: Escalation,
    /// False when the conversation already had an open escalation (returned as it is).
    pub created: bool,
}

/// Hands `handoff` on `site` to a person at `now`; with `mail_enabled` (`[email]` is
/// configured) the customer gets a receipt mail and later mails in one thread.
pub async fn hand_off(
    store: &Store,
    site: &SiteSettings,
    ports: &impl HandoffPorts,
    handoff: Handoff,
    now: jiff::Timestamp,
    mail_enabled: bool,
) -> Result<HandedOff, StoreError> {
    ports.flush_questions().await;
    let question = store
        .last_customer_message(&handoff.conversation_id)
        .await?
        .or_else(|| handoff.question.clone())
        .or_else(|| handoff.message.clone());
    let triage = match question.as_deref() {
        Some(question) => ports.triage(question, &handoff).await,
        None => Triage::default(),
    };
    let tags = triage
        .tags
        .into_iter()
        .filter(|t| site.routing_tags.is_empty() || site.routing_tags.contains(t))
        .collect();
    let new = NewHandoff {
        conversation: Conversation {
            id: handoff.conversation_id,
            site_id: site.id.clone(),
            page_url: handoff.page_url.clone(),
            locale: None,
            customer: handoff.customer.clone(),
            created_at_ms: now.as_millisecond(),
        },
        email: handoff
            .email
            .as_ref()
            .map(Email::to_string)
            .unwrap_or_default(),
        name: handoff.name,
        message: handoff.message,
        customer: handoff.customer,
        page_url: handoff.page_url,
        priority: triage.priority,
        tags,
        intent: triage.intent,
        matched: triage.matched,
        question,
        outside_hours: !site.business_hours.is_open(now),
        mail: mail_enabled && handoff.email.is_some(),
        email_me: handoff.email_me,
    };
    let (escalation, created) = store.create_handoff(new).await?;
    if created {
        tracing::info!(escalation = %escalation.id, site = %site.id, priority = escalation.priority.as_str(), "handoff stored");
    }
    Ok(HandedOff {
        escalation,
        created,
    })
}
