//! One-vs-rest linear SVMs with squared hinge loss, trained by dual coordinate descent.
//!
//! This is LIBLINEAR's `L2R_L2LOSS_SVC_DUAL` solver (Hsieh et al., *A Dual Coordinate
//! Descent Method for Large-scale Linear SVM*, ICML 2008), the algorithm behind
//! scikit-learn's `LinearSVC`, with shrinking and a constant bias feature of value 1
//! (regularized like the other weights, as LIBLINEAR does). Each class is an independent
//! binary problem, so classes are spread over the available cores with scoped threads.
//!
//! The dual variables are kept so that the cross-validation models of
//! [`calibration`](super::calibration) can start from the full model's solution restricted
//! to their training fold (the warm start of Chu et al., *Warm Start for Parameter
//! Selection of Linear Classifiers*, KDD 2015): the optimum is the same, reached in a
//! fraction of the passes.
//!
//! The result is stored feature-major (`weights[feature * classes + class]`) so that
//! scoring a query touches one contiguous row per feature it contains.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::features::SparseVec;

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SvmParams {
    /// Inverse regularization strength.
    pub c: f32,
    /// Stopping tolerance on the projected-gradient spread.
    pub tolerance: f32,
    /// Upper bound on passes over the data per class.
    pub max_passes: usize,
    /// Seed for the order in which examples are visited.
    pub seed: u64,
}

/// Trained linear scores: `score(x)[c] = bias[c] + Σ_f x_f · weights[f · classes + c]`.
#[derive(Debug, Clone)]
pub(crate) struct LinearModel {
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// The dual variables of a trained model: `alphas[class][example]`.
pub(crate) type Duals = Vec<Vec<f32>>;

impl LinearModel {
    /// Trains one binary SVM per class (`labels[i]` is the class of `data[i]`), starting
    /// from `warm` dual variables when given (one per class and example, e.g. a previous
    /// solution restricted to these examples). Returns the model and its dual variables.
    pub fn train(
        data: &[SparseVec],
        labels: &[usize],
        classes: usize,
        features: usize,
        params: &SvmParams,
        warm: Option<&Duals>,
    ) -> (LinearModel, Duals) {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, classes.max(1));
        let per_thread = classes.div_ceil(threads).max(1);
        let mut per_class: Vec<Solution> = vec![Solution::default(); classes];
        std::thread::scope(|scope| {
            for (t, chunk) in per_class.chunks_mut(per_thread).enumerate() {
                scope.spawn(move || {
                    for (offset, slot) in chunk.iter_mut().enumerate() {
                        let class = t * per_thread + offset;
                        let start = warm.and_then(|w| w.get(class)).map(Vec::as_slice);
                        let problem = Binary {
                            data,
                            labels,
                            class,
                            features,
                        };
                        *slot = problem.solve(params, start);
                    }
                });
            }
        });
        let mut weights = vec![0f32; features * classes];
        let mut bias = vec![0f32; classes];
        let mut duals = Vec::with_capacity(classes);
        for (class, solution) in per_class.into_iter().enumerate() {
            bias[class] = solution.bias;
            for (f, value) in solution.w.into_iter().enumerate() {
                weights[f * classes + class] = value;
            }
            duals.push(solution.alpha);
        }
        let model = LinearModel {
            classes,
            weights,
            bias,
        };
        (model, duals)
    }

    /// Writes the score of every class for `x` into `out` (resized to the class count).
    pub fn scores_into(&self, x: &SparseVec, out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        for (&f, &v) in x.indices.iter().zip(&x.values) {
            let start = f as usize * self.classes;
            if let Some(row) = self.weights.get(start..start + self.classes) {
                for (o, w) in out.iter_mut().zip(row) {
                    *o += v * w;
                }
            }
        }
    }

    /// Bytes held by the weights.
    pub fn heap_bytes(&self) -> usize {
        (self.weights.capacity() + self.bias.capacity()) * std::mem::size_of::<f32>()
    }
}

#[derive(Debug, Clone, Default)]
struct Solution {
    w: Vec<f32>,
    bias: f32,
    alpha: Vec<f32>,
}

/// One class against the rest.
struct Binary<'a> {
    data: &'a [SparseVec],
    labels: &'a [usize],
    class: usize,
    features: usize,
}

impl Binary<'_> {
    /// Dual coordinate descent for `min ½‖w‖² + C Σ max(0, 1 − yᵢ w·xᵢ)²` with a bias
    /// feature, from `start` dual variables (or zero).
    fn solve(&self, params: &SvmParams, start: Option<&[f32]>) -> Solution {
        let (data, n) = (self.data, self.data.len());
        let y: Vec<f32> = self
            .labels
            .iter()
            .map(|&l| if l == self.class { 1.0 } else { -1.0 })
            .collect();
        let mut alpha = match start {
            Some(a) if a.len() == n => a.to_vec(),
            _ => vec![0f32; n],
        };
        let mut w = vec![0f32; self.features];
        let mut bias = 0f32;
        for (i, x) in data.iter().enumerate() {
            if alpha[i] != 0.0 {
                let d = alpha[i] * y[i];
                for (&f, &v) in x.indices.iter().zip(&x.values) {
                    w[f as usize] += d * v;
                }
                bias += d;
            }
        }
        let diag = 0.5 / params.c;
        // Qᵢᵢ = ‖xᵢ‖² + 1 (bias feature) + D.
        let qd: Vec<f32> = data
            .iter()
            .map(|x| x.values.iter().map(|v| v * v).sum::<f32>() + 1.0 + diag)
            .collect();
        let mut active: Vec<usize> = (0..n).collect();
        let mut active_len = n;
        let mut rng = StdRng::seed_from_u64(params.seed ^ (self.class as u64).wrapping_mul(0x9E37));
        // With squared hinge loss alpha has no upper bound, so only alpha = 0 can be shrunk.
        let mut pg_max_old = f32::INFINITY;
        for _ in 0..params.max_passes {
            active[..active_len].shuffle(&mut rng);
            let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
            let mut s = 0;
            while s < active_len {
                let i = active[s];
                let x = &data[i];
                let dot: f32 = bias
                    + x.indices
                        .iter()
                        .zip(&x.values)
                        .map(|(&f, &v)| w[f as usize] * v)
                        .sum::<f32>();
                let g = y[i] * dot - 1.0 + diag * alpha[i];
                let mut pg = g;
                if alpha[i] == 0.0 {
                    if g > pg_max_old {
                        active_len -= 1;
                        active.swap(s, active_len);
                        continue;
                    }
                    pg = g.min(0.0);
                }
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha[i];
                    alpha[i] = (old - g / qd[i]).max(0.0);
                    let d = (alpha[i] - old) * y[i];
                    for (&f, &v) in x.indices.iter().zip(&x.values) {
                        w[f as usize] += d * v;
                    }
                    bias += d;
                }
                s += 1;
            }
            if pg_max - pg_min <= params.tolerance {
                if active_len == n {
                    break;
                }
                active_len = n;
                pg_max_old = f32::INFINITY;
                continue;
            }
            pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
        }
        Solution { w, bias, alpha }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vec(pairs: &[(u32, f32)]) -> SparseVec {
        SparseVec {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn separates_three_classes() {
        let data = [
            vec(&[(0, 1.0)]),
            vec(&[(0, 0.8), (3, 0.6)]),
            vec(&[(1, 1.0)]),
            vec(&[(1, 0.8), (3, 0.6)]),
            vec(&[(2, 1.0)]),
            vec(&[(2, 0.8), (3, 0.6)]),
        ];
        let labels = [0, 0, 1, 1, 2, 2];
        let params = SvmParams {
            c: 1.0,
            tolerance: 1e-3,
            max_passes: 200,
            seed: 1,
        };
        let (model, duals) = LinearModel::train(&data, &labels, 3, 4, &params, None);
        assert_eq!(duals.len(), 3);
        // A warm start from the solution is already converged: same scores.
        let (again, _) = LinearModel::train(&data, &labels, 3, 4, &params, Some(&duals));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        model.scores_into(&data[0], &mut a);
        again.scores_into(&data[0], &mut b);
        assert!(
            a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-2),
            "{a:?} {b:?}"
        );
        let mut scores = Vec::new();
        for (x, &label) in data.iter().zip(&labels) {
            model.scores_into(x, &mut scores);
            let best = (0..3)
                .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                .expect("three classes");
            assert_eq!(best, label);
        }
    }
}
