//! Phone numbers in configured formats (`[privacy] phone_formats`).
//!
//! A format is either `international` (a `+`, then 8–15 digits in groups joined by single
//! spaces, dashes or dots, any group possibly in parentheses, as E.164 numbers are
//! usually written) or a pattern where `#` is one digit, a space is an optional single
//! space, dash or dot, and any other character stands for itself, e.g. `(###) ### ####`
//! (US, also matching `(415) 555-0100`) or `0## #### ####` (UK London).
//! A match must not touch other digits or letters, so longer numbers are never cut.

use regex::Regex;

/// The formats used when `phone_formats` is not set.
pub const DEFAULT_FORMATS: &[&str] = &["international", "(###) ### ####", "###-###-####"];

const INTERNATIONAL: &str = r"\+\(?\d{1,4}\)?(?:[ .\-]?\(?\d{1,4}\)?){2,6}";

/// Why a phone format could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{format:?} is not a phone format: {reason}")]
pub struct FormatError {
    pub format: String,
    pub reason: String,
}

/// One regular expression for every configured format.
pub fn compile(formats: &[String]) -> Result<Regex, FormatError> {
    let mut parts = Vec::new();
    for format in formats {
        if format == "international" {
            parts.push(INTERNATIONAL.to_string());
            continue;
        }
        if !format.contains('#') {
            return Err(FormatError {
                format: format.clone(),
                reason: "expected `international` or a pattern with `#` for each digit".into(),
            });
        }
        let pattern: String = format
            .chars()
            .map(|c| match c {
                '#' => r"\d".to_string(),
                ' ' => r"[ .\-]?".to_string(),
                other => regex::escape(&other.to_string()),
            })
            .collect();
        parts.push(pattern);
    }
    Regex::new(&format!("(?:{})", parts.join(")|(?:"))).map_err(|e| FormatError {
        format: formats.join(", "),
        reason: e.to_string(),
    })
}

/// Whether a match at `range` stands alone: no digit or letter right before or after, and
/// (for `international`) between 8 and 15 digits.
pub fn stands_alone(text: &str, range: &std::ops::Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let before = range.start.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(range.end).copied();
    let touching = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    let digits = text[range.clone()]
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    let international = text[range.clone()].starts_with('+');
    !touching(before) && !touching(after) && (!international || (8..=15).contains(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(formats: &[&str], text: &str) -> Vec<String> {
        let formats: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
        let regex = compile(&formats).expect("valid formats");
        regex
            .find_iter(text)
            .map(|m| m.range())
            .filter(|r| stands_alone(text, r))
            .map(|r| text[r].to_string())
            .collect()
    }

    #[test]
    fn the_default_formats_find_international_and_us_numbers() {
        let defaults = DEFAULT_FORMATS;
        assert_eq!(
            found(defaults, "call +44 20 7946 0958 or +1 (415) 555-0100"),
            ["+44 20 7946 0958", "+1 (415) 555-0100"]
        );
        assert_eq!(found(defaults, "at (415) 555-0100."), ["(415) 555-0100"]);
        assert_eq!(found(defaults, "at 415-555-0100"), ["415-555-0100"]);
    }

    #[test]
    fn ordinary_numbers_stay_visible() {
        for text in [
            "order 100234",
            "on 2026-11-29",
            "order 4155550100123",
            "version +1.2",
        ] {
            assert!(found(DEFAULT_FORMATS, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn patterns_are_configurable_and_bad_ones_are_refused() {
        assert_eq!(
            found(&["0## #### ####"], "ring 020 7946 0958 today"),
            ["020 7946 0958"]
        );
        assert!(compile(&["+49".to_string()]).is_err());
    }
}
