//! Text normalization shared by the intent classifier and the rules (for example the
//! human-request phrase detector).
//!
//! [`normalize`] maps a message to a canonical form so that surface variation does not
//! change what the classifier sees:
//!
//! 1. Unicode NFKC (`ｆｕｌｌ-width` letters, ligatures such as `ﬁ`, superscripts and
//!    non-breaking spaces become their plain forms).
//! 2. Lower-casing with [`char::to_lowercase`] (full Unicode mapping, e.g. `İ`, `Σ`).
//! 3. Apostrophes of every kind (`'`, `’`, `‘`, `` ` ``, `´`, `ʼ`) *inside* a word are
//!    dropped, so `what's`, `what’s` and `whats` are the same word and `don't` is `dont`.
//! 4. Every other character that is not a letter, a digit or a combining mark (punctuation,
//!    symbols, emoji, control characters) becomes a space; runs of spaces collapse to one
//!    and the result is trimmed.
//!
//! [`tokens`] splits the normalized text into words. Misspellings are handled by the
//! classifier's character n-grams rather than by a spelling corrector; stemming was
//! measured and did not help once character n-grams are present (see
//! [`crate::classifier`]), so none is applied here.
//!
//! Both functions are total: any `&str` (empty, emoji-only, megabytes long) gives a result
//! without panicking, and the work is linear in the input length.

use unicode_normalization::UnicodeNormalization;

/// The characters treated as an apostrophe inside a word.
const APOSTROPHES: [char; 6] = ['\'', '\u{2019}', '\u{2018}', '`', '\u{00B4}', '\u{02BC}'];

/// Returns the canonical form of `text`: NFKC, lower case, intra-word apostrophes removed,
/// everything that is not a letter, digit or combining mark replaced by a single space,
/// trimmed.
///
/// ```
/// use frontline_shared::text::normalize;
/// assert_eq!(normalize("  What’s my ＢＡＬＡＮＣＥ?!  "), "whats my balance");
/// assert_eq!(normalize("I can't log-in 🙁"), "i cant log in");
/// ```
pub fn normalize(text: &str) -> String {
    // ASCII text is its own NFKC form: skip the composition machinery (most questions).
    if text.is_ascii() {
        normalize_chars(text.chars(), text.len())
    } else {
        normalize_chars(text.nfkc(), text.len())
    }
}

/// Steps 2–4 of [`normalize`] over characters already in NFKC.
fn normalize_chars(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    // A pending apostrophe is kept only if a word character follows it and one preceded
    // it; otherwise it acts as a separator (quotes such as 'hello').
    let mut after_word = false;
    let mut pending_apostrophe = false;
    let mut pending_space = false;
    for c in chars {
        if is_word_char(c) {
            if pending_space && !out.is_empty() && !(pending_apostrophe && after_word) {
                out.push(' ');
            }
            pending_space = false;
            pending_apostrophe = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
            after_word = true;
        } else if APOSTROPHES.contains(&c) && after_word && !pending_space {
            pending_apostrophe = true;
            pending_space = true;
        } else {
            pending_space = true;
            pending_apostrophe = false;
            after_word = false;
        }
    }
    out
}

/// Splits `text` into normalized words (see [`normalize`]).
///
/// ```
/// use frontline_shared::text::tokens;
/// assert_eq!(tokens("Where's my order #123?"), ["wheres", "my", "order", "123"]);
/// ```
pub fn tokens(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `normalized` text (see [`normalize`]) without the accents of Latin, Greek and Cyrillic
/// letters (the combining diacritical marks, U+0300–U+036F, after canonical
/// decomposition), for rules that should not depend on whether a customer typed them.
/// Other scripts' marks are letters of their words and stay (a Devanagari vowel sign, the
/// Japanese voicing mark).
///
/// ```
/// use frontline_shared::text::{normalize, without_accents};
/// assert_eq!(without_accents(&normalize("Parler à un être humain")), "parler a un etre humain");
/// assert_eq!(without_accents("falar com alguém"), "falar com alguem");
/// assert_eq!(without_accents("がいど ßø"), "がいど ßø");
/// ```
pub fn without_accents(normalized: &str) -> String {
    if normalized.is_ascii() {
        return normalized.to_owned();
    }
    normalized
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .nfc()
        .collect()
}

/// Whether `c` belongs to a word: letters, digits and combining marks (so decomposed
/// accents and scripts such as Devanagari stay inside their word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_combining_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_strips_punctuation() {
        assert_eq!(normalize("Hello, World!"), "hello world");
        assert_eq!(normalize("order-status...please"), "order status please");
    }

    #[test]
    fn apostrophes_inside_words_are_dropped() {
        assert_eq!(normalize("what's"), "whats");
        assert_eq!(normalize("what’s"), "whats");
        assert_eq!(normalize("don`t"), "dont");
        assert_eq!(normalize("DON'T"), "dont");
    }

    #[test]
    fn quoting_apostrophes_separate_words() {
        assert_eq!(normalize("say 'hello' to me"), "say hello to me");
        assert_eq!(normalize("the users' cart"), "the users cart");
        assert_eq!(normalize("'tis"), "tis");
        assert_eq!(normalize("a ' b"), "a b");
    }

    #[test]
    fn nfkc_folds_compatibility_forms() {
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
        assert_eq!(normalize("ﬁle"), "file");
        assert_eq!(normalize("x\u{00A0}y"), "x y");
        assert_eq!(normalize("e\u{0301}te\u{0301}"), "été");
    }

    #[test]
    fn unicode_letters_survive() {
        assert_eq!(normalize("Straße ÜBER café"), "straße über café");
        assert_eq!(normalize("Привет, мир"), "привет мир");
        assert_eq!(normalize("注文 状況"), "注文 状況");
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("   "), "");
        assert_eq!(normalize("🙂🙂🙂"), "");
        assert_eq!(normalize("'''"), "");
        assert_eq!(normalize("\u{0}\u{7}\t\r\n"), "");
        let long = "bonjour ".repeat(2000);
        assert_eq!(normalize(&long).len(), long.len() - 1);
    }

    #[test]
    fn ascii_text_takes_the_same_path_as_the_rest() {
        // The same words with one non-ASCII character appended go through NFKC.
        for text in [
            "Where's my ORDER #123?!",
            "  don`t 'quote' me  ",
            "a\tb\r\nc",
            "x--y",
        ] {
            let slow = normalize(&format!("{text} ·"));
            assert_eq!(normalize(text), slow.trim_end(), "{text:?}");
        }
    }

    #[test]
    fn tokens_split_on_single_spaces() {
        assert_eq!(tokens("  a  b\tc\n"), ["a", "b", "c"]);
        assert!(tokens("!!!").is_empty());
    }
}
