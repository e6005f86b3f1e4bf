//! # frontline-import
//!
//! Brings a help center into a Frontline knowledge folder: articles from Zendesk,
//! Intercom, Help Scout, Freshdesk (their APIs, or a saved export) or a CSV file become
//! Markdown files with the front matter the knowledge loader reads
//! ([`FrontMatter`](frontline_matcher::knowledge::FrontMatter)). A running widget server
//! picks them up with its hot reload. Runs repeat safely: ids are stable, edited files
//! are protected, articles gone at the source are reported (and removed with `--prune`).
//!
//! # Layout
//! - [`cli`]: the `frontline-import` command line and [`cli::run`] (what `main` calls).
//! - [`sources`]: one module per source, API and export → [`fetched::Fetched`].
//! - [`http`]: the API client (auth, pages, `429` + `Retry-After`).
//! - [`convert`]: HTML → Markdown and links between imported articles.
//! - [`folder`]: the repeatable write into the knowledge folder, with its manifest.
//! - [`report`]: the counts printed at the end.

pub mod cli;
pub mod convert;
pub mod error;
pub mod fetched;
pub mod folder;
pub mod http;
pub mod report;
pub mod sources;

pub use error::ImportError;
pub use report::Report;
