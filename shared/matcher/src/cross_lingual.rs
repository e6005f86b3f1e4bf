//! Training examples moved into other languages, for the head that ranks questions in
//! another language than the examples' ([`hybrid`](crate::hybrid)).
//!
//! A multilingual encoder puts a German question about 0.23 (of a unit vector) away from
//! its English twin, and a head trained on English examples alone has never seen that
//! difference: a German question lands off its examples and gets lower, flatter
//! probabilities. Much of the difference is the same from one sentence to the next (a
//! "language shift"). So the head for other languages is trained on every example and on
//! [`COPIES`] copies of it moved by one such shift each: the sentence vector of one of the
//! shipped parallel sentences (`data/parallel_sentences.jsonl`: 120 everyday sentences in
//! seven languages, unrelated to support questions) in another language, minus its vector
//! in the examples' language, added to the example's and normalized again. The copies take
//! the shifts in turn (listed sentence by sentence, six languages each), so an intent's
//! consecutive examples are moved into every language, and a load is deterministic.
//!
//! Measured with `frontline-eval` on our translations of CLINC150 validation questions
//! (README, "Training examples moved into other languages"): German, Spanish and French
//! answered right 82.3 / 87.6 / 83.9 % of the time against 76.9 / 86.6 / 83.3 % without.
//! English questions do not use this head, so nothing changes for them.

use serde::Deserialize;

use crate::encoder::{sentence, DiskCache, Encoder, EncoderError};

/// Moved copies of each example, beside the example itself, by default
/// ([`HybridOptions::moved_copies`](crate::hybrid::HybridOptions::moved_copies)).
pub const COPIES: usize = 3;

/// The parallel sentences, compiled in: groups of one sentence in seven languages.
const PARALLEL_SENTENCES: &str = include_str!("../data/parallel_sentences.jsonl");

#[derive(Deserialize)]
struct Line {
    text: String,
    lang: String,
}

/// The differences between the encoder's sentence vectors of one sentence in other
/// languages and in the examples' language.
#[derive(Debug)]
pub struct LanguageShifts {
    shifts: Vec<Vec<f32>>,
}

impl LanguageShifts {
    /// The shifts from `language` (the examples', an ISO 639-1 code) to each other
    /// language of the parallel sentences, embedded through `disk` when given; `None`
    /// when `language` is not one of them (no examples are moved).
    pub fn embed(
        encoder: &Encoder,
        language: &str,
        disk: Option<&mut DiskCache>,
    ) -> Result<Option<LanguageShifts>, EncoderError> {
        let groups = parallel_sentences();
        // (position of the sentence in `language`, positions of its other languages)
        let mut texts: Vec<&str> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for group in &groups {
            let Some(from) = group.iter().find(|l| l.lang == language) else {
                continue;
            };
            let base = texts.len();
            texts.push(&from.text);
            for other in group.iter().filter(|l| l.lang != language) {
                pairs.push((base, texts.len()));
                texts.push(&other.text);
            }
        }
        if pairs.is_empty() {
            return Ok(None);
        }
        let vectors = encoder.embed_many(&texts, disk)?;
        let shifts = pairs
            .into_iter()
            .map(|(from, to)| {
                sentence(&vectors[to])
                    .iter()
                    .zip(sentence(&vectors[from]))
                    .map(|(t, f)| t - f)
                    .collect()
            })
            .collect();
        Ok(Some(LanguageShifts { shifts }))
    }

    /// `copies` moved copies of every example (its sentence vector and its class), each
    /// with its example's class: all examples' first copies in their order, then all
    /// second copies, and so on.
    pub fn moved_copies<T: Copy>(
        &self,
        examples: &[(&[f32], T)],
        copies: usize,
    ) -> Vec<(Vec<f32>, T)> {
        (0..copies)
            .flat_map(|copy| {
                examples
                    .iter()
                    .enumerate()
                    .map(move |(i, &(example, class))| {
                        let turn = (i % self.shifts.len()) * copies + copy;
                        let shift = &self.shifts[turn % self.shifts.len()];
                        (moved(example, shift), class)
                    })
            })
            .collect()
    }
}

/// `vector + shift`, L2-normalized (sentence vectors are unit vectors).
fn moved(vector: &[f32], shift: &[f32]) -> Vec<f32> {
    let mut out: Vec<f32> = vector.iter().zip(shift).map(|(v, s)| v + s).collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut out {
            *x /= norm;
        }
    }
    out
}

/// The shipped parallel sentences, one group per English sentence (a group starts at each
/// `en` line).
fn parallel_sentences() -> Vec<Vec<Line>> {
    let mut groups: Vec<Vec<Line>> = Vec::new();
    for line in PARALLEL_SENTENCES.lines().filter(|l| !l.trim().is_empty()) {
        // Compiled in and checked by a test: a bad line is a build of ours, not input.
        let Ok(line) = serde_json::from_str::<Line>(line) else {
            continue;
        };
        match groups.last_mut() {
            Some(group) if line.lang != "en" => group.push(line),
            _ => groups.push(vec![line]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sentences_are_120_in_seven_languages() {
        let groups = parallel_sentences();
        assert_eq!(groups.len(), 120);
        for group in &groups {
            let languages: Vec<&str> = group.iter().map(|l| l.lang.as_str()).collect();
            assert_eq!(languages, ["en", "de", "fr", "es", "it", "nl", "pt"]);
            assert!(group.iter().all(|l| !l.text.trim().is_empty()));
        }
        let parsed: usize = groups.iter().map(Vec::len).sum();
        assert_eq!(
            parsed,
            PARALLEL_SENTENCES.lines().count(),
            "every line parses"
        );
    }

    #[test]
    fn a_moved_copy_is_a_unit_vector_in_the_shifts_direction() {
        let shifts = LanguageShifts {
            shifts: vec![vec![0.0, 1.0], vec![0.0, -1.0]],
        };
        let copies: Vec<Vec<f32>> = shifts
            .moved_copies(&[(&[1.0, 0.0], ())], COPIES)
            .into_iter()
            .map(|(copy, ())| copy)
            .collect();
        assert_eq!(copies.len(), COPIES);
        let half = std::f32::consts::FRAC_1_SQRT_2;
        for copy in &copies {
            assert!((copy[0] - half).abs() < 1e-6, "{copy:?}");
            assert!((copy[1].abs() - half).abs() < 1e-6, "{copy:?}");
        }
        // Both shifts are used.
        assert!(copies.iter().any(|c| c[1] > 0.0) && copies.iter().any(|c| c[1] < 0.0));
    }
}
