//! `[[webhooks]]`: endpoints that receive signed events (see [`crate::webhooks`]).

use serde::Deserialize;

use super::{ConfigError, Secret};
use crate::webhooks::EventType;

/// One receiver of events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// `https://…` (or `http://…`) where events are POSTed.
    pub url: String,
    /// Event types sent, e.g. `["escalation.created"]`; empty (the default) means all.
    #[serde(default)]
    pub events: Vec<String>,
    /// The environment variable holding the signing secret, e.g.
    /// `FRONTLINE_WEBHOOK_SECRET_CRM`. Read at load, never from the file.
    pub secret_env: String,
    /// Permit destinations that resolve to loopback, private or link-local addresses
    /// (refused by default, checked at connect time).
    #[serde(default)]
    pub allow_private: bool,
    /// The value of `secret_env`, filled by [`super::Settings::load`].
    #[serde(skip)]
    pub secret: Option<Secret>,
}

impl WebhookSettings {
    /// The parsed `events` (validated at load; unknown names cannot remain).
    pub fn event_types(&self) -> Vec<EventType> {
        self.events
            .iter()
            .filter_map(|e| EventType::parse(e))
            .collect()
    }

    pub(super) fn validate(&self, key: &str) -> Result<(), ConfigError> {
        let rest = self
            .url
            .strip_prefix("https://")
            .or_else(|| self.url.strip_prefix("http://"))
            .ok_or_else(|| {
                ConfigError::invalid(format!("{key}.url"), "must start with https:// or http://")
            })?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() || authority.contains(['@', ' ']) {
            return Err(ConfigError::invalid(
                format!("{key}.url"),
                "expected https://host[:port]/path with no user name",
            ));
        }
        for (i, event) in self.events.iter().enumerate() {
            if EventType::parse(event).is_none() {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                return Err(ConfigError::invalid(
                    format!("{key}.events[{i}]"),
                    format!("unknown event {event:?}; known: {}", known.join(", ")),
                ));
            }
        }
        let name_ok = !self.secret_env.is_empty()
            && self
                .secret_env
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(ConfigError::invalid(
                format!("{key}.secret_env"),
                "expected an environment variable name, e.g. FRONTLINE_WEBHOOK_SECRET_CRM",
            ));
        }
        Ok(())
    }
}
