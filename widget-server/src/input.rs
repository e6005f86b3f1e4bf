//! Customer input parsed into types at the door: text, customer fields, page URL, locale,
//! name, e-mail.
//!
//! Each parser documents what it accepts; anything else is a 4xx naming the field. No
//! string that reaches the store may hold a [forbidden](forbidden) code point: PostgreSQL
//! refuses NUL in text, and one refused row must never get as far as a batch of other
//! customers' questions (see [`crate::recorder`]).

use frontline_shared::config::Limits;
use frontline_shared::email::Email;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// True for a code point no stored string may hold: a control character (U+0000–U+001F,
/// U+007F–U+009F; NUL is refused by PostgreSQL) or a Unicode noncharacter (U+FDD0–U+FDEF
/// and the last two code points of every plane: U+FFFE, U+FFFF, U+1FFFE, …, U+10FFFF).
/// (Lone surrogates cannot occur: JSON bodies that encode one are refused as invalid JSON.)
pub fn forbidden(c: char) -> bool {
    let n = u32::from(c);
    c.is_control() || (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// The first forbidden code point of `raw` other than those `allowed`, as `U+XXXX`.
fn first_forbidden(raw: &str, allowed: &[char]) -> Option<String> {
    raw.chars()
        .find(|c| forbidden(*c) && !allowed.contains(c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

/// A question or message: trimmed, non-empty, at most `limits.text_chars` characters,
/// control characters other than newlines and tabs removed; a noncharacter is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &'static str, raw: &str, limits: &Limits) -> Result<Text, ApiError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        let trimmed = cleaned.trim();
        if let Some(bad) = first_forbidden(trimmed, &['\n', '\t']) {
            return Err(ApiError::Unprocessable {
                code: "invalid_text",
                message: format!("`{field}` must not contain {bad} (a noncharacter)"),
            });
        }
        if trimmed.is_empty() {
            return Err(ApiError::Unprocessable {
                code: "empty_text",
                message: format!("`{field}` must not be empty"),
            });
        }
        if trimmed.chars().count() > limits.text_chars {
            return Err(ApiError::Unprocessable {
                code: "text_too_long",
                message: format!("`{field}` is longer than {} characters", limits.text_chars),
            });
        }
        Ok(Text(trimmed.to_string()))
    }

    /// Like [`Text::parse`] but `None` or blank means absent.
    pub fn parse_optional(
        field: &'static str,
        raw: Option<&str>,
        limits: &Limits,
    ) -> Result<Option<Text>, ApiError> {
        match raw {
            Some(raw) if !raw.trim().is_empty() => Text::parse(field, raw, limits).map(Some),
            _ => Ok(None),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Details a merchant passes about the customer: at most `limits.customer_fields`
/// entries, keys up to 64 characters, values strings (≤ 500 characters), numbers or
/// booleans. Keys hold no [forbidden] code point; string values none but newlines and
/// tabs.
pub fn customer_fields(
    raw: Option<Map<String, Value>>,
    limits: &Limits,
) -> Result<Map<String, Value>, ApiError> {
    let raw = raw.unwrap_or_default();
    let invalid = |message: String| ApiError::Unprocessable {
        code: "invalid_customer",
        message,
    };
    if raw.len() > limits.customer_fields {
        return Err(invalid(format!(
            "`customer` has more than {} fields",
            limits.customer_fields
        )));
    }
    for (key, value) in &raw {
        if key.is_empty() || key.chars().count() > 64 {
            return Err(invalid("`customer` keys must be 1-64 characters".into()));
        }
        if let Some(bad) = first_forbidden(key, &[]) {
            return Err(invalid(format!(
                "`customer` keys must not contain {bad} (a control character or noncharacter)"
            )));
        }
        if let Value::String(s) = value {
            if let Some(bad) = first_forbidden(s, &['\n', '\r', '\t']) {
                return Err(invalid(format!(
                    "`customer.{key}` must not contain {bad} (a control character or noncharacter)"
                )));
            }
        }
        let ok = match value {
            Value::String(s) => s.chars().count() <= 500,
            Value::Number(_) | Value::Bool(_) | Value::Null => true,
            _ => false,
        };
        if !ok {
            return Err(invalid(format!(
                "`customer.{key}` must be a string of at most 500 characters, a number or a boolean"
            )));
        }
    }
    Ok(raw)
}

/// A page URL: `http(s)://…`, at most 2,048 characters.
pub fn page_url(raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw {
        None => Ok(None),
        Some(url) if url.is_empty() => Ok(None),
        Some(url) => {
            let ok = url.len() <= 2048
                && (url.starts_with("https://") || url.starts_with("http://"))
                && !url.chars().any(forbidden);
            if ok {
                Ok(Some(url))
            } else {
                Err(ApiError::Unprocessable {
                    code: "invalid_page_url",
                    message: "`page_url` must be an http(s) URL of at most 2048 characters, \
                              without control characters or noncharacters"
                        .into(),
                })
            }
        }
    }
}

/// A short display name: trimmed, at most 200 characters, no [forbidden] code point.
pub fn name(raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 200 || n.chars().any(forbidden) => {
            Err(ApiError::Unprocessable {
                code: "invalid_name",
                message: "`name` must be at most 200 characters, without control characters \
                          or noncharacters"
                    .into(),
            })
        }
        other => Ok(other),
    }
}

/// The widget's language: blank means absent; otherwise 1-16 characters of ASCII letters,
/// digits, `-` and `_` (a BCP 47 tag such as `en` or `de-CH`).
pub fn locale(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(locale) = raw.map(|l| l.trim().to_string()).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let ok = locale.len() <= 16
        && locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(Some(locale))
    } else {
        Err(ApiError::Unprocessable {
            code: "invalid_locale",
            message: "`locale` must be a language tag of 1-16 ASCII letters, digits, `-` or `_`"
                .into(),
        })
    }
}

/// A customer's e-mail address ([`Email::parse`]), also without noncharacters; a bad one
/// is a 400 `invalid_email`, as it always was.
pub fn email(raw: &str) -> Result<Email, ApiError> {
    let invalid = |message: String| ApiError::bad_request("invalid_email", message);
    if let Some(bad) = first_forbidden(raw.trim(), &[]) {
        return Err(invalid(format!(
            "`email` must not contain {bad} (a control character or noncharacter)"
        )));
    }
    Email::parse(raw).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let limits = Limits {
            text_chars: 5,
            ..Limits::default()
        };
        assert_eq!(
            Text::parse("text", "  hi\u{0}\n ", &limits)
                .map(Text::into_string)
                .ok(),
            Some("hi".into())
        );
        assert!(Text::parse("text", "   ", &limits).is_err());
        assert!(Text::parse("text", "toolong", &limits).is_err());
        assert!(
            Text::parse("text", "ééééé", &limits).is_ok(),
            "counts characters, not bytes"
        );
    }

    #[test]
    fn customer_fields_refuse_nested_values() {
        let limits = Limits::default();
        let nested: Map<String, Value> = serde_json::from_str(r#"{"a": {"b": 1}}"#).expect("json");
        assert!(customer_fields(Some(nested), &limits).is_err());
        let flat: Map<String, Value> =
            serde_json::from_str(r#"{"plan": "gold", "orders": 3}"#).expect("json");
        assert_eq!(
            customer_fields(Some(flat), &limits).map(|m| m.len()).ok(),
            Some(2)
        );
    }

    #[test]
    fn forbidden_code_points_are_controls_and_noncharacters() {
        for bad in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{fdd0}', '\u{fdef}', '\u{fffe}',
        ] {
            assert!(forbidden(bad), "{bad:?}");
        }
        for bad in ['\u{ffff}', '\u{1fffe}', '\u{10ffff}'] {
            assert!(forbidden(bad), "{bad:?}");
        }
        for good in [
            'a',
            'é',
            '\u{fdcf}',
            '\u{fdf0}',
            '\u{fffd}',
            '\u{1f600}',
            '\u{202e}',
        ] {
            assert!(!forbidden(good), "{good:?}");
        }
    }

    fn refused_naming(result: Result<impl std::fmt::Debug, ApiError>, field: &str) {
        match result {
            Err(error @ (ApiError::Unprocessable { .. } | ApiError::BadRequest { .. })) => {
                assert!(error.to_string().contains(field), "{error} names {field}")
            }
            other => panic!("{field}: expected a 4xx, got {other:?}"),
        }
    }

    #[test]
    fn every_field_refuses_nul_and_noncharacters_naming_itself() {
        let limits = Limits::default();
        for bad in ["\u{0}", "\u{fffe}", "\u{1}", "\u{10ffff}"] {
            refused_naming(locale(Some(format!("en{bad}"))), "`locale`");
            refused_naming(
                page_url(Some(format!("https://x.example/{bad}"))),
                "`page_url`",
            );
            refused_naming(name(Some(format!("Ana{bad}"))), "`name`");
            refused_naming(email(&format!("ana{bad}@x.example")), "`email`");
            let key: Map<String, Value> = Map::from_iter([(format!("k{bad}"), Value::Bool(true))]);
            refused_naming(customer_fields(Some(key), &limits), "`customer`");
            let value: Map<String, Value> =
                Map::from_iter([("plan".to_string(), Value::String(format!("gold{bad}")))]);
            refused_naming(customer_fields(Some(value), &limits), "`customer.plan`");
        }
        refused_naming(Text::parse("text", "hi \u{fffe}", &limits), "`text`");
        refused_naming(Text::parse("message", "hi \u{fdd0}", &limits), "`message`");
        // Newlines stay allowed where people write them.
        let multi_line: Map<String, Value> =
            Map::from_iter([("note".to_string(), Value::String("a\nb".into()))]);
        assert!(customer_fields(Some(multi_line), &limits).is_ok());
        assert!(email(" ana@x.example\n").is_ok(), "trimmed, as before");
    }

    #[test]
    fn locales_are_language_tags() {
        assert_eq!(
            locale(Some("de-CH".into())).ok().flatten().as_deref(),
            Some("de-CH")
        );
        assert_eq!(locale(Some("  ".into())).ok(), Some(None));
        assert_eq!(locale(None).ok(), Some(None));
        refused_naming(locale(Some("x".repeat(17))), "`locale`");
        refused_naming(locale(Some("en;q=1".into())), "`locale`");
    }

    #[test]
    fn page_urls_must_be_http() {
        assert!(page_url(Some("javascript:alert(1)".into())).is_err());
        assert_eq!(
            page_url(Some("https://shop.example/p".into()))
                .ok()
                .flatten()
                .as_deref(),
            Some("https://shop.example/p")
        );
    }
}
