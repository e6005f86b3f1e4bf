//! The end-of-run report: what changed, what was skipped and why, and what needs a look.

use crate::fetched::Malformed;
use std::fmt;

/// Why an article was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A draft or unpublished article (imported with `--include-drafts`).
    Draft,
    /// Internal or restricted at the source (imported with `--include-drafts`).
    Internal,
    /// The file changed since the last import (overwritten with `--force`).
    LocallyEdited,
    /// A file with this id exists but was not written by an import (`--force` replaces it).
    NotImported,
    /// The body has no text.
    Empty,
    /// The source listed the same article and locale twice; the first one was used.
    Duplicate,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Draft => "draft or unpublished (--include-drafts imports it)",
            SkipReason::Internal => "internal or restricted (--include-drafts imports it)",
            SkipReason::LocallyEdited => "edited since the last import (--force overwrites it)",
            SkipReason::NotImported => {
                "a file with this id was not written by an import (--force replaces it)"
            }
            SkipReason::Empty => "empty body",
            SkipReason::Duplicate => "listed twice by the source",
        })
    }
}

/// An article imported before that the source no longer has (or no longer publishes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    pub id: String,
    /// Removed (`--prune`); otherwise left in place.
    pub removed: bool,
    /// Left in place although `--prune` was given: the file was edited locally.
    pub kept_edited: bool,
}

/// Counts and names of one import run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub source: String,
    pub new: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// `(id, reason)`.
    pub skipped: Vec<(String, SkipReason)>,
    pub malformed: Vec<Malformed>,
    pub gone: Vec<Gone>,
    /// Written, but longer than [`TOO_LONG_CHARS`](crate::folder::TOO_LONG_CHARS).
    pub too_long: Vec<String>,
    /// Written articles that no intent links and that carry no `questions`.
    pub unreferenced: Vec<String>,
}

impl Report {
    pub fn skipped_for(&self, reason: &SkipReason) -> usize {
        self.skipped.iter().filter(|(_, r)| r == reason).count()
    }
}

const LISTED: usize = 20;

fn list(f: &mut fmt::Formatter<'_>, ids: &[String]) -> fmt::Result {
    for id in ids.iter().take(LISTED) {
        writeln!(f, "    {id}")?;
    }
    if ids.len() > LISTED {
        writeln!(f, "    … and {} more", ids.len() - LISTED)?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "import from {}:", self.source)?;
        writeln!(f, "  new: {}", self.new.len())?;
        writeln!(f, "  updated: {}", self.updated.len())?;
        writeln!(f, "  unchanged: {}", self.unchanged.len())?;
        writeln!(f, "  skipped: {}", self.skipped.len())?;
        for reason in [
            SkipReason::Draft,
            SkipReason::Internal,
            SkipReason::LocallyEdited,
            SkipReason::NotImported,
            SkipReason::Empty,
            SkipReason::Duplicate,
        ] {
            let ids: Vec<String> = self
                .skipped
                .iter()
                .filter(|(_, r)| *r == reason)
                .map(|(id, _)| id.clone())
                .collect();
            if !ids.is_empty() {
                writeln!(f, "   {} {reason}:", ids.len())?;
                list(f, &ids)?;
            }
        }
        writeln!(f, "  malformed at the source: {}", self.malformed.len())?;
        for item in &self.malformed {
            writeln!(f, "    source id {}: {}", item.source_id, item.reason)?;
        }
        let removed = self.gone.iter().filter(|g| g.removed).count();
        writeln!(
            f,
            "  gone at the source: {} ({removed} removed{})",
            self.gone.len(),
            if removed < self.gone.len() {
                "; --prune removes the rest"
            } else {
                ""
            }
        )?;
        for gone in &self.gone {
            let what = match (gone.removed, gone.kept_edited) {
                (true, _) => "removed",
                (false, true) => "kept: edited locally (--force removes it)",
                (false, false) => "kept",
            };
            writeln!(f, "    {}: {what}", gone.id)?;
        }
        writeln!(f, "  too long: {}", self.too_long.len())?;
        list(f, &self.too_long)?;
        writeln!(
            f,
            "  not pointed to by any intent or question: {}",
            self.unreferenced.len()
        )?;
        list(f, &self.unreferenced)
    }
}
