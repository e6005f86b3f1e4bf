//! The ranking the matcher decides on: the lexical [`Classifier`] alone, or beside a
//! linear head on [sentence embeddings](crate::encoder) with the two probability
//! distributions averaged.
//!
//! # Method
//!
//! At load time every training example is embedded (batched; cached on disk when a cache
//! is given) and a multinomial logistic regression (the *semantic head*: one weight vector
//! per label, L2-penalized, Adam on the full batch) learns the same labels as the lexical
//! classifier, the out-of-scope class included. It reads the whole embedding: the
//! sentence vector and the middle layer's (see [`encoder`](crate::encoder)). A second
//! head reads the sentence vector alone, for questions in another language than the
//! examples' (below). A question's probabilities are
//! `(1 − w) · lexical + w · semantic` with `w` = [`HybridOptions::semantic_weight`]; the
//! decision thresholds are then tuned on that mixture like on the lexical model alone,
//! aiming at a higher out-of-scope recall for questions in the examples' language than
//! for questions in other languages ([`Ranker::tune_thresholds`]).
//!
//! The encoder understands paraphrases and other languages, which n-grams cannot; the
//! lexical model is sharp on wording it has seen. Both are calibrated-ish probabilities,
//! so their average stays a probability.
//!
//! A question in another language than the training examples' (both [detected], a
//! question too short for that by [whatlang's guess](crate::language::Detected)) is
//! ranked by the semantic head alone, whatever the lexical side says: n-grams learnt
//! from English say nothing about German wording, only add noise to the mixture, and can
//! even look "sure" and skip the encoder. It is read by its sentence vector alone: the
//! middle layer's wording is language-specific, and where some labels have examples in
//! the question's language (a German article beside English intents) it pulls the
//! question to those.
//!
//! [detected]: crate::language::detect

use std::sync::Arc;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, Axis};

use crate::classifier::{
    top_k, tune_thresholds_with, Classifier, Cutoffs, Example, Ranked, Thresholds,
};
use crate::cross_lingual::LanguageShifts;
use crate::encoder::{sentence, softmax, DiskCache, Encoder, EncoderError};
use crate::language::{self, Detected};

/// How the semantic head is trained and mixed in. [`Default`] holds the mixing weight and
/// `skip_above` chosen on CLINC150 validation by `examples/tune_hybrid.rs` (split-half
/// checked; see the README's quality table): weight 0.8, encoder skipped when the lexical
/// top probability is at least 0.95 (it then runs on about a quarter of the questions).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HybridOptions {
    /// Share of the semantic head in the averaged probabilities.
    pub semantic_weight: f32,
    /// L2 penalty on the head's weights.
    pub l2: f32,
    /// Full-batch optimizer steps.
    pub steps: usize,
    pub learning_rate: f64,
    /// Temperature the head's logits are divided by at query time.
    pub temperature: f32,
    /// When the lexical model's top probability is at least this, the encoder is not run
    /// and the lexical probabilities stand (1 or more: always run it). Saves the
    /// encoder's time on the questions the lexical side is sure of.
    pub skip_above: f32,
    /// Copies of each example moved into other languages that the head for questions in
    /// another language than the examples' learns beside it ([`crate::cross_lingual`]);
    /// 0: the examples alone.
    pub moved_copies: usize,
}

impl Default for HybridOptions {
    fn default() -> Self {
        HybridOptions {
            semantic_weight: 0.8,
            l2: 1e-4,
            steps: 150,
            learning_rate: 0.05,
            temperature: 1.0,
            skip_above: 0.95,
            moved_copies: crate::cross_lingual::COPIES,
        }
    }
}

/// Share of out-of-scope validation questions the hybrid ranking's thresholds hand off
/// ([`tune_thresholds_per_language`]), for questions in the examples' language: above
/// the lexical model's 70 % ([`TARGET_OOS_RECALL`](crate::classifier::TARGET_OOS_RECALL)),
/// so that after the clarifying choice (which is not a handoff) it is still 75 % on
/// CLINC150 validation.
pub const EXAMPLES_LANGUAGE_TARGET_OOS_RECALL: f32 = 0.78;
/// The same for questions in another language than the examples': 70 %, as before there
/// were two. Ranked by meaning alone, their confidences are lower (a translation is
/// further from the English examples), so the English target's threshold would hand off
/// right questions there; at this one they are handed off when out of scope about as
/// often as English ones.
pub const OTHER_LANGUAGES_TARGET_OOS_RECALL: f32 = 0.70;

/// Picks the hybrid ranking's thresholds on labelled `validation` questions, whose best
/// label `top` gives, by the lexical model's rule ([`tune_thresholds_with`]): aiming at
/// [`EXAMPLES_LANGUAGE_TARGET_OOS_RECALL`], and at [`OTHER_LANGUAGES_TARGET_OOS_RECALL`]
/// for questions in other languages.
pub fn tune_thresholds_per_language(
    top: impl Fn(&str) -> Option<Ranked> + Copy,
    labels: &[String],
    validation: &[Example],
) -> Thresholds {
    let others = tune_thresholds_with(top, labels, validation, OTHER_LANGUAGES_TARGET_OOS_RECALL);
    Thresholds {
        other_languages: Some(Cutoffs::from(others)),
        ..tune_thresholds_with(top, labels, validation, EXAMPLES_LANGUAGE_TARGET_OOS_RECALL)
    }
}

/// The decision thresholds for the hybrid ranking when `[matcher]` sets none: what
/// [`Ranker::tune_thresholds`] picks on CLINC150 validation with the default
/// [`HybridOptions`] (as `frontline-eval` reports them: answer 0.2782, suggest 0.2777;
/// for other languages 0.2141 and 0.2131; the mixing weight and `skip_above` are
/// `tune_hybrid`'s), rounded to two places (the first two up, so that the out-of-scope
/// question at 0.2777 is still handed off): there they hand off 75 % of out-of-scope
/// questions, clarifying choices counted as not handed off. Averaging with the semantic
/// head flattens the probabilities, hence values below the lexical model's.
pub fn default_thresholds() -> Thresholds {
    Thresholds {
        answer: 0.28,
        suggest: 0.28,
        max_suggestions: 3,
        other_languages: Some(Cutoffs {
            answer: 0.21,
            suggest: 0.21,
        }),
    }
}

/// The decision thresholds when `[matcher]` sets none: [`default_thresholds`] with an
/// `encoder`, the lexical model's [`Thresholds::default`] without.
pub fn default_thresholds_for(encoder: bool) -> Thresholds {
    if encoder {
        default_thresholds()
    } else {
        Thresholds::default()
    }
}

/// One text's lexical probabilities and the semantic head's (`None` without an encoder).
pub type Sides = (Vec<f32>, Option<Vec<f32>>);

/// Lexical classifier, optionally with the encoder and its head.
#[derive(Debug)]
pub struct Ranker {
    classifier: Classifier,
    semantic: Option<Semantic>,
}

#[derive(Debug)]
struct Semantic {
    encoder: Arc<Encoder>,
    /// Reads the whole embedding: the sentence vector and the middle layer's, which
    /// keeps more of a question's wording.
    head: SemanticHead,
    /// Reads the sentence vector alone, for questions in another language than the
    /// examples': the middle layer's wording is language-specific, so beside examples in
    /// two languages it pulls a German question to the labels with German examples.
    sentence_head: SemanticHead,
    weight: f32,
    skip_above: f32,
    /// The language most training examples are detected in, if any is.
    examples_language: Option<&'static str>,
}

impl Ranker {
    /// The lexical classifier alone (`[matcher] encoder = "none"`).
    pub fn lexical(classifier: Classifier) -> Ranker {
        Ranker {
            classifier,
            semantic: None,
        }
    }

    /// The lexical classifier beside a semantic head trained on `examples` (the ones the
    /// classifier was trained on).
    pub fn hybrid(
        classifier: Classifier,
        encoder: Arc<Encoder>,
        examples: &[Example],
        disk: Option<&mut DiskCache>,
        options: &HybridOptions,
    ) -> Result<Ranker, EncoderError> {
        let labels = classifier.labels();
        let mut texts = Vec::with_capacity(examples.len());
        let mut targets = Vec::with_capacity(examples.len());
        for example in examples {
            if let Some(label) = labels.iter().position(|l| l == example.label.trim()) {
                texts.push(example.text.as_str());
                targets.push(label as u32);
            }
        }
        let mut disk = disk;
        let embeddings = encoder.embed_many(&texts, disk.as_deref_mut())?;
        let examples_language = majority_language(&texts);
        // The head for other languages learns the examples moved into them too.
        let sentences: Vec<&[f32]> = embeddings.iter().map(|e| sentence(e)).collect();
        let shifts = match examples_language {
            Some(language) if options.moved_copies > 0 => {
                LanguageShifts::embed(&encoder, language, disk)?
            }
            _ => None,
        };
        // Only examples in the examples' language are moved (or too short to tell): a
        // German article's own questions beside English intents are German already.
        let moved = shifts.map_or_else(Vec::new, |shifts| {
            let movable: Vec<(&[f32], u32)> = (0..texts.len())
                .filter(|&i| {
                    language::detect(texts[i]).is_none_or(|l| Some(l) == examples_language)
                })
                .map(|i| (sentences[i], targets[i]))
                .collect();
            shifts.moved_copies(&movable, options.moved_copies)
        });
        let sentence_rows: Vec<&[f32]> = sentences
            .iter()
            .copied()
            .chain(moved.iter().map(|(row, _)| row.as_slice()))
            .collect();
        let sentence_targets: Vec<u32> = targets
            .iter()
            .copied()
            .chain(moved.iter().map(|&(_, class)| class))
            .collect();
        let whole_rows: Vec<&[f32]> = embeddings.iter().map(Vec::as_slice).collect();
        // Side by side on two cores: the heads are independent.
        let (head, sentence_head) = rayon::join(
            || SemanticHead::train(&whole_rows, whole, &targets, labels.len(), options),
            || {
                SemanticHead::train(
                    &sentence_rows,
                    sentence,
                    &sentence_targets,
                    labels.len(),
                    options,
                )
            },
        );
        let (head, sentence_head) = (head?, sentence_head?);
        Ok(Ranker {
            classifier,
            semantic: Some(Semantic {
                encoder,
                head,
                sentence_head,
                weight: options.semantic_weight,
                skip_above: options.skip_above,
                examples_language,
            }),
        })
    }

    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    pub fn labels(&self) -> &[String] {
        self.classifier.labels()
    }

    /// The sentence encoder, when there is one.
    pub fn encoder(&self) -> Option<&Arc<Encoder>> {
        self.semantic.as_ref().map(|s| &s.encoder)
    }

    /// The encoder's name, or `"none"`.
    pub fn encoder_name(&self) -> &str {
        self.semantic
            .as_ref()
            .map_or(crate::encoder::NO_ENCODER, |s| s.encoder.name())
    }

    /// The probability of every label for `text`: the lexical ones, mixed with the
    /// semantic head's unless the lexical side is sure ([`lexical_is_sure`]); the
    /// semantic head's alone for a question in another language than the examples'
    /// ([`Ranker::semantic_weight`]). Should the encoder fail, the lexical
    /// probabilities alone (logged).
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        self.mixed(
            text,
            self.classifier.probabilities(text),
            self.detect_foreign(text),
        )
        .0
    }

    /// Whether the question `text`, whose language is as `detected`
    /// ([`language::detect_with_guess`]), is in another language than the examples'
    /// ([`is_foreign`]); never without an encoder.
    pub fn is_foreign(&self, text: &str, detected: Detected) -> bool {
        self.semantic
            .as_ref()
            .is_some_and(|semantic| is_foreign(text, detected, semantic.examples_language))
    }

    /// [`is_foreign`](Ranker::is_foreign), detecting `text`'s language when the ranking
    /// depends on it (with an encoder); lexical ranking alone does not spend the detection.
    fn detect_foreign(&self, text: &str) -> bool {
        self.semantic.is_some() && self.is_foreign(text, language::detect_with_guess(text))
    }

    /// `lexical` mixed with the semantic head's probabilities for `text`, a question in
    /// another language than the examples' when `foreign`, with what it was made of:
    /// `Some(foreign)` when the semantic head took part (`foreign`: alone), `None` for
    /// the lexical ranking.
    fn mixed(&self, text: &str, lexical: Vec<f32>, foreign: bool) -> (Vec<f32>, Option<bool>) {
        let mut probabilities = lexical;
        let Some(semantic) = &self.semantic else {
            return (probabilities, None);
        };
        let Some(weight) = semantic.weight(&probabilities, foreign) else {
            return (probabilities, None);
        };
        match semantic.encoder.embed(text) {
            Ok(embedding) => {
                mix(
                    &mut probabilities,
                    &semantic.probabilities(&embedding, foreign),
                    weight,
                );
                (probabilities, Some(foreign))
            }
            Err(error) => {
                tracing::warn!(%error, "sentence encoder failed; lexical ranking only");
                (probabilities, None)
            }
        }
    }

    /// The semantic head's share in a question's mixture given its `lexical`
    /// probabilities and whether it is [`foreign`](Ranker::is_foreign): `None` when the
    /// encoder is not run (there is none, or the lexical side is sure of a question in
    /// the examples' language), 1 for a question in another language than the examples',
    /// else the configured weight.
    pub fn semantic_weight(&self, lexical: &[f32], foreign: bool) -> Option<f32> {
        self.semantic.as_ref()?.weight(lexical, foreign)
    }

    /// The language most training examples are [detected](language::detect) in (`None`
    /// without an encoder, or when none is detected): questions in another one are
    /// ranked by the semantic head alone.
    pub fn examples_language(&self) -> Option<&'static str> {
        self.semantic.as_ref()?.examples_language
    }

    /// Both sides of many texts' rankings before mixing, for tuning the mixture: per
    /// text the lexical probabilities and the semantic head's (`None` without an
    /// encoder). The texts are embedded in batches, through `disk` when given.
    pub fn sides(
        &self,
        texts: &[&str],
        disk: Option<&mut DiskCache>,
    ) -> Result<Vec<Sides>, EncoderError> {
        let lexical = texts.iter().map(|t| self.classifier.probabilities(t));
        let Some(semantic) = &self.semantic else {
            return Ok(lexical.map(|l| (l, None)).collect());
        };
        let embeddings = semantic.encoder.embed_many(texts, disk)?;
        Ok(lexical
            .zip(embeddings)
            .zip(texts)
            .map(|((l, e), text)| {
                (
                    l,
                    Some(semantic.probabilities(&e, self.detect_foreign(text))),
                )
            })
            .collect())
    }

    /// Whether [`probabilities`](Ranker::probabilities) runs the encoder for `text`: there
    /// is one, and the lexical side is unsure, or the question is in another language
    /// than the examples', or the encoder [runs always](Ranker::run_encoder_always).
    pub fn runs_encoder(&self, text: &str) -> bool {
        self.semantic.is_some()
            && self
                .semantic_weight(
                    &self.classifier.probabilities(text),
                    self.detect_foreign(text),
                )
                .is_some()
    }

    /// Changes how the semantic head is mixed in (no retraining): see
    /// [`HybridOptions::semantic_weight`] and [`HybridOptions::skip_above`] (this undoes
    /// [`run_encoder_always`](Ranker::run_encoder_always)).
    pub fn set_mixing(&mut self, semantic_weight: f32, skip_above: f32) {
        if let Some(semantic) = &mut self.semantic {
            semantic.weight = semantic_weight;
            semantic.skip_above = skip_above;
        }
    }

    /// Runs the encoder on every question, however sure the lexical side is: with the
    /// default mixture, 95.45 % in-scope accuracy on CLINC150 validation and our
    /// translations against 95.13 % (`frontline-eval`, README), for an encoding of every
    /// new question instead of about one in four.
    pub fn run_encoder_always(&mut self) {
        if let Some(semantic) = &mut self.semantic {
            semantic.skip_above = f32::INFINITY;
        }
    }

    /// The `k` most probable labels for `text`, best first.
    pub fn rank(&self, text: &str, k: usize) -> Vec<Ranked> {
        top_k(self.probabilities(text), k)
    }

    /// A question's [`Ranking`]: the `k` most probable labels as [`rank`](Ranker::rank)
    /// gives them, and the lexical classifier's own `k` best.
    pub fn rank_with_lexical(&self, text: &str, k: usize) -> Ranking {
        self.rank_with_lexical_in(text, self.detect_foreign(text), k)
    }

    /// [`rank_with_lexical`](Ranker::rank_with_lexical) for a question the caller has
    /// told [`foreign`](Ranker::is_foreign) or not already.
    pub fn rank_with_lexical_in(&self, text: &str, foreign: bool, k: usize) -> Ranking {
        self.rank_read(text, self.classifier.probabilities(text), foreign, k)
    }

    /// [`rank_with_lexical_in`](Ranker::rank_with_lexical_in) for a question whose
    /// `lexical` probabilities the caller has from this ranker's classifier already.
    pub fn rank_read(&self, text: &str, lexical: Vec<f32>, foreign: bool, k: usize) -> Ranking {
        let lexical_ranked = top_k(lexical.clone(), k);
        let (mixed, semantic) = self.mixed(text, lexical, foreign);
        Ranking {
            ranked: top_k(mixed, k),
            lexical: lexical_ranked,
            semantic: semantic.is_some(),
            foreign: semantic == Some(true),
        }
    }

    /// Picks thresholds on labelled `validation` questions ranked by this ranker: per
    /// language with the semantic head ([`tune_thresholds_per_language`]), else the
    /// lexical model's ([`tune_thresholds`](crate::classifier::tune_thresholds)).
    pub fn tune_thresholds(&self, validation: &[Example]) -> Thresholds {
        if self.semantic.is_none() {
            return crate::classifier::tune_thresholds(&self.classifier, validation);
        }
        let tops: std::collections::HashMap<&str, Ranked> = validation
            .iter()
            .filter_map(|e| Some((e.text.as_str(), *self.rank(&e.text, 1).first()?)))
            .collect();
        tune_thresholds_per_language(|text| tops.get(text).copied(), self.labels(), validation)
    }

    /// Approximate heap memory of the model (the encoder counted once per ranker).
    pub fn heap_bytes(&self) -> usize {
        self.classifier.heap_bytes()
            + self.semantic.as_ref().map_or(0, |s| {
                s.encoder.heap_bytes() + s.head.heap_bytes() + s.sentence_head.heap_bytes()
            })
    }
}

/// One question's ranking, best first, and what it was made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// What the decision is made on: the mixture when the semantic head took part, else
    /// the lexical ranking.
    pub ranked: Vec<Ranked>,
    /// The lexical classifier's own ranking (what the clarifying rule for vague questions
    /// was calibrated on: how much a question's words say, see [`clarify`](crate::clarify)).
    /// Equal to `ranked` without the semantic head.
    pub lexical: Vec<Ranked>,
    /// Whether the semantic head took part: the encoder ran for this question.
    pub semantic: bool,
    /// Whether the question was ranked by meaning alone, being in another language than
    /// the examples' ([`Ranker::semantic_weight`]).
    pub foreign: bool,
}

impl Ranking {
    /// The ranking by meaning (the mixture), when the semantic head took part.
    pub fn by_meaning(&self) -> Option<&[Ranked]> {
        self.semantic.then_some(self.ranked.as_slice())
    }

    /// What the question's words say, for the [vague-question rule](crate::clarify): the
    /// lexical ranking, or, for a question ranked by meaning alone, the ranking by
    /// meaning, as n-grams learnt from the examples' language say nothing about another
    /// language's words.
    pub fn by_words(&self) -> &[Ranked] {
        if self.foreign {
            &self.ranked
        } else {
            &self.lexical
        }
    }
}

/// Whether the question `text`, whose language is as [detected](language::detect_with_guess),
/// is in another language than `examples_language` ([`Detected::differs_from`]).
pub fn is_foreign(text: &str, detected: Detected, examples_language: Option<&str>) -> bool {
    examples_language.is_some_and(|examples| detected.differs_from(text, examples))
}

/// The language [detected](language::detect) in most of `texts` that have one, if any
/// (judged on at most [`LANGUAGE_SAMPLE`] of them, spread over the list).
pub fn majority_language(texts: &[&str]) -> Option<&'static str> {
    let step = texts.len().div_ceil(LANGUAGE_SAMPLE).max(1);
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for code in texts
        .iter()
        .step_by(step)
        .filter_map(|text| language::detect(text))
    {
        match counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => counts.push((code, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(code, _)| code)
}

/// How many training examples [`majority_language`] looks at, at most.
pub const LANGUAGE_SAMPLE: usize = 512;

/// Whether the lexical side is sure enough that the encoder need not run: its top
/// probability is at least `skip_above`.
pub fn lexical_is_sure(lexical: &[f32], skip_above: f32) -> bool {
    lexical.iter().copied().fold(0.0, f32::max) >= skip_above
}

/// `lexical ← (1 − weight) · lexical + weight · semantic`.
pub fn mix(lexical: &mut [f32], semantic: &[f32], weight: f32) {
    for (p, s) in lexical.iter_mut().zip(semantic) {
        *p = (1.0 - weight) * *p + weight * s;
    }
}

impl Semantic {
    /// [`Ranker::semantic_weight`] for a question that is `foreign` or not.
    fn weight(&self, lexical: &[f32], foreign: bool) -> Option<f32> {
        if foreign {
            Some(1.0)
        } else {
            (!lexical_is_sure(lexical, self.skip_above)).then_some(self.weight)
        }
    }

    /// The semantic head's probabilities for a question's `embedding`; a `foreign` one
    /// (in another language than the examples') is read by its sentence vector alone.
    fn probabilities(&self, embedding: &[f32], foreign: bool) -> Vec<f32> {
        let head = if foreign {
            &self.sentence_head
        } else {
            &self.head
        };
        head.probabilities(embedding)
    }
}

/// What a head reads of an embedding: all of it (the sentence vector and the middle
/// layer's), or its [`sentence`] vector.
type Reading = fn(&[f32]) -> &[f32];

/// The whole embedding.
fn whole(embedding: &[f32]) -> &[f32] {
    embedding
}

/// Multinomial logistic regression on centred embeddings.
#[derive(Debug, Clone)]
struct SemanticHead {
    /// The part of an embedding it reads, in training and scoring alike.
    reads: Reading,
    /// `dim × classes`, row-major (one row per dimension read).
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// The training embeddings' mean, subtracted before scoring.
    mean: Vec<f32>,
    classes: usize,
    temperature: f32,
}

/// Embeddings are scaled by this after centring, so the weights have a usable range.
const SCALE: f32 = 10.0;

impl SemanticHead {
    /// Trains on `rows`, each what the head [`reads`](SemanticHead::reads) of an
    /// embedding (`reads` applied to one, or a vector like it), of class `targets[i]`.
    fn train(
        rows: &[&[f32]],
        reads: Reading,
        targets: &[u32],
        classes: usize,
        options: &HybridOptions,
    ) -> Result<SemanticHead, EncoderError> {
        let dim = rows.first().map_or(0, |r| r.len());
        let n = rows.len();
        let mut mean = vec![0f32; dim];
        for row in rows {
            for (m, v) in mean.iter_mut().zip(row.iter()) {
                *m += v / n.max(1) as f32;
            }
        }
        let x = Array2::from_shape_fn((n, dim), |(i, j)| (rows[i][j] - mean[j]) * SCALE);
        let mut weights = Array2::<f32>::zeros((dim, classes));
        let mut bias = Array1::<f32>::zeros(classes);
        let mut adam_weights = Adam::new(weights.len(), options.learning_rate as f32);
        let mut adam_bias = Adam::new(classes, options.learning_rate as f32);
        let one_hot = Array2::from_shape_fn((n, classes), |(i, c)| {
            if targets[i] as usize == c {
                1.0
            } else {
                0.0
            }
        });
        for _ in 0..options.steps {
            // The mean cross-entropy's gradient by the logits X W + b: (softmax − one-hot) / n.
            let mut logits = x.dot(&weights) + &bias;
            for mut row in logits.rows_mut() {
                if let Some(row) = row.as_slice_mut() {
                    softmax(row);
                }
            }
            let residual = (logits - &one_hot) / n.max(1) as f32;
            // By the weights Xᵀ residual, plus the L2 penalty's 2 λ W; by the bias, its sum.
            let mut gradient = weights.mapv(|w| 2.0 * options.l2 * w);
            general_mat_mul(1.0, &x.t(), &residual, 1.0, &mut gradient);
            let bias_gradient = residual.sum_axis(Axis(0));
            adam_weights.step(weights.as_slice_mut(), gradient.as_slice());
            adam_bias.step(bias.as_slice_mut(), bias_gradient.as_slice());
        }
        Ok(SemanticHead {
            reads,
            weights: weights.into_raw_vec_and_offset().0,
            bias: bias.to_vec(),
            mean,
            classes,
            temperature: options.temperature.max(1e-3),
        })
    }

    fn heap_bytes(&self) -> usize {
        4 * (self.weights.len() + self.bias.len() + self.mean.len())
    }

    /// Softmax over the classes' scores for one embedding (the part it [`reads`]).
    ///
    /// [`reads`]: SemanticHead::reads
    fn probabilities(&self, embedding: &[f32]) -> Vec<f32> {
        let mut scores = self.bias.clone();
        for ((v, m), row) in (self.reads)(embedding)
            .iter()
            .zip(&self.mean)
            .zip(self.weights.chunks_exact(self.classes))
        {
            let x = (v - m) * SCALE;
            for (s, w) in scores.iter_mut().zip(row) {
                *s += x * w;
            }
        }
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for s in &mut scores {
            *s = ((*s - max) / self.temperature).exp();
            sum += *s;
        }
        for s in &mut scores {
            *s /= sum;
        }
        scores
    }
}

/// Adam (Kingma & Ba, 2015) with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and bias
/// correction; the L2 penalty is part of the gradient.
struct Adam {
    learning_rate: f32,
    first: Vec<f32>,
    second: Vec<f32>,
    steps: i32,
}

impl Adam {
    const BETA1: f32 = 0.9;
    const BETA2: f32 = 0.999;
    const EPSILON: f32 = 1e-8;

    fn new(len: usize, learning_rate: f32) -> Adam {
        Adam {
            learning_rate,
            first: vec![0.0; len],
            second: vec![0.0; len],
            steps: 0,
        }
    }

    /// One update; both slices are contiguous arrays of this optimizer's length.
    fn step(&mut self, params: Option<&mut [f32]>, gradient: Option<&[f32]>) {
        let (Some(params), Some(gradient)) = (params, gradient) else {
            return;
        };
        self.steps += 1;
        let correct1 = 1.0 / (1.0 - Self::BETA1.powi(self.steps));
        let correct2 = 1.0 / (1.0 - Self::BETA2.powi(self.steps));
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(gradient)
            .zip(&mut self.first)
            .zip(&mut self.second)
        {
            *m = Self::BETA1 * *m + (1.0 - Self::BETA1) * g;
            *v = Self::BETA2 * *v + (1.0 - Self::BETA2) * g * g;
            *p -= self.learning_rate * (*m * correct1) / ((*v * correct2).sqrt() + Self::EPSILON);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::DEFAULT_MODEL;

    #[test]
    fn the_head_learns_separable_classes() {
        // Three classes, each one direction of a 3-d space, with a little noise.
        let mut embeddings = Vec::new();
        let mut targets = Vec::new();
        for i in 0..30 {
            let class = i % 3;
            let mut e = vec![0.05 * ((i * 7 % 5) as f32 - 2.0); 3];
            e[class] += 1.0;
            embeddings.push(e);
            targets.push(class as u32);
        }
        let rows: Vec<&[f32]> = embeddings.iter().map(Vec::as_slice).collect();
        let head = SemanticHead::train(&rows, whole, &targets, 3, &HybridOptions::default())
            .expect("train");
        for class in 0..3 {
            let mut e = vec![0.0; 3];
            e[class] = 1.0;
            let p = head.probabilities(&e);
            assert!(p[class] > 0.9, "class {class}: {p:?}");
        }
    }

    fn examples() -> Vec<Example> {
        [
            ("where is my order", "order_status"),
            ("has my package shipped yet", "order_status"),
            ("track my parcel", "order_status"),
            ("when will my delivery arrive", "order_status"),
            ("i want to return these shoes", "returns"),
            ("how do i send an item back", "returns"),
            ("can i get a refund for my purchase", "returns"),
            ("what is your return policy", "returns"),
            ("do you sell gift cards", "gift_cards"),
            ("can i buy a voucher for a friend", "gift_cards"),
            ("how do gift certificates work", "gift_cards"),
            ("what is the capital of peru", "oos"),
            ("tell me a joke", "oos"),
            ("who won the football game", "oos"),
        ]
        .iter()
        .map(|(text, label)| Example::new(*text, *label))
        .collect()
    }

    /// English training, questions in German, Spanish and French (our own translations).
    #[test]
    fn questions_in_other_languages_reach_the_right_intent() {
        let examples = examples();
        let classifier = Classifier::train(&examples, &Default::default()).expect("train");
        let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("model"));
        let ranker = Ranker::hybrid(classifier, encoder, &examples, None, &Default::default())
            .expect("hybrid");
        assert_eq!(ranker.encoder_name(), DEFAULT_MODEL);
        for (question, intent) in [
            ("Wo ist meine Bestellung?", "order_status"),
            ("Ich möchte die Schuhe zurückschicken", "returns"),
            ("¿Venden tarjetas regalo?", "gift_cards"),
            ("Quand mon colis va-t-il arriver ?", "order_status"),
        ] {
            let top = ranker.rank(question, 1)[0];
            assert_eq!(ranker.labels()[top.label], intent, "{question}");
        }
        let lexical = Ranker::lexical(ranker.classifier().clone());
        assert_eq!(lexical.encoder_name(), "none");
    }

    #[test]
    fn the_examples_language_is_the_one_most_of_them_are_detected_in() {
        let english = [
            "where can i see the status of my order please",
            "i would like to send these shoes back for a refund",
            "do you sell gift cards that i can give to a friend",
            "Wo ist meine Bestellung, ich warte schon seit Tagen darauf?",
            "ok",
        ];
        assert_eq!(majority_language(&english), Some("en"));
        assert_eq!(majority_language(&["ok", "thanks"]), None);
        let foreign =
            |text: &str, examples| is_foreign(text, language::detect_with_guess(text), examples);
        let german = "Ich möchte die Schuhe zurückschicken, sie sind zu klein";
        assert_eq!(language::detect(german), Some("de"));
        assert!(foreign(german, Some("en")));
        assert!(!foreign(german, Some("de")));
        assert!(!foreign(german, None));
        assert!(!foreign(
            "i would like to send these shoes back, they are too small",
            Some("en")
        ));
        // Too short to detect: foreign only when surely not in the examples' language.
        let spanish = "qué estoy escuchando ahora mismo";
        assert_eq!(language::detect(spanish), None);
        assert!(foreign(spanish, Some("en")));
        assert!(!foreign(spanish, Some("es")));
        assert!(!foreign(spanish, None));
        assert_eq!(language::detect("my card was declined"), None);
        assert!(!foreign("my card was declined", Some("en")));
    }

    /// A question in another language than the examples' runs the encoder even when the
    /// lexical side counts as sure, and is ranked by the semantic head alone.
    #[test]
    fn a_question_in_another_language_is_ranked_by_meaning_alone() {
        let examples = examples();
        let classifier = Classifier::train(&examples, &Default::default()).expect("train");
        let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("model"));
        let mut ranker = Ranker::hybrid(classifier, encoder, &examples, None, &Default::default())
            .expect("hybrid");
        assert_eq!(ranker.examples_language(), Some("en"));
        // Every lexical ranking counts as sure: only a foreign question runs the encoder.
        ranker.set_mixing(0.5, 0.0);
        let english = "i would like to send these shoes back";
        assert!(!ranker.runs_encoder(english));
        assert_eq!(
            ranker.probabilities(english),
            ranker.classifier().probabilities(english)
        );
        let german = "Ich möchte diese Schuhe zurückschicken, sie passen mir nicht";
        assert!(ranker.runs_encoder(german));
        let top = ranker.rank(german, 1)[0];
        assert_eq!(ranker.labels()[top.label], "returns");
        // The German question's probabilities are the semantic head's alone.
        let (_, semantic) = ranker.sides(&[german], None).expect("embed").remove(0);
        let semantic = semantic.expect("an encoder");
        for (mixed, alone) in ranker.probabilities(german).iter().zip(&semantic) {
            assert!((mixed - alone).abs() < 1e-4, "{mixed} against {alone}");
        }
        // Read by the sentence vector alone, not the head that reads the middle layer too.
        let semantic_side = ranker.semantic.as_ref().expect("an encoder");
        let embedding = semantic_side.encoder.embed(german).expect("embed");
        let by_sentence = semantic_side.sentence_head.probabilities(&embedding);
        let by_both = semantic_side.head.probabilities(&embedding);
        let ranked = ranker.probabilities(german);
        let largest = |other: &[f32]| {
            ranked
                .iter()
                .zip(other)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max)
        };
        assert!(largest(&by_sentence) < 1e-6);
        assert!(
            largest(&by_both) > 1e-4,
            "the heads differ: {ranked:?} {by_both:?}"
        );
        // Told it is English, the same text keeps the lexical ranking.
        let told_english = ranker.rank_with_lexical_in(german, false, 3);
        assert_eq!(told_english.ranked, told_english.lexical);
        assert!(!told_english.semantic && !told_english.foreign);
        assert_eq!(told_english.by_words(), told_english.lexical.as_slice());
        // Ranked by meaning alone, its words are judged by that ranking too (the
        // vague-question rule), not by n-grams learnt from English.
        let as_german = ranker.rank_with_lexical_in(german, true, 3);
        assert!(as_german.semantic && as_german.foreign);
        assert_ne!(as_german.ranked, as_german.lexical);
        assert_eq!(as_german.by_words(), as_german.ranked.as_slice());
        assert!(ranker.is_foreign(german, language::detect_with_guess(german)));
        assert_eq!(ranker.semantic_weight(&[1.0], true), Some(1.0));
        assert_eq!(ranker.semantic_weight(&[0.1, 0.9], false), None);
    }
}
