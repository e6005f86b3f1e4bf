//! Chooses the hybrid ranking's mixing weight and `skip_above` on CLINC150 validation,
//! with split-half checks.
//!
//! ```text
//! FRONTLINE_CLINC150_DIR=../shared/data/clinc150 \
//!   cargo run --release -p frontline-matcher --example tune_hybrid -- /path/to/embedding-cache
//! ```
//!
//! Trains on CLINC150 `train` + `oos_train`, embeds the validation questions (`val` +
//! `oos_val` + `tests/data/clinc150_val_multilingual.jsonl`) once (the argument is the
//! embedding cache folder), then for every mixing weight and `skip_above` of a grid mixes
//! the two sides' probabilities as [`Ranker::probabilities`] does. The validation set is
//! cut in two halves (by a hash of the text); on each half the weight, `skip_above` and
//! the thresholds (the rule of `Ranker::tune_thresholds`) are chosen, and the choice is
//! scored on the *other* half. Prints one line per choice and a final choice tuned on the
//! whole set. Test data is never read.
//!
//! A choice maximises CLINC150 in-scope accuracy + out-of-scope recall + accuracy on
//! the German, Spanish and French questions, among those that run the encoder on at most
//! [`MAX_ENCODER_SHARE`] of the questions (the latency budget: a p50 decision without the
//! encoder).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use frontline_matcher::classifier::{
    decide, top_k, tune_thresholds_with, Classifier, Example, Ranked, Thresholds, Verdict,
    OUT_OF_SCOPE, TARGET_OOS_RECALL,
};
use frontline_matcher::encoder::{DiskCache, Encoder, DEFAULT_MODEL};
use frontline_matcher::hybrid::{
    lexical_is_sure, mix, tune_thresholds_per_language, HybridOptions, Ranker,
};
use frontline_matcher::{clarify, language};

/// Most questions must be decided without the encoder, so that the median decision is
/// the lexical one.
const MAX_ENCODER_SHARE: f64 = 0.45;
const WEIGHTS: &[f32] = &[0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const SKIPS: &[f32] = &[
    0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.1,
];

struct Question {
    example: Example,
    lang: Option<String>,
    /// Detected in another language than the training examples': ranked by the semantic
    /// head alone, as the product does.
    foreign: bool,
    content_words: usize,
    lexical: Vec<f32>,
    semantic: Vec<f32>,
    half: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Choice {
    weight: f32,
    skip_above: f32,
}

#[derive(Debug, Default)]
struct Score {
    in_scope: (usize, usize),
    oos: (usize, usize),
    other_languages: (usize, usize),
    per_language: HashMap<String, (usize, usize)>,
    encoder_runs: usize,
    questions: usize,
}

impl Score {
    fn objective(&self) -> f64 {
        let r = |(a, b): (usize, usize)| a as f64 / b.max(1) as f64;
        r(self.in_scope) + r(self.oos) + r(self.other_languages)
    }

    fn encoder_share(&self) -> f64 {
        self.encoder_runs as f64 / self.questions.max(1) as f64
    }

    fn line(&self) -> String {
        let pct = |(a, b): (usize, usize)| format!("{:.1} %", 100.0 * a as f64 / b.max(1) as f64);
        let mut languages: Vec<_> = self.per_language.iter().collect();
        languages.sort();
        let languages: Vec<String> = languages
            .into_iter()
            .map(|(l, v)| format!("{l} {}", pct(*v)))
            .collect();
        format!(
            "CLINC in-scope {} ({} q), oos recall {} ({} q), {}, encoder on {:.1} %",
            pct(self.in_scope),
            self.in_scope.1,
            pct(self.oos),
            self.oos.1,
            languages.join(" / "),
            100.0 * self.encoder_share()
        )
    }
}

fn read(path: &Path) -> Vec<(Example, Option<String>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            Some((
                Example::new(
                    v["text"].as_str()?.to_owned(),
                    v["intent"].as_str()?.trim().to_owned(),
                ),
                v["lang"].as_str().map(str::to_owned),
            ))
        })
        .collect()
}

/// FNV-1a: a stable split that does not follow the files' order.
fn half(text: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 2) as usize
}

fn ranked(question: &Question, choice: Choice, k: usize) -> (Vec<Ranked>, bool) {
    let mut probabilities = question.lexical.clone();
    // The lexical baseline (weight 0) keeps foreign questions lexical, as `encoder =
    // "none"` does.
    let foreign = question.foreign && choice.weight > 0.0;
    let runs = foreign || !lexical_is_sure(&probabilities, choice.skip_above);
    if runs {
        let weight = if foreign { 1.0 } else { choice.weight };
        mix(&mut probabilities, &question.semantic, weight);
    }
    (top_k(probabilities, k), runs)
}

fn thresholds(questions: &[&Question], choice: Choice, labels: &[String]) -> Thresholds {
    let by_text: HashMap<&str, Ranked> = questions
        .iter()
        .filter_map(|q| Some((q.example.text.as_str(), *ranked(q, choice, 1).0.first()?)))
        .collect();
    let examples: Vec<Example> = questions.iter().map(|q| q.example.clone()).collect();
    let top = |text: &str| by_text.get(text).copied();
    if choice.weight == 0.0 {
        // The lexical baseline: the lexical path's own rule, as `encoder = "none"`.
        return tune_thresholds_with(top, labels, &examples, TARGET_OOS_RECALL);
    }
    tune_thresholds_per_language(top, labels, &examples)
}

/// Scores `choice` with `thresholds` as `frontline-eval` does (a vague question is
/// clarified, which counts as wrong).
fn score(
    questions: &[&Question],
    choice: Choice,
    thresholds: &Thresholds,
    labels: &[String],
) -> Score {
    let mut score = Score::default();
    for q in questions {
        let (ranked, runs) = ranked(q, choice, thresholds.max_suggestions);
        let thresholds = &thresholds.for_question(q.foreign && choice.weight > 0.0);
        score.questions += 1;
        score.encoder_runs += usize::from(runs);
        // Vagueness is judged as the product does (`Ranking::by_words`): on the lexical
        // ranking (the mixture for a question ranked by meaning alone), and on the
        // mixture when the encoder ran.
        let by_words = if q.foreign && choice.weight > 0.0 {
            ranked.clone()
        } else {
            top_k(q.lexical.clone(), thresholds.max_suggestions)
        };
        let by_meaning = runs.then_some(ranked.as_slice());
        let verdict = if clarify::is_vague(q.content_words, &by_words, by_meaning, labels) {
            None
        } else {
            Some(decide(&ranked, labels, thresholds))
        };
        let gold = q.example.label.as_str();
        let right = match verdict {
            Some(Verdict::Handoff) => gold == OUT_OF_SCOPE,
            None => false,
            Some(_) => {
                gold != OUT_OF_SCOPE
                    && ranked
                        .first()
                        .and_then(|r| labels.get(r.label))
                        .map(String::as_str)
                        == Some(gold)
            }
        };
        let add = |slot: &mut (usize, usize)| {
            slot.0 += usize::from(right);
            slot.1 += 1;
        };
        match q.lang.as_deref() {
            Some(lang) => {
                add(score.per_language.entry(lang.to_owned()).or_default());
                if lang != "en" {
                    add(&mut score.other_languages);
                }
            }
            None if gold == OUT_OF_SCOPE => add(&mut score.oos),
            None => add(&mut score.in_scope),
        }
    }
    score
}

/// The best choice on `questions` and its thresholds.
fn tune(questions: &[&Question], labels: &[String]) -> (Choice, Thresholds, Score) {
    let mut best: Option<(Choice, Thresholds, Score)> = None;
    for &weight in WEIGHTS {
        for &skip_above in SKIPS {
            let choice = Choice { weight, skip_above };
            let thresholds = thresholds(questions, choice, labels);
            let score = score(questions, choice, &thresholds, labels);
            if score.encoder_share() > MAX_ENCODER_SHARE {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|b| score.objective() > b.2.objective())
            {
                best = Some((choice, thresholds, score));
            }
        }
    }
    best.expect("some choice within the encoder budget")
}

fn main() {
    let cache_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: tune_hybrid EMBEDDING_CACHE_DIR");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = std::env::var_os("FRONTLINE_CLINC150_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../../shared/data/clinc150"));
    let train: Vec<Example> = ["train.jsonl", "oos_train.jsonl"]
        .iter()
        .flat_map(|f| read(&data.join(f)))
        .map(|(e, _)| e)
        .collect();
    let validation: Vec<(Example, Option<String>)> = [
        data.join("val.jsonl"),
        data.join("oos_val.jsonl"),
        manifest.join("tests/data/clinc150_val_multilingual.jsonl"),
    ]
    .iter()
    .flat_map(|p| read(p))
    .collect();

    let classifier = Classifier::train(&train, &Default::default()).expect("train");
    let encoder = std::sync::Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("model"));
    std::fs::create_dir_all(&cache_dir).expect("cache dir");
    let mut disk = DiskCache::open(&cache_dir, &encoder.cache_name(), encoder.dim());
    let options = HybridOptions::default();
    let ranker =
        Ranker::hybrid(classifier, encoder, &train, Some(&mut disk), &options).expect("hybrid");
    let texts: Vec<&str> = validation.iter().map(|(e, _)| e.text.as_str()).collect();
    let sides = ranker.sides(&texts, Some(&mut disk)).expect("embed");
    let labels = ranker.labels().to_vec();
    let questions: Vec<Question> = validation
        .into_iter()
        .zip(sides)
        .map(|((example, lang), (lexical, semantic))| Question {
            half: half(&example.text),
            content_words: clarify::content_words(&example.text),
            foreign: ranker.is_foreign(&example.text, language::detect_with_guess(&example.text)),
            example,
            lang,
            lexical,
            semantic: semantic.expect("hybrid ranker"),
        })
        .collect();

    let all: Vec<&Question> = questions.iter().collect();
    for tuned_on in 0..2 {
        let tuning: Vec<&Question> = all.iter().copied().filter(|q| q.half == tuned_on).collect();
        let held: Vec<&Question> = all.iter().copied().filter(|q| q.half != tuned_on).collect();
        let (choice, thresholds, tuned) = tune(&tuning, &labels);
        let (_, _, held_best) = tune(&held, &labels);
        println!(
            "half {tuned_on}: chose weight {}, skip_above {}, answer {:.3}, suggest {:.3}\n  on the tuning half: {}\n  on the other half:  {}\n  other half tuned on itself: {}",
            choice.weight,
            choice.skip_above,
            thresholds.answer,
            thresholds.suggest,
            tuned.line(),
            score(&held, choice, &thresholds, &labels).line(),
            held_best.line(),
        );
    }
    let (choice, thresholds, whole) = tune(&all, &labels);
    println!(
        "whole validation set: weight {}, skip_above {}, answer {:.4}, suggest {:.4}: {}",
        choice.weight,
        choice.skip_above,
        thresholds.answer,
        thresholds.suggest,
        whole.line()
    );
    let lexical_only = Choice {
        weight: 0.0,
        skip_above: 0.0,
    };
    let lexical_thresholds = self::thresholds(&all, lexical_only, &labels);
    println!(
        "lexical alone (same rule): {}",
        score(&all, lexical_only, &lexical_thresholds, &labels).line()
    );
    for &weight in WEIGHTS {
        let always = Choice {
            weight,
            skip_above: 1.1,
        };
        let t = self::thresholds(&all, always, &labels);
        println!(
            "encoder always, weight {weight}: {}",
            score(&all, always, &t, &labels).line()
        );
    }
}
