//! A matcher that follows its files: reloads build a complete new [`Matcher`] off to the
//! side and swap it in atomically, so a query sees either the old or the new one, never a
//! half-built index. A broken article does not fail a reload (it is skipped and listed
//! in the knowledge base's problems); a failed reload (the folder or the intents file)
//! keeps serving the previous version, and is not retried until the files change again.

use arc_swap::ArcSwap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use super::{HumanRequest, Matcher, MatcherError};
use crate::classifier::Thresholds;
use crate::encoder::{DiskCache, Encoder};
use crate::intents::IntentSet;
use crate::knowledge::KnowledgeBase;

/// Where a site's matcher comes from.
#[derive(Debug, Clone)]
pub struct MatcherSource {
    pub knowledge_dir: PathBuf,
    pub intents_file: PathBuf,
    pub thresholds: Thresholds,
    pub human_phrases: Vec<String>,
    /// The sentence encoder beside the lexical classifier (`None`: lexical only).
    pub encoder: Option<Arc<Encoder>>,
    /// Folder of the on-disk embedding cache (`None`: embed at every load).
    pub embedding_cache: Option<PathBuf>,
    /// The site's `locale` (e.g. `en`, `de-AT`): the language its intent answers are in.
    pub site_locale: String,
}

impl MatcherSource {
    /// Builds a matcher from the files as they are now (blocking: run off async threads).
    pub fn build(&self) -> Result<Matcher, MatcherError> {
        let knowledge = KnowledgeBase::load_dir(&self.knowledge_dir)?;
        let intents = IntentSet::load(&self.intents_file)?;
        let mut disk = match (&self.encoder, &self.embedding_cache) {
            (Some(encoder), Some(dir)) => Some(DiskCache::open(dir, encoder.name(), encoder.dim())),
            _ => None,
        };
        Matcher::build_with_encoder(
            knowledge,
            intents,
            self.thresholds,
            HumanRequest::new(&self.human_phrases),
            self.encoder.as_ref(),
            disk.as_mut(),
        )
        .map(|matcher| matcher.with_site_language(&self.site_locale))
    }

    /// A cheap fingerprint of the files (names, sizes, modification times).
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        fingerprint_path(&self.intents_file, &mut hasher);
        let mut files = Vec::new();
        walk(&self.knowledge_dir, &mut files);
        files.sort();
        for file in files {
            fingerprint_path(&file, &mut hasher);
        }
        hasher.finish()
    }
}

fn walk(dir: &Path, into: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, into);
            } else {
                into.push(path);
            }
        }
    }
}

fn fingerprint_path(path: &Path, hasher: &mut impl Hasher) {
    path.hash(hasher);
    if let Ok(meta) = std::fs::metadata(path) {
        meta.len().hash(hasher);
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .hash(hasher);
    }
}

/// The current matcher of a site plus what is needed to rebuild it.
#[derive(Debug)]
pub struct LiveMatcher {
    source: MatcherSource,
    current: ArcSwap<Loaded>,
    /// The last failed reload, while the files are as they were then: (fingerprint, why).
    failed: Mutex<Option<(u64, String)>>,
}

/// A built matcher and the fingerprint of the files it was built from.
#[derive(Debug)]
pub struct Loaded {
    pub matcher: Matcher,
    pub fingerprint: u64,
}

impl LiveMatcher {
    /// Builds the first version; errors here stop start-up.
    pub fn load(source: MatcherSource) -> Result<LiveMatcher, MatcherError> {
        let fingerprint = source.fingerprint();
        let matcher = source.build()?;
        Ok(LiveMatcher {
            source,
            current: ArcSwap::from_pointee(Loaded {
                matcher,
                fingerprint,
            }),
            failed: Mutex::new(None),
        })
    }

    /// The matcher to answer with now; hold the `Arc` for the whole request.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Rebuilds and swaps when the files changed. Blocking. `Ok(true)` when swapped.
    /// After a failure, the same files are not tried again (`Ok(false)`); the failure stays
    /// in [`reload_error`](Self::reload_error) until the files change.
    pub fn reload_if_changed(&self) -> Result<bool, MatcherError> {
        let fingerprint = self.source.fingerprint();
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        if fingerprint == self.current.load().fingerprint {
            *failed = None;
            return Ok(false);
        }
        if failed
            .as_ref()
            .is_some_and(|(tried, _)| *tried == fingerprint)
        {
            return Ok(false);
        }
        match self.source.build() {
            Ok(matcher) => {
                *failed = None;
                self.current.store(Arc::new(Loaded {
                    matcher,
                    fingerprint,
                }));
                Ok(true)
            }
            Err(error) => {
                *failed = Some((fingerprint, error.to_string()));
                Err(error)
            }
        }
    }

    /// Why the files as they are now could not be loaded (the previous version serves).
    pub fn reload_error(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, why)| why.clone())
    }

    pub fn source(&self) -> &MatcherSource {
        &self.source
    }
}
