//! Drafting an article from a knowledge gap: a Markdown stub with `draft = true` in the
//! site's knowledge folder, under `drafts/`. Drafts are not served until an editor writes
//! the body and removes the `draft` line; the knowledge base then reloads by itself.

use std::path::{Path, PathBuf};

/// Writes a stub for `question` (and its other phrasings) and returns its path.
pub fn create(knowledge_dir: &Path, question: &str, also: &[String]) -> std::io::Result<PathBuf> {
    let slug = slug(question);
    let dir = knowledge_dir.join("drafts");
    std::fs::create_dir_all(&dir)?;
    let mut path = dir.join(format!("{slug}.md"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{slug}-{n}.md"));
        n += 1;
    }
    let questions: Vec<String> = std::iter::once(question)
        .chain(also.iter().map(String::as_str))
        .map(toml_string)
        .collect();
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(&slug)
        .to_string();
    let body = format!(
        "+++\nid = {}\ntitle = {}\ntags = []\nquestions = [{}]\ndraft = true\n+++\n# {}\n\nTODO: answer this question customers keep asking, then remove the `draft` line.\n",
        toml_string(&id),
        toml_string(question),
        questions.join(", "),
        question.replace(['\n', '\r'], " "),
    );
    std::fs::write(&path, body)?;
    Ok(path)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
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
            frontline_shared::knowledge::Article::parse(&path, &text).expect("valid article");
        assert!(article.draft);
        assert_eq!(article.questions.len(), 2);
        let second = create(dir.path(), "Do you ship to Iceland?", &[]).expect("draft");
        assert!(second.ends_with("drafts/do-you-ship-to-iceland-2.md"));
    }
}
