//! The trained classifier: vocabulary, linear scores and calibration in one value.

use std::collections::HashMap;

use super::calibration::{stratified_folds, Calibration};
use super::features::{FeatureOptions, Featurizer, SparseVec};
use super::svm::{Duals, LinearModel, SvmParams};
use super::{ClassifierError, Example, Ranked, OUT_OF_SCOPE};

/// Only the first this many characters of a query are classified, which bounds the time
/// of a query whatever its length (intents are stated early; 1,000 characters is several
/// paragraphs).
pub const MAX_QUERY_CHARS: usize = 1000;

/// Training settings. [`Default`] holds the values tuned on CLINC150 (see the
/// [module docs](super)).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    /// Which n-grams become features.
    pub features: FeatureOptions,
    /// SVM inverse regularization strength.
    pub c: f32,
    /// SVM stopping tolerance (LIBLINEAR's `eps`).
    pub tolerance: f32,
    /// SVM passes over the data per class, at most.
    pub max_passes: usize,
    /// Folds of the stratified cross-validation that fits the calibration.
    pub calibration_folds: usize,
    /// Folds stop being run once this many held-out predictions are collected (one fold
    /// of CLINC150 already gives ~3,000; tiny data runs every fold).
    pub calibration_samples: usize,
    /// Seed for the SVM's visiting order; equal seeds give equal models.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureOptions::default(),
            c: 2.0,
            tolerance: 0.1,
            max_passes: 1000,
            calibration_folds: 5,
            calibration_samples: 2000,
            seed: 0x5eed,
        }
    }
}

/// An intent classifier. Immutable after training: `Send + Sync`, queried through `&self`.
#[derive(Clone)]
pub struct Classifier {
    labels: Vec<String>,
    out_of_scope: Option<usize>,
    featurizer: Featurizer,
    model: LinearModel,
    calibration: Calibration,
}

impl Classifier {
    /// Trains on labelled examples. Labels are kept in order of first appearance; the
    /// label [`OUT_OF_SCOPE`] is the reject class.
    pub fn train(examples: &[Example], options: &TrainOptions) -> Result<Self, ClassifierError> {
        if examples.is_empty() {
            return Err(ClassifierError::NoExamples);
        }
        let mut labels: Vec<String> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut usable: Vec<bool> = Vec::new();
        let mut rows: Vec<(&str, usize)> = Vec::new();
        for (line, example) in examples.iter().enumerate() {
            let label = example.label.trim();
            if label.is_empty() {
                return Err(ClassifierError::EmptyLabel { index: line });
            }
            let id = *index.entry(label).or_insert_with(|| {
                labels.push(label.to_owned());
                usable.push(false);
                labels.len() - 1
            });
            if !frontline_shared::text::tokens(&example.text).is_empty() {
                usable[id] = true;
                rows.push((&example.text, id));
            }
        }
        if let Some(id) = usable.iter().position(|&u| !u) {
            return Err(ClassifierError::NoUsableText {
                label: labels[id].clone(),
            });
        }
        let featurizer = Featurizer::fit(rows.iter().map(|r| r.0), &options.features);
        let data: Vec<SparseVec> = rows.iter().map(|r| featurizer.transform(r.0)).collect();
        let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let out_of_scope = labels.iter().position(|l| l == OUT_OF_SCOPE);
        let params = SvmParams {
            c: options.c,
            tolerance: options.tolerance,
            max_passes: options.max_passes,
            seed: options.seed,
        };
        let (model, duals) = LinearModel::train(
            &data,
            &targets,
            labels.len(),
            featurizer.len(),
            &params,
            None,
        );
        let problem = Problem {
            data: &data,
            targets: &targets,
            classes: labels.len(),
            features: featurizer.len(),
            duals: &duals,
        };
        let calibration = problem.calibrate(out_of_scope, options, &params);
        Ok(Classifier {
            labels,
            out_of_scope,
            featurizer,
            model,
            calibration,
        })
    }

    /// The class labels; [`Ranked::label`] indexes into this.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The index of the [`OUT_OF_SCOPE`] label, if the training data had one.
    pub fn out_of_scope(&self) -> Option<usize> {
        self.out_of_scope
    }

    /// The `k` most probable labels for `text`, best first, with calibrated probabilities
    /// (over all labels they sum to 1). Text with nothing the classifier knows gets a
    /// near-uniform distribution, hence low confidence.
    pub fn rank(&self, text: &str, k: usize) -> Vec<Ranked> {
        top_k(self.probabilities(text), k)
    }

    /// The calibrated probability of every label for `text`, indexed like
    /// [`labels`](Self::labels); they sum to 1.
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
            Some((end, _)) => &text[..end],
            None => text,
        };
        let mut probabilities = Vec::with_capacity(self.labels.len());
        self.model
            .scores_into(&self.featurizer.transform(text), &mut probabilities);
        self.calibration
            .probabilities(&mut probabilities, self.out_of_scope);
        probabilities
    }

    /// Approximate heap memory of the trained model in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.model.heap_bytes()
            + self.featurizer.heap_bytes()
            + self.labels.iter().map(|l| l.capacity()).sum::<usize>()
    }

    /// The fitted softmax temperature and out-of-scope bias (for reports).
    pub fn calibration(&self) -> (f32, f32) {
        (self.calibration.temperature, self.calibration.oos_bias)
    }
}

/// The `k` most probable labels, best first (ties: lower label first).
pub fn top_k(probabilities: Vec<f32>, k: usize) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = probabilities
        .into_iter()
        .enumerate()
        .map(|(label, confidence)| Ranked { label, confidence })
        .collect();
    let by_confidence = |a: &Ranked, b: &Ranked| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.label.cmp(&b.label))
    };
    let k = k.min(ranked.len());
    if k == 0 {
        return Vec::new();
    }
    if k < ranked.len() {
        ranked.select_nth_unstable_by(k - 1, by_confidence);
        ranked.truncate(k);
    }
    ranked.sort_unstable_by(by_confidence);
    ranked
}

/// A summary: the weights are tens of megabytes on large label sets.
impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("labels", &self.labels.len())
            .field("out_of_scope", &self.out_of_scope)
            .field("features", &self.featurizer.len())
            .field("calibration", &self.calibration)
            .finish_non_exhaustive()
    }
}

/// The training problem, kept together for the cross-validation of the calibration.
struct Problem<'a> {
    data: &'a [SparseVec],
    targets: &'a [usize],
    classes: usize,
    features: usize,
    /// The full model's dual variables, restricted to each fold to warm-start it.
    duals: &'a Duals,
}

impl Problem<'_> {
    /// Fits the calibration on out-of-fold scores: trains on all folds but one, scores
    /// the held-out fold, and repeats until enough held-out predictions are collected.
    fn calibrate(
        &self,
        out_of_scope: Option<usize>,
        options: &TrainOptions,
        params: &SvmParams,
    ) -> Calibration {
        let folds = stratified_folds(self.targets, self.classes, options.calibration_folds);
        let mut held_out: Vec<(Vec<f32>, usize)> = Vec::new();
        for fold in 0..options.calibration_folds.max(2) {
            if held_out.len() >= options.calibration_samples {
                break;
            }
            let (train, test): (Vec<usize>, Vec<usize>) =
                (0..self.data.len()).partition(|&i| folds[i] != Some(fold));
            if test.is_empty() {
                continue;
            }
            let data: Vec<SparseVec> = train.iter().map(|&i| self.data[i].clone()).collect();
            let targets: Vec<usize> = train.iter().map(|&i| self.targets[i]).collect();
            let warm: Duals = self
                .duals
                .iter()
                .map(|alpha| train.iter().map(|&i| alpha[i]).collect())
                .collect();
            let (model, _) = LinearModel::train(
                &data,
                &targets,
                self.classes,
                self.features,
                params,
                Some(&warm),
            );
            for i in test {
                let mut scores = Vec::new();
                model.scores_into(&self.data[i], &mut scores);
                held_out.push((scores, self.targets[i]));
            }
        }
        Calibration::fit(&held_out, out_of_scope)
    }
}
