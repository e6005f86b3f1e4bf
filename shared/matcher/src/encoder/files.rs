//! Reading a model directory: `config.json`, `tokenizer.json`, `model.safetensors`.
//!
//! Matrices are stored as 4-bit Q4_0 blocks in U8 tensors named `<name>.q4_0`, shape
//! `[rows, cols / 32 * 18]`: per block of 32 weights an f16 scale `d` and 16 bytes whose
//! byte `j` holds weight `j` (low nibble) and weight `j + 16` (high nibble); a weight is
//! `d * (nibble - 8)`. Every failure names the file it comes from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use safetensors::{Dtype, SafeTensors};

use super::bert::{Bert, Config, Dense, Layer, LayerNorm, Precision, Weights};
use super::unigram::{read_tokenizer, SentenceTokenizer};
use super::EncoderError;

const QK: usize = 32;
const BLOCK_BYTES: usize = 18;
const Q4_SUFFIX: &str = ".q4_0";
const WORDS: &str = "embeddings.word_embeddings.weight";

/// What a model directory holds, ready to run.
pub(super) struct ModelFiles {
    pub config: Config,
    pub tokenizer: SentenceTokenizer,
    pub words: Vec<u8>,
    pub row_bytes: usize,
    pub vocab: usize,
    /// `max_position_embeddings × hidden`.
    pub positions: Array2<f32>,
    /// Token type 0's embedding (`hidden`).
    pub token_type: Array1<f32>,
    pub norm: LayerNorm,
    pub layers: Bert,
}

/// A tensor as stored: f32 values, or Q4_0 blocks (`rows` of `row_bytes`).
enum Stored {
    F32 {
        values: Vec<f32>,
        shape: Vec<usize>,
    },
    Q4 {
        raw: Vec<u8>,
        rows: usize,
        row_bytes: usize,
    },
}

impl ModelFiles {
    /// Reads `dir`, the dense layers in `precision`.
    pub fn read(dir: &Path, precision: Precision) -> Result<ModelFiles, EncoderError> {
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| corrupt(&config_path, e))?;
        if config.hidden_act != "gelu" {
            return Err(corrupt(
                &config_path,
                format!(
                    "hidden_act {:?}: only \"gelu\" is supported",
                    config.hidden_act
                ),
            ));
        }
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer =
            read_tokenizer(&read(&tokenizer_path)?).map_err(|e| corrupt(&tokenizer_path, e))?;

        let weights_path = dir.join("model.safetensors");
        let mut tensors =
            stored_tensors(&read(&weights_path)?).map_err(|e| corrupt(&weights_path, e))?;
        let h = config.hidden_size;
        let Some(Stored::Q4 {
            raw: words,
            rows: vocab,
            row_bytes,
        }) = tensors.remove(WORDS)
        else {
            return Err(corrupt(
                &weights_path,
                format!("no Q4_0 tensor {WORDS}{Q4_SUFFIX}"),
            ));
        };
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
        let mut weights = StoredWeights {
            tensors,
            eps: config.layer_norm_eps,
        };
        let model = (|| {
            let positions = weights.vector(
                "embeddings.position_embeddings.weight",
                config.max_position_embeddings * h,
            )?;
            let positions = Array2::from_shape_vec((config.max_position_embeddings, h), positions)
                .map_err(|e| e.to_string())?;
            let mut token_type = weights.f32("embeddings.token_type_embeddings.weight")?.0;
            if token_type.len() < h {
                return Err("embeddings.token_type_embeddings.weight: too short".to_owned());
            }
            token_type.truncate(h);
            let token_type = Array1::from_vec(token_type);
            let norm = weights.norm("embeddings.LayerNorm")?;
            let layers = (0..config.num_hidden_layers)
                .map(|i| Layer::load(&mut weights, &format!("encoder.layer.{i}"), precision))
                .collect::<Result<Vec<_>, _>>()?;
            let layers = Bert::new(layers, h, config.num_attention_heads)?;
            Ok((positions, token_type, norm, layers))
        })();
        let (positions, token_type, norm, layers) = model.map_err(|e| corrupt(&weights_path, e))?;
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

/// Every tensor of a safetensors file, by name (Q4_0 ones without their suffix).
fn stored_tensors(bytes: &[u8]) -> Result<HashMap<String, Stored>, String> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let mut tensors = HashMap::new();
    for (name, view) in file.tensors() {
        let shape = view.shape().to_vec();
        let stored = match (name.strip_suffix(Q4_SUFFIX), view.dtype()) {
            (Some(base), Dtype::U8) => {
                let [rows, row_bytes] = shape[..] else {
                    return Err(format!("{name}: not a matrix"));
                };
                if row_bytes % BLOCK_BYTES != 0 {
                    return Err(format!("{name}: not Q4_0 blocks"));
                }
                let stored = Stored::Q4 {
                    raw: view.data().to_vec(),
                    rows,
                    row_bytes,
                };
                tensors.insert(base.to_owned(), stored);
                continue;
            }
            (None, Dtype::F32) => Stored::F32 {
                values: view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                shape,
            },
            (_, dtype) => return Err(format!("{name}: unsupported type {dtype:?}")),
        };
        tensors.insert(name, stored);
    }
    Ok(tensors)
}

/// The tensors not yet taken, handed out by name.
struct StoredWeights {
    tensors: HashMap<String, Stored>,
    eps: f64,
}

impl StoredWeights {
    /// An f32 tensor and its shape.
    fn f32(&mut self, name: &str) -> Result<(Vec<f32>, Vec<usize>), String> {
        match self.tensors.remove(name) {
            Some(Stored::F32 { values, shape }) => Ok((values, shape)),
            Some(Stored::Q4 { .. }) => Err(format!("{name}: expected f32 values")),
            None => Err(format!("no tensor {name}")),
        }
    }

    /// An f32 tensor of `len` values.
    fn vector(&mut self, name: &str, len: usize) -> Result<Vec<f32>, String> {
        let (values, _) = self.f32(name)?;
        if values.len() != len {
            return Err(format!("{name}: {} values, expected {len}", values.len()));
        }
        Ok(values)
    }

    /// A matrix (`rows × cols`), dequantized when stored as Q4_0.
    fn matrix(&mut self, name: &str) -> Result<(Vec<f32>, usize), String> {
        match self.tensors.remove(name) {
            Some(Stored::Q4 {
                raw,
                rows,
                row_bytes,
            }) => {
                let cols = row_bytes / BLOCK_BYTES * QK;
                let mut values = vec![0f32; rows * cols];
                for (row, out) in raw
                    .chunks_exact(row_bytes)
                    .zip(values.chunks_exact_mut(cols))
                {
                    dequantize_q4_0(row, out);
                }
                Ok((values, cols))
            }
            Some(Stored::F32 { values, shape }) => match shape[..] {
                [_, cols] => Ok((values, cols)),
                _ => Err(format!("{name}: not a matrix")),
            },
            None => Err(format!("no tensor {name}")),
        }
    }
}

impl Weights for StoredWeights {
    fn dense(&mut self, name: &str) -> Result<Dense, String> {
        let (weight, inputs) = self.matrix(&format!("{name}.weight"))?;
        let (bias, _) = self.f32(&format!("{name}.bias"))?;
        Dense::new(weight, bias, inputs).map_err(|e| format!("{name}: {e}"))
    }

    fn norm(&mut self, name: &str) -> Result<LayerNorm, String> {
        let (weight, _) = self.f32(&format!("{name}.weight"))?;
        let (bias, _) = self.f32(&format!("{name}.bias"))?;
        LayerNorm::new(weight, bias, self.eps).map_err(|e| format!("{name}: {e}"))
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
