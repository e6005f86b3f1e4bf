//! `frontline-eval`: trains the intent classifier on JSONL files, picks thresholds on the
//! validation files and scores the decisions on the test files.
//!
//! ```text
//! frontline-eval --train train.jsonl --train oos_train.jsonl \
//!                --val val.jsonl,oos_val.jsonl --test test.jsonl
//! ```
//!
//! Every file flag may be repeated and also takes comma-separated lists. `--options`
//! overrides training options with JSON (e.g. `--options '{"c": 1.0}'`), for experiments. Each line of a file is
//! `{"text": "...", "intent": "..."}`, optionally with `"lang": "de"`; intent `oos` marks an out-of-scope message that must
//! be handed off.
//!
//! By default the ranking is the product's default (`[matcher] encoder` unset:
//! [`DEFAULT_SETTING`](frontline_matcher::encoder::DEFAULT_SETTING), the
//! `multilingual-e5-small` sentence encoder's head beside the lexical classifier,
//! probabilities averaged as [`frontline_matcher::hybrid`] does); `--encoder none`
//! measures the lexical path alone; `--hybrid` overrides the head's options as JSON;
//! `--embedding-cache DIR` keeps the training embeddings on disk between runs. Thresholds come from `--val` only (without it, the built-in defaults: the lexical model's, or
//! [`hybrid::default_thresholds`](frontline_matcher::hybrid::default_thresholds) with the encoder);
//! the test files are never used for tuning.
//!
//! Each query is decided as the matcher does: a [vague](frontline_matcher::clarify) one
//! gets a clarifying choice, any other one the thresholds' verdict. Prints one JSON object
//! on stdout:
//! - `in_scope_accuracy`: in-scope test queries neither handed off nor clarified whose top
//!   label is right, over all in-scope test queries (a clarified query counts as wrong
//!   here, even though its right label is usually among the options);
//! - `oos_recall`: out-of-scope test queries handed off, over all out-of-scope ones (a
//!   clarified one is not handed off);
//! - `oos_precision`: handed-off queries that are out of scope, over all handed off;
//! - `handoff_rate`: handed-off queries over all test queries;
//! - `clarify_rate`: clarified queries over all test queries (`counts` splits them into
//!   in scope and out of scope);
//! - `queries_per_second`: single-threaded `rank` + `decide` throughput on the test set;
//! - `train_seconds`: wall time of training (features, SVMs and calibration);
//! - `thresholds`: the thresholds used (with the encoder, `other_languages` holds the
//!   `answer` and `suggest` for questions in another language than the training
//!   examples');
//! - `encoder`: the sentence encoder used, or `"none"`; `encoder_seconds`: embedding the
//!   training examples and training its head (part of `train_seconds`);
//! - `per_language` (when test lines carry `lang`): per language, the in-scope count, the
//!   accuracy as in `in_scope_accuracy`, and `top1`, the share whose top label is right
//!   whatever the decision; and `oos`, its out-of-scope count, with `oos_recall` as
//!   above (a ratio is `null` when what it divides by is 0: a language with only
//!   out-of-scope lines has `in_scope` 0, `accuracy` and `top1` `null`);
//! - and, for reports: `expected_calibration_error` (15 bins, top-1 confidence against
//!   top-1 correctness, out-of-scope counted right when `oos` ranks first),
//!   `reliability` (per confidence decile: count, mean confidence, accuracy),
//!   `latency_us` (p50, p99), `model_bytes`, `calibration`, and the counts.
//!
//! Errors (unreadable file, bad JSON line) are reported on stderr with the file and line,
//! and the exit code is 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;
use frontline_matcher::clarify;
use frontline_matcher::classifier::{
    decide, Classifier, Example, TrainOptions, Verdict, OUT_OF_SCOPE,
};
use frontline_matcher::encoder::{DiskCache, Encoder, DEFAULT_SETTING, NO_ENCODER};
use frontline_matcher::hybrid::{HybridOptions, Ranker};
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Train the intent classifier and score it on a test set"
)]
struct Args {
    /// Training JSONL files (repeat the flag or separate with commas).
    #[arg(long, required = true, value_delimiter = ',')]
    train: Vec<PathBuf>,
    /// Validation JSONL files used to pick the thresholds (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    val: Vec<PathBuf>,
    /// Test JSONL files to score (repeatable, comma-separated).
    #[arg(long, required = true, value_delimiter = ',')]
    test: Vec<PathBuf>,
    /// Overrides of the training options as JSON, e.g. `{"c": 1.0, "features":
    /// {"char_max": 4}}`; omitted fields keep their defaults.
    #[arg(long, default_value = "{}")]
    options: String,
    /// The sentence encoder beside the lexical classifier, or `none` for the lexical
    /// path alone.
    #[arg(long, default_value = DEFAULT_SETTING)]
    encoder: String,
    /// Overrides of the semantic head's options as JSON, e.g. `{"semantic_weight": 0.4}`.
    #[arg(long, default_value = "{}")]
    hybrid: String,
    /// Folder for the on-disk embedding cache (none: embed everything each run).
    #[arg(long)]
    embedding_cache: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Line {
    text: String,
    intent: String,
    #[serde(default)]
    lang: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Warnings (an embedding cache that cannot be written) on standard error, beside the
    // JSON report on standard output.
    frontline_shared::telemetry::init_on_stderr("warn");
    match run(&args) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("frontline-eval: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<serde_json::Value> {
    let train = examples(load_all(&args.train)?);
    let val = examples(load_all(&args.val)?);
    let test_lines = load_all(&args.test)?;
    let languages: Vec<Option<String>> = test_lines.iter().map(|l| l.lang.clone()).collect();
    let test = examples(test_lines);
    if test.is_empty() {
        bail!("the test files hold no examples");
    }

    let options: TrainOptions =
        serde_json::from_str(&args.options).context("invalid --options JSON")?;
    let started = Instant::now();
    let classifier = Classifier::train(&train, &options).context("training failed")?;
    let encoder_started = Instant::now();
    let (ranker, encoder) = if args.encoder == NO_ENCODER {
        (Ranker::lexical(classifier), None)
    } else {
        let hybrid: HybridOptions =
            serde_json::from_str(&args.hybrid).context("invalid --hybrid JSON")?;
        let encoder = std::sync::Arc::new(Encoder::builtin(&args.encoder)?);
        let mut disk = args
            .embedding_cache
            .as_ref()
            .map(|dir| DiskCache::open(dir, &encoder.cache_name(), encoder.dim()));
        let ranker = Ranker::hybrid(classifier, encoder.clone(), &train, disk.as_mut(), &hybrid)?;
        (ranker, Some(encoder))
    };
    let encoder_seconds = encoder_started.elapsed().as_secs_f64();
    let train_seconds = started.elapsed().as_secs_f64();
    let labels = ranker.labels();
    let thresholds = if val.is_empty() {
        frontline_matcher::hybrid::default_thresholds_for(encoder.is_some())
    } else {
        ranker.tune_thresholds(&val)
    };
    if let Some(encoder) = &encoder {
        // Timed questions must not be answered from the validation run's cache.
        encoder.clear_cache();
    }

    let mut latencies = Vec::with_capacity(test.len());
    let mut outcomes = Vec::with_capacity(test.len());
    let started = Instant::now();
    for example in &test {
        let query = Instant::now();
        let ranking = ranker.rank_with_lexical(&example.text, thresholds.max_suggestions);
        let content_words = clarify::content_words(&example.text);
        let vague = clarify::is_vague(
            content_words,
            ranking.by_words(),
            ranking.by_meaning(),
            labels,
        );
        let thresholds = thresholds.for_question(ranking.foreign);
        let verdict = (!vague).then(|| decide(&ranking.ranked, labels, &thresholds));
        let ranked = ranking.ranked;
        latencies.push(query.elapsed().as_secs_f64() * 1e6);
        outcomes.push((ranked.first().copied(), verdict));
    }
    let queries_per_second = test.len() as f64 / started.elapsed().as_secs_f64();

    let (mut in_scope, mut in_scope_right, mut oos, mut oos_handed_off, mut handed_off) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut in_scope_clarified, mut oos_clarified) = (0usize, 0usize);
    let mut calibration_points = Vec::with_capacity(test.len());
    let mut per_language: std::collections::BTreeMap<&str, LanguageScore> =
        std::collections::BTreeMap::new();
    for ((example, (top, verdict)), lang) in test.iter().zip(&outcomes).zip(&languages) {
        let gold_oos = example.label == OUT_OF_SCOPE;
        let handoff = *verdict == Some(Verdict::Handoff);
        let clarified = verdict.is_none();
        let top_label = top.and_then(|t| labels.get(t.label));
        let top_right = top_label.is_some_and(|l| *l == example.label);
        handed_off += usize::from(handoff);
        let mut by_language = LanguageScore::default();
        if gold_oos {
            oos += 1;
            oos_handed_off += usize::from(handoff);
            oos_clarified += usize::from(clarified);
            by_language.oos = 1;
            by_language.oos_handed_off = usize::from(handoff);
        } else {
            let right = usize::from(!handoff && !clarified && top_right);
            in_scope += 1;
            in_scope_right += right;
            in_scope_clarified += usize::from(clarified);
            by_language.in_scope = 1;
            by_language.right = right;
            by_language.top_right = usize::from(top_right);
        }
        if let Some(lang) = lang {
            per_language
                .entry(lang.as_str())
                .or_default()
                .add(&by_language);
        }
        if let Some(t) = top {
            calibration_points.push((f64::from(t.confidence), top_right));
        }
    }
    latencies.sort_unstable_by(f64::total_cmp);
    let (temperature, oos_bias) = ranker.classifier().calibration();
    let per_language: serde_json::Map<String, serde_json::Value> = per_language
        .into_iter()
        .map(|(lang, score)| {
            let value = serde_json::json!({
                "in_scope": score.in_scope,
                "accuracy": ratio(score.right, score.in_scope),
                "top1": ratio(score.top_right, score.in_scope),
                "oos": score.oos,
                "oos_recall": ratio(score.oos_handed_off, score.oos),
            });
            (lang.to_owned(), value)
        })
        .collect();
    let mut report = serde_json::json!({
        "in_scope_accuracy": ratio(in_scope_right, in_scope),
        "oos_recall": ratio(oos_handed_off, oos),
        "oos_precision": ratio(oos_handed_off, handed_off),
        "handoff_rate": ratio(handed_off, test.len()),
        "clarify_rate": ratio(in_scope_clarified + oos_clarified, test.len()),
        "queries_per_second": queries_per_second.round(),
        "train_seconds": (train_seconds * 1000.0).round() / 1000.0,
        "thresholds": thresholds,
        "expected_calibration_error": expected_calibration_error(&calibration_points),
        "reliability": reliability(&calibration_points),
        "latency_us": {
            "p50": percentile(&latencies, 0.50),
            "p99": percentile(&latencies, 0.99),
        },
        "model_bytes": ranker.heap_bytes(),
        "encoder": ranker.encoder_name(),
        "encoder_seconds": (encoder_seconds * 1000.0).round() / 1000.0,
        "options": options,
        "calibration": { "temperature": temperature, "oos_bias": oos_bias },
        "counts": {
            "train": train.len(),
            "val": val.len(),
            "test_in_scope": in_scope,
            "test_oos": oos,
            "test_in_scope_clarified": in_scope_clarified,
            "test_oos_clarified": oos_clarified,
            "labels": labels.len(),
        },
    });
    if !per_language.is_empty() {
        report["per_language"] = per_language.into();
    }
    Ok(report)
}

/// One language's test questions in `per_language`, counted as the report's totals are.
#[derive(Debug, Default)]
struct LanguageScore {
    in_scope: usize,
    /// In-scope questions answered with the right label (as `in_scope_accuracy`).
    right: usize,
    /// In-scope questions whose top label is right, whatever the decision.
    top_right: usize,
    oos: usize,
    /// Out-of-scope questions handed off (as `oos_recall`).
    oos_handed_off: usize,
}

impl LanguageScore {
    fn add(&mut self, other: &LanguageScore) {
        self.in_scope += other.in_scope;
        self.right += other.right;
        self.top_right += other.top_right;
        self.oos += other.oos;
        self.oos_handed_off += other.oos_handed_off;
    }
}

fn examples(lines: Vec<Line>) -> Vec<Example> {
    lines
        .into_iter()
        .map(|l| Example::new(l.text, l.intent.trim()))
        .collect()
}

/// Loads and concatenates JSONL files.
fn load_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Line>> {
    let mut examples = Vec::new();
    for path in paths {
        examples.extend(load(path)?);
    }
    Ok(examples)
}

fn load(path: &Path) -> anyhow::Result<Vec<Line>> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut examples = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: invalid line", path.display(), number + 1))?;
        examples.push(parsed);
    }
    Ok(examples)
}

/// `part / whole`, or `null` when `whole` is 0.
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 1e4).round() / 1e4)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).map_or(0.0, |v| (v * 10.0).round() / 10.0)
}

/// Confidence bins: `(count, Σ confidence, Σ right)` over 10 equal-width bins.
fn reliability_bins<const BINS: usize>(points: &[(f64, bool)]) -> [(usize, f64, f64); BINS] {
    let mut sums = [(0usize, 0f64, 0f64); BINS];
    for &(confidence, right) in points {
        let bin = ((confidence * BINS as f64) as usize).min(BINS - 1);
        sums[bin].0 += 1;
        sums[bin].1 += confidence;
        sums[bin].2 += f64::from(u8::from(right));
    }
    sums
}

/// ECE over 15 equal-width confidence bins:
/// `Σ_bins (n_b / n) · |accuracy_b − confidence_b| = Σ_bins |Σ right − Σ confidence| / n`.
fn expected_calibration_error(points: &[(f64, bool)]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let ece: f64 = reliability_bins::<15>(points)
        .iter()
        .map(|&(_, confidence, right)| (confidence - right).abs() / n)
        .sum();
    Some((ece * 1e4).round() / 1e4)
}

/// A reliability table over 10 bins: for each non-empty bin, its range, how many top-1
/// predictions fall in it, their mean confidence and their accuracy.
fn reliability(points: &[(f64, bool)]) -> Vec<serde_json::Value> {
    let round = |x: f64| (x * 1e3).round() / 1e3;
    reliability_bins::<10>(points)
        .iter()
        .enumerate()
        .filter(|(_, b)| b.0 > 0)
        .map(|(i, &(count, confidence, right))| {
            serde_json::json!({
                "bin": format!("{:.1}-{:.1}", i as f64 / 10.0, (i + 1) as f64 / 10.0),
                "count": count,
                "mean_confidence": round(confidence / count as f64),
                "accuracy": round(right / count as f64),
            })
        })
        .collect()
}
