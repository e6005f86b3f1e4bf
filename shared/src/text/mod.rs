//! Text normalization (in progress).
