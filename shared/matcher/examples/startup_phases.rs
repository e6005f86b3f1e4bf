//! Where a site's start-up goes: times and resident memory after each phase of what the
//! widget server does when it loads a site with the default encoder (model, knowledge
//! base, intents, embedding cache, matcher with its articles embedded).
//!
//! ```sh
//! cargo run --release -p frontline-matcher --example startup_phases -- \
//!   KNOWLEDGE_DIR INTENTS_FILE EMBEDDING_CACHE_DIR
//! ```
//!
//! With the embedding cache filled (a first run embeds every article: minutes for 10,000),
//! this is the warm start of `tests/bench/kb_load.sh` without the HTTP server and store.
//! mimalloc is the allocator, as in the servers: resident memory depends on it.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use frontline_matcher::classifier::Thresholds;
use frontline_matcher::encoder::{DiskCache, Encoder, DEFAULT_MODEL};
use frontline_matcher::intents::IntentSet;
use frontline_matcher::knowledge::vectors::ArticleVectors;
use frontline_matcher::knowledge::KnowledgeBase;
use frontline_matcher::{HumanRequest, Matcher};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory now and at its peak, in MB (from `/proc/self/status`).
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or("?".to_owned(), |kb| format!("{:.0}", kb / 1024.0))
    };
    format!("RSS {} MB (peak {} MB)", field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [knowledge_dir, intents_file, cache_dir] = &args[..] else {
        eprintln!("usage: startup_phases KNOWLEDGE_DIR INTENTS_FILE EMBEDDING_CACHE_DIR");
        std::process::exit(2);
    };
    let mut started = Instant::now();
    let mut lap = |phase: &str| {
        println!(
            "{phase:>28}: {:6.3} s  {}",
            started.elapsed().as_secs_f64(),
            memory()
        );
        started = Instant::now();
    };
    let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("the shipped model loads"));
    lap("encoder loaded");
    let knowledge = KnowledgeBase::load_dir(Path::new(knowledge_dir)).expect("knowledge base");
    lap("knowledge base loaded");
    let intents = IntentSet::load(Path::new(intents_file)).expect("intents file");
    lap("intents loaded");
    let mut disk = DiskCache::open(Path::new(cache_dir), &encoder.cache_name(), encoder.dim());
    lap("embedding cache opened");
    let uncached = ArticleVectors::uncached(
        knowledge.articles(),
        knowledge.original_positions(),
        Some(&disk),
    );
    lap(&format!("{uncached} articles uncached"));
    let matcher = Matcher::build_with_encoder(
        knowledge,
        intents,
        Thresholds::default(),
        HumanRequest::new(&[]),
        Some(&encoder),
        Some(&mut disk),
    )
    .expect("matcher");
    lap("matcher built");
    drop(disk);
    lap("embedding cache closed");
    println!(
        "article embeddings: {:.1} MB; encoder weights: {:.1} MB",
        matcher.knowledge().vectors_heap_bytes() as f64 / 1e6,
        encoder.heap_bytes() as f64 / 1e6
    );
}
