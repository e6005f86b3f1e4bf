//! BERT's encoder layers on f32 matrices (`ndarray`, whose matrix products are
//! `matrixmultiply`'s kernels).
//!
//! The model is the one Hugging Face's `BertModel` describes (post-norm transformer layers:
//! self-attention, residual, LayerNorm; feed-forward with exact GELU, residual,
//! LayerNorm). Sequences are *packed*: the rows of every sequence of a batch follow each
//! other in one matrix, the dense layers run over all rows at once, and attention stays
//! within each sequence, so there is no padding and no attention mask.
//!
//! A dense layer keeps its weights as stored (`outputs × inputs`, PyTorch's layout) and
//! multiplies by their transpose as a view (no copy).

use ndarray::linalg::general_mat_mul;
use std::ops::Range;

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Slice};

use super::int8::QuantizedDense;

/// The part of `config.json` the encoder reads.
#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Config {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    pub layer_norm_eps: f64,
}

/// `y = x · Wᵀ + b`, in f32 or, once [`quantize`](Dense::quantize)d, in 8-bit integers.
#[derive(Debug)]
pub(super) enum Dense {
    F32 {
        /// `outputs × inputs`.
        weight: Array2<f32>,
        bias: Vec<f32>,
    },
    Int8(QuantizedDense),
}

/// How the dense layers multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 weights and activations (`matrixmultiply`).
    F32,
    /// 8-bit weights and activations summed in 32-bit integers (AVX-512 VNNI; see
    /// [`int8`](super::int8)).
    Int8,
}

impl Precision {
    /// The fastest this CPU runs: 8-bit where it has AVX-512 VNNI, else f32.
    pub fn fastest() -> Precision {
        if super::int8::supported() {
            Precision::Int8
        } else {
            Precision::F32
        }
    }

    /// [`fastest`](Precision::fastest), unless `FRONTLINE_ENCODER_PRECISION=f32` asks
    /// for f32 layers (to compare, or should 8-bit answers ever look worse on a site).
    pub fn configured() -> Precision {
        match std::env::var("FRONTLINE_ENCODER_PRECISION").as_deref() {
            Ok("f32") => Precision::F32,
            _ => Precision::fastest(),
        }
    }

    /// A short name for logs and the embedding cache's file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        }
    }
}

impl Dense {
    /// From row-major `weight` values (`bias.len()` rows of `inputs`).
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, inputs: usize) -> Result<Dense, String> {
        let outputs = bias.len();
        let weight = Array2::from_shape_vec((outputs, inputs), weight)
            .map_err(|e| format!("a {outputs}×{inputs} weight: {e}"))?;
        Ok(Dense::F32 { weight, bias })
    }

    /// The same layer in `precision` (an f32 layer becomes 8-bit; nothing else changes).
    pub fn quantize(self, precision: Precision) -> Result<Dense, String> {
        match (self, precision) {
            (Dense::F32 { weight, bias }, Precision::Int8) => {
                Ok(Dense::Int8(QuantizedDense::new(&weight.view(), bias)?))
            }
            (dense, _) => Ok(dense),
        }
    }

    /// Several dense layers on the same input as one (their outputs side by side).
    /// (Before quantizing: f32 layers only.)
    fn side_by_side(parts: Vec<Dense>) -> Result<Dense, String> {
        let mut inputs = None;
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for part in parts {
            let Dense::F32 { weight, bias } = part else {
                return Err("only f32 layers can be fused".to_owned());
            };
            if *inputs.get_or_insert(weight.ncols()) != weight.ncols() {
                return Err("fused layers differ in their inputs".to_owned());
            }
            weights.extend(weight.iter());
            biases.extend(bias);
        }
        Dense::new(weights, biases, inputs.unwrap_or(0))
    }

    /// The `rows × outputs` result for `x` (`rows × inputs`).
    fn forward(&self, x: &ArrayView2<f32>) -> Array2<f32> {
        match self {
            Dense::F32 { weight, bias } => {
                let mut y = Array2::from_shape_fn((x.nrows(), bias.len()), |(_, j)| bias[j]);
                general_mat_mul(1.0, x, &weight.t(), 1.0, &mut y);
                y
            }
            Dense::Int8(dense) => dense.forward(x),
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Dense::F32 { weight, bias } => 4 * (weight.len() + bias.len()),
            Dense::Int8(dense) => dense.heap_bytes(),
        }
    }
}

/// Normalization over each row of `weight.len()` values.
#[derive(Debug)]
pub(super) struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, eps: f64) -> Result<LayerNorm, String> {
        if weight.len() != bias.len() {
            return Err("LayerNorm weight and bias differ in length".to_owned());
        }
        Ok(LayerNorm {
            weight,
            bias,
            eps: eps as f32,
        })
    }

    /// Normalizes every row of `x` in place.
    pub fn apply(&self, x: &mut ArrayViewMut2<f32>) {
        for mut row in x.rows_mut() {
            let width = row.len() as f32;
            let mean = row.sum() / width;
            let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width;
            let scale = 1.0 / (variance + self.eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = (*v - mean) * scale * w + b;
            }
        }
    }
}

/// One transformer layer, as stored under `encoder.layer.<i>.`.
#[derive(Debug)]
pub(super) struct Layer {
    /// Query, key and value side by side (`3 · hidden` outputs).
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// Where a layer's dense layers and norms come from (the model file), by name.
pub(super) trait Weights {
    fn dense(&mut self, name: &str) -> Result<Dense, String>;
    fn norm(&mut self, name: &str) -> Result<LayerNorm, String>;
}

impl Layer {
    /// The layer stored under `prefix` (`encoder.layer.<i>`), with Hugging Face's names.
    /// The layer stored under `prefix` (`encoder.layer.<i>`), with Hugging Face's names,
    /// its dense layers in `precision`.
    pub fn load(
        weights: &mut impl Weights,
        prefix: &str,
        precision: Precision,
    ) -> Result<Layer, String> {
        let query = weights.dense(&format!("{prefix}.attention.self.query"))?;
        let key = weights.dense(&format!("{prefix}.attention.self.key"))?;
        let value = weights.dense(&format!("{prefix}.attention.self.value"))?;
        let qkv = Dense::side_by_side(vec![query, key, value])?.quantize(precision)?;
        let attention_out = weights
            .dense(&format!("{prefix}.attention.output.dense"))?
            .quantize(precision)?;
        let intermediate = weights
            .dense(&format!("{prefix}.intermediate.dense"))?
            .quantize(precision)?;
        let output = weights
            .dense(&format!("{prefix}.output.dense"))?
            .quantize(precision)?;
        Ok(Layer {
            qkv,
            attention_out,
            attention_norm: weights.norm(&format!("{prefix}.attention.output.LayerNorm"))?,
            intermediate,
            output,
            output_norm: weights.norm(&format!("{prefix}.output.LayerNorm"))?,
        })
    }

    fn heap_bytes(&self) -> usize {
        self.qkv.heap_bytes()
            + self.attention_out.heap_bytes()
            + self.intermediate.heap_bytes()
            + self.output.heap_bytes()
    }
}

/// The stack of layers.
#[derive(Debug)]
pub(super) struct Bert {
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
}

impl Bert {
    pub fn new(layers: Vec<Layer>, hidden: usize, heads: usize) -> Result<Bert, String> {
        if heads == 0 || !hidden.is_multiple_of(heads) {
            return Err(format!(
                "{hidden} dimensions do not split into {heads} heads"
            ));
        }
        Ok(Bert {
            layers,
            hidden,
            heads,
        })
    }

    pub fn heap_bytes(&self) -> usize {
        self.layers.iter().map(Layer::heap_bytes).sum()
    }

    /// Runs every layer over `x`: the packed rows (`hidden` wide) of sequences of
    /// `lengths`, in order.
    pub fn forward(&self, mut x: Array2<f32>, lengths: &[usize]) -> Array2<f32> {
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x.view());
            let context = self.attention(&qkv.view(), lengths);
            let mut attended = layer.attention_out.forward(&context.view());
            attended += &x;
            layer.attention_norm.apply(&mut attended.view_mut());
            let mut inner = layer.intermediate.forward(&attended.view());
            match inner.as_slice_mut() {
                Some(values) => gelu_in_place(values),
                None => inner.mapv_inplace(gelu),
            }
            let mut out = layer.output.forward(&inner.view());
            out += &attended;
            layer.output_norm.apply(&mut out.view_mut());
            x = out;
        }
        x
    }

    /// Multi-head self-attention within each sequence: `softmax(Q Kᵀ / √d) V` per head,
    /// heads side by side. `qkv` holds each row's query, key and value.
    fn attention(&self, qkv: &ArrayView2<f32>, lengths: &[usize]) -> Array2<f32> {
        let h = self.hidden;
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        let mut context = Array2::zeros((qkv.nrows(), h));
        let mut start = 0;
        for &len in lengths {
            let rows = start..start + len;
            let mut scores = Array2::zeros((len, len));
            for head in 0..self.heads {
                let columns = head * d..(head + 1) * d;
                let q = block(qkv, rows.clone(), columns.clone());
                let k = block(qkv, rows.clone(), h + columns.start..h + columns.end);
                let v = block(
                    qkv,
                    rows.clone(),
                    2 * h + columns.start..2 * h + columns.end,
                );
                general_mat_mul(scale, &q, &k.t(), 0.0, &mut scores);
                for mut row in scores.axis_iter_mut(Axis(0)) {
                    if let Some(row) = row.as_slice_mut() {
                        softmax(row);
                    }
                }
                let mut out = context
                    .slice_axis_mut(Axis(0), Slice::from(rows.clone()))
                    .slice_axis_move(Axis(1), Slice::from(columns));
                general_mat_mul(1.0, &scores, &v, 0.0, &mut out);
            }
            start += len;
        }
        context
    }
}

/// The `rows × columns` block of `matrix`, as a view.
fn block<'a>(
    matrix: &ArrayView2<'a, f32>,
    rows: Range<usize>,
    columns: Range<usize>,
) -> ArrayView2<'a, f32> {
    (*matrix)
        .slice_axis_move(Axis(0), Slice::from(rows))
        .slice_axis_move(Axis(1), Slice::from(columns))
}

/// `row ← exp(row − max) / Σ exp(row − max)`.
pub(crate) fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// GELU with the error function (BERT's `"gelu"`): `0.5 · x · (1 + erf(x / √2))`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// [`gelu`] over a whole slice: branch-free arithmetic the compiler vectorizes (libm's
/// `erff` is a call per value, and took as long as the 8-bit matrix products).
fn gelu_in_place(values: &mut [f32]) {
    for v in values {
        *v = gelu(*v);
    }
}

/// The error function as a rational function of `x`, clamped to ±4 (where erf is 1 in
/// f32): `x · P(x²) / Q(x²)`, the minimax coefficients Eigen and XLA use for f32
/// (`generic_fast_erf_float`). Within 1e-6 of libm's `erff` (tested). Plain `*` and `+`:
/// `mul_add` would be a library call in a build without FMA enabled.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_600_5e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_layer_multiplies_by_the_transposed_weight_and_adds_the_bias() {
        // W = [[1, 2], [3, 4], [5, 6]] (3 outputs × 2 inputs), b = [1, 0, -1].
        let dense =
            Dense::new(vec![1., 2., 3., 4., 5., 6.], vec![1., 0., -1.], 2).expect("valid shapes");
        let x = Array2::from_shape_vec((2, 2), vec![1., 1., 2., 0.]).expect("valid shapes");
        let y = dense.forward(&x.view());
        assert_eq!(y.into_raw_vec_and_offset().0, vec![4., 7., 10., 3., 6., 9.]);
    }

    #[test]
    fn the_fast_error_function_agrees_with_libm() {
        let mut largest = 0f32;
        for i in -6000..=6000 {
            let x = i as f32 / 1000.0;
            largest = largest.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(largest < 1e-6, "largest difference {largest}");
        assert_eq!(erf(0.0), 0.0);
        assert!((erf(10.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gelu_matches_known_values() {
        // 0.5·x·(1 + erf(x/√2)): Φ(1) = 0.841345, Φ(-1) = 0.158655.
        assert!((gelu(1.0) - 0.841_345).abs() < 1e-5);
        assert!((gelu(-1.0) + 0.158_655).abs() < 1e-5);
        assert_eq!(gelu(0.0), 0.0);
    }

    #[test]
    fn attention_over_one_token_returns_its_value() {
        // One head, hidden 2: a single token attends only to itself.
        let bert = Bert::new(Vec::new(), 2, 1).expect("valid shapes");
        let qkv = Array2::from_shape_vec((1, 6), vec![0.3, -0.2, 5.0, 1.0, 7.0, -8.0])
            .expect("valid shapes");
        let out = bert.attention(&qkv.view(), &[1]);
        assert_eq!(out.into_raw_vec_and_offset().0, vec![7.0, -8.0]);
    }

    #[test]
    fn attention_weighs_values_by_the_softmax_of_scaled_scores() {
        // One head, hidden 1, two tokens: q = [1, 0], k = [0, 2], v = [10, 20].
        // Token 0: scores [0, 2], softmax [1/(1+e²), e²/(1+e²)]; token 1: scores [0, 0].
        let bert = Bert::new(Vec::new(), 1, 1).expect("valid shapes");
        let qkv = Array2::from_shape_vec((2, 3), vec![1.0, 0.0, 10.0, 0.0, 2.0, 20.0])
            .expect("valid shapes");
        let out = bert
            .attention(&qkv.view(), &[2])
            .into_raw_vec_and_offset()
            .0;
        let e2 = 2f32.exp();
        let expected0 = (10.0 + 20.0 * e2) / (1.0 + e2);
        assert!((out[0] - expected0).abs() < 1e-4, "{out:?}");
        assert!((out[1] - 15.0).abs() < 1e-4, "{out:?}");
    }
}
