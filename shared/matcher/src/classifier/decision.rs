//! From ranked labels to a decision: answer, suggest, or hand off to a human.
//!
//! [`decide`] reads the calibrated top confidence against two thresholds:
//!
//! | top label / confidence            | verdict                                         |
//! |-----------------------------------|-------------------------------------------------|
//! | [`OUT_OF_SCOPE`], or `< suggest`  | [`Verdict::Handoff`]                            |
//! | `>= answer`                       | [`Verdict::Answer`] with the top label          |
//! | in between                        | [`Verdict::Suggest`]: every in-scope label with confidence `>= suggest`, best first, at most `max_suggestions` |
//!
//! [`tune_thresholds`] picks them on labelled validation data: `suggest` is the lowest
//! value that hands off at least [`TARGET_OOS_RECALL`] of the out-of-scope examples (the
//! lowest such value answers the most in-scope queries), and `answer` the lowest value at
//! which the answered validation queries are at least [`TARGET_ANSWER_PRECISION`] correct.

use serde::{Deserialize, Serialize};

use super::{Classifier, Example, Ranked, OUT_OF_SCOPE};

/// Share of out-of-scope validation queries that [`tune_thresholds`] makes sure are handed
/// off. Above the 60 % the product promises, because 100 validation examples estimate a
/// recall only to about ±5 points.
pub const TARGET_OOS_RECALL: f32 = 0.70;
/// Share of directly answered validation queries that must be right.
pub const TARGET_ANSWER_PRECISION: f32 = 0.95;

/// Decision thresholds on calibrated confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// At or above this top confidence the top label is answered directly.
    pub answer: f32,
    /// Below this top confidence the query is handed off.
    pub suggest: f32,
    /// The most labels offered in one suggestion.
    pub max_suggestions: usize,
    /// `answer` and `suggest` for a question in another language than the intents'
    /// examples, which the [hybrid](crate::hybrid) ranking ranks by meaning alone and
    /// gives lower confidences; `None`: the same as for every question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_languages: Option<Cutoffs>,
}

/// The two confidence thresholds of [`Thresholds`], for questions in other languages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cutoffs {
    pub answer: f32,
    pub suggest: f32,
}

impl From<Thresholds> for Cutoffs {
    fn from(thresholds: Thresholds) -> Cutoffs {
        Cutoffs {
            answer: thresholds.answer,
            suggest: thresholds.suggest,
        }
    }
}

impl Thresholds {
    /// The thresholds for a question, `foreign` when it is in another language than the
    /// examples' (ranked by meaning alone).
    pub fn for_question(&self, foreign: bool) -> Thresholds {
        match self.other_languages {
            Some(cutoffs) if foreign => Thresholds {
                answer: cutoffs.answer,
                suggest: cutoffs.suggest,
                ..*self
            },
            _ => *self,
        }
    }

    /// These thresholds with `answer` and `suggest` overridden for every language (the
    /// `[matcher]` settings), where given.
    pub fn overridden(mut self, answer: Option<f32>, suggest: Option<f32>) -> Thresholds {
        self.answer = answer.unwrap_or(self.answer);
        self.suggest = suggest.unwrap_or(self.suggest);
        if let Some(others) = &mut self.other_languages {
            others.answer = answer.unwrap_or(others.answer);
            others.suggest = suggest.unwrap_or(others.suggest);
        }
        self
    }
}

impl Default for Thresholds {
    /// The values [`tune_thresholds`] picks on CLINC150 validation (`val` + `oos_val`) with
    /// the default [`TrainOptions`](super::TrainOptions), rounded: there they hand off
    /// 70 % of out-of-scope queries and keep 93.4 % in-scope accuracy, and answered
    /// queries are 95 % right. Because confidences are calibrated they transfer to other
    /// label sets better than raw scores would.
    fn default() -> Self {
        Thresholds {
            answer: 0.46,
            suggest: 0.10,
            max_suggestions: 3,
            other_languages: None,
        }
    }
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Answer with this label (an index into [`Classifier::labels`]).
    Answer(usize),
    /// Offer these labels, best first.
    Suggest(Vec<usize>),
    /// Hand the conversation to a human.
    Handoff,
}

/// Decides from ranked output (best first, as [`Classifier::rank`] returns it). `labels`
/// are the classifier's labels, used to recognise [`OUT_OF_SCOPE`].
pub fn decide(ranked: &[Ranked], labels: &[String], thresholds: &Thresholds) -> Verdict {
    let is_oos = |r: &Ranked| labels.get(r.label).is_none_or(|l| l == OUT_OF_SCOPE);
    let Some(top) = ranked.first() else {
        return Verdict::Handoff;
    };
    if is_oos(top) || top.confidence.is_nan() || top.confidence < thresholds.suggest {
        return Verdict::Handoff;
    }
    if top.confidence >= thresholds.answer {
        return Verdict::Answer(top.label);
    }
    Verdict::Suggest(
        ranked
            .iter()
            .filter(|r| !is_oos(r) && r.confidence >= thresholds.suggest)
            .take(thresholds.max_suggestions.max(1))
            .map(|r| r.label)
            .collect(),
    )
}

/// Picks thresholds on labelled validation examples (label [`OUT_OF_SCOPE`] for messages
/// that must be handed off). Without out-of-scope examples `suggest` keeps its default;
/// with too few in-scope examples `answer` does.
pub fn tune_thresholds(classifier: &Classifier, validation: &[Example]) -> Thresholds {
    tune_thresholds_with(
        |text| classifier.rank(text, 1).first().copied(),
        classifier.labels(),
        validation,
        TARGET_OOS_RECALL,
    )
}

/// [`tune_thresholds`] for any ranking, aiming `suggest` at `target_oos_recall`: `top`
/// gives a text's best label (e.g. the [hybrid](crate::hybrid) ranking with the sentence
/// encoder).
pub fn tune_thresholds_with(
    top: impl Fn(&str) -> Option<Ranked>,
    labels: &[String],
    validation: &[Example],
    target_oos_recall: f32,
) -> Thresholds {
    let defaults = Thresholds::default();
    // (top confidence, top is oos, top is right, gold is oos)
    let outcomes: Vec<(f32, bool, bool, bool)> = validation
        .iter()
        .filter_map(|example| {
            let top = top(&example.text)?;
            let top_label = labels.get(top.label)?;
            Some((
                top.confidence,
                top_label == OUT_OF_SCOPE,
                top_label == example.label.trim(),
                example.label.trim() == OUT_OF_SCOPE,
            ))
        })
        .collect();

    let mut oos_confidences: Vec<f32> = outcomes
        .iter()
        .filter(|o| o.3 && !o.1)
        .map(|o| o.0)
        .collect();
    let oos_total = outcomes.iter().filter(|o| o.3).count();
    let suggest = if oos_total == 0 {
        defaults.suggest
    } else {
        oos_confidences.sort_unstable_by(f32::total_cmp);
        let needed = (target_oos_recall * oos_total as f32).ceil() as usize;
        let already = oos_total - oos_confidences.len();
        match needed.saturating_sub(already) {
            0 => 0.0,
            n => oos_confidences
                .get(n - 1)
                .map_or(1.0, |c| next_up(*c).min(1.0)),
        }
    };

    let mut answerable: Vec<(f32, bool)> = outcomes
        .iter()
        .filter(|o| !o.1 && o.0 >= suggest)
        .map(|o| (o.0, o.2))
        .collect();
    answerable.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    const MIN_ANSWERED: usize = 10;
    let (mut right, mut best) = (0usize, None);
    for (i, &(confidence, correct)) in answerable.iter().enumerate() {
        right += usize::from(correct);
        let precision = right as f32 / (i + 1) as f32;
        let at_tie_end = answerable.get(i + 1).is_none_or(|n| n.0 < confidence);
        if i + 1 >= MIN_ANSWERED && at_tie_end && precision >= TARGET_ANSWER_PRECISION {
            best = Some(confidence);
        }
    }
    Thresholds {
        answer: best.unwrap_or(defaults.answer).max(suggest),
        suggest,
        max_suggestions: defaults.max_suggestions,
        other_languages: None,
    }
}

/// The smallest `f32` above `x` (for `x` in `[0, 1]`).
fn next_up(x: f32) -> f32 {
    f32::from_bits(x.to_bits() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["balance", "refund", OUT_OF_SCOPE, "hours"]
            .map(String::from)
            .to_vec()
    }

    fn ranked(items: &[(usize, f32)]) -> Vec<Ranked> {
        items
            .iter()
            .map(|&(label, confidence)| Ranked { label, confidence })
            .collect()
    }

    #[test]
    fn confident_top_is_answered() {
        let t = Thresholds::default();
        let r = ranked(&[(1, 0.95), (0, 0.03)]);
        assert_eq!(decide(&r, &labels(), &t), Verdict::Answer(1));
    }

    #[test]
    fn out_of_scope_or_low_confidence_is_handed_off() {
        let t = Thresholds::default();
        assert_eq!(
            decide(&ranked(&[(2, 0.9)]), &labels(), &t),
            Verdict::Handoff
        );
        assert_eq!(
            decide(&ranked(&[(0, 0.05)]), &labels(), &t),
            Verdict::Handoff
        );
        assert_eq!(decide(&[], &labels(), &t), Verdict::Handoff);
        assert_eq!(
            decide(&ranked(&[(9, 0.99)]), &labels(), &t),
            Verdict::Handoff
        );
    }

    #[test]
    fn close_candidates_are_suggested_without_oos() {
        let t = Thresholds {
            answer: 0.9,
            suggest: 0.2,
            max_suggestions: 2,
            other_languages: None,
        };
        let r = ranked(&[(0, 0.4), (2, 0.3), (3, 0.25), (1, 0.05)]);
        assert_eq!(decide(&r, &labels(), &t), Verdict::Suggest(vec![0, 3]));
    }

    fn with_other_languages() -> Thresholds {
        Thresholds {
            answer: 0.3,
            suggest: 0.28,
            max_suggestions: 2,
            other_languages: Some(Cutoffs {
                answer: 0.22,
                suggest: 0.21,
            }),
        }
    }

    #[test]
    fn a_question_in_another_language_is_decided_at_its_own_thresholds() {
        let t = with_other_languages();
        let r = ranked(&[(0, 0.25), (1, 0.05)]);
        assert_eq!(
            decide(&r, &labels(), &t.for_question(false)),
            Verdict::Handoff
        );
        assert_eq!(
            decide(&r, &labels(), &t.for_question(true)),
            Verdict::Answer(0)
        );
        assert_eq!(t.for_question(true).max_suggestions, 2);
        // Without thresholds of their own, every question has the same.
        let same = Thresholds::default();
        assert_eq!(same.for_question(true), same);
    }

    #[test]
    fn settings_override_the_thresholds_of_every_language() {
        let t = with_other_languages().overridden(Some(0.5), None);
        assert_eq!((t.answer, t.suggest), (0.5, 0.28));
        assert_eq!(
            t.other_languages,
            Some(Cutoffs {
                answer: 0.5,
                suggest: 0.21
            })
        );
        let t = with_other_languages().overridden(None, Some(0.4));
        assert_eq!((t.answer, t.suggest), (0.3, 0.4));
        assert_eq!(
            t.other_languages,
            Some(Cutoffs {
                answer: 0.22,
                suggest: 0.4
            })
        );
        assert_eq!(
            with_other_languages().overridden(None, None),
            with_other_languages()
        );
    }

    #[test]
    fn a_higher_out_of_scope_target_hands_off_more() {
        // Top confidences of the out-of-scope questions: 0.1, 0.2, 0.3, 0.4.
        let validation: Vec<Example> = ["a", "b", "c", "d"]
            .iter()
            .map(|t| Example::new(*t, OUT_OF_SCOPE))
            .collect();
        let labels = labels();
        let top = |text: &str| {
            let confidence = match text {
                "a" => 0.1,
                "b" => 0.2,
                "c" => 0.3,
                _ => 0.4,
            };
            Some(Ranked {
                label: 0,
                confidence,
            })
        };
        let handed_off = |target| {
            let t = tune_thresholds_with(top, &labels, &validation, target);
            [0.1f32, 0.2, 0.3, 0.4]
                .iter()
                .filter(|c| **c < t.suggest)
                .count()
        };
        assert_eq!(handed_off(0.5), 2);
        assert_eq!(handed_off(0.75), 3);
        assert_eq!(handed_off(1.0), 4);
    }
}
