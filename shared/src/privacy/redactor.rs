//! The configured detectors (`[privacy] redact`) and the masking itself.
//!
//! Kinds: `card`, `iban`, `phone` (formats from `[privacy] phone_formats`), `email`, and
//! `custom:<regex>` (Rust `regex` syntax). Each match is replaced by a short label
//! that says what was there: `[card ending 1111]`, `[IBAN redacted]`,
//! `[phone redacted]`, `[email redacted]`, `[redacted]`. Where matches overlap, the one
//! starting first (then the longest) wins.
//!
//! A [`Redactor`] is cheap to clone and has no I/O: the bot applies it to what it posts,
//! the widget server to what it logs and (with `redact_in_store`) to what it stores, and
//! any other outbound door (webhooks) can call [`Redactor::mask`] the same way.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use regex::Regex;

use super::{card, iban, phone};
use crate::escalation::Escalation;

/// What `[privacy] redact` holds when it is not set.
pub const DEFAULT_KINDS: &[&str] = &["card", "iban"];

/// Why a `redact` entry could not be used; the caller names the key.
#[derive(Debug, thiserror::Error)]
pub enum RedactionError {
    #[error("unknown kind {0:?}: expected card, iban, phone, email or custom:<regex>")]
    UnknownKind(String),
    #[error("{kind:?} is not a valid regular expression: {reason}")]
    BadRegex { kind: String, reason: String },
    #[error(transparent)]
    PhoneFormat(#[from] phone::FormatError),
}

#[derive(Debug)]
enum Detector {
    Card,
    Iban,
    Phone(Regex),
    Email(Regex),
    Custom(Regex),
}

const EMAIL: &str = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}";

impl Detector {
    fn find(&self, text: &str, out: &mut Vec<(Range<usize>, String)>) {
        match self {
            Detector::Card => out.extend(
                card::find(text)
                    .into_iter()
                    .map(|(range, last)| (range, format!("[card ending {last}]"))),
            ),
            Detector::Iban => out.extend(
                iban::find(text)
                    .into_iter()
                    .map(|range| (range, "[IBAN redacted]".to_string())),
            ),
            Detector::Phone(regex) => out.extend(
                regex
                    .find_iter(text)
                    .map(|m| m.range())
                    .filter(|r| phone::stands_alone(text, r))
                    .map(|range| (range, "[phone redacted]".to_string())),
            ),
            Detector::Email(regex) => out.extend(
                regex
                    .find_iter(text)
                    .map(|m| (m.range(), "[email redacted]".to_string())),
            ),
            Detector::Custom(regex) => out.extend(
                regex
                    .find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| (m.range(), "[redacted]".to_string())),
            ),
        }
    }
}

/// The regular expression of a `redact` entry.
fn compile(kind: &str, pattern: &str) -> Result<Regex, RedactionError> {
    Regex::new(pattern).map_err(|e| RedactionError::BadRegex {
        kind: kind.to_string(),
        reason: e.to_string(),
    })
}

/// Masks sensitive text. `Default` is the default configuration (`card`, `iban`).
#[derive(Debug, Clone)]
pub struct Redactor {
    detectors: Arc<Vec<Detector>>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            detectors: Arc::new(vec![Detector::Card, Detector::Iban]),
        }
    }
}

impl Redactor {
    /// A redactor for `kinds` (see the module docs), with `phone_formats` for `phone`
    /// (empty: [`phone::DEFAULT_FORMATS`]). On error, `Err((index, error))` names the
    /// offending `kinds` entry.
    pub fn new(
        kinds: &[String],
        phone_formats: &[String],
    ) -> Result<Self, (usize, RedactionError)> {
        let mut detectors = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let detector = match kind.as_str() {
                "card" => Detector::Card,
                "iban" => Detector::Iban,
                "phone" => {
                    let formats: Vec<String> = if phone_formats.is_empty() {
                        phone::DEFAULT_FORMATS
                            .iter()
                            .map(|f| f.to_string())
                            .collect()
                    } else {
                        phone_formats.to_vec()
                    };
                    Detector::Phone(phone::compile(&formats).map_err(|e| (i, e.into()))?)
                }
                "email" => Detector::Email(compile(kind, EMAIL).map_err(|e| (i, e))?),
                other => match other.strip_prefix("custom:") {
                    Some(pattern) if !pattern.is_empty() => {
                        Detector::Custom(compile(kind, pattern).map_err(|e| (i, e))?)
                    }
                    _ => return Err((i, RedactionError::UnknownKind(kind.clone()))),
                },
            };
            detectors.push(detector);
        }
        Ok(Redactor {
            detectors: Arc::new(detectors),
        })
    }

    /// A redactor that masks nothing (`redact = []`).
    pub fn none() -> Self {
        Redactor {
            detectors: Arc::new(Vec::new()),
        }
    }

    /// `text` with every match replaced by its label; borrowed when nothing matched.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut matches = Vec::new();
        for detector in self.detectors.iter() {
            detector.find(text, &mut matches);
        }
        if matches.is_empty() {
            return Cow::Borrowed(text);
        }
        matches.sort_by(|(a, _), (b, _)| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut masked = String::with_capacity(text.len());
        let mut copied = 0;
        for (range, label) in matches {
            if range.start < copied {
                continue; // overlaps a match already masked
            }
            masked.push_str(&text[copied..range.start]);
            masked.push_str(&label);
            copied = range.end;
        }
        masked.push_str(&text[copied..]);
        Cow::Owned(masked)
    }

    /// [`Redactor::mask`] into an owned string.
    pub fn mask_owned(&self, text: &str) -> String {
        self.mask(text).into_owned()
    }

    /// A copy of `escalation` with everything a customer typed masked: their name, e-mail,
    /// message, question, customer field values and transcript lines.
    pub fn escalation(&self, escalation: &Escalation) -> Escalation {
        let mut masked = escalation.clone();
        if self.detectors.is_empty() {
            return masked;
        }
        masked.email = self.mask_owned(&escalation.email);
        masked.name = escalation.name.as_deref().map(|n| self.mask_owned(n));
        masked.message = escalation.message.as_deref().map(|m| self.mask_owned(m));
        let context = &mut masked.context;
        context.question = context.question.as_deref().map(|q| self.mask_owned(q));
        for line in &mut context.transcript {
            line.body = self.mask_owned(&line.body);
        }
        for value in context.customer.values_mut() {
            if let serde_json::Value::String(text) = value {
                *text = self.mask_owned(text);
            }
        }
        masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(kinds: &[&str]) -> Redactor {
        let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
        Redactor::new(&kinds, &[]).expect("valid kinds")
    }

    #[test]
    fn the_default_masks_cards_and_ibans_only() {
        let text = "card 4111 1111 1111 1111, iban GB82 WEST 1234 5698 7654 32, \
                    mail ana@example.com, phone +44 20 7946 0958, order 100234 on 2026-11-29";
        assert_eq!(
            Redactor::default().mask(text),
            "card [card ending 1111], iban [IBAN redacted], \
             mail ana@example.com, phone +44 20 7946 0958, order 100234 on 2026-11-29"
        );
        assert_eq!(
            redactor(&["card", "iban", "phone", "email"]).mask(text),
            "card [card ending 1111], iban [IBAN redacted], \
             mail [email redacted], phone [phone redacted], order 100234 on 2026-11-29"
        );
    }

    #[test]
    fn custom_patterns_mask_and_text_without_matches_is_borrowed() {
        let custom = redactor(&["custom:ORD-[0-9]{4}-SECRET"]);
        assert_eq!(custom.mask("ref ORD-1234-SECRET ok"), "ref [redacted] ok");
        assert!(matches!(
            Redactor::default().mask("order 100234"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn overlapping_matches_mask_once() {
        let both = redactor(&["card", "custom:1111 1111"]);
        assert_eq!(both.mask("4111 1111 1111 1111!"), "[card ending 1111]!");
    }

    #[test]
    fn bad_kinds_name_their_entry() {
        let kinds = vec!["card".to_string(), "passport".to_string()];
        let (index, error) = Redactor::new(&kinds, &[]).expect_err("unknown kind");
        assert_eq!(index, 1);
        assert!(error.to_string().contains("passport"), "{error}");
        let kinds = vec!["custom:([a-z".to_string()];
        let (index, error) = Redactor::new(&kinds, &[]).expect_err("bad regex");
        assert_eq!(index, 0);
        assert!(error.to_string().contains("regular expression"), "{error}");
    }
}
