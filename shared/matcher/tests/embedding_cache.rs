//! `[matcher] embedding_cache` across loads of the demo storefront with the shipped
//! encoder: the first load writes every intent example's and article's embedding, a reload
//! of the same files embeds nothing, and a reload after one article changed embeds its
//! new texts alone, and its new meaning is what related-article search then finds. A
//! cache folder that cannot be written costs the next load its time, not this one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontline_matcher::classifier::Thresholds;
use frontline_matcher::encoder::{Encoder, DEFAULT_MODEL};
use frontline_matcher::live::MatcherSource;
use frontline_matcher::{AnswerContext, DecisionKind};

mod support;
use support::{copy_dir, related_ids};

/// A record of the cache file: the text's SHA-256, then the embedding in f32.
fn record_bytes(encoder: &Encoder) -> u64 {
    32 + 4 * encoder.dim() as u64
}

/// The records in the one cache file of `dir`.
fn records(dir: &Path, encoder: &Encoder) -> u64 {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("cache dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    let bytes = std::fs::metadata(&files[0]).expect("cache file").len();
    assert_eq!(bytes % record_bytes(encoder), 0, "whole records");
    bytes / record_bytes(encoder)
}

#[test]
fn a_reload_embeds_only_the_article_that_changed() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../widget-server/demo");
    let site = tempfile::tempdir().expect("site dir");
    copy_dir(&demo.join("kb"), &site.path().join("kb"));
    std::fs::copy(demo.join("intents.toml"), site.path().join("intents.toml")).expect("intents");
    let cache = tempfile::tempdir().expect("cache dir");
    let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("the shipped encoder loads"));
    let source = MatcherSource {
        knowledge_dir: site.path().join("kb"),
        intents_file: site.path().join("intents.toml"),
        thresholds: Thresholds::default(),
        human_phrases: vec![],
        encoder: Some(Arc::clone(&encoder)),
        embedding_cache: Some(cache.path().to_path_buf()),
        site_locale: "en".into(),
        embed_in_background_above: usize::MAX,
        encoder_always: false,
    };
    let articles = walkdir_count(&site.path().join("kb"));

    // No word in common with the texts the article gets below ("is" and "a" are stop
    // words): found after the edit by the new vector, not by BM25.
    let question = "is a puppy welcome inside";
    let before = source.build().expect("the first load");
    let related_before = related_ids(&before, question);
    assert!(
        !related_before.iter().any(|id| id == "backorders"),
        "{related_before:?}"
    );
    let first = records(cache.path(), &encoder);
    assert!(
        first > articles,
        "every article ({articles}) and the intents' examples are kept: {first} records"
    );

    source.build().expect("a reload of the same files");
    assert_eq!(
        records(cache.path(), &encoder),
        first,
        "nothing is embedded again"
    );

    // A new title and questions: four new texts to embed, the article as related-article
    // search compares it (title, questions, the start of the body), and the title and
    // both questions as training examples of its class (`training.rs`); nothing else.
    let article = site.path().join("kb/backorders.md");
    let text = std::fs::read_to_string(&article).expect("article");
    let questions = text
        .lines()
        .find(|line| line.starts_with("questions = "))
        .expect("the article's questions");
    let edited = text
        .replace(
            "title = \"Backordered items\"",
            "title = \"Bringing your dog into our stores\"",
        )
        .replace(
            questions,
            "questions = [\"can I bring my dog\", \"are pets allowed in the shop\"]",
        );
    assert!(
        text.contains("title = \"Backordered items\"") && edited.contains("can I bring my dog"),
        "the demo's backorders article has this title and a questions line"
    );
    std::fs::write(&article, edited).expect("edit");
    let matcher = source.build().expect("a reload after the edit");
    assert_eq!(
        records(cache.path(), &encoder),
        first + 4,
        "the edited article's new texts alone are embedded"
    );
    let related = related_ids(&matcher, question);
    assert!(
        related.iter().any(|id| id == "backorders"),
        "the edited title is searched by meaning: {related:?}"
    );
}

#[test]
fn a_cache_that_cannot_be_written_does_not_stop_the_load() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../widget-server/demo");
    // The cache's folder would be inside a regular file: it cannot be created.
    let scratch = tempfile::tempdir().expect("scratch dir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("file");
    let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("the shipped encoder loads"));
    let source = MatcherSource {
        knowledge_dir: demo.join("kb"),
        intents_file: demo.join("intents.toml"),
        thresholds: Thresholds::default(),
        human_phrases: vec![],
        encoder: Some(encoder),
        embedding_cache: Some(file.join("embeddings")),
        site_locale: "en".into(),
        embed_in_background_above: usize::MAX,
        encoder_always: false,
    };
    let matcher = source.build().expect("the load succeeds without its cache");
    // Answered by meaning: the German question shares no word with the English intents.
    let decision = matcher.decide("Wo ist meine Bestellung?", &AnswerContext::default());
    assert_eq!(decision.kind, DecisionKind::Answer, "{decision:?}");
    assert_eq!(
        decision.answer.as_ref().map(|a| a.id.as_str()),
        Some("order_status"),
        "{decision:?}"
    );
}

/// Markdown files under `dir`, at any depth.
fn walkdir_count(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("read")
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                walkdir_count(&path)
            } else {
                u64::from(path.extension().is_some_and(|x| x == "md"))
            }
        })
        .sum()
}
