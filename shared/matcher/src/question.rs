//! A customer's question with its language detected once ([`Question`]), for the
//! decisions that need it more than once: whether the sentence encoder runs, how the
//! ranking is mixed, and which language the answer is in.

use crate::language;

/// A question as a customer wrote it, and its language as [`language::detect`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    pub language: Option<&'static str>,
}

impl Question {
    /// `text`, its language detected now.
    pub fn new(text: &str) -> Question {
        Question {
            text: text.to_owned(),
            language: language::detect(text),
        }
    }
}
