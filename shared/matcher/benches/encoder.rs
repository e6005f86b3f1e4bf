//! One decision (rank + answer / suggest / handoff) with the sentence encoder, against
//! the lexical path measured in the same run, on one thread.
//!
//! `cargo bench -p frontline-matcher --bench encoder` trains on CLINC150 `train` +
//! `oos_train` (150 intents + out of scope) and prints, before criterion's own report, the
//! p50 / p99 / max of one decision over the validation questions (`val` + `oos_val` + the
//! multilingual file, all of at most 30 words) for:
//! - `encoder none`: the lexical classifier alone;
//! - the encoder on every question (`skip_above` ≥ 1);
//! - the encoder with the product's [`HybridOptions`] (it runs only when the lexical side
//!   is unsure), with the share of questions that ran it;
//! - the encoder on 30-word questions, and a repeated question (the cache).
//!
//! The encoder's in-memory cache is cleared before every timed question, so no question is
//! answered from the cache unless that is what is measured. One question runs on one
//! thread (the encoder's matrix products are single-threaded; only embedding many texts at
//! load time spreads batches over the cores).
//! The training examples' embeddings are kept in `FRONTLINE_BENCH_EMBEDDING_CACHE` (default:
//! cargo's target tmp dir), so only the first run spends minutes embedding them. Needs
//! `../shared/data/clinc150/` beside the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use frontline_matcher::classifier::{decide, Classifier, Example, Thresholds, Verdict};
use frontline_matcher::encoder::{DiskCache, Encoder, DEFAULT_MODEL};
use frontline_matcher::hybrid::{default_thresholds, HybridOptions, Ranker};

const MAX_WORDS: usize = 30;

/// `FRONTLINE_CLINC150_DIR`, else `../shared/data/clinc150` beside the repository.
fn data_dir() -> PathBuf {
    std::env::var_os("FRONTLINE_CLINC150_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/clinc150")
        })
}

fn read_jsonl(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            Some(Example::new(
                v["text"].as_str()?.to_owned(),
                v["intent"].as_str()?.trim().to_owned(),
            ))
        })
        .collect()
}

fn one_decision(ranker: &Ranker, thresholds: &Thresholds, text: &str) -> Verdict {
    let ranking = ranker.rank_with_lexical(text, thresholds.max_suggestions);
    let thresholds = thresholds.for_question(ranking.foreign);
    decide(&ranking.ranked, ranker.labels(), &thresholds)
}

/// p50 / p99 / max of one decision over `questions`, the encoder's cache cleared before
/// each one.
fn latencies(
    ranker: &Ranker,
    thresholds: &Thresholds,
    encoder: &Encoder,
    questions: &[&str],
) -> String {
    let mut times: Vec<Duration> = questions
        .iter()
        .map(|q| {
            encoder.clear_cache();
            let started = Instant::now();
            std::hint::black_box(one_decision(ranker, thresholds, q));
            started.elapsed()
        })
        .collect();
    times.sort();
    let at = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    format!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} questions",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        times.len()
    )
}

/// Questions of exactly [`MAX_WORDS`] words, made of validation questions run together.
fn long_questions(questions: &[&str], count: usize) -> Vec<String> {
    let mut words = questions.iter().flat_map(|q| q.split_whitespace());
    (0..count)
        .map(|_| words.by_ref().take(MAX_WORDS).collect::<Vec<_>>().join(" "))
        .collect()
}

fn main() {
    if !data_dir().exists() {
        eprintln!("skipping: {} is absent", data_dir().display());
        return;
    }
    let mut train = read_jsonl(&data_dir().join("train.jsonl"));
    train.extend(read_jsonl(&data_dir().join("oos_train.jsonl")));
    let multilingual =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clinc150_val_multilingual.jsonl");
    let validation: Vec<Example> = [
        data_dir().join("val.jsonl"),
        data_dir().join("oos_val.jsonl"),
        multilingual,
    ]
    .iter()
    .flat_map(|p| read_jsonl(p))
    .filter(|e| e.text.split_whitespace().count() <= MAX_WORDS)
    .collect();
    let questions: Vec<&str> = validation.iter().map(|e| e.text.as_str()).collect();

    let started = Instant::now();
    let classifier = Classifier::train(&train, &Default::default()).expect("train");
    println!("lexical training: {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("the shipped model loads"));
    println!("encoder load: {:.2} s", started.elapsed().as_secs_f64());
    let cache_dir = std::env::var_os("FRONTLINE_BENCH_EMBEDDING_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("embeddings"));
    std::fs::create_dir_all(&cache_dir).expect("cache dir");
    let mut disk = DiskCache::open(&cache_dir, &encoder.cache_name(), encoder.dim());
    let started = Instant::now();
    let options = HybridOptions::default();
    let mut hybrid = Ranker::hybrid(
        classifier.clone(),
        encoder.clone(),
        &train,
        Some(&mut disk),
        &options,
    )
    .expect("hybrid");
    println!(
        "semantic head (embeddings from {}, training): {:.1} s",
        cache_dir.display(),
        started.elapsed().as_secs_f64()
    );
    let lexical = Ranker::lexical(classifier);
    let lexical_thresholds = Thresholds::default();
    let hybrid_thresholds = default_thresholds();

    // Warm-up: page the weights in, fill the allocator.
    for q in questions.iter().step_by(50) {
        encoder.clear_cache();
        std::hint::black_box(one_decision(&hybrid, &hybrid_thresholds, q));
    }

    println!(
        "encoder none: {}",
        latencies(&lexical, &lexical_thresholds, &encoder, &questions)
    );
    let mut ran = 0usize;
    for q in &questions {
        ran += usize::from(hybrid.runs_encoder(q));
    }
    println!(
        "encoder {DEFAULT_MODEL}, skip_above {} (the product's default; the encoder runs on {ran} of {} questions, {:.1} %): {}",
        options.skip_above,
        questions.len(),
        100.0 * ran as f64 / questions.len() as f64,
        latencies(&hybrid, &hybrid_thresholds, &encoder, &questions)
    );
    hybrid.set_mixing(options.semantic_weight, f32::INFINITY);
    let every_third: Vec<&str> = questions.iter().step_by(3).copied().collect();
    println!(
        "encoder {DEFAULT_MODEL} on every question: {}",
        latencies(&hybrid, &hybrid_thresholds, &encoder, &every_third)
    );
    let long = long_questions(&questions, 200);
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    println!(
        "encoder {DEFAULT_MODEL} on every question, {MAX_WORDS}-word questions: {}",
        latencies(&hybrid, &hybrid_thresholds, &encoder, &long)
    );
    hybrid.set_mixing(options.semantic_weight, options.skip_above);

    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut i = 0;
    criterion.bench_function("decide, encoder none, 150 intents", |b| {
        b.iter(|| {
            i = (i + 1) % questions.len();
            one_decision(&lexical, &lexical_thresholds, questions[i])
        })
    });
    criterion.bench_function(
        "decide, multilingual-e5-small (product skip_above), 150 intents, uncached",
        |b| {
            b.iter(|| {
                i = (i + 1) % questions.len();
                encoder.clear_cache();
                one_decision(&hybrid, &hybrid_thresholds, questions[i])
            })
        },
    );
    hybrid.set_mixing(options.semantic_weight, f32::INFINITY);
    criterion.bench_function(
        "decide, multilingual-e5-small, repeated question (cached)",
        |b| b.iter(|| one_decision(&hybrid, &hybrid_thresholds, "Wo ist meine Bestellung?")),
    );
    criterion.final_summary();
}
