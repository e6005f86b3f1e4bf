//! Writing one source's articles into a knowledge folder, repeatably.
//!
//! Each source gets its own subfolder (`<knowledge dir>/<source>/`) holding one file per
//! article and locale, named by the stable id `<source>-<source id>-<locale>`, plus a
//! manifest (`.frontline-import.json`) with the SHA-256 of every file as last written.
//! A file whose hash no longer matches was edited by someone: it is not overwritten or
//! pruned without `--force`. Files are written to a temporary name and renamed, so the
//! widget server's hot reload never reads half an article.

use crate::convert::{Converter, LinkMap};
use crate::error::ImportError;
use crate::fetched::{Body, Fetched, Visibility};
use crate::report::{Gone, Report, SkipReason};
use frontline_matcher::knowledge::draft::markdown_heading_text;
use frontline_matcher::knowledge::FrontMatter;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Articles whose body is longer than this (in characters) are written and reported.
pub const TOO_LONG_CHARS: usize = 20_000;

const MANIFEST: &str = ".frontline-import.json";

/// How to write.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The knowledge folder (`knowledge_dir` of the site).
    pub knowledge_dir: PathBuf,
    pub include_drafts: bool,
    pub prune: bool,
    pub force: bool,
    /// Prefix for rewritten links between imported articles (empty: `<id>.md`).
    pub link_base: String,
    /// Article ids that an intent links (for the "not pointed to" list).
    pub linked_by_intents: HashSet<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    /// id → what was written.
    articles: BTreeMap<String, ManifestEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestEntry {
    source_id: String,
    locale: String,
    sha256: String,
}

/// The stable id of an article in a locale: `<source>-<source id>-<locale>`, lowercased,
/// anything but letters, digits and `-` folded to `-`.
pub fn article_id(source: &str, source_id: &str, locale: &str) -> String {
    slug(&format!("{source}-{source_id}-{locale}"))
}

/// Lowercase letters and digits, runs of anything else as one `-`, at most 80 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.chars().take(80).collect();
    out.trim_end_matches('-').to_string()
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Writes `fetched` from `source` into the folder and returns the report.
pub fn write(
    source: &str,
    fetched: Fetched,
    options: &WriteOptions,
) -> Result<Report, ImportError> {
    let dir = options.knowledge_dir.join(source);
    std::fs::create_dir_all(&dir).map_err(|e| ImportError::io(&dir, e))?;
    let manifest_path = dir.join(MANIFEST);
    let mut manifest: Manifest = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| ImportError::file(&manifest_path, e))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => return Err(ImportError::io(&manifest_path, e)),
    };
    let mut report = Report {
        source: source.to_string(),
        malformed: fetched.malformed.clone(),
        ..Report::default()
    };

    // Decide what to write before converting, so links can point at every new id.
    let mut chosen = Vec::new();
    let mut seen = HashSet::new();
    let mut links = LinkMap::new(&options.link_base);
    for article in fetched.articles {
        let id = article_id(source, &article.source_id, &article.locale);
        let skip = match article.visibility {
            Visibility::Draft if !options.include_drafts => Some(SkipReason::Draft),
            Visibility::Internal if !options.include_drafts => Some(SkipReason::Internal),
            _ if !seen.insert(id.clone()) => Some(SkipReason::Duplicate),
            _ => None,
        };
        if let Some(reason) = skip {
            report.skipped.push((id, reason));
            continue;
        }
        links.add(
            &article.source_id,
            &article.locale,
            article.url.as_deref(),
            &id,
        );
        chosen.push((id, article));
    }
    let converter = Converter::new(Arc::new(links));
    // The versions of one source article in several locales: the first one read (the
    // source's default locale comes first) is the original, the others its translations.
    let mut originals: HashMap<&str, &str> = HashMap::new();
    for (id, article) in &chosen {
        originals
            .entry(article.source_id.as_str())
            .or_insert(id.as_str());
    }
    let translation_of: HashMap<String, String> = chosen
        .iter()
        .filter_map(|(id, article)| {
            let original = originals.get(article.source_id.as_str())?;
            (*original != id.as_str()).then(|| (id.clone(), original.to_string()))
        })
        .collect();

    let mut kept = HashSet::new();
    for (id, article) in chosen {
        let markdown = match &article.body {
            Body::Html(html) => converter.markdown(html, &article.locale),
            Body::Markdown(markdown) => markdown.trim().to_string(),
        };
        if markdown.trim().is_empty() {
            report.skipped.push((id, SkipReason::Empty));
            continue;
        }
        if markdown.chars().count() > TOO_LONG_CHARS {
            report.too_long.push(id.clone());
        }
        let front = FrontMatter {
            id: id.clone(),
            title: article.title.clone(),
            url: article.url.clone(),
            tags: article.tags.clone(),
            intents: Vec::new(),
            locale: article.locale.clone(),
            translation_of: translation_of.get(&id).cloned(),
            questions: article.questions.clone(),
            draft: false,
        };
        let heading = markdown_heading_text(&article.title);
        let source_text = front
            .to_source(&format!("# {heading}\n\n{markdown}"))
            .map_err(|e| ImportError::file(&dir.join(format!("{id}.md")), e))?;
        let path = dir.join(format!("{id}.md"));
        let current = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(ImportError::io(&path, e)),
        };
        kept.insert(id.clone());
        let entry = manifest.articles.get(&id);
        if let Some(current) = &current {
            let edited = match entry {
                Some(entry) => entry.sha256 != sha256(current),
                None => true,
            };
            if edited && !options.force {
                let reason = if entry.is_some() {
                    SkipReason::LocallyEdited
                } else {
                    SkipReason::NotImported
                };
                report.skipped.push((id, reason));
                continue;
            }
            if *current == source_text {
                report.unchanged.push(id.clone());
            } else {
                write_atomically(&path, &source_text)?;
                report.updated.push(id.clone());
            }
        } else {
            write_atomically(&path, &source_text)?;
            report.new.push(id.clone());
        }
        if article.questions.is_empty() && !options.linked_by_intents.contains(&id) {
            report.unreferenced.push(id.clone());
        }
        manifest.articles.insert(
            id,
            ManifestEntry {
                source_id: article.source_id,
                locale: article.locale,
                sha256: sha256(&source_text),
            },
        );
    }

    // Imported before, not in this run: gone at the source, unless the item was
    // malformed this time (then nobody knows).
    let malformed: HashSet<&str> = report
        .malformed
        .iter()
        .map(|m| m.source_id.as_str())
        .collect();
    let gone: Vec<(String, ManifestEntry)> = manifest
        .articles
        .iter()
        .filter(|(id, entry)| !kept.contains(*id) && !malformed.contains(entry.source_id.as_str()))
        .map(|(id, entry)| (id.clone(), entry.clone()))
        .collect();
    for (id, entry) in gone {
        let path = dir.join(format!("{id}.md"));
        let edited = match std::fs::read_to_string(&path) {
            Ok(text) => sha256(&text) != entry.sha256,
            Err(_) => false,
        };
        let mut removed = false;
        if options.prune && (!edited || options.force) {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ImportError::io(&path, e)),
            }
            manifest.articles.remove(&id);
            removed = true;
        }
        report.gone.push(Gone {
            id,
            removed,
            kept_edited: options.prune && !removed,
        });
    }

    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| ImportError::file(&manifest_path, e))?;
    write_atomically(&manifest_path, &(text + "\n"))?;
    Ok(report)
}

/// Writes `text` to a hidden temporary file beside `path` (not `*.md`, so the loader
/// ignores it), then renames it over `path`.
fn write_atomically(path: &Path, text: &str) -> Result<(), ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temporary, text).map_err(|e| ImportError::io(&temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| ImportError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fetched::SourceArticle;

    fn markdown(source_id: &str, body: &str) -> SourceArticle {
        SourceArticle {
            source_id: source_id.into(),
            locale: "en".into(),
            title: format!("Article {source_id}"),
            body: Body::Markdown(body.into()),
            url: None,
            tags: Vec::new(),
            questions: vec!["a question".into()],
            visibility: Visibility::Published,
        }
    }

    #[test]
    fn long_empty_and_hand_written_articles_are_reported() {
        let dir = tempfile::tempdir().expect("dir");
        let options = WriteOptions {
            knowledge_dir: dir.path().to_path_buf(),
            ..WriteOptions::default()
        };
        std::fs::create_dir_all(dir.path().join("csv")).expect("mkdir");
        let hand_written = "+++\nid = \"csv-3-en\"\ntitle = \"Mine\"\n+++\nKeep me.\n";
        std::fs::write(dir.path().join("csv/csv-3-en.md"), hand_written).expect("write");
        let fetched = Fetched {
            articles: vec![
                markdown("1", &"word ".repeat(5_000)),
                markdown("2", "  \n "),
                markdown("3", "Imported text."),
            ],
            malformed: Vec::new(),
        };
        let report = write("csv", fetched, &options).expect("write");
        assert_eq!(report.new, ["csv-1-en"]);
        assert_eq!(report.too_long, ["csv-1-en"]);
        assert_eq!(
            report.skipped,
            [
                ("csv-2-en".to_string(), SkipReason::Empty),
                ("csv-3-en".to_string(), SkipReason::NotImported)
            ]
        );
        let kept = std::fs::read_to_string(dir.path().join("csv/csv-3-en.md")).expect("read");
        assert_eq!(kept, hand_written);
        let text = report.to_string();
        assert!(text.contains("too long: 1\n    csv-1-en"), "{text}");
        assert!(text.contains("1 empty body"), "{text}");
    }

    #[test]
    fn ids_are_stable_slugs() {
        assert_eq!(
            article_id("zendesk", "360001", "en-US"),
            "zendesk-360001-en-us"
        );
        assert_eq!(slug("Where is my order?"), "where-is-my-order");
        assert_eq!(slug("Wo ist meine Bestellung?"), "wo-ist-meine-bestellung");
    }
}
