//! Outbound webhooks: which events exist, which endpoints want them, and the payload a
//! receiver gets.
//!
//! An event is queued in the store's outbox in the transaction of the change it reports
//! (see [`crate::store::outbox`]): one row per (event, endpoint), under the subject
//! `webhook:<endpoint>:<escalation>`, so each endpoint gets an escalation's events in order
//! and a receiver that is down never holds back chat alerts or another endpoint. The bot
//! posts the rows, signed (`Frontline-Signature`), and records every attempt.
//!
//! # Layout
//! - [`payload`]: the JSON body, built in one function ([`payload::build_event`]).
//! - this module: [`EventType`], [`Endpoint`] ids and the [`Routing`] the store consults.

pub mod payload;

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// The events Frontline sends, by their public `type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    EscalationCreated,
    EscalationClaimed,
    /// Released by its agent, or reopened by the customer: back in the queue.
    EscalationReleased,
    EscalationResolved,
    /// A customer's or an agent's message after handoff.
    ConversationMessage,
    CsatReceived,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::EscalationCreated,
        EventType::EscalationClaimed,
        EventType::EscalationReleased,
        EventType::EscalationResolved,
        EventType::ConversationMessage,
        EventType::CsatReceived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::EscalationCreated => "escalation.created",
            EventType::EscalationClaimed => "escalation.claimed",
            EventType::EscalationReleased => "escalation.released",
            EventType::EscalationResolved => "escalation.resolved",
            EventType::ConversationMessage => "conversation.message",
            EventType::CsatReceived => "csat.received",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The stable id of the endpoint at `url`: the first 12 hex digits of its SHA-256, so it
/// survives restarts and reordering of `[[webhooks]]` (and changes with the URL).
pub fn endpoint_id(url: &str) -> String {
    hex::encode(&Sha256::digest(url.as_bytes())[..6])
}

/// One configured endpoint, as the store needs it to queue events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// [`endpoint_id`] of its URL.
    pub id: String,
    pub url: String,
    /// Empty: every event.
    pub events: Vec<EventType>,
}

impl Endpoint {
    pub fn wants(&self, event: EventType) -> bool {
        self.events.is_empty() || self.events.contains(&event)
    }
}

/// Which endpoints exist and what the payloads call each site; empty by default (no
/// webhooks, nothing queued). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub endpoints: Arc<Vec<Endpoint>>,
    /// Site id → display name, for `data.site.name`.
    pub site_names: Arc<HashMap<crate::site_id::SiteId, String>>,
    /// `[privacy] redact`: what the customer typed is masked in every payload.
    pub redactor: Arc<crate::privacy::Redactor>,
}

impl Routing {
    /// From the configuration's `[[webhooks]]` and `[[sites]]`.
    pub fn from_settings(settings: &crate::config::Settings) -> Routing {
        let endpoints = settings
            .webhooks
            .iter()
            .map(|w| Endpoint {
                id: endpoint_id(&w.url),
                url: w.url.clone(),
                events: w.event_types(),
            })
            .collect();
        let site_names = settings
            .sites
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect();
        Routing {
            endpoints: Arc::new(endpoints),
            site_names: Arc::new(site_names),
            redactor: Arc::new(settings.privacy.redactor().clone()),
        }
    }

    /// The endpoints that want `event`.
    pub fn subscribers(&self, event: EventType) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.iter().filter(move |e| e.wants(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids_are_stable() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("escalation.deleted"), None);
        // `printf 'https://crm.example.com/hook' | sha256sum | cut -c1-12`
        let id = endpoint_id("https://crm.example.com/hook");
        assert_eq!(id, "52073b392da6");
        assert_ne!(id, endpoint_id("https://crm.example.com/hook2"));
    }
}
