//! The sentence encoder: a multilingual BERT run in-process on the CPU.
//!
//! The shipped model is `multilingual-e5-small` (`shared/matcher/models/`, with its
//! licence, provenance and conversion in the README beside it): 12 layers, 384
//! dimensions, XLM-RoBERTa's SentencePiece vocabulary trimmed to Latin script. A text is
//! embedded as the model card says: `"query: " + text`, tokenized, run through BERT
//! ([`bert`]: f32 layers on `matrixmultiply`'s matrix products), mean-pooled over its
//! tokens and L2-normalized, so the dot product of two sentence vectors is their cosine
//! similarity.
//!
//! An embedding holds two such vectors, each `hidden` long: the model's **sentence
//! vector** (the last layer's tokens, [`sentence`]; what the model card defines and
//! knowledge search compares) and the same pooling of the **middle layer**'s output
//! ([`middle`]: after 6 of the 12 layers), which keeps more of the question's wording.
//! The semantic head reads both: on CLINC150 validation, 95.73 % in-scope against 95.2 %
//! with the sentence vector alone, at the same out-of-scope recall (README, "The middle
//! layer").
//!
//! # Layout
//! - this file: [`Encoder`] (load, embed one text with a cache, embed many in batches);
//! - [`bert`]: the transformer layers over packed sequences (no padding);
//! - [`files`]: reading the model directory, each failure naming the file;
//! - [`disk_cache`]: embeddings kept on disk by content hash and model, so a reload
//!   re-embeds only what changed.
//!
//! The matrices stay 4-bit (Q4_0) on disk; the layers are dequantized to f32 at load,
//! the word-embedding table stays 4-bit in memory and only the rows of a text's tokens
//! are dequantized.

mod bert;
mod disk_cache;
mod files;
mod int8;
mod unigram;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ndarray::{Array1, Array2, Axis};

pub(crate) use bert::softmax;
pub use bert::Precision;
use bert::{Bert, LayerNorm};
use unigram::SentenceTokenizer;

pub use disk_cache::DiskCache;

/// The encoder Frontline uses unless `[matcher] encoder` says otherwise.
pub const DEFAULT_MODEL: &str = "multilingual-e5-small";
/// The `[matcher] encoder` value that turns the encoder off (lexical matching only).
pub const NO_ENCODER: &str = "none";
/// What `[matcher] encoder` means when unset: the multilingual encoder beside the lexical
/// classifier (`"none"` is the smallest and fastest choice, English-centric).
pub const DEFAULT_SETTING: &str = DEFAULT_MODEL;
/// The models shipped with Frontline, by name (a folder under [`default_models_dir`]).
pub const MODELS: &[&str] = &[DEFAULT_MODEL];
/// What e5 puts before a question (the model card: "query: " for queries).
const QUERY_PREFIX: &str = "query: ";
/// Tokens embedded together when embedding many (one matrix product per layer for all
/// their rows), at most: a batch is as many texts of similar length as fit, and at least
/// one; about 60 questions or 8 articles. Batches of 32 texts (4,000 rows of articles,
/// the feed-forward layer's 1,536 columns each) held a cold start of 1,000 articles at
/// 363–379 MB resident at its peak and 218–231 MB after it (`startup_phases`, which
/// holds 135 MB when the same start is warm); these 226–229 MB and 181–202 MB, in the
/// same time.
const BATCH_TOKENS: usize = 1_024;
/// Questions whose embeddings the in-memory cache keeps (then it starts over).
const CACHE_ENTRIES: usize = 8192;

/// Why an encoder could not be loaded or run. Load errors name the file.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("unknown encoder {name:?}: expected \"none\" or one of {known:?}")]
    Unknown { name: String, known: Vec<String> },
    #[error("cannot read encoder model file {path}: {message}")]
    Missing { path: PathBuf, message: String },
    #[error("invalid encoder model file {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("encoding failed: {0}")]
    Run(String),
    #[error("cannot write embedding cache {path}: {message}")]
    CacheWrite { path: PathBuf, message: String },
}

/// Where the shipped models are: `shared/matcher/models` of the source tree this binary
/// was built from, unless `FRONTLINE_MODELS_DIR` names another folder (an installed copy).
pub fn default_models_dir() -> PathBuf {
    std::env::var_os("FRONTLINE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
}

/// A loaded sentence encoder. `Send + Sync`; [`Encoder::embed`] takes `&self`.
pub struct Encoder {
    name: String,
    precision: Precision,
    tokenizer: SentenceTokenizer,
    /// The word-embedding table, 4-bit: one row of `row_bytes` per token id.
    words: Vec<u8>,
    row_bytes: usize,
    vocab: usize,
    hidden: usize,
    max_tokens: usize,
    /// Position embeddings, `max_tokens × hidden`.
    positions: Array2<f32>,
    /// Token type 0's embedding.
    token_type: Array1<f32>,
    norm: LayerNorm,
    layers: Bert,
    /// Embeddings of recent questions, by [`cache_key`].
    cache: Mutex<HashMap<String, Arc<[f32]>>>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("name", &self.name)
            .field("precision", &self.precision)
            .field("vocab", &self.vocab)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads a shipped model by name from [`default_models_dir`], in
    /// [`Precision::configured`].
    pub fn builtin(name: &str) -> Result<Encoder, EncoderError> {
        if !MODELS.contains(&name) {
            return Err(EncoderError::Unknown {
                name: name.to_owned(),
                known: MODELS.iter().map(|m| (*m).to_owned()).collect(),
            });
        }
        Encoder::load(
            &default_models_dir().join(name),
            name,
            Precision::configured(),
        )
    }

    /// Loads the model in `dir` (`config.json`, `tokenizer.json`, `model.safetensors`),
    /// its dense layers in `precision`.
    pub fn load(dir: &Path, name: &str, precision: Precision) -> Result<Encoder, EncoderError> {
        let files = files::ModelFiles::read(dir, precision)?;
        Ok(Encoder {
            name: name.to_owned(),
            precision,
            tokenizer: files.tokenizer,
            words: files.words,
            row_bytes: files.row_bytes,
            vocab: files.vocab,
            hidden: files.config.hidden_size,
            max_tokens: files.config.max_position_embeddings,
            positions: files.positions,
            token_type: files.token_type,
            norm: files.norm,
            layers: files.layers,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The model's name, as in `[matcher] encoder`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the dense layers multiply ([`Precision::fastest`] for this CPU by default).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// What the on-disk embedding cache is keyed by: the model, its precision (8-bit and
    /// f32 layers give slightly different vectors) and the embedding's layout (caches
    /// of sentence vectors alone, before the middle layer was kept, are left unread).
    pub fn cache_name(&self) -> String {
        match self.precision {
            Precision::F32 => format!("{}.{LAYOUT}", self.name),
            precision => format!("{}.{}.{LAYOUT}", self.name, precision.as_str()),
        }
    }

    /// The embedding's length: the sentence vector's and the middle layer's, `hidden`
    /// each.
    pub fn dim(&self) -> usize {
        2 * self.hidden
    }

    /// Approximate heap memory of the loaded model in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.words.len()
            + self.layers.heap_bytes()
            + 4 * self.positions.len()
            + self.tokenizer.get_model().heap_bytes()
    }

    /// The embedding of `text` (see the [module](self): the [`sentence`] vector, then the
    /// middle layer's), from the cache when the same text (after [`cache_key`]) was
    /// embedded recently.
    pub fn embed(&self, text: &str) -> Result<Arc<[f32]>, EncoderError> {
        let key = cache_key(text);
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let ids = self.token_ids(&key)?;
        let vector: Arc<[f32]> = self
            .forward(&[ids])
            .pop()
            .ok_or_else(|| EncoderError::Run("no output".to_owned()))?
            .into();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, vector.clone());
        Ok(vector)
    }

    /// Embeds many texts in batches (for training data and articles), reading and
    /// extending `disk` when given. Not cached in memory.
    pub fn embed_many(
        &self,
        texts: &[&str],
        disk: Option<&mut DiskCache>,
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        let keys: Vec<String> = texts.iter().map(|t| cache_key(t)).collect();
        let mut out: Vec<Option<Vec<f32>>> = match &disk {
            Some(disk) => keys.iter().map(|k| disk.get(k)).collect(),
            None => vec![None; keys.len()],
        };
        let mut missing: Vec<(usize, Vec<u32>)> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            if out[i].is_none() {
                missing.push((i, self.token_ids(key)?));
            }
        }
        // Batches of similar lengths, spread over the cores (this runs at load time).
        missing.sort_by_key(|(_, ids)| ids.len());
        let batches = token_batches(&missing);
        let mut fresh = Vec::with_capacity(missing.len());
        for (batch, vectors) in batches.iter().zip(self.forward_batches(&batches)?) {
            for ((i, _), vector) in batch.iter().zip(vectors) {
                fresh.push(*i);
                out[*i] = Some(vector);
            }
        }
        if let Some(disk) = disk {
            for &i in &fresh {
                if let Some(vector) = &out[i] {
                    disk.insert(&keys[i], vector);
                }
            }
            // The embeddings are computed: a cache that cannot be written (a read-only
            // folder, a full disk) costs the next load their time, not this one's result.
            if let Err(error) = disk.flush() {
                tracing::warn!(%error, "embedding cache not written; these texts are embedded again at the next load");
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Forgets the in-memory cache (benchmarks measure encoding, not the cache).
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn cached(&self, key: &str) -> Option<Arc<[f32]>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).cloned()
    }

    fn token_ids(&self, text: &str) -> Result<Vec<u32>, EncoderError> {
        let encoding = self
            .tokenizer
            .encode(format!("{QUERY_PREFIX}{text}"), true)
            .map_err(|e| EncoderError::Run(e.to_string()))?;
        let mut ids = encoding.get_ids().to_vec();
        ids.truncate(self.max_tokens);
        Ok(ids)
    }

    /// [`forward`](Encoder::forward) over every batch, on as many threads as there are
    /// cores, started for this call; the results in the batches' order.
    ///
    /// Not on rayon's global pool: a help centre embedded in the background would hold it
    /// for minutes, and every other load (another site's, a reload: parsing, indexing,
    /// training on that pool) would wait for it instead of sharing the cores.
    fn forward_batches(
        &self,
        batches: &[&[(usize, Vec<u32>)]],
    ) -> Result<Vec<Vec<Vec<f32>>>, EncoderError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(batches.len())
            .max(1);
        let run = |batch: &[(usize, Vec<u32>)]| {
            let ids: Vec<&[u32]> = batch.iter().map(|(_, ids)| ids.as_slice()).collect();
            self.forward(&ids)
        };
        if threads == 1 {
            return Ok(batches.iter().map(|batch| run(batch)).collect());
        }
        let mut results: Vec<Vec<Vec<f32>>> = vec![Vec::new(); batches.len()];
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|first| {
                    scope.spawn(move || {
                        (first..batches.len())
                            .step_by(threads)
                            .map(|b| (b, run(batches[b])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for worker in workers {
                let done = worker
                    .join()
                    .map_err(|_| EncoderError::Run("an encoding thread panicked".to_owned()))?;
                for (b, vectors) in done {
                    results[b] = vectors;
                }
            }
            Ok(results)
        })
    }

    /// BERT over token-id sequences (packed, no padding); per sequence, its tokens'
    /// mean in the last layer and in the middle one, each L2-normalized, side by side.
    fn forward<S: AsRef<[u32]>>(&self, batch: &[S]) -> Vec<Vec<f32>> {
        let h = self.hidden;
        // A sequence has at least one token (the tokenizer adds `<s>` and `</s>`).
        let lengths: Vec<usize> = batch.iter().map(|ids| ids.as_ref().len().max(1)).collect();
        let rows: usize = lengths.iter().sum();
        let mut x = Array2::zeros((rows, h));
        let mut row = 0;
        for ids in batch {
            let ids = ids.as_ref();
            let ids = if ids.is_empty() { &[0][..] } else { ids };
            for (t, &id) in ids.iter().enumerate() {
                let mut out = x.row_mut(row);
                if let Some(out) = out.as_slice_mut() {
                    self.word_row(id as usize, out);
                }
                out += &self.positions.row(t);
                out += &self.token_type;
                row += 1;
            }
        }
        self.norm.apply(&mut x.view_mut());
        let (last, middle) = self.layers.forward(x, &lengths);
        let mut vectors = Vec::with_capacity(batch.len());
        let mut start = 0;
        for &len in &lengths {
            let mut vector = Vec::with_capacity(2 * h);
            for layer in [&last, &middle] {
                let tokens = layer.slice_axis(Axis(0), ndarray::Slice::from(start..start + len));
                let sum = tokens.sum_axis(Axis(0));
                // Mean then L2 normalization: the 1/len cancels out.
                let norm = sum.dot(&sum).sqrt();
                let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
                vector.extend(sum.iter().map(|v| v * scale));
            }
            vectors.push(vector);
            start += len;
        }
        vectors
    }

    /// Dequantizes the word embedding of token `id` into `out`.
    fn word_row(&self, id: usize, out: &mut [f32]) {
        let id = if id < self.vocab { id } else { 0 };
        let row = &self.words[id * self.row_bytes..(id + 1) * self.row_bytes];
        files::dequantize_q4_0(row, out);
    }
}

/// `texts` (token ids, sorted by length) cut into batches of consecutive texts holding at
/// most [`BATCH_TOKENS`] tokens together, each at least one text.
fn token_batches<T>(texts: &[(T, Vec<u32>)]) -> Vec<&[(T, Vec<u32>)]> {
    let mut batches = Vec::new();
    let (mut start, mut tokens) = (0, 0);
    for (i, (_, ids)) in texts.iter().enumerate() {
        if i > start && tokens + ids.len() > BATCH_TOKENS {
            batches.push(&texts[start..i]);
            (start, tokens) = (i, 0);
        }
        tokens += ids.len();
    }
    if start < texts.len() {
        batches.push(&texts[start..]);
    }
    batches
}

/// The sentence vector of an `embedding` (its first half): the model's own, L2-normalized,
/// what similarity between texts is measured on.
pub fn sentence(embedding: &[f32]) -> &[f32] {
    debug_assert!(
        embedding.len().is_multiple_of(2),
        "an embedding is two vectors"
    );
    &embedding[..embedding.len() / 2]
}

/// The middle layer's vector of an `embedding` (its second half), L2-normalized.
pub fn middle(embedding: &[f32]) -> &[f32] {
    debug_assert!(
        embedding.len().is_multiple_of(2),
        "an embedding is two vectors"
    );
    &embedding[embedding.len() / 2..]
}

/// What an embedding holds, for the disk cache's name: the sentence vector and the middle
/// layer's.
const LAYOUT: &str = "sentence-and-middle";

/// The text an embedding stands for: trimmed, inner whitespace collapsed to one space, at
/// most [`MAX_QUERY_CHARS`](crate::classifier::MAX_QUERY_CHARS) characters. Case and
/// accents stay (the model reads them).
pub fn cache_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    match key.char_indices().nth(crate::classifier::MAX_QUERY_CHARS) {
        Some((end, _)) => key[..end].to_owned(),
        None => key,
    }
}

#[cfg(test)]
mod tests;
