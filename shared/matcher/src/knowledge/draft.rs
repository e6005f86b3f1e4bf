//! Draft articles: the stub written for a question nothing answered (the dashboard's
//! "Draft article" action on a knowledge gap).
//!
//! Customer text goes into a draft twice, and neither place may give it structure:
//! - the front matter is a [`FrontMatter`] serialized by `toml`, never built from strings, so
//!   quotes, backslashes, newlines and `+++` lines stay inside TOML strings (multi-line
//!   ones when the text has newlines). [`Article::parse`](super::Article::parse) ends the
//!   header only at a `+++` line where the text before it parses as TOML, so a `+++` line
//!   inside such a string cannot end it;
//! - the Markdown heading is the question folded to one line with every ASCII punctuation
//!   character backslash-escaped, so it cannot start a list, link, HTML tag or new block.

use super::FrontMatter;

/// The title of a draft whose question is blank (an article's title must not be empty).
pub const UNTITLED: &str = "Untitled question";

/// The file text of a draft article `id` for `question` (its title and first phrasing)
/// and its other phrasings `also`.
pub fn draft_source(id: &str, question: &str, also: &[String]) -> Result<String, toml::ser::Error> {
    let title = if question.trim().is_empty() {
        UNTITLED
    } else {
        question
    };
    let heading = match markdown_heading_text(title) {
        text if text.is_empty() => UNTITLED.to_string(),
        text => text,
    };
    FrontMatter {
        id: id.to_string(),
        title: title.to_string(),
        url: None,
        tags: Vec::new(),
        intents: Vec::new(),
        locale: "en".to_string(),
        translation_of: None,
        questions: std::iter::once(question)
            .chain(also.iter().map(String::as_str))
            .map(str::to_string)
            .collect(),
        draft: true,
    }
    .to_source(&format!(
        "# {heading}\n\nTODO: answer this question customers keep asking, then remove the `draft` line."
    ))
}

/// `text` as the literal content of a one-line Markdown heading: whitespace and control
/// characters folded to single spaces, ASCII punctuation backslash-escaped (CommonMark
/// reads `\X` as a literal `X` for every ASCII punctuation `X`).
pub fn markdown_heading_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in folded_words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// `text` folded to one line: what the heading of a draft for `text` reads as.
pub fn folded(text: &str) -> String {
    folded_words(text).collect::<Vec<_>>().join(" ")
}

fn folded_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Article;
    use proptest::prelude::*;
    use std::path::Path;

    fn parse(source: &str) -> Article {
        Article::parse(Path::new("kb/drafts/d.md"), source)
            .unwrap_or_else(|e| panic!("{e}\n---\n{source}"))
    }

    #[test]
    fn a_planted_header_stays_inside_the_question() {
        let question = "Where is my order?\n+++\nid = \"evil\"\ndraft = false\n+++\n# Free money\n<script>alert(1)</script>\n[click](javascript:alert(1))";
        let source = draft_source("where-is-my-order", question, &["+++".into()]).expect("toml");
        let article = parse(&source);
        assert_eq!(article.id, "where-is-my-order");
        assert!(
            article.draft,
            "the planted `draft = false` is text, not a key"
        );
        assert_eq!(article.title, question);
        assert_eq!(article.questions, [question, "+++"]);
        assert_eq!(article.headings, [folded(question)]);
        assert!(!article.html.contains("<script"), "{}", article.html);
        assert!(!article.html.contains("<a"), "{}", article.html);
        assert!(
            article.html.starts_with("<h1>Where is my order? +++ id"),
            "{}",
            article.html
        );
    }

    #[test]
    fn a_blank_question_still_makes_a_valid_draft() {
        let article = parse(&draft_source("draft", " \n\t", &[]).expect("toml"));
        assert_eq!(article.title, UNTITLED);
        assert_eq!(article.questions, [" \n\t"]);
    }

    /// Question-like text with the pieces that broke or could break a draft.
    fn hostile_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("+++".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\r".to_string()),
            Just("'''".to_string()),
            Just("\"\"\"".to_string()),
            Just("\\".to_string()),
            Just("\"".to_string()),
            Just("# ".to_string()),
            Just("<script>".to_string()),
            Just("[x](y)".to_string()),
            Just("&amp;".to_string()),
            Just("\u{2028}\u{a0}\t".to_string()),
            "[^\u{0}]{0,8}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any question text round-trips through the draft writer and the parser unchanged,
        /// and its heading is plain text (no element of its own).
        #[test]
        fn drafts_round_trip_any_question(
            question in hostile_text(),
            also in proptest::collection::vec(hostile_text(), 0..3),
        ) {
            let source = draft_source("draft-id", &question, &also).expect("toml");
            let article = parse(&source);
            prop_assert_eq!(&article.id, "draft-id");
            prop_assert!(article.draft);
            if !question.trim().is_empty() {
                prop_assert_eq!(&article.title, &question);
            }
            let mut questions = vec![question.clone()];
            questions.extend(also);
            prop_assert_eq!(&article.questions, &questions);
            let heading = match folded(&article.title) {
                text if text.is_empty() => UNTITLED.to_string(),
                text => text,
            };
            prop_assert_eq!(&article.headings, &vec![heading]);
            // <h1>, </h1>, <p>, </p>, <code>, </code>: every other `<` is escaped text.
            prop_assert_eq!(article.html.matches('<').count(), 6, "{}", article.html);
        }
    }
}
