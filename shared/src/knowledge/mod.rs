//! The knowledge base: a folder of Markdown articles with TOML front matter, indexed in
//! tantivy for retrieval and as-you-type suggestions.
//!
//! An article file looks like this (the `+++` block is the front matter):
//!
//! ```markdown
//! +++
//! id = "return-policy"
//! title = "Our return policy"
//! url = "https://shop.example/help/returns"
//! tags = ["returns"]
//! intents = ["start_return"]   # optional: intents this article answers
//! locale = "en"                # optional, default "en"
//! questions = ["can I send it back"]  # optional: extra phrasings for the matcher
//! draft = true                 # optional: a stub that is not served yet
//! +++
//! # Returns
//! You can return anything within 30 days…
//! ```
//!
//! # Layout
//! - [`article`]: parsing one file (front matter + Markdown → text, headings, safe HTML).
//! - [`index`]: the tantivy index with field boosts.
//! - [`snippet`]: highlighted snippets from bodies analyzed once at build time.
//! - [`base`]: a loaded folder: articles by id plus their index, built in one go so a
//!   reload swaps a complete value and readers never see a half-built index.

pub mod article;
pub mod base;
pub mod index;
pub mod snippet;

pub use article::Article;
pub use base::{ArticleHit, KnowledgeBase};

use std::path::PathBuf;

/// Why a knowledge base could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("cannot read {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    FrontMatter {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: article id {id:?} is already used by {other}")]
    DuplicateId {
        path: PathBuf,
        id: String,
        other: PathBuf,
    },
    #[error("cannot build the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
