//! The sentence encoder: a multilingual BERT run in-process on the CPU.
//!
//! The shipped model is `multilingual-e5-small` (`shared/matcher/models/`, with its
//! licence, provenance and conversion in the README beside it): 12 layers, 384
//! dimensions, XLM-RoBERTa's SentencePiece vocabulary trimmed to Latin script. A text is
//! embedded as the model card says: `"query: " + text`, tokenized, run through BERT
//! (candle-transformers' encoder), mean-pooled over its tokens and L2-normalized, so the
//! dot product of two embeddings is their cosine similarity.
//!
//! # Layout
//! - this file: [`Encoder`] (load, embed one text with a cache, embed many in batches);
//! - [`files`]: reading the model directory, each failure naming the file;
//! - [`disk_cache`]: embeddings kept on disk by content hash and model, so a reload
//!   re-embeds only what changed.
//!
//! The matrices stay 4-bit (Q4_0) on disk; the layers are dequantized to f32 at load,
//! the word-embedding table stays 4-bit in memory and only the rows of a text's tokens
//! are dequantized.

mod disk_cache;
mod files;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use candle_core::{DType, Device, Tensor, D};
use candle_nn::{LayerNorm, Module};
use candle_transformers::models::bert::BertEncoder;
use tokenizers::Tokenizer;

pub use disk_cache::DiskCache;

/// The encoder Frontline uses unless `[matcher] encoder` says otherwise.
pub const DEFAULT_MODEL: &str = "multilingual-e5-small";
/// The `[matcher] encoder` value that turns the encoder off (lexical matching only).
pub const NO_ENCODER: &str = "none";
/// What `[matcher] encoder` means when unset.
pub const DEFAULT_SETTING: &str = NO_ENCODER;
/// The models shipped with Frontline, by name (a folder under [`default_models_dir`]).
pub const MODELS: &[&str] = &[DEFAULT_MODEL];
/// What e5 puts before a question (the model card: "query: " for queries).
const QUERY_PREFIX: &str = "query: ";
/// Texts embedded together when embedding many (padding to the longest in a batch).
const BATCH: usize = 32;
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
}

impl From<candle_core::Error> for EncoderError {
    fn from(error: candle_core::Error) -> Self {
        EncoderError::Run(error.to_string())
    }
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
    tokenizer: Tokenizer,
    /// The word-embedding table, 4-bit: one row of `row_bytes` per token id.
    words: Vec<u8>,
    row_bytes: usize,
    vocab: usize,
    hidden: usize,
    max_tokens: usize,
    positions: Tensor,
    token_type: Tensor,
    norm: LayerNorm,
    layers: BertEncoder,
    /// Embeddings of recent questions, by [`cache_key`].
    cache: Mutex<HashMap<String, Arc<[f32]>>>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("name", &self.name)
            .field("vocab", &self.vocab)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads a shipped model by name from [`default_models_dir`].
    pub fn builtin(name: &str) -> Result<Encoder, EncoderError> {
        if !MODELS.contains(&name) {
            return Err(EncoderError::Unknown {
                name: name.to_owned(),
                known: MODELS.iter().map(|m| (*m).to_owned()).collect(),
            });
        }
        Encoder::load(&default_models_dir().join(name), name)
    }

    /// Loads the model in `dir` (`config.json`, `tokenizer.json`, `model.safetensors`).
    pub fn load(dir: &Path, name: &str) -> Result<Encoder, EncoderError> {
        let files = files::ModelFiles::read(dir)?;
        Ok(Encoder {
            name: name.to_owned(),
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

    /// The embedding's length.
    pub fn dim(&self) -> usize {
        self.hidden
    }

    /// Approximate heap memory of the loaded model in bytes.
    pub fn heap_bytes(&self) -> usize {
        let per_layer = 4 * self.hidden * self.hidden + 2 * self.hidden * 4 * self.hidden;
        self.words.len()
            + 4 * (self.layers.layers.len() * per_layer + self.max_tokens * self.hidden)
    }

    /// The embedding of `text` (L2-normalized), from the cache when the same text (after
    /// [`cache_key`]) was embedded recently.
    pub fn embed(&self, text: &str) -> Result<Arc<[f32]>, EncoderError> {
        let key = cache_key(text);
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let ids = self.token_ids(&key)?;
        let vector: Arc<[f32]> = self
            .forward(&[ids])?
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
        // Similar lengths together: less padding.
        missing.sort_by_key(|(_, ids)| ids.len());
        let mut fresh = Vec::with_capacity(missing.len());
        for chunk in missing.chunks(BATCH) {
            let ids: Vec<Vec<u32>> = chunk.iter().map(|(_, ids)| ids.clone()).collect();
            for ((i, _), vector) in chunk.iter().zip(self.forward(&ids)?) {
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
            disk.flush()?;
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

    /// BERT over a batch of token-id sequences, padded to the longest; mean pooling over
    /// each sequence's own tokens; L2 normalization.
    fn forward(&self, batch: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let h = self.hidden;
        let n = batch.len();
        let len = batch.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut x = vec![0f32; n * len * h];
        let mut mask = vec![0f32; n * len];
        for (b, ids) in batch.iter().enumerate() {
            for (t, &id) in ids.iter().enumerate() {
                let row = (b * len + t) * h;
                self.word_row(id as usize, &mut x[row..row + h]);
                mask[b * len + t] = 1.0;
            }
        }
        let device = Device::Cpu;
        let x = Tensor::from_vec(x, (n, len, h), &device)?
            .broadcast_add(&self.positions.narrow(0, 0, len)?)?
            .broadcast_add(&self.token_type)?;
        let x = self.norm.forward(&x)?;
        let mask = Tensor::from_vec(mask, (n, len), &device)?;
        // 0 where a token may be attended to, a large negative number on padding.
        let attention = mask.affine(1e9, -1e9)?.reshape((n, 1, 1, len))?;
        let hidden = self.layers.forward(&x, &attention)?;
        let mask = mask.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
        let unit = mean.broadcast_div(&norm)?.to_dtype(DType::F32)?;
        Ok(unit.to_vec2::<f32>()?)
    }

    /// Dequantizes the word embedding of token `id` into `out`.
    fn word_row(&self, id: usize, out: &mut [f32]) {
        let id = if id < self.vocab { id } else { 0 };
        let row = &self.words[id * self.row_bytes..(id + 1) * self.row_bytes];
        files::dequantize_q4_0(row, out);
    }
}

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
