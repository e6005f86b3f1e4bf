//! How often related-article search puts the right article first, and among the first
//! three, for questions whose article is known: the product's search (BM25 and vectors,
//! fused with BM25 weighted by the question's language), the same fusion at equal weights
//! (as before 2026-12-01), each side alone.
//!
//! ```sh
//! cargo run --release -p frontline-matcher --example related_articles_eval -- \
//!   [KNOWLEDGE_DIR] [QUESTIONS_JSONL]
//! ```
//!
//! Defaults: the demo's articles and `shared/matcher/tests/data/demo_article_questions.jsonl`
//! (lines `{"text", "article", "lang"}`). A question counts as right when the article shown
//! is the named one or a version of it. Prints one line per language and way of searching.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontline_matcher::encoder::{Encoder, DEFAULT_MODEL};
use frontline_matcher::knowledge::vectors::ArticleVectors;
use frontline_matcher::knowledge::{Article, KnowledgeBase};
use serde::Deserialize;

#[derive(Deserialize)]
struct Question {
    text: String,
    article: String,
    lang: String,
}

/// The ways of searching compared, in the order printed ("BM25 alone": the index's own
/// top 3, where two versions of one article may both appear).
const WAYS: [&str; 4] = [
    "product (BM25 weighted by language)",
    "equal weights",
    "vectors alone",
    "BM25 alone",
];

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args().skip(1);
    let kb_dir = args
        .next()
        .map_or(root.join("widget-server/demo/kb"), PathBuf::from);
    let questions_file = args.next().map_or(
        root.join("shared/matcher/tests/data/demo_article_questions.jsonl"),
        PathBuf::from,
    );
    let knowledge = KnowledgeBase::load_dir(&kb_dir)?;
    let encoder = Arc::new(Encoder::builtin(DEFAULT_MODEL)?);
    let vectors = ArticleVectors::embed(
        encoder,
        knowledge.articles(),
        knowledge.original_positions(),
        None,
    )?;
    let questions: Vec<Question> = std::fs::read_to_string(&questions_file)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let original_of = |article: &Article| knowledge.original_id(article).to_owned();
    // The vector side on its own (the product's candidates: similarity floor and margin),
    // before the knowledge base takes the vectors.
    let by_vectors = questions
        .iter()
        .map(|question| {
            Ok(vectors
                .nearest(&question.text, 3)?
                .into_iter()
                .map(|(position, _)| original_of(&knowledge.articles()[position]))
                .collect())
        })
        .collect::<anyhow::Result<Vec<Vec<String>>>>()?;
    knowledge.set_vectors(vectors);
    // Per language and way: (questions, right first, right among three).
    let mut counts: BTreeMap<(String, usize), (usize, usize, usize)> = BTreeMap::new();
    for (question, by_vectors) in questions.iter().zip(by_vectors) {
        let wanted = knowledge
            .article(&question.article)
            .map(original_of)
            .ok_or_else(|| anyhow::anyhow!("no article {:?}", question.article))?;
        let language = frontline_matcher::language::detect(&question.text);
        let shown: [Vec<String>; 4] = [
            related(&knowledge, &question.text, language)?,
            related(&knowledge, &question.text, None)?,
            by_vectors,
            knowledge
                .search(&question.text, 3)?
                .into_iter()
                .map(|(article, _)| original_of(article))
                .collect(),
        ];
        for (way, ids) in shown.iter().enumerate() {
            let entry = counts.entry((question.lang.clone(), way)).or_default();
            entry.0 += 1;
            entry.1 += usize::from(ids.first() == Some(&wanted));
            entry.2 += usize::from(ids.iter().take(3).any(|id| *id == wanted));
        }
    }
    for ((lang, way), (n, first, three)) in counts {
        println!(
            "{lang} {:<38} first {first:>3}/{n} ({:.1} %)  top 3 {three:>3}/{n} ({:.1} %)",
            WAYS[way],
            100.0 * first as f64 / n as f64,
            100.0 * three as f64 / n as f64
        );
    }
    Ok(())
}

/// The original ids of the product's related articles, for `language`.
fn related(
    knowledge: &KnowledgeBase,
    text: &str,
    language: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    Ok(knowledge
        .related_with_snippets(text, language, 3, 160)?
        .into_iter()
        .map(|hit| knowledge.original_id(hit.article).to_owned())
        .collect())
}
