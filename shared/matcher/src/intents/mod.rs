//! Intents: what customers commonly want, with example phrasings, an answer template and
//! routing facts, read from a TOML file.
//!
//! ```toml
//! [[intents]]
//! name = "order_status"
//! title = "Where is my order?"
//! examples = ["where is my order", "has my package shipped", "track my parcel"]
//! answer = "You can track your order from **My account → Orders**{{#if customer.name}}, {{customer.name}}{{/if}}."
//! articles = ["tracking-your-order"]   # optional linked articles
//! priority = "normal"                  # low | normal | high | urgent (used on handoff)
//! tags = ["orders"]                    # routing tags
//!
//! [[intents]]
//! name = "legal_request"
//! examples = ["I'm contacting my lawyer", "GDPR data request"]
//! handoff = true                       # always goes to a person
//! answer = "I'm passing this to a person on our team."  # optional: what the customer is told
//! priority = "high"
//!
//! [out_of_scope]                       # optional: phrasings that are not ours
//! examples = ["what's the weather tomorrow"]
//! ```

use handlebars::Handlebars;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use frontline_shared::escalation::Priority;

/// Why an intents file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IntentsError {
    #[error("cannot read {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// One intent.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    pub name: String,
    /// Shown to customers (cards, suggestions); defaults to the name.
    #[serde(default)]
    pub title: String,
    pub examples: Vec<String>,
    /// Handlebars template rendered with `{customer, site, page_url}`; Markdown allowed.
    /// For a `handoff = true` intent: what the customer is told while a person is fetched
    /// (without it, the widget's own "getting a person" line).
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub articles: Vec<String>,
    /// Always hand off to a person (refund disputes, legal, an angry customer).
    #[serde(default)]
    pub handoff: bool,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The title and answer in other languages, by ISO 639-1 code
    /// (`[intents.translations.de]`): a customer who writes in one of them is answered
    /// in it (see [`language`](crate::language)).
    #[serde(default)]
    pub translations: std::collections::BTreeMap<String, IntentTranslation>,
}

/// An intent's title and answer in another language.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntentTranslation {
    /// Defaults to the intent's own title.
    #[serde(default)]
    pub title: String,
    /// Handlebars template, as the intent's `answer`.
    pub answer: String,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
struct OutOfScope {
    #[serde(default)]
    examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentsFile {
    #[serde(default)]
    intents: Vec<Intent>,
    #[serde(default)]
    out_of_scope: OutOfScope,
}

/// A validated set of intents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntentSet {
    pub intents: Vec<Intent>,
    /// Example phrasings that must be handed off as out of scope.
    pub out_of_scope: Vec<String>,
}

impl IntentSet {
    pub fn load(path: &Path) -> Result<IntentSet, IntentsError> {
        let text = std::fs::read_to_string(path).map_err(|cause| IntentsError::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse(path, &text)
    }

    /// Parses and validates; every error names the file and a line.
    pub fn parse(path: &Path, text: &str) -> Result<IntentSet, IntentsError> {
        let invalid = |line: usize, message: String| IntentsError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file: IntentsFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            invalid(line, e.message().to_string())
        })?;
        let mut names = HashSet::new();
        let mut intents = file.intents;
        for intent in &mut intents {
            let line = find_line(text, &format!("\"{}\"", intent.name));
            if intent.name.trim().is_empty() {
                return Err(invalid(line, "an intent has an empty `name`".into()));
            }
            if !names.insert(intent.name.clone()) {
                return Err(invalid(
                    line,
                    format!("intent {:?} is defined twice", intent.name),
                ));
            }
            intent.examples.retain(|e| !e.trim().is_empty());
            if intent.examples.is_empty() {
                return Err(invalid(
                    line,
                    format!("intent {:?} needs at least one example", intent.name),
                ));
            }
            if intent.answer.is_none() && intent.articles.is_empty() && !intent.handoff {
                return Err(invalid(
                    line,
                    format!(
                        "intent {:?} needs an `answer`, linked `articles` or `handoff = true`",
                        intent.name
                    ),
                ));
            }
            if let Some(answer) = &intent.answer {
                Handlebars::new()
                    .register_template_string("check", answer)
                    .map_err(|e| {
                        invalid(
                            line,
                            format!("intent {:?}: bad answer template: {e}", intent.name),
                        )
                    })?;
            }
            if intent.title.trim().is_empty() {
                intent.title = intent.name.replace('_', " ");
            }
        }
        Ok(IntentSet {
            intents,
            out_of_scope: file.out_of_scope.examples,
        })
    }

    pub fn intent(&self, name: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.name == name)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn find_line(text: &str, needle: &str) -> usize {
    text.find(needle).map(|at| line_of(text, at)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_intents_with_defaults() {
        let text = "[[intents]]\nname = \"order_status\"\nexamples = [\"where is my order\"]\nanswer = \"Track it in your account.\"\n\n[[intents]]\nname = \"legal\"\nexamples = [\"my lawyer\"]\nhandoff = true\npriority = \"high\"\n[out_of_scope]\nexamples = [\"weather\"]\n";
        let set = IntentSet::parse(Path::new("intents.toml"), text).expect("valid");
        assert_eq!(set.intents.len(), 2);
        assert_eq!(set.intents[0].title, "order status");
        assert_eq!(set.intents[0].priority, Priority::Normal);
        assert!(set.intents[1].handoff);
        assert_eq!(set.out_of_scope, ["weather"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("[[intents]]\nname = \"a\"\nexamples = [\"x\"]\npriority = \"soon\"\n", "intents.toml:4:"),
            ("[[intents]]\nname = \"a\"\nexamples = []\nanswer = \"x\"\n", "at least one example"),
            ("[[intents]]\nname = \"a\"\nexamples = [\"x\"]\n", "needs an `answer`"),
            ("[[intents]]\nname = \"a\"\nexamples = [\"x\"]\nanswer = \"{{#if}}\"\n", "bad answer template"),
            ("[[intents]]\nname = \"a\"\nexamples = [\"x\"]\nanswer = \"y\"\n[[intents]]\nname = \"a\"\nexamples = [\"x\"]\nanswer = \"y\"\n", "defined twice"),
        ];
        for (text, needle) in cases {
            let err = IntentSet::parse(Path::new("intents.toml"), text).expect_err(needle);
            assert!(
                err.to_string().contains(needle),
                "{err} should contain {needle}"
            );
        }
    }
}
