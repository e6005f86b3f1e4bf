//! PLACEHOLDER intent classifier (token-overlap nearest neighbour) with the public API the
//! real classifier provides; replaced by the tuned implementation before landing.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::text::normalize;

pub const OUT_OF_SCOPE: &str = "oos";

#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct TrainOptions {}

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("no training examples")]
    NoExamples,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub label: usize,
    pub confidence: f32,
}

#[derive(Debug)]
pub struct Classifier {
    labels: Vec<String>,
    examples: Vec<(HashSet<String>, usize)>,
}

impl Classifier {
    pub fn train(
        examples: &[Example],
        _options: &TrainOptions,
    ) -> Result<Classifier, ClassifierError> {
        if examples.is_empty() {
            return Err(ClassifierError::NoExamples);
        }
        let mut labels: Vec<String> = Vec::new();
        let mut rows = Vec::new();
        for e in examples {
            let idx = labels
                .iter()
                .position(|l| *l == e.label)
                .unwrap_or_else(|| {
                    labels.push(e.label.clone());
                    labels.len() - 1
                });
            rows.push((
                normalize(&e.text).split(' ').map(str::to_string).collect(),
                idx,
            ));
        }
        Ok(Classifier {
            labels,
            examples: rows,
        })
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn rank(&self, text: &str, k: usize) -> Vec<Ranked> {
        let query: HashSet<String> = normalize(text)
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let mut best = vec![0f32; self.labels.len()];
        for (tokens, label) in &self.examples {
            let overlap = query.intersection(tokens).count() as f32;
            let score = overlap / ((query.len().max(1) * tokens.len().max(1)) as f32).sqrt();
            best[*label] = best[*label].max(score);
        }
        let mut ranked: Vec<Ranked> = best
            .iter()
            .enumerate()
            .map(|(label, &confidence)| Ranked { label, confidence })
            .collect();
        ranked.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        ranked.truncate(k);
        ranked
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub answer: f32,
    pub suggest: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            answer: 0.6,
            suggest: 0.3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Answer(usize),
    Suggest(Vec<usize>),
    Handoff,
}

pub fn decide(ranked: &[Ranked], labels: &[String], thresholds: &Thresholds) -> Verdict {
    let Some(top) = ranked.first() else {
        return Verdict::Handoff;
    };
    if labels.get(top.label).map(String::as_str) == Some(OUT_OF_SCOPE) {
        return Verdict::Handoff;
    }
    if top.confidence >= thresholds.answer {
        return Verdict::Answer(top.label);
    }
    let close: Vec<usize> = ranked
        .iter()
        .filter(|r| r.confidence >= thresholds.suggest && labels[r.label] != OUT_OF_SCOPE)
        .map(|r| r.label)
        .collect();
    if close.is_empty() {
        Verdict::Handoff
    } else {
        Verdict::Suggest(close)
    }
}
