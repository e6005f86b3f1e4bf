//! Text normalization (placeholder until the classifier work lands).

use unicode_normalization::UnicodeNormalization;

/// Lowercased NFKC text with punctuation turned into spaces and runs of spaces collapsed.
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .filter(|c| *c != '\'')
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}
