//! Intent classifier (in progress).
