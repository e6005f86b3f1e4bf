//! A customer's question with its language detected once ([`Question`]), for the
//! decisions that need it more than once: whether the sentence encoder runs, how the
//! ranking is mixed, and which language the answer is in; and the same question read by
//! one matcher's lexical classifier ([`PreparedQuestion`]), so that choosing whether the
//! encoder runs and deciding share that reading.

use crate::language::{self, Detected};

/// A question as a customer wrote it, and what [`language::detect_with_guess`] tells of its
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    pub detected: Detected,
}

impl Question {
    /// `text`, its language detected now.
    pub fn new(text: &str) -> Question {
        Question {
            text: text.to_owned(),
            detected: language::detect_with_guess(text),
        }
    }

    /// The language to answer in, when [detected](language::detect).
    pub fn language(&self) -> Option<&'static str> {
        self.detected.language
    }
}

/// A [`Question`], its lexical probabilities and whether it is in another language than
/// the intents' examples, from the matcher that made it
/// ([`Matcher::prepare`](crate::Matcher::prepare)); decide it with that matcher.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedQuestion {
    pub question: Question,
    pub(crate) lexical: Vec<f32>,
    /// [`Ranker::is_foreign`](crate::hybrid::Ranker::is_foreign).
    pub(crate) foreign: bool,
}
