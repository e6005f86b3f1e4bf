//! Privacy: what Frontline hides of what customers write.
//!
//! [`Redactor`] masks card numbers (Luhn), IBANs (mod-97), phone numbers (configured
//! formats), e-mail addresses and custom patterns in text Frontline copies elsewhere:
//! chat posts, logs, webhooks. The customer's own view is never masked.
//!
//! # Layout
//! - [`redactor`]: the configured set of detectors and the masking itself.
//! - [`card`], [`iban`], [`phone`]: the detectors with checksums.
//! - [`export_archive`]: the customer export as one zip (the JSON and the files).
//! - [`retention`]: the `keep_conversations` purge, run once per hour across replicas.

pub mod card;
pub mod export_archive;
pub mod iban;
pub mod phone;
pub mod redactor;
pub mod retention;

pub use redactor::{RedactionError, Redactor};
