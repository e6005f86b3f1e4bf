//! A matcher that follows its files: reloads build a complete new [`Matcher`] off to the
//! side and swap it in atomically, so a query sees either the old or the new one, never a
//! half-built index. A broken article does not fail a reload (it is skipped and listed
//! in the knowledge base's problems); a failed reload (the folder or the intents file)
//! keeps serving the previous version, and is not retried until the files change again.

use arc_swap::ArcSwap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime};

use super::{ArticleEmbedding, HumanRequest, Matcher, MatcherError};
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
    /// With more articles than this to embed (not in the embedding cache), a load does not
    /// wait for them: the matcher serves at once, related articles from BM25 alone, and a
    /// background thread embeds them ([`LiveMatcher::wait_for_articles`]).
    pub embed_in_background_above: usize,
    /// Run the encoder on every question ([`Matcher::with_encoder_always`]), not only when
    /// the lexical side is unsure.
    pub encoder_always: bool,
}

/// Articles embedded before a load returns, at most, by default: a larger first load (an
/// empty embedding cache) serves at once and embeds them in the background. About 100 ms
/// of CPU an article, so 1,000 is under a minute on two cores.
pub const EMBED_IN_BACKGROUND_ABOVE: usize = 1_000;

impl MatcherSource {
    /// Builds a matcher from the files as they are now, its articles embedded
    /// (blocking: run off async threads).
    pub fn build(&self) -> Result<Matcher, MatcherError> {
        let (matcher, pending) = self.build_serving()?;
        if pending {
            matcher.embed_articles(self.disk_cache().as_mut())?;
        }
        Ok(matcher)
    }

    /// Builds a matcher that can serve now; `true` when its articles are still to embed
    /// ([`Matcher::embed_articles`]): more than
    /// [`embed_in_background_above`](Self::embed_in_background_above) are not in the cache.
    fn build_serving(&self) -> Result<(Matcher, bool), MatcherError> {
        let knowledge = KnowledgeBase::load_dir(&self.knowledge_dir)?;
        let intents = IntentSet::load(&self.intents_file)?;
        let mut disk = self.disk_cache();
        let articles = match &self.encoder {
            Some(_) => {
                let uncached = crate::knowledge::vectors::ArticleVectors::uncached(
                    knowledge.articles(),
                    knowledge.original_positions(),
                    disk.as_ref(),
                );
                if uncached > self.embed_in_background_above {
                    ArticleEmbedding::Later
                } else {
                    ArticleEmbedding::AtBuild
                }
            }
            None => ArticleEmbedding::AtBuild,
        };
        let matcher = Matcher::build_embedding_articles(
            knowledge,
            intents,
            self.thresholds,
            HumanRequest::new(&self.human_phrases),
            self.encoder.as_ref(),
            disk.as_mut(),
            articles,
        )?
        .with_site_language(&self.site_locale);
        let matcher = if self.encoder_always {
            matcher.with_encoder_always()
        } else {
            matcher
        };
        Ok((matcher, articles == ArticleEmbedding::Later))
    }

    fn disk_cache(&self) -> Option<DiskCache> {
        match (&self.encoder, &self.embedding_cache) {
            (Some(encoder), Some(dir)) => {
                Some(DiskCache::open(dir, &encoder.cache_name(), encoder.dim()))
            }
            _ => None,
        }
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
    /// The thread embedding the current version's articles, while one runs or until
    /// [`wait_for_articles`](Self::wait_for_articles).
    embedding: Mutex<Option<JoinHandle<()>>>,
}

/// A built matcher and the fingerprint of the files it was built from.
#[derive(Debug)]
pub struct Loaded {
    pub matcher: Matcher,
    pub fingerprint: u64,
}

impl LiveMatcher {
    /// Builds the first version; errors here stop start-up. With many articles to embed
    /// it serves before they are (see [`MatcherSource::embed_in_background_above`]).
    pub fn load(source: MatcherSource) -> Result<LiveMatcher, MatcherError> {
        let fingerprint = source.fingerprint();
        let (matcher, pending) = source.build_serving()?;
        let live = LiveMatcher {
            source,
            current: ArcSwap::from_pointee(Loaded {
                matcher,
                fingerprint,
            }),
            failed: Mutex::new(None),
            embedding: Mutex::new(None),
        };
        if pending {
            live.embed_articles_in_background();
        }
        Ok(live)
    }

    /// Embeds the current version's articles on a thread of its own; failures are logged
    /// (related articles then stay BM25 alone until the next reload).
    fn embed_articles_in_background(&self) {
        let loaded = self.current.load_full();
        let source = self.source.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let articles = loaded.matcher.knowledge().articles().len();
            tracing::info!(
                dir = %source.knowledge_dir.display(),
                articles,
                "serving before the articles are embedded; related articles use BM25 alone until then"
            );
            match loaded.matcher.embed_articles(source.disk_cache().as_mut()) {
                Ok(_) => tracing::info!(
                    dir = %source.knowledge_dir.display(),
                    articles,
                    seconds = started.elapsed().as_secs_f64(),
                    "articles embedded; related articles are hybrid"
                ),
                Err(error) => tracing::error!(
                    dir = %source.knowledge_dir.display(),
                    %error,
                    "embedding the articles failed; related articles use BM25 alone"
                ),
            }
        });
        let mut embedding = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // An earlier version's thread, if still running, finishes on its own.
        *embedding = Some(thread);
    }

    /// Blocks until the background embedding of the articles (if any) is done.
    pub fn wait_for_articles(&self) {
        let thread = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
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
        match self.source.build_serving() {
            Ok((matcher, pending)) => {
                *failed = None;
                self.current.store(Arc::new(Loaded {
                    matcher,
                    fingerprint,
                }));
                if pending {
                    self.embed_articles_in_background();
                }
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
