//! Customer input parsed into types at the door: text, customer fields, page URL.
//!
//! Each parser documents what it accepts; anything else is a 4xx naming the field.

use frontline_shared::config::Limits;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A question or message: trimmed, non-empty, at most `limits.text_chars` characters,
/// control characters other than newlines and tabs removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &'static str, raw: &str, limits: &Limits) -> Result<Text, ApiError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        let trimmed = cleaned.trim();
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
/// booleans.
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
                && !url.chars().any(char::is_control);
            if ok {
                Ok(Some(url))
            } else {
                Err(ApiError::Unprocessable {
                    code: "invalid_page_url",
                    message: "`page_url` must be an http(s) URL of at most 2048 characters".into(),
                })
            }
        }
    }
}

/// A short display name: trimmed, at most 200 characters.
pub fn name(raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 200 || n.chars().any(char::is_control) => {
            Err(ApiError::Unprocessable {
                code: "invalid_name",
                message: "`name` must be at most 200 characters".into(),
            })
        }
        other => Ok(other),
    }
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
