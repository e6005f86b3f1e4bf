//! Reading a model directory: `config.json`, `tokenizer.json`, `model.safetensors`.
//!
//! Matrices are stored as 4-bit Q4_0 blocks in U8 tensors named `<name>.q4_0`, shape
//! `[rows, cols / 32 * 18]`: per block of 32 weights an f16 scale `d` and 16 bytes whose
//! byte `j` holds weight `j` (low nibble) and weight `j + 16` (high nibble); a weight is
//! `d * (nibble - 8)`. Every failure names the file it comes from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::{LayerNorm, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config};
use tokenizers::Tokenizer;

use super::EncoderError;

const QK: usize = 32;
const BLOCK_BYTES: usize = 18;
const Q4_SUFFIX: &str = ".q4_0";
const WORDS: &str = "embeddings.word_embeddings.weight";

/// What a model directory holds, ready to run.
pub(super) struct ModelFiles {
    pub config: Config,
    pub tokenizer: Tokenizer,
    pub words: Vec<u8>,
    pub row_bytes: usize,
    pub vocab: usize,
    pub positions: Tensor,
    pub token_type: Tensor,
    pub norm: LayerNorm,
    pub layers: BertEncoder,
}

impl ModelFiles {
    pub fn read(dir: &Path) -> Result<ModelFiles, EncoderError> {
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| corrupt(&config_path, e))?;
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer = Tokenizer::from_bytes(read(&tokenizer_path)?)
            .map_err(|e| corrupt(&tokenizer_path, e))?;

        let weights_path = dir.join("model.safetensors");
        let bytes = read(&weights_path)?;
        let stored = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
            .map_err(|e| corrupt(&weights_path, e))?;
        drop(bytes);
        let h = config.hidden_size;
        let mut tensors: HashMap<String, Tensor> = HashMap::new();
        let mut words = None;
        for (name, tensor) in stored {
            let Some(base) = name.strip_suffix(Q4_SUFFIX) else {
                let tensor = tensor
                    .to_dtype(DType::F32)
                    .map_err(|e| corrupt(&weights_path, e))?;
                tensors.insert(name, tensor);
                continue;
            };
            let (rows, row_bytes) = tensor.dims2().map_err(|e| corrupt(&weights_path, e))?;
            if row_bytes % BLOCK_BYTES != 0 || tensor.dtype() != DType::U8 {
                return Err(corrupt(&weights_path, format!("{name}: not Q4_0 blocks")));
            }
            let raw = tensor
                .flatten_all()
                .and_then(|t| t.to_vec1::<u8>())
                .map_err(|e| corrupt(&weights_path, e))?;
            if base == WORDS {
                words = Some((raw, rows, row_bytes));
                continue;
            }
            let cols = row_bytes / BLOCK_BYTES * QK;
            let mut values = vec![0f32; rows * cols];
            for (row, out) in raw
                .chunks_exact(row_bytes)
                .zip(values.chunks_exact_mut(cols))
            {
                dequantize_q4_0(row, out);
            }
            let tensor = Tensor::from_vec(values, (rows, cols), &Device::Cpu)
                .map_err(|e| corrupt(&weights_path, e))?;
            tensors.insert(base.to_owned(), tensor);
        }
        let (words, vocab, row_bytes) =
            words.ok_or_else(|| corrupt(&weights_path, format!("no tensor {WORDS}{Q4_SUFFIX}")))?;
        if row_bytes != h / QK * BLOCK_BYTES {
            return Err(corrupt(
                &weights_path,
                format!("{WORDS}: rows are not {h} wide"),
            ));
        }
        if tokenizer.get_vocab_size(true) > vocab {
            return Err(corrupt(
                &tokenizer_path,
                format!(
                    "{} tokens, the model has {vocab}",
                    tokenizer.get_vocab_size(true)
                ),
            ));
        }
        let take = |name: &str| {
            tensors
                .get(name)
                .cloned()
                .ok_or_else(|| corrupt(&weights_path, format!("no tensor {name}")))
        };
        let positions = take("embeddings.position_embeddings.weight")?;
        let token_type = take("embeddings.token_type_embeddings.weight")?
            .get(0)
            .map_err(|e| corrupt(&weights_path, e))?;
        let norm = LayerNorm::new(
            take("embeddings.LayerNorm.weight")?,
            take("embeddings.LayerNorm.bias")?,
            config.layer_norm_eps,
        );
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let layers =
            BertEncoder::load(vb.pp("encoder"), &config).map_err(|e| corrupt(&weights_path, e))?;
        Ok(ModelFiles {
            config,
            tokenizer,
            words,
            row_bytes,
            vocab,
            positions,
            token_type,
            norm,
            layers,
        })
    }
}

/// Dequantizes Q4_0 blocks (`row.len() / 18` of them) into `out` (32 values each).
pub(super) fn dequantize_q4_0(row: &[u8], out: &mut [f32]) {
    for (block, values) in row.chunks_exact(BLOCK_BYTES).zip(out.chunks_exact_mut(QK)) {
        let d = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        for (j, &byte) in block[2..].iter().enumerate() {
            values[j] = d * (f32::from(byte & 0x0F) - 8.0);
            values[j + QK / 2] = d * (f32::from(byte >> 4) - 8.0);
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EncoderError> {
    std::fs::read(path).map_err(|e| EncoderError::Missing {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn corrupt(path: &Path, error: impl std::fmt::Display) -> EncoderError {
    EncoderError::Corrupt {
        path: PathBuf::from(path),
        message: error.to_string(),
    }
}
