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
//! translation_of = "returns"    # optional: this is that article in `locale`
//! questions = ["can I send it back"]  # optional: extra phrasings for the matcher
//! draft = true                 # optional: a stub that is not served yet
//! +++
//! # Returns
//! You can return anything within 30 days…
//! ```
//!
//! # Layout
//! - [`analysis`]: text analysis in each article's language (stop words, stemmer).
//! - [`article`]: parsing one file (front matter + Markdown → text, headings, safe HTML).
//! - [`index`]: the tantivy index with field boosts.
//! - [`snippet`]: highlighted snippets from bodies analyzed once at build time.
//! - [`base`]: a loaded folder: articles by id plus their index, built in one go so a
//!   reload swaps a complete value and readers never see a half-built index. A file that
//!   does not parse is skipped and listed as a [`FileProblem`]; the rest still loads.
//! - [`draft`]: the stub written for a knowledge gap, customer text kept as text.

pub(crate) mod analysis;
pub mod article;
pub mod base;
pub mod draft;
pub mod index;
pub mod snippet;
pub mod vectors;

pub use article::{Article, FrontMatter};
pub use base::{ArticleHit, KnowledgeBase};

use std::path::{Path, PathBuf};

/// A file the knowledge base skipped, and why (the rest of the folder still loads).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileProblem {
    pub path: PathBuf,
    /// 1-based line in the file, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl FileProblem {
    pub fn new(path: &Path, line: Option<usize>, message: String) -> FileProblem {
        FileProblem {
            path: path.to_path_buf(),
            line,
            message,
        }
    }
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

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
