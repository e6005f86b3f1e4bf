//! Drafting an article from a knowledge gap: a Markdown stub with `draft = true` in the
//! site's knowledge folder, under `drafts/`. Drafts are not served until an editor writes
//! the body and removes the `draft` line; the knowledge base then reloads by itself.
//! The file's text comes from [`draft_source`], which keeps customer text as text.

use frontline_matcher::knowledge::draft::draft_source;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A draft that could not be written (the folder or the file), with the I/O error.
#[derive(Debug, thiserror::Error)]
#[error("cannot write draft: {0}")]
pub struct DraftError(#[from] std::io::Error);

/// Writes a stub for `question` (and its other phrasings) and returns its path.
pub fn create(
    knowledge_dir: &Path,
    question: &str,
    also: &[String],
) -> Result<PathBuf, DraftError> {
    let slug = slug(question);
    let dir = knowledge_dir.join("drafts");
    std::fs::create_dir_all(&dir)?;
    let mut n = 1;
    loop {
        let id = match n {
            1 => slug.clone(),
            n => format!("{slug}-{n}"),
        };
        let path = dir.join(format!("{id}.md"));
        let source = draft_source(&id, question, also).map_err(std::io::Error::other)?;
        // `create_new`: two drafts of one question at once get two files, never one mixed.
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                n += 1;
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        file.write_all(source.as_bytes())?;
        return Ok(path);
    }
}

/// `"Do you ship to Iceland?"` → `do-you-ship-to-iceland`.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "draft".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_parses_as_an_article_marked_draft() {
        let dir = tempfile::tempdir().expect("dir");
        let path = create(
            dir.path(),
            "Do you ship to \"Iceland\"?",
            &["iceland shipping".into()],
        )
        .expect("draft");
        assert!(path.ends_with("drafts/do-you-ship-to-iceland.md"));
        let text = std::fs::read_to_string(&path).expect("read");
        let article =
            frontline_matcher::knowledge::Article::parse(&path, &text).expect("valid article");
        assert!(article.draft);
        assert_eq!(article.questions.len(), 2);
        let second = create(dir.path(), "Do you ship to Iceland?", &[]).expect("draft");
        assert!(second.ends_with("drafts/do-you-ship-to-iceland-2.md"));
        let text = std::fs::read_to_string(&second).expect("read");
        let article =
            frontline_matcher::knowledge::Article::parse(&second, &text).expect("valid article");
        assert_eq!(article.id, "do-you-ship-to-iceland-2");
    }

    #[test]
    fn a_planted_front_matter_line_stays_in_the_question() {
        let dir = tempfile::tempdir().expect("dir");
        let question = "Refund?\n+++\nid = \"x\"\n+++\n<img src=x onerror=alert(1)>";
        let path = create(dir.path(), question, &[]).expect("draft");
        let text = std::fs::read_to_string(&path).expect("read");
        let article =
            frontline_matcher::knowledge::Article::parse(&path, &text).expect("valid article");
        assert_eq!(article.title, question);
        assert!(article.draft);
        assert!(!article.html.contains("<img"), "{}", article.html);
    }
}
