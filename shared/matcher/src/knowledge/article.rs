//! One article file: TOML front matter between `+++` lines, then Markdown.

use frontline_shared::templates::{markdown_options, sanitize_html};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::KnowledgeError;

/// A parsed article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
    /// Intents this article answers (linked from either side).
    pub intents: Vec<String>,
    pub locale: String,
    /// The id of the article this one translates (`None` for an original): the versions
    /// of one article in several languages, answered in the customer's language.
    pub translation_of: Option<String>,
    /// Extra phrasings customers use for this article.
    pub questions: Vec<String>,
    /// A stub not yet written (created from a knowledge gap): never served.
    pub draft: bool,
    pub headings: Vec<String>,
    /// The Markdown body as plain text (for indexing, snippets and chat).
    pub text: String,
    /// The Markdown body rendered to HTML and sanitized (safe to insert in a page).
    pub html: String,
    pub path: PathBuf,
}

/// The TOML front matter of an article file, as read by [`Article::parse`] and written by
/// [`FrontMatter::to_source`] (importers and tools that write articles use this one type,
/// so what they write is what the loader reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intents: Vec<String>,
    #[serde(default = "english")]
    pub locale: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation_of: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
}

impl FrontMatter {
    /// The whole file text: this front matter serialized by `toml` (so any text stays
    /// inside TOML strings) between `+++` lines, then the Markdown `body`.
    pub fn to_source(&self, body: &str) -> Result<String, toml::ser::Error> {
        let front = toml::to_string(self)?;
        let body = body.trim_end();
        Ok(format!("+++\n{front}+++\n{body}\n"))
    }
}

fn english() -> String {
    "en".into()
}

impl Article {
    /// Parses `source` read from `path`. Errors name the file and the line.
    pub fn parse(path: &Path, source: &str) -> Result<Article, KnowledgeError> {
        let error = |line: usize, message: String| KnowledgeError::FrontMatter {
            path: path.to_path_buf(),
            line,
            message,
        };
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let Some(rest) = source
            .strip_prefix("+++\n")
            .or_else(|| source.strip_prefix("+++\r\n"))
        else {
            return Err(error(
                1,
                "expected front matter starting with a `+++` line".into(),
            ));
        };
        let fail = |(line, message): (usize, String)| error(line, message);
        let (front, body) = split_front_matter(rest).map_err(fail)?;
        let meta: FrontMatter = toml::from_str(front).map_err(|e| fail(toml_error(front, &e)))?;
        if meta.id.trim().is_empty() || meta.title.trim().is_empty() {
            return Err(error(2, "`id` and `title` must not be empty".into()));
        }
        let rendered = render(body);
        Ok(Article {
            id: meta.id,
            title: meta.title,
            url: meta.url,
            tags: meta.tags,
            intents: meta.intents,
            locale: meta.locale,
            translation_of: meta.translation_of.filter(|id| !id.trim().is_empty()),
            questions: meta.questions,
            draft: meta.draft,
            headings: rendered.headings,
            text: rendered.text,
            html: rendered.html,
            path: path.to_path_buf(),
        })
    }

    /// A short plain-text excerpt: the first `max_chars` characters of the body.
    pub fn excerpt(&self, max_chars: usize) -> String {
        let mut excerpt: String = self.text.chars().take(max_chars).collect();
        if self.text.chars().count() > max_chars {
            excerpt.push('…');
        }
        excerpt
    }
}

/// Splits what follows the opening `+++` line into the front matter and the Markdown body.
///
/// The closing `+++` line is the first one where the text before it parses as TOML: a
/// `+++` line inside a multi-line string (a planted question in a draft, say) leaves
/// that string unterminated, so it cannot end the header. When no candidate parses, the
/// error is the one of the first `+++` line, which is what a hand-edited file usually
/// means. Errors are `(line, message)`, lines counted in the whole file. Each candidate
/// costs one parse of the text before it; real files have one, and a draft has one more
/// per `+++` line in its (at most 300-character) question.
fn split_front_matter(rest: &str) -> Result<(&str, &str), (usize, String)> {
    let mut first_error = None;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &rest[..offset];
            match toml::from_str::<toml::Table>(front) {
                Ok(_) => return Ok((front, &rest[offset + line.len()..])),
                Err(e) => {
                    first_error.get_or_insert_with(|| toml_error(front, &e));
                }
            }
        }
        offset += line.len();
    }
    Err(first_error.unwrap_or_else(|| (1, "front matter is not closed by a `+++` line".into())))
}

/// The file line (the front matter starts on line 2) and message of a TOML error.
fn toml_error(front: &str, e: &toml::de::Error) -> (usize, String) {
    let line = e
        .span()
        .map(|span| front[..span.start.min(front.len())].matches('\n').count() + 2)
        .unwrap_or(2);
    (line, e.message().to_string())
}

struct Rendered {
    headings: Vec<String>,
    text: String,
    html: String,
}

fn render(markdown: &str) -> Rendered {
    let mut headings = Vec::new();
    let mut text = String::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H6 => {
                heading = Some(String::new())
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    headings.push(h.trim().to_string());
                }
                text.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
                text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => text.push('\n'),
            _ => {}
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, markdown_options()));
    Rendered {
        headings,
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        html: sanitize_html(&html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nid = \"returns\"\ntitle = \"Returns\"\ntags = [\"returns\"]\n+++\n# Sending it back\nYou can return **anything** within 30 days.\n\n<img src=x onerror=alert(1)>\n";

    #[test]
    fn parses_front_matter_and_markdown() {
        let article = Article::parse(Path::new("kb/returns.md"), GOOD).expect("valid");
        assert_eq!(article.id, "returns");
        assert_eq!(article.headings, ["Sending it back"]);
        assert!(
            article
                .text
                .contains("You can return anything within 30 days."),
            "{}",
            article.text
        );
        assert!(article.html.contains("<strong>anything</strong>"));
        assert!(!article.html.contains("onerror"), "{}", article.html);
        assert_eq!(article.locale, "en");
    }

    #[test]
    fn written_front_matter_reads_back() {
        let front = FrontMatter {
            id: "zendesk-1-de".into(),
            title: "Wie \"schnell\"?\n+++".into(),
            url: Some("https://s.example/hc/de/articles/1".into()),
            tags: vec!["Versand".into()],
            intents: Vec::new(),
            locale: "de".into(),
            translation_of: None,
            questions: Vec::new(),
            draft: false,
        };
        let source = front
            .to_source("# Versand\n\nZwei Tage.\n\n")
            .expect("toml");
        assert!(
            !source.contains("intents") && !source.contains("draft"),
            "{source}"
        );
        let article = Article::parse(Path::new("kb/z.md"), &source).expect("valid");
        assert_eq!(
            (
                article.id.as_str(),
                article.title.as_str(),
                article.locale.as_str()
            ),
            ("zendesk-1-de", front.title.as_str(), "de")
        );
        assert_eq!(article.url, front.url);
        assert_eq!(article.tags, front.tags);
        assert_eq!(article.text, "Versand Zwei Tage.");
    }

    #[test]
    fn bad_front_matter_names_file_and_line() {
        let bad = "+++\nid = \"x\"\ntitle = \"X\"\ntags = [unquoted]\n+++\nbody";
        let err = Article::parse(Path::new("kb/bad.md"), bad).expect_err("invalid");
        assert!(err.to_string().starts_with("kb/bad.md:4:"), "{err}");

        let unknown = "+++\nid = \"x\"\ntitle = \"X\"\ncolour = \"red\"\n+++\n";
        let err = Article::parse(Path::new("kb/u.md"), unknown).expect_err("invalid");
        assert!(
            err.to_string().contains("kb/u.md:4:") && err.to_string().contains("colour"),
            "{err}"
        );

        for (source, needle) in [
            ("no front matter", "kb/n.md:1:"),
            ("+++\nid = \"x\"\n", "not closed"),
        ] {
            let err = Article::parse(Path::new("kb/n.md"), source).expect_err("invalid");
            assert!(err.to_string().contains(needle), "{err}");
        }
        let missing = "+++\nid = \"x\"\n+++\n";
        let err = Article::parse(Path::new("kb/m.md"), missing).expect_err("title missing");
        assert!(err.to_string().contains("title"), "{err}");
    }
}
