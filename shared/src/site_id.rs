//! `SiteId`: the short name of a storefront in routes and configuration.

use std::fmt;

/// A validated site id: 1–64 characters of `a-z`, `0-9`, `-` and `_`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct SiteId(String);

impl SiteId {
    pub fn parse(raw: &str) -> Result<SiteId, String> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(SiteId(raw.to_string()))
        } else {
            Err(format!(
                "{raw:?} is not a site id (1-64 characters of a-z, 0-9, '-' and '_')"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SiteId {
    type Error = String;

    fn try_from(raw: String) -> Result<SiteId, String> {
        SiteId::parse(&raw)
    }
}

impl From<SiteId> for String {
    fn from(site: SiteId) -> String {
        site.0
    }
}

/// Read access as text (a `&SiteId` goes where a `&str` is taken); building one always
/// goes through [`SiteId::parse`].
impl std::ops::Deref for SiteId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by `SiteId` can be looked up with a `&str` (same hash and equality).
impl std::borrow::Borrow<str> for SiteId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SiteId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for SiteId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SiteId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SiteId;

    #[test]
    fn accepts_slugs_and_refuses_the_rest() {
        assert!(SiteId::parse("demo-shop_2").is_ok());
        for bad in ["", "Demo", "a/b", "é", &"x".repeat(65)] {
            assert!(SiteId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
