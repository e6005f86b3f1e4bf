//! `frontline-import csv FILE`: one article per row, columns `question, answer, url,
//! tags, locale` (a header row names them; `question` and `answer` are required, the
//! others optional). `answer` is Markdown (plain text is Markdown); `tags` are separated
//! by `,` or `;`; `locale` defaults to the `--locale` option. The question is the title and
//! the article's `questions`; its slug is the stable source id.

use crate::error::ImportError;
use crate::fetched::{Body, Fetched, Malformed, SourceArticle, Visibility};
use crate::folder::slug;
use std::path::Path;

pub fn read(path: &Path, default_locale: &str) -> Result<Fetched, ImportError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_path(path)
        .map_err(|e| ImportError::file(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| ImportError::file(path, e))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(question_at), Some(answer_at)) = (column("question"), column("answer")) else {
        return Err(ImportError::file(
            path,
            "the header row must name the columns `question` and `answer` (and optionally `url`, `tags`, `locale`)",
        ));
    };
    let (url_at, tags_at, locale_at) = (column("url"), column("tags"), column("locale"));
    let mut fetched = Fetched::default();
    for (index, record) in reader.records().enumerate() {
        let row = format!("row {}", index + 2);
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                fetched.malformed.push(Malformed {
                    source_id: row,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let cell = |at: Option<usize>| {
            at.and_then(|at| record.get(at))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let (Some(question), Some(answer)) = (cell(Some(question_at)), cell(Some(answer_at)))
        else {
            fetched.malformed.push(Malformed {
                source_id: row,
                reason: "`question` and `answer` must not be empty".into(),
            });
            continue;
        };
        let source_id = match slug(question) {
            s if s.is_empty() => format!("row-{}", index + 2),
            s => s,
        };
        fetched.articles.push(SourceArticle {
            source_id,
            locale: cell(locale_at).unwrap_or(default_locale).to_string(),
            title: question.to_string(),
            body: Body::Markdown(answer.to_string()),
            url: cell(url_at).map(str::to_string),
            tags: cell(tags_at)
                .map(|tags| {
                    tags.split([',', ';'])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            questions: vec![question.to_string()],
            visibility: Visibility::Published,
        });
    }
    Ok(fetched)
}
