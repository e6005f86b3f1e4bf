//! `Email`: a customer's address, checked enough to reach a person.

use std::fmt;

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let raw = raw.trim();
        let invalid = || format!("{raw:?} is not a valid e-mail address");
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn parses_addresses() {
        assert_eq!(
            Email::parse(" ana@shop.example ").map(|e| e.to_string()),
            Ok("ana@shop.example".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@shop.com",
            "ana@shop",
            "a b@shop.com",
            "ana@@shop.com",
            "ana@shop..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }
}
