//! # frontline-shared
//!
//! The brain both Frontline binaries share. Work in progress: see the module list.
//!
//! # Layout
//! - [`text`]: text normalization shared by the classifier and the rules.
//! - [`classifier`]: the intent classifier trained from example utterances at load time,
//!   with calibrated confidence and thresholds tuned on validation data. The
//!   `frontline-eval` binary scores it on JSONL data sets (e.g. CLINC150).

pub mod classifier;
pub mod text;
