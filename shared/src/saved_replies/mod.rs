//! Saved (canned) replies: answers agents send again and again, written once by an admin
//! as Markdown + handlebars and rendered with the customer's context exactly as an
//! intent's answer is ([`crate::templates::render_answer`]). A reply is global or for one
//! site.
//!
//! # Layout
//! - this module: [`SavedReply`], the input rules ([`SavedReplyInput::parse`]) and errors.
//! - [`manage`]: create, change, delete (admins), each recorded in the audit log.
//! - [`send`]: render one for an escalation and send it through the one Reply use case
//!   ([`crate::agent_action::apply`]), so the customer, the transcript, the chat threads
//!   and the audit log see it as any reply, marked with the saved reply's name.
//!
//! The rows live in [`crate::store::saved_replies`].

pub mod manage;
pub mod send;

use serde::Serialize;

use crate::site_id::SiteId;
use crate::templates::check_answer_template;

/// Longest name, in characters.
pub const NAME_MAX_CHARS: usize = 80;
/// Longest template, in characters.
pub const BODY_MAX_CHARS: usize = 4000;

/// A saved reply as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedReply {
    pub id: String,
    /// What agents pick it by (`Refund policy`).
    pub name: String,
    /// The site it is for; `None`: every site.
    pub site_id: Option<SiteId>,
    /// The template: Markdown with `{{customer.name}}`, `{{site}}`, `{{page_url}}`.
    pub body: String,
    pub updated_at_ms: i64,
    /// Display name of who wrote the current version.
    pub updated_by: String,
}

impl SavedReply {
    /// The name as looked up (lower case, spaces folded).
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// A saved reply as an admin writes it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedReplyInput {
    pub name: String,
    pub site_id: Option<SiteId>,
    pub body: String,
}

/// Which field of a saved reply is not valid, and why (the message names the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavedReplyInputError {
    #[error("`name` must be 1 to {NAME_MAX_CHARS} characters on one line")]
    Name,
    #[error("`site`: {0}")]
    Site(String),
    #[error("`body` must be 1 to {BODY_MAX_CHARS} characters")]
    BodyLength,
    #[error("`body` is not a valid template: {0}")]
    BodyTemplate(String),
}

impl SavedReplyInput {
    /// Grammar: `name` 1–80 characters without line breaks (trimmed); `site` empty or a
    /// site id; `body` 1–4000 characters that compile as a handlebars template.
    pub fn parse(
        name: &str,
        site: Option<&str>,
        body: &str,
    ) -> Result<SavedReplyInput, SavedReplyInputError> {
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(SavedReplyInputError::Name);
        }
        let site_id = match site.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(SiteId::parse(raw).map_err(SavedReplyInputError::Site)?),
        };
        let body = body.trim();
        let chars = body.chars().count();
        if chars == 0 || chars > BODY_MAX_CHARS {
            return Err(SavedReplyInputError::BodyLength);
        }
        check_answer_template(body).map_err(SavedReplyInputError::BodyTemplate)?;
        Ok(SavedReplyInput {
            name: name.to_string(),
            site_id,
            body: body.to_string(),
        })
    }

    /// The name as looked up (lower case, spaces folded).
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// `Refund  Policy` → `refund policy`.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Why a saved-reply use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SavedReplyError {
    #[error(transparent)]
    Input(#[from] SavedReplyInputError),
    #[error("a saved reply with this name exists for this site")]
    NameTaken,
    #[error("no such saved reply")]
    NotFound,
    #[error("saved reply {name:?} is for site {site}, not this escalation's")]
    OtherSite { name: String, site: SiteId },
    #[error("saved reply {name:?} could not be rendered: {message}")]
    Render { name: String, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The replies of `replies` whose name contains `query` (any case), those starting with it
/// first, then by name; at most `limit`.
pub fn search<'a>(replies: &'a [SavedReply], query: &str, limit: usize) -> Vec<&'a SavedReply> {
    let query = name_key(query);
    let mut hits: Vec<(bool, &SavedReply)> = replies
        .iter()
        .filter_map(|r| {
            let key = r.name_key();
            key.contains(&query).then(|| (!key.starts_with(&query), r))
        })
        .collect();
    hits.sort_by_key(|(later, r)| (*later, r.name_key()));
    hits.into_iter().take(limit).map(|(_, r)| r).collect()
}

/// The reply named `name` (any case) for `site`: the site's own before a global one.
pub fn named<'a>(replies: &'a [SavedReply], name: &str, site: &SiteId) -> Option<&'a SavedReply> {
    let key = name_key(name);
    let mut matching = replies
        .iter()
        .filter(|r| r.name_key() == key)
        .filter(|r| r.site_id.as_ref().is_none_or(|s| s == site));
    let first = matching.next()?;
    Some(if first.site_id.is_some() {
        first
    } else {
        matching.next().unwrap_or(first)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(name: &str, site: Option<&str>) -> SavedReply {
        SavedReply {
            id: name.into(),
            name: name.into(),
            site_id: site.map(|s| SiteId::parse(s).expect("site")),
            body: "x".into(),
            updated_at_ms: 0,
            updated_by: "Ana".into(),
        }
    }

    #[test]
    fn input_is_refused_naming_the_field() {
        let error = |n: &str, s: Option<&str>, b: &str| {
            SavedReplyInput::parse(n, s, b)
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            error(" ", None, "x"),
            "`name` must be 1 to 80 characters on one line"
        );
        assert_eq!(
            error("a\nb", None, "x"),
            "`name` must be 1 to 80 characters on one line"
        );
        assert!(error("Refunds", Some("Shop!"), "x").starts_with("`site`: "));
        assert_eq!(
            error("Refunds", None, ""),
            "`body` must be 1 to 4000 characters"
        );
        assert!(error("Refunds", None, "{{#if customer.name}}Hi")
            .starts_with("`body` is not a valid template: "));
        let ok = SavedReplyInput::parse(" Refund  policy ", Some(""), " Hi {{customer.name}} ")
            .expect("valid");
        assert_eq!(
            (ok.name.as_str(), ok.site_id.clone(), ok.body.as_str()),
            ("Refund  policy", None, "Hi {{customer.name}}")
        );
        assert_eq!(ok.name_key(), "refund policy");
    }

    #[test]
    fn search_puts_names_starting_with_the_query_first_and_named_prefers_the_sites_own() {
        let replies = vec![
            reply("Late refund", None),
            reply("Refund policy", None),
            reply("Refund policy", Some("shop")),
            reply("Shipping times", None),
        ];
        let names: Vec<_> = search(&replies, "REF", 10)
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["Refund policy", "Refund policy", "Late refund"]);
        let shop = SiteId::parse("shop").expect("site");
        let other = SiteId::parse("other").expect("site");
        assert_eq!(
            named(&replies, "refund POLICY", &shop).and_then(|r| r.site_id.clone()),
            Some(shop.clone())
        );
        assert_eq!(
            named(&replies, "refund policy", &other).map(|r| r.site_id.clone()),
            Some(None)
        );
        assert!(named(&replies, "refund", &shop).is_none());
    }
}
