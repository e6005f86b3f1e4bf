//! The sites this server answers for, each with its live matcher.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frontline_matcher::encoder::{Encoder, EncoderError, DEFAULT_SETTING, NO_ENCODER};
use frontline_matcher::live::{LiveMatcher, MatcherSource};
use frontline_matcher::MatcherError;
use frontline_shared::config::{MatcherSettings, RunEncoder, SiteSettings};
use frontline_shared::shutdown::Shutdown;

/// One storefront: its settings and its matcher.
#[derive(Debug)]
pub struct Site {
    pub settings: SiteSettings,
    pub matcher: LiveMatcher,
}

/// All configured sites, by id.
#[derive(Debug, Default)]
pub struct Sites {
    by_id: HashMap<String, Arc<Site>>,
    /// The same sites in configuration order (the first is the fallback for mail that
    /// names no site).
    in_order: Vec<Arc<Site>>,
}

/// A site whose knowledge base or intents failed to load.
#[derive(Debug, thiserror::Error)]
#[error("site {site:?}: {cause}")]
pub struct SiteLoadError {
    pub site: String,
    pub cause: MatcherError,
}

impl Sites {
    /// Loads every site's matcher (blocking; call from `spawn_blocking` or start-up), with
    /// `encoder` (see [`load_encoder`]) beside each site's lexical classifier.
    pub fn load(
        sites: &[SiteSettings],
        matcher: &MatcherSettings,
        encoder: Option<Arc<Encoder>>,
    ) -> Result<Sites, SiteLoadError> {
        let thresholds = frontline_matcher::hybrid::default_thresholds_for(encoder.is_some())
            .overridden(matcher.answer_threshold, matcher.suggest_threshold);
        let mut by_id = HashMap::new();
        let mut in_order = Vec::new();
        for settings in sites {
            let source = MatcherSource {
                knowledge_dir: settings.knowledge_dir.clone(),
                intents_file: settings.intents_file.clone(),
                thresholds,
                human_phrases: matcher.human_phrases.clone(),
                encoder: encoder.clone(),
                embedding_cache: matcher.embedding_cache.clone(),
                site_locale: settings.locale.clone(),
                embed_in_background_above: matcher
                    .embed_in_background_above
                    .unwrap_or(frontline_matcher::live::EMBED_IN_BACKGROUND_ABOVE),
                encoder_always: matcher.run_encoder == RunEncoder::Always,
            };
            let live = LiveMatcher::load(source).map_err(|cause| SiteLoadError {
                site: settings.id.to_string(),
                cause,
            })?;
            log_problems(settings.id.as_str(), &live);
            let site = Site {
                settings: settings.clone(),
                matcher: live,
            };
            let site = Arc::new(site);
            in_order.push(Arc::clone(&site));
            by_id.insert(settings.id.to_string(), site);
        }
        Ok(Sites { by_id, in_order })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Site>> {
        self.by_id.get(id)
    }

    /// Every site, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Site>> {
        self.in_order.iter()
    }

    /// Every origin any site allows (for conversation routes, which carry no site).
    pub fn all_origins(&self) -> Vec<String> {
        self.by_id
            .values()
            .flat_map(|s| s.settings.origins.iter().cloned())
            .collect()
    }
}

/// The sentence encoder `[matcher] encoder` names (blocking: reads the model files), or
/// `None` for `"none"`. One encoder serves every site.
pub fn load_encoder(matcher: &MatcherSettings) -> Result<Option<Arc<Encoder>>, EncoderError> {
    let name = matcher.encoder.as_deref().unwrap_or(DEFAULT_SETTING);
    if name == NO_ENCODER {
        return Ok(None);
    }
    let encoder = Encoder::builtin(name)?;
    tracing::info!(
        encoder = name,
        precision = encoder.precision().as_str(),
        "sentence encoder loaded"
    );
    Ok(Some(Arc::new(encoder)))
}

/// Logs the files a site's knowledge base skipped (once per load: a reload happens only
/// when the files change) and the intent links it ignores because of them.
fn log_problems(site: &str, matcher: &LiveMatcher) {
    let loaded = matcher.current();
    for problem in loaded.matcher.knowledge().problems() {
        tracing::error!(
            site,
            file = %problem.path.display(),
            line = problem.line,
            message = %problem.message,
            "knowledge article skipped; the other articles are served"
        );
    }
    for link in loaded.matcher.ignored_links() {
        tracing::warn!(
            site,
            intent = %link.intent,
            article = %link.article,
            "intent links an article that did not load; link ignored"
        );
    }
}

/// Checks every site's files every `every` and swaps in rebuilt matchers.
pub async fn watch_for_changes(sites: Arc<Sites>, every: Duration, mut shutdown: Shutdown) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.wait() => return,
        }
        for site in sites.iter() {
            let site = Arc::clone(site);
            let id = site.settings.id.clone();
            match tokio::task::spawn_blocking(move || site.matcher.reload_if_changed()).await {
                Ok(Ok(true)) => {
                    tracing::info!(site = %id, "knowledge base reloaded");
                    if let Some(site) = sites.get(id.as_str()) {
                        log_problems(id.as_str(), &site.matcher);
                    }
                }
                Ok(Ok(false)) => {}
                Ok(Err(error)) => {
                    tracing::error!(site = %id, %error, "reload failed; keeping the previous version")
                }
                Err(error) => tracing::error!(site = %id, %error, "reload task failed"),
            }
        }
    }
}
