//! `[privacy]`: what is masked where, and how long conversations are kept.

use jiff::SignedDuration;
use serde::Deserialize;

use super::ConfigError;
use crate::privacy::redactor::DEFAULT_KINDS;
use crate::privacy::Redactor;

/// `[privacy]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySettings {
    /// What is masked in chat posts and logs: `card`, `iban`, `phone`, `email`,
    /// `custom:<regex>`. Default `["card", "iban"]`; `[]` masks nothing.
    pub redact: Vec<String>,
    /// Phone formats for `phone` (see `frontline_shared::privacy::phone`); empty: the
    /// built-in `international`, `(###) ### ####`, `###-###-####`.
    pub phone_formats: Vec<String>,
    /// Mask before storing too (knowledge-gap question texts are then stored masked).
    pub redact_in_store: bool,
    /// Conversations older than this are purged (unset: kept). Days (`"365d"`) count
    /// 24 hours; anything `SignedDuration` reads (`"8760h"`) works too.
    #[serde(deserialize_with = "days_or_duration")]
    pub keep_conversations: Option<SignedDuration>,
    /// Files customers sent older than this are deleted (unset: kept as long as their
    /// conversation). Read like `keep_conversations`, e.g. `"90d"`.
    #[serde(deserialize_with = "days_or_duration")]
    pub keep_attachments: Option<SignedDuration>,
    /// Built from `redact` and `phone_formats` when the settings are validated.
    #[serde(skip)]
    redactor: Redactor,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            redact: DEFAULT_KINDS.iter().map(|k| k.to_string()).collect(),
            phone_formats: Vec::new(),
            redact_in_store: false,
            keep_conversations: None,
            keep_attachments: None,
            redactor: Redactor::default(),
        }
    }
}

/// `"365d"` (whole days of 24 hours) or a duration as `SignedDuration` reads it.
fn days_or_duration<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SignedDuration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let days = text
        .trim()
        .strip_suffix('d')
        .and_then(|n| n.trim().parse::<i64>().ok());
    match days {
        Some(days) => Ok(Some(SignedDuration::from_hours(days.saturating_mul(24)))),
        None => text
            .parse::<SignedDuration>()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("expected e.g. \"365d\": {e}"))),
    }
}

impl PrivacySettings {
    /// The configured redactor (`redact`, `phone_formats`).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The redactor for text about to be stored: the configured one with
    /// `redact_in_store`, else one that masks nothing.
    pub fn store_redactor(&self) -> Redactor {
        if self.redact_in_store {
            self.redactor.clone()
        } else {
            Redactor::none()
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), ConfigError> {
        self.redactor =
            Redactor::new(&self.redact, &self.phone_formats).map_err(|(i, error)| match error {
                crate::privacy::RedactionError::PhoneFormat(_) => {
                    ConfigError::invalid("privacy.phone_formats", error)
                }
                other => ConfigError::invalid(format!("privacy.redact[{i}]"), other),
            })?;
        for (key, keep) in [
            ("privacy.keep_conversations", self.keep_conversations),
            ("privacy.keep_attachments", self.keep_attachments),
        ] {
            if keep.is_some_and(|keep| keep < SignedDuration::from_hours(24)) {
                return Err(ConfigError::invalid(key, "must be at least 1d"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use std::path::Path;

    fn parse(text: &str) -> Result<Settings, crate::config::ConfigError> {
        Settings::parse(text, Path::new("/base"), Path::new("test.toml"), &|_| None)
    }

    #[test]
    fn the_default_masks_cards_and_ibans_and_stores_text_as_typed() {
        let settings = parse("").expect("valid");
        assert_eq!(settings.privacy.redact, ["card", "iban"]);
        assert!(!settings.privacy.redact_in_store);
        assert_eq!(
            settings.privacy.redactor().mask("4111 1111 1111 1111"),
            "[card ending 1111]"
        );
        assert_eq!(
            settings
                .privacy
                .store_redactor()
                .mask("4111 1111 1111 1111"),
            "4111 1111 1111 1111"
        );
    }

    #[test]
    fn bad_entries_name_their_key() {
        let err = parse("[privacy]\nredact = [\"card\", \"passport\"]\n").expect_err("unknown");
        assert!(err.to_string().contains("privacy.redact[1]"), "{err}");
        let err = parse("[privacy]\nredact = [\"custom:([\"]\n").expect_err("regex");
        assert!(err.to_string().contains("privacy.redact[0]"), "{err}");
        let err = parse("[privacy]\nredact = [\"phone\"]\nphone_formats = [\"+49\"]\n")
            .expect_err("format");
        assert!(err.to_string().contains("privacy.phone_formats"), "{err}");
        let err = parse("[privacy]\nkeep_conversations = \"1h\"\n").expect_err("short");
        assert!(
            err.to_string().contains("privacy.keep_conversations"),
            "{err}"
        );
        let err = parse("[privacy]\nkeep_conversations = \"a year\"\n").expect_err("words");
        assert!(
            err.to_string().contains("privacy.keep_conversations"),
            "{err}"
        );
        let err = parse("[privacy]\nkeep_attachments = \"2h\"\n").expect_err("short");
        assert!(
            err.to_string().contains("privacy.keep_attachments"),
            "{err}"
        );
        let settings = parse(
            "[privacy]\nkeep_conversations = \"365d\"\nkeep_attachments = \"90d\"\nredact_in_store = true\n",
        )
        .expect("valid");
        assert_eq!(
            settings.privacy.keep_attachments,
            Some(jiff::SignedDuration::from_hours(90 * 24))
        );
        assert_eq!(
            settings.privacy.keep_conversations,
            Some(jiff::SignedDuration::from_hours(365 * 24))
        );
    }
}
