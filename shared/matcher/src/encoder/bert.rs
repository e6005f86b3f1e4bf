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

use multiversion::multiversion;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::int8::{Kernel, QuantizedDense};

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
    /// 8-bit weights and activations summed in 32-bit integers by AVX-512 VNNI (see
    /// [`int8`](super::int8)).
    Int8,
    /// 8-bit activations and 7-bit weights summed by AVX2's byte multiply-adds (CPUs
    /// without AVX-512 VNNI; see [`int8`](super::int8)).
    Int8Avx2,
}

impl Precision {
    /// The fastest this CPU runs: 8-bit on AVX-512 VNNI, else on AVX2, else f32.
    pub fn fastest() -> Precision {
        match Kernel::detect() {
            Some(Kernel::Vnni) => Precision::Int8,
            Some(Kernel::Avx2) => Precision::Int8Avx2,
            None => Precision::F32,
        }
    }

    /// [`fastest`](Precision::fastest), unless `FRONTLINE_ENCODER_PRECISION` names another
    /// this CPU runs (`f32`, `int8`, `int8-avx2`): to compare, or should 8-bit answers
    /// ever look worse on a site.
    pub fn configured() -> Precision {
        let asked = std::env::var("FRONTLINE_ENCODER_PRECISION").ok();
        [Precision::F32, Precision::Int8, Precision::Int8Avx2]
            .into_iter()
            .find(|p| asked.as_deref() == Some(p.as_str()) && p.is_supported())
            .unwrap_or_else(Precision::fastest)
    }

    /// A short name for logs and the embedding cache's file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
            Precision::Int8Avx2 => "int8-avx2",
        }
    }

    /// Whether this CPU runs it.
    pub fn is_supported(self) -> bool {
        self.kernel().is_none_or(Kernel::is_supported)
    }

    /// The integer kernel, for the 8-bit precisions.
    fn kernel(self) -> Option<Kernel> {
        match self {
            Precision::F32 => None,
            Precision::Int8 => Some(Kernel::Vnni),
            Precision::Int8Avx2 => Some(Kernel::Avx2),
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
        match (self, precision.kernel()) {
            (Dense::F32 { weight, bias }, Some(kernel)) => Ok(Dense::Int8(QuantizedDense::new(
                &weight.view(),
                bias,
                kernel,
            )?)),
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
        match x.as_slice_mut() {
            Some(values) => normalize_rows(values, &self.weight, &self.bias, self.eps),
            None => {
                for mut row in x.rows_mut() {
                    let mut values: Vec<f32> = row.to_vec();
                    normalize_rows(&mut values, &self.weight, &self.bias, self.eps);
                    row.iter_mut().zip(values).for_each(|(v, n)| *v = n);
                }
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
        if heads == 0 || hidden == 0 || !hidden.is_multiple_of(heads) {
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
    /// `lengths`, in order. Returns the last layer's output and the middle one's (after
    /// half the layers, rounded down).
    pub fn forward(&self, mut x: Array2<f32>, lengths: &[usize]) -> (Array2<f32>, Array2<f32>) {
        let middle = self.layers.len() / 2;
        let mut middle_output = None;
        for (i, layer) in self.layers.iter().enumerate() {
            if i == middle {
                middle_output = Some(x.clone());
            }
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
        let middle_output = middle_output.unwrap_or_else(|| x.clone());
        (x, middle_output)
    }

    /// Multi-head self-attention within each sequence: `softmax(Q Kᵀ / √d) V` per head,
    /// heads side by side. `qkv` holds each row's query, key and value.
    fn attention(&self, qkv: &ArrayView2<f32>, lengths: &[usize]) -> Array2<f32> {
        let rows = qkv.nrows();
        let mut context = vec![0f32; rows * self.hidden];
        let qkv = qkv.as_standard_layout();
        if let Some(qkv) = qkv.as_slice() {
            attend(qkv, self.hidden, self.heads, lengths, &mut context);
        }
        Array2::from_shape_vec((rows, self.hidden), context)
            .unwrap_or_else(|_| Array2::zeros((rows, self.hidden)))
    }
}

/// The attention of [`Bert::attention`] over plain rows: `qkv` is `rows × 3·hidden`
/// (each row's query, key and value), `context` (`rows × hidden`) receives each head's
/// weighted values in its columns (every value written, whatever it held before).
///
/// A question is a few dozen tokens and a head 32 wide, so these are direct loops (a
/// general matrix product packed both operands on every one of its 288 calls per
/// question), shaped so every sum stays in a vector register: a sequence's keys are
/// transposed once (every head's, in one pass over its rows), so a query's scores for
/// [`LANES`] keys at a time are `d` scaled additions into one register; its output is
/// [`LANES`] of its `d` columns at a time, summed over the keys. Queries go through in
/// tiles of [`TILE`] rows ([`SequenceHead::attend_tile`]) that share each load of a key or
/// a value, and each tile's sums are independent of one another, so the additions do not
/// wait on each other. Compiled for the CPU's widest vectors (`multiversion`), with fused
/// multiply-adds in the versions for AVX2 + FMA and AVX-512.
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn attend(qkv: &[f32], hidden: usize, heads: usize, lengths: &[usize], context: &mut [f32]) {
    use multiversion::target::selected_target;
    // A fused multiply-add is a library call where the CPU has none: plain `*` and `+`.
    const FUSED: bool = selected_target!().supports_feature_str("fma");
    attend_with::<FUSED>(qkv, hidden, heads, lengths, context);
}

/// [`attend`]'s body, with fused multiply-adds or without (`FUSED`); inlined into each
/// of its versions, and called directly by the tests to check both.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // indexes fixed-size chunks (below)
fn attend_with<const FUSED: bool>(
    qkv: &[f32],
    hidden: usize,
    heads: usize,
    lengths: &[usize],
    context: &mut [f32],
) {
    let d = hidden / heads;
    let longest = lengths.iter().copied().max().unwrap_or(0);
    // Whole chunks of keys: the padding's keys are zeros, its scores ignored.
    let padded_longest = longest.div_ceil(LANES) * LANES;
    let mut scores = vec![0f32; TILE * padded_longest];
    let mut keys = vec![0f32; padded_longest * hidden];
    let mut start = 0;
    for &len in lengths {
        let padded = len.div_ceil(LANES) * LANES;
        // Every head's keys transposed in one pass over the rows (each read in order):
        // `keys[c · padded + j]` is key `j`'s column `c`; the padding's are zeros.
        let keys = &mut keys[..padded * hidden];
        for c in 0..hidden {
            keys[c * padded + len..(c + 1) * padded].fill(0.0);
        }
        for j in 0..len {
            let key = &qkv[(start + j) * 3 * hidden + hidden..][..hidden];
            for c in 0..hidden {
                keys[c * padded + j] = key[c];
            }
        }
        for head in 0..heads {
            let column = head * d;
            let keys = &keys[column * padded..][..d * padded];
            let one_head = SequenceHead {
                qkv,
                hidden,
                d,
                column,
                start,
                len,
                padded,
                keys,
            };
            for first in (start..start + len).step_by(TILE) {
                let count = TILE.min(start + len - first);
                one_head.attend_tile::<FUSED>(first, count, &mut scores, context);
            }
        }
        start += len;
    }
}

/// Queries attended together in [`attend`], sharing each load of a key or a value.
const TILE: usize = 4;

/// One head of one sequence in [`attend`]: where its queries, transposed keys and values
/// are.
struct SequenceHead<'a> {
    qkv: &'a [f32],
    hidden: usize,
    /// The head's width.
    d: usize,
    /// The head's first column.
    column: usize,
    /// The sequence's first row, and its length.
    start: usize,
    len: usize,
    /// `len` rounded up to whole chunks of [`LANES`] keys.
    padded: usize,
    /// The head's keys, transposed: `keys[k · padded + j]` is key `j`'s `k`-th value.
    keys: &'a [f32],
}

impl SequenceHead<'_> {
    /// The attention of rows `first..first + count` (queries of this sequence, `count` at
    /// most [`TILE`]) for this head, into `context`; `scores` holds [`TILE`] rows of
    /// `padded` scores while it works. A tile of fewer rows repeats its last one (only
    /// `count` rows are written).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // indexes fixed-size chunks (below)
    fn attend_tile<const FUSED: bool>(
        &self,
        first: usize,
        count: usize,
        scores: &mut [f32],
        context: &mut [f32],
    ) {
        debug_assert!((1..=TILE).contains(&count), "a tile of {count} rows");
        let (d, hidden, padded, len) = (self.d, self.hidden, self.padded, self.len);
        let width = 3 * hidden;
        let scale = 1.0 / (d as f32).sqrt();
        let row = |r: usize| first + r.min(count - 1);
        let query = |r: usize| &self.qkv[row(r) * width + self.column..][..d];
        let queries = [query(0), query(1), query(2), query(3)];
        // One sum per row, named, so each stays in registers (an array indexed by the row
        // was left in memory and summed one value at a time), and the rows' values picked
        // by hand: `std::array::from_fn` was left as a call in the hot loop in the server's
        // build (as `zip` was: the note above `LANES`).
        for c in 0..padded / LANES {
            let [mut s0, mut s1, mut s2, mut s3] = [[0f32; LANES]; TILE];
            for k in 0..d {
                let keys = &self.keys[k * padded + c * LANES..][..LANES];
                let q = [queries[0][k], queries[1][k], queries[2][k], queries[3][k]];
                for t in 0..LANES {
                    s0[t] = multiply_add::<FUSED>(q[0], keys[t], s0[t]);
                    s1[t] = multiply_add::<FUSED>(q[1], keys[t], s1[t]);
                    s2[t] = multiply_add::<FUSED>(q[2], keys[t], s2[t]);
                    s3[t] = multiply_add::<FUSED>(q[3], keys[t], s3[t]);
                }
            }
            let sums = [s0, s1, s2, s3];
            for r in 0..TILE {
                let chunk = &mut scores[r * padded + c * LANES..][..LANES];
                for t in 0..LANES {
                    chunk[t] = scale * sums[r][t];
                }
            }
        }
        for r in 0..TILE {
            attention_softmax(&mut scores[r * padded..][..len]);
        }
        let values = |j: usize, from: usize| -> &[f32] {
            &self.qkv[(self.start + j) * width + 2 * hidden + self.column + from..]
        };
        for c in 0..d / LANES {
            let [mut s0, mut s1, mut s2, mut s3] = [[0f32; LANES]; TILE];
            for j in 0..len {
                let value = &values(j, c * LANES)[..LANES];
                let w = [
                    scores[j],
                    scores[padded + j],
                    scores[2 * padded + j],
                    scores[3 * padded + j],
                ];
                for t in 0..LANES {
                    s0[t] = multiply_add::<FUSED>(w[0], value[t], s0[t]);
                    s1[t] = multiply_add::<FUSED>(w[1], value[t], s1[t]);
                    s2[t] = multiply_add::<FUSED>(w[2], value[t], s2[t]);
                    s3[t] = multiply_add::<FUSED>(w[3], value[t], s3[t]);
                }
            }
            let sums = [s0, s1, s2, s3];
            for r in 0..count {
                let out = &mut context[(first + r) * hidden + self.column + c * LANES..][..LANES];
                out.copy_from_slice(&sums[r]);
            }
        }
        // A head width that is not a multiple of LANES: the rest one by one.
        let done = d / LANES * LANES;
        for r in 0..count {
            let out = &mut context[(first + r) * hidden + self.column + done..][..d - done];
            for (k, o) in out.iter_mut().enumerate() {
                let mut sum = 0.0;
                for j in 0..len {
                    sum += scores[r * padded + j] * values(j, done)[k];
                }
                *o = sum;
            }
        }
    }
}

/// `a · b + c`, in one rounding where `FUSED` (the caller's CPU has FMA).
#[inline(always)]
fn multiply_add<const FUSED: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FUSED {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

// The loops here index fixed-size chunks instead of zipping iterators or building arrays
// with `std::array::from_fn`: in this build (dependencies at opt-level 1, which share
// their generic functions) `zip` and `from_fn` were left as calls in the hot loops, and
// the loops then ran one value at a time.

/// Lanes summed side by side (one vector register's worth), so the compiler may keep
/// them in one register: a plain `sum()` of floats is a chain of dependent additions.
const LANES: usize = 16;

/// `Σ term(v)` over `values`, in [`LANES`] partial sums.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // indexes into fixed-size chunks (above)
fn lane_sum(values: &[f32], term: impl Fn(f32) -> f32) -> f32 {
    let (chunks, rest) = values.as_chunks::<LANES>();
    let mut sums = [0f32; LANES];
    for chunk in chunks {
        for k in 0..LANES {
            sums[k] += term(chunk[k]);
        }
    }
    let mut total = 0.0;
    for k in 0..LANES {
        total += sums[k];
    }
    for &v in rest {
        total += term(v);
    }
    total
}

/// LayerNorm over each row (`weight.len()` values) of `values`: `(v − mean) / √(variance
/// + eps) · w + b`.
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn normalize_rows(values: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
    let width = weight.len().min(bias.len());
    if width == 0 {
        return;
    }
    let (weight, bias) = (&weight[..width], &bias[..width]);
    for row in values.chunks_exact_mut(width) {
        let mean = lane_sum(row, |v| v) / width as f32;
        let variance = lane_sum(row, |v| (v - mean) * (v - mean)) / width as f32;
        let scale = 1.0 / (variance + eps).sqrt();
        for k in 0..width {
            row[k] = (row[k] - mean) * scale * weight[k] + bias[k];
        }
    }
}

/// [`softmax`] with [`exp_nonpositive`] (every value minus the row's maximum is ≤ 0):
/// attention's probabilities, a few hundred thousand per question, where libm's `expf`
/// is a call per value.
#[inline(always)]
fn attention_softmax(row: &mut [f32]) {
    let mut max = f32::NEG_INFINITY;
    for &v in row.iter() {
        max = if v > max { v } else { max };
    }
    for v in row.iter_mut() {
        *v = exp_nonpositive(*v - max);
    }
    let inverse = 1.0 / lane_sum(row, |v| v);
    for v in row.iter_mut() {
        *v *= inverse;
    }
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
/// `erff` is a call per value, and took as long as the 8-bit matrix products), for the
/// CPU's widest vectors (`multiversion`).
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn gelu_in_place(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = gelu(*v);
    }
}

/// `eˣ` for `x ≤ 0` (and `x` not NaN), branch-free so the compiler vectorizes it: `x =
/// n·ln 2 + r` with `|r| ≤ ln 2 / 2`, `eʳ` by Cephes' `expf` polynomial (degree 6, within
/// 2 ulp), `2ⁿ` built in the exponent bits. Below −87 it stays at e⁻⁸⁷ (1.6·10⁻³⁸, nothing
/// beside a probability of 1). Within 2e-7 relative of `f32::exp` (tested; 1.2e-7 measured).
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    // 1.5 · 2²³: adding it rounds x·log₂e to the nearest integer, left in the low bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 0.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    // ln 2 in two parts, so n · ln 2 loses no bits (Cody and Waite; 0.693_359_4 is
    // 0.693359375 = 355/512 in f32).
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let er = p * r * r + r + 1.0;
    // n in −126…0: 2ⁿ is the float with exponent field n + 127.
    let two_to_n =
        f32::from_bits(((shifted.to_bits() as i32 - ROUND.to_bits() as i32 + 127) as u32) << 23);
    er * two_to_n
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

    #[test]
    fn the_fast_exponential_agrees_with_the_standard_one() {
        let mut largest = 0f32;
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let exact = x.exp();
            largest =
                largest.max((exp_nonpositive(x) - exact).abs() / exact.max(f32::MIN_POSITIVE));
        }
        assert!(largest < 2e-7, "largest relative difference {largest}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-200.0), exp_nonpositive(-87.0));
    }

    /// `softmax(Q Kᵀ / √d) V` for one head of one sequence, the textbook way.
    fn textbook_attention(q: &[Vec<f32>], k: &[Vec<f32>], v: &[Vec<f32>]) -> Vec<Vec<f32>> {
        let scale = 1.0 / (q[0].len() as f32).sqrt();
        q.iter()
            .map(|query| {
                let scores: Vec<f32> = k
                    .iter()
                    .map(|key| scale * query.iter().zip(key).map(|(a, b)| a * b).sum::<f32>())
                    .collect();
                let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exps: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f32 = exps.iter().sum();
                (0..v[0].len())
                    .map(|c| {
                        exps.iter()
                            .zip(v)
                            .map(|(e, value)| e / total * value[c])
                            .sum()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn attention_over_packed_sequences_and_wide_heads_matches_the_textbook_formula() {
        // 2 heads of 19 columns (one chunk of 16 and 3 left over); sequences of 1, 5, 21, 4,
        // 16, 6 and 7 tokens packed one after the other (21: more than one chunk of keys; 16:
        // no padding; queries go in tiles of 4: whole tiles, and tiles of 1, 2 and 3 rows).
        let (heads, d) = (2, 19);
        let hidden = heads * d;
        let lengths = [1, 5, 21, 4, 16, 6, 7];
        let rows: usize = lengths.iter().sum();
        // Deterministic values in −2…2.
        let mut seed = 7u32;
        let qkv = Array2::from_shape_fn((rows, 3 * hidden), |_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0
        });
        let bert = Bert::new(Vec::new(), hidden, heads).expect("valid shapes");
        // The version this CPU runs, and both bodies (with and without fused multiply-adds)
        // whatever the CPU.
        let values = qkv.as_slice().expect("standard layout");
        let mut plain = vec![f32::NAN; rows * hidden];
        attend_with::<false>(values, hidden, heads, &lengths, &mut plain);
        let mut fused = vec![f32::NAN; rows * hidden];
        attend_with::<true>(values, hidden, heads, &lengths, &mut fused);
        let runs = [
            ("dispatched", bert.attention(&qkv.view(), &lengths)),
            (
                "plain",
                Array2::from_shape_vec((rows, hidden), plain).expect("shape"),
            ),
            (
                "fused",
                Array2::from_shape_vec((rows, hidden), fused).expect("shape"),
            ),
        ];
        for (name, out) in &runs {
            let mut start = 0;
            for len in lengths {
                for head in 0..heads {
                    let part = |offset: usize| -> Vec<Vec<f32>> {
                        (start..start + len)
                            .map(|r| (0..d).map(|c| qkv[[r, offset + head * d + c]]).collect())
                            .collect()
                    };
                    let expected = textbook_attention(&part(0), &part(hidden), &part(2 * hidden));
                    for (i, row) in expected.iter().enumerate() {
                        for (c, value) in row.iter().enumerate() {
                            let got = out[[start + i, head * d + c]];
                            assert!(
                                (got - value).abs() < 1e-5,
                                "{name}: row {} column {c}: {got} against {value}",
                                start + i
                            );
                        }
                    }
                }
                start += len;
            }
        }
    }
}
