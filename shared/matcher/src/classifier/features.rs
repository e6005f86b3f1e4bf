//! Sparse TF-IDF features: word 1-2-grams, word skip-pairs and character n-grams.
//!
//! A text is [`normalize`](frontline_shared::text::normalize)d and turned into three blocks of
//! n-grams, each hashed to a 64-bit key:
//!
//! - **words**: unigrams and bigrams (`check`, `check balance`);
//! - **pairs** (off by default: no measured gain on CLINC150 for 2.4× the memory):
//!   ordered word pairs 2 to [`FeatureOptions::skip_window`] words apart (`check …
//!   balance` in "check my card balance"), which tolerate inserted words;
//! - **chars**: character n-grams of length [`FeatureOptions::char_min`] to
//!   [`FeatureOptions::char_max`] inside each word padded with spaces (`" ba"`, `"bal"`,
//!   …), which make typos and inflections (`balanse`, `balances`) still match.
//!
//! Keys seen in the training texts form the vocabulary; unknown keys at query time are
//! ignored. Values are sublinear TF-IDF (`(1 + ln tf) · idf`, smooth idf), each block is
//! L2-normalized on its own (so the thousands of character n-grams do not drown the few
//! words) and the concatenation is L2-normalized again. This is what scikit-learn's
//! `TfidfVectorizer(sublinear_tf=True)` does per block; prototypes measured it there first.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use frontline_shared::text;

/// Feature extraction settings; [`Default`] holds the tuned values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FeatureOptions {
    /// Longest word n-gram (1 = words only, 2 = words and bigrams).
    pub word_ngrams: usize,
    /// Largest distance between the two words of a skip-pair; below 2 disables pairs.
    pub skip_window: usize,
    /// Shortest character n-gram; 0 disables character n-grams.
    pub char_min: usize,
    /// Longest character n-gram.
    pub char_max: usize,
    /// Keys seen in fewer training texts than this are dropped from the vocabulary.
    pub min_df: u32,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            word_ngrams: 2,
            skip_window: 0,
            char_min: 2,
            char_max: 5,
            min_df: 1,
        }
    }
}

const BLOCKS: usize = 3;
const WORDS: u8 = 0;
const PAIRS: u8 = 1;
const CHARS: u8 = 2;

/// A sparse vector with sorted, distinct indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SparseVec {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

/// The keys are already well-mixed hashes, so the map uses them as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// The fitted vocabulary: key → feature index, with each feature's idf and block.
#[derive(Debug, Clone)]
pub(crate) struct Featurizer {
    options: FeatureOptions,
    ids: KeyMap<u32>,
    idf: Vec<f32>,
    block: Vec<u8>,
    /// The idf of a key no training text contains.
    unknown_idf: f32,
}

impl Featurizer {
    /// Builds the vocabulary and idf weights from the training texts.
    pub fn fit<'a>(texts: impl Iterator<Item = &'a str>, options: &FeatureOptions) -> Self {
        let mut df: KeyMap<(u32, u8)> = KeyMap::default();
        let mut order: Vec<u64> = Vec::new();
        let mut keys = Vec::new();
        let mut docs = 0usize;
        for text in texts {
            docs += 1;
            keys.clear();
            extract(text, options, &mut keys);
            keys.sort_unstable();
            keys.dedup();
            for &(key, block) in &keys {
                let entry = df.entry(key).or_insert_with(|| {
                    order.push(key);
                    (0, block)
                });
                entry.0 += 1;
            }
        }
        let mut ids = KeyMap::default();
        let mut idf = Vec::new();
        let mut block = Vec::new();
        for key in order {
            let Some(&(count, b)) = df.get(&key) else {
                continue;
            };
            if count < options.min_df.max(1) {
                continue;
            }
            ids.insert(key, idf.len() as u32);
            idf.push((((1 + docs) as f32) / ((1 + count) as f32)).ln() + 1.0);
            block.push(b);
        }
        Featurizer {
            options: options.clone(),
            ids,
            idf,
            block,
            unknown_idf: ((1 + docs) as f32).ln() + 1.0,
        }
    }

    /// Number of features in the vocabulary.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// Approximate heap bytes: the key map (key, id and a control byte per slot) and the
    /// per-feature idf and block.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity() * (8 + 4 + 1) + self.idf.capacity() * 4 + self.block.capacity()
    }

    /// The L2-normalized TF-IDF vector of `text` (empty if nothing in it is known).
    ///
    /// N-grams never seen in training count in the norm (with the idf of a key seen in no
    /// document) although they get no feature: a message made mostly of unknown words
    /// gets a short vector, hence scores close to the bias and a low confidence, instead
    /// of having its one accidental match blown up to full length.
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut keys = Vec::with_capacity(text.len() * 5);
        extract(text, &self.options, &mut keys);
        // Known keys become feature ids (sorting those sorts the vector too); the few
        // unknown ones are kept only for their weight in the norm.
        let mut known: Vec<u32> = Vec::with_capacity(keys.len());
        let mut unknown: Vec<(u64, u8)> = Vec::new();
        for &(key, block) in &keys {
            match self.ids.get(&key) {
                Some(&id) => known.push(id),
                None => unknown.push((key, block)),
            }
        }
        known.sort_unstable();
        unknown.sort_unstable();
        let mut norms = [0f32; BLOCKS];
        for (run, &(_, block)) in runs(&unknown) {
            let value = tf(run) * self.unknown_idf;
            norms[usize::from(block)] += value * value;
        }
        let mut indices = Vec::with_capacity(known.len());
        let mut values = Vec::with_capacity(known.len());
        for (run, &id) in runs(&known) {
            let value = tf(run) * self.idf[id as usize];
            norms[usize::from(self.block[id as usize])] += value * value;
            indices.push(id);
            values.push(value);
        }
        let present = norms.iter().filter(|&&n| n > 0.0).count() as f32;
        let norms = norms.map(|n| {
            if n > 0.0 {
                1.0 / (n * present).sqrt()
            } else {
                0.0
            }
        });
        for (value, &id) in values.iter_mut().zip(&indices) {
            *value *= norms[usize::from(self.block[id as usize])];
        }
        SparseVec { indices, values }
    }
}

/// Sublinear term frequency of a key seen `count` times.
fn tf(count: usize) -> f32 {
    1.0 + (count as f32).ln()
}

/// The runs of equal items of a sorted slice: each distinct item with its count.
fn runs<T: PartialEq>(sorted: &[T]) -> impl Iterator<Item = (usize, &T)> {
    sorted
        .chunk_by(|a, b| a == b)
        .map(|run| (run.len(), &run[0]))
}

/// Appends the hashed n-gram keys of `text` (with repeats) and their block.
fn extract(text: &str, options: &FeatureOptions, keys: &mut Vec<(u64, u8)>) {
    let normalized = text::normalize(text);
    let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    for n in 1..=options.word_ngrams {
        for window in words.windows(n) {
            let mut h = Fnv::new(WORDS);
            for (i, word) in window.iter().enumerate() {
                if i > 0 {
                    h.byte(b' ');
                }
                h.bytes(word.as_bytes());
            }
            keys.push((h.0, WORDS));
        }
    }
    if options.skip_window >= 2 {
        for (i, first) in words.iter().enumerate() {
            for second in words.iter().skip(i + 2).take(options.skip_window - 1) {
                let mut h = Fnv::new(PAIRS);
                h.bytes(first.as_bytes());
                h.byte(b'~');
                h.bytes(second.as_bytes());
                keys.push((h.0, PAIRS));
            }
        }
    }
    if options.char_min == 0 {
        return;
    }
    let mut padded: Vec<&[u8]> = Vec::new();
    for word in &words {
        // The word padded with spaces, one slice per character (its UTF-8 bytes).
        padded.clear();
        padded.push(b" ");
        padded.extend(
            word.char_indices()
                .map(|(i, c)| &word.as_bytes()[i..i + c.len_utf8()]),
        );
        padded.push(b" ");
        char_ngrams(&padded, options.char_min, options.char_max, keys);
    }
}

/// The character n-grams of one padded word, `min` to `max` characters long, hashed
/// incrementally: the keys of all lengths starting at one character share one pass. Like
/// scikit-learn's `char_wb`, a word shorter than `min` counts once, whole.
fn char_ngrams(chars: &[&[u8]], min: usize, max: usize, keys: &mut Vec<(u64, u8)>) {
    if chars.len() < min {
        let mut h = Fnv::new(CHARS);
        chars.iter().for_each(|c| h.bytes(c));
        keys.push((h.0, CHARS));
        return;
    }
    for start in 0..chars.len() {
        let mut h = Fnv::new(CHARS);
        for (length, c) in chars[start..].iter().take(max).enumerate() {
            h.bytes(c);
            if length + 1 >= min {
                keys.push((h.0, CHARS));
            }
        }
    }
}

/// 64-bit FNV-1a, seeded with the block so equal strings in two blocks differ.
struct Fnv(u64);

impl Fnv {
    fn new(block: u8) -> Self {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.byte(block);
        h
    }
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(texts: &[&str]) -> Featurizer {
        Featurizer::fit(texts.iter().copied(), &FeatureOptions::default())
    }

    #[test]
    fn vectors_are_unit_length_and_sorted() {
        let f = fit(&["check my balance", "what is my balance", "book a flight"]);
        let v = f.transform("Check my BALANCE");
        let norm: f32 = v.values.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
        let partly_known = f.transform("check my balance, zyxw qqq");
        let norm: f32 = partly_known.values.iter().map(|x| x * x).sum();
        assert!(
            norm > 0.1 && norm < 0.9,
            "unknown n-grams shorten the vector: {norm}"
        );
    }

    #[test]
    fn unknown_text_is_empty() {
        let f = fit(&["check my balance"]);
        assert!(f.transform("").indices.is_empty());
        assert!(f.transform("🙂🙂").indices.is_empty());
        assert!(f.transform("qqq").indices.is_empty());
    }

    #[test]
    fn typos_share_character_ngrams() {
        let f = fit(&["balance", "flight"]);
        let typo = f.transform("balanse");
        let right = f.transform("balance");
        let overlap = typo
            .indices
            .iter()
            .filter(|i| right.indices.contains(i))
            .count();
        assert!(overlap >= 5, "overlap {overlap}");
    }

    #[test]
    fn min_df_prunes_rare_keys() {
        let texts = ["check balance", "check flight"];
        let all = Featurizer::fit(texts.iter().copied(), &FeatureOptions::default());
        let options = FeatureOptions {
            min_df: 2,
            ..FeatureOptions::default()
        };
        let pruned = Featurizer::fit(texts.iter().copied(), &options);
        assert!(pruned.len() < all.len());
        assert!(!pruned.transform("check").indices.is_empty());
    }
}
