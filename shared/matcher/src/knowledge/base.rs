//! A loaded knowledge base: every article of a folder plus their index.

use frontline_shared::templates::escape_html;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::index::ArticleIndex;
use super::vectors::{reciprocal_rank_fusion, ArticleVectors, CANDIDATES};
use super::{Article, FileProblem, KnowledgeError};

/// All articles of one folder, searchable. Immutable but for its embeddings, which may
/// arrive once after it is built: a reload builds a new one.
#[derive(Debug)]
pub struct KnowledgeBase {
    articles: Vec<Article>,
    by_id: HashMap<String, usize>,
    /// Per article, the position of its original (its own for an original): the article
    /// its `translation_of` names, when that one loaded.
    originals: Vec<usize>,
    /// The positions of the articles that are translations of another.
    translations: Vec<usize>,
    /// Per language (primary subtag), the share of original articles that have a version
    /// in it ([`lexical_weight`](Self::lexical_weight)).
    coverage: HashMap<String, f32>,
    index: ArticleIndex,
    /// Files that were skipped and why (shown in `/admin`, logged at load).
    problems: Vec<FileProblem>,
    /// The articles' embeddings when the matcher runs a sentence encoder: then
    /// [`related_with_snippets`](Self::related_with_snippets) is hybrid. Set once, at
    /// build or later from a background thread (a large help centre's first start).
    vectors: OnceLock<ArticleVectors>,
}

/// A search result with a display snippet.
#[derive(Debug, Clone)]
pub struct ArticleHit<'a> {
    pub article: &'a Article,
    pub score: f32,
    /// Highlighted HTML excerpt (escaped text with `<b>` around matches).
    pub snippet_html: String,
}

impl KnowledgeBase {
    /// Loads every `*.md` file under `dir` (sorted, recursively), skipping drafts.
    ///
    /// One bad file does not stop the rest: a file that cannot be read or parsed, or
    /// whose id an earlier file (in path order) already uses, is skipped and listed in
    /// [`problems`](Self::problems). Only a folder that cannot be read at all, or an
    /// index that cannot be built, is an error.
    pub fn load_dir(dir: &Path) -> Result<KnowledgeBase, KnowledgeError> {
        std::fs::read_dir(dir).map_err(|cause| KnowledgeError::Read {
            path: dir.to_path_buf(),
            cause,
        })?;
        let mut files = Vec::new();
        let mut problems = Vec::new();
        collect_markdown(dir, &mut files, &mut problems);
        files.sort();
        // Reading and parsing (TOML, Markdown, HTML sanitizing) is most of a large help
        // centre's load and each file is independent: every core takes a share. The
        // results stay in path order, so which of two files sharing an id wins is as before.
        let parsed: Vec<(PathBuf, Result<ReadArticle, FileProblem>)> = files
            .into_par_iter()
            .map(|path| {
                let parsed = read_article(&path);
                (path, parsed)
            })
            .collect();
        let mut articles: Vec<Article> = Vec::with_capacity(parsed.len());
        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(parsed.len());
        for (path, parsed) in parsed {
            let ReadArticle { article, id_line } = match parsed {
                Ok(parsed) => parsed,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            if article.draft {
                continue;
            }
            if let Some(&other) = by_id.get(&article.id) {
                let message = format!(
                    "article id {:?} is already used by {}; this file is skipped",
                    article.id,
                    articles[other].path.display()
                );
                problems.push(FileProblem::new(&path, id_line, message));
                continue;
            }
            by_id.insert(article.id.clone(), articles.len());
            articles.push(article);
        }
        let index = ArticleIndex::build(&articles)?;
        let originals = originals(&articles, &by_id);
        Ok(KnowledgeBase {
            translations: (0..originals.len())
                .filter(|&i| originals[i] != i)
                .collect(),
            coverage: coverage(&articles, &originals),
            originals,
            articles,
            by_id,
            index,
            problems,
            vectors: OnceLock::new(),
        })
    }

    /// Indexes already-parsed articles (ids must be unique).
    pub fn from_articles(articles: Vec<Article>) -> Result<KnowledgeBase, KnowledgeError> {
        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(articles.len());
        for (i, article) in articles.iter().enumerate() {
            if let Some(&other) = by_id.get(&article.id) {
                return Err(KnowledgeError::DuplicateId {
                    path: article.path.clone(),
                    id: article.id.clone(),
                    other: articles[other].path.clone(),
                });
            }
            by_id.insert(article.id.clone(), i);
        }
        let index = ArticleIndex::build(&articles)?;
        let originals = originals(&articles, &by_id);
        Ok(KnowledgeBase {
            translations: (0..originals.len())
                .filter(|&i| originals[i] != i)
                .collect(),
            coverage: coverage(&articles, &originals),
            originals,
            articles,
            by_id,
            index,
            problems: Vec::new(),
            vectors: OnceLock::new(),
        })
    }

    /// Files [`load_dir`](Self::load_dir) skipped, in path order.
    pub fn problems(&self) -> &[FileProblem] {
        &self.problems
    }

    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.by_id.get(id).map(|&i| &self.articles[i])
    }

    /// The id of the original `article` translates (its `translation_of`, when that article
    /// loaded), or its own id: what every version of one article shares.
    pub fn original_id<'a>(&'a self, article: &'a Article) -> &'a str {
        match self.by_id.get(&article.id) {
            Some(&position) => &self.articles[self.originals[position]].id,
            None => &article.id,
        }
    }

    /// The version of `article` written in `language` (an ISO 639-1 code): itself, its
    /// original or another translation of that original; `None` when there is none.
    pub fn version_in<'a>(&'a self, article: &'a Article, language: &str) -> Option<&'a Article> {
        let in_language = |a: &Article| crate::language::primary(&a.locale) == language;
        if in_language(article) {
            return Some(article);
        }
        let original = self.originals[*self.by_id.get(&article.id)?];
        // Translations are rare, so the original's are found among the few articles that
        // are translations, not by walking every article.
        std::iter::once(original)
            .chain(
                self.translations
                    .iter()
                    .copied()
                    .filter(|&t| self.originals[t] == original),
            )
            .map(|position| &self.articles[position])
            .find(|candidate| in_language(candidate))
    }

    /// Per article, the position of its original ([`original_id`](Self::original_id)).
    pub fn original_positions(&self) -> &[usize] {
        &self.originals
    }

    /// The `limit` best articles for `text`, best first, without snippets (the fast path).
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<(&Article, f32)>, KnowledgeError> {
        Ok(self
            .hits(&self.index.terms(text), limit)?
            .into_iter()
            .map(|(_, article, score)| (article, score))
            .collect())
    }

    /// Like [`search`](Self::search), with highlighted snippets of about `snippet_chars`.
    pub fn search_with_snippets(
        &self,
        text: &str,
        limit: usize,
        snippet_chars: usize,
    ) -> Result<Vec<ArticleHit<'_>>, KnowledgeError> {
        let terms: Vec<(String, f32)> = self
            .index
            .terms(text)
            .into_iter()
            .map(|term| (term, 1.0))
            .collect();
        self.weighted_with_snippets(&terms, limit, snippet_chars)
    }

    /// As-you-type search: like [`search_with_snippets`](Self::search_with_snippets), but
    /// the last, unfinished word of `text` is a prefix and unknown words may be typos
    /// ([`ArticleIndex::as_you_type_terms`]).
    pub fn suggest_with_snippets(
        &self,
        text: &str,
        limit: usize,
        snippet_chars: usize,
    ) -> Result<Vec<ArticleHit<'_>>, KnowledgeError> {
        let terms = self.index.as_you_type_terms(text);
        self.weighted_with_snippets(&terms, limit, snippet_chars)
    }

    fn weighted_with_snippets(
        &self,
        weighted: &[(String, f32)],
        limit: usize,
        snippet_chars: usize,
    ) -> Result<Vec<ArticleHit<'_>>, KnowledgeError> {
        let hits: Vec<(usize, &Article, f32)> = self
            .index
            .search_weighted(weighted, limit)?
            .into_iter()
            .filter_map(|hit| {
                self.articles
                    .get(hit.article)
                    .map(|a| (hit.article, a, hit.score))
            })
            .collect();
        let terms: Vec<String> = weighted.iter().map(|(term, _)| term.clone()).collect();
        Ok(self.with_snippets(hits, &terms, snippet_chars))
    }

    /// `hits` (position, article, score) with snippets highlighting `terms`, or the
    /// article's opening words where none matches.
    fn with_snippets<'a>(
        &self,
        hits: Vec<(usize, &'a Article, f32)>,
        terms: &[String],
        snippet_chars: usize,
    ) -> Vec<ArticleHit<'a>> {
        let bodies: Vec<(usize, &str)> = hits
            .iter()
            .map(|(position, article, _)| (*position, article.text.as_str()))
            .collect();
        let snippets = self.index.snippets(terms, &bodies, snippet_chars);
        hits.into_iter()
            .zip(snippets)
            .map(|((_, article, score), snippet)| ArticleHit {
                article,
                score,
                snippet_html: if snippet.is_empty() {
                    escape_html(&article.excerpt(snippet_chars))
                } else {
                    snippet
                },
            })
            .collect()
    }

    /// Makes [`related_with_snippets`](Self::related_with_snippets) hybrid (see
    /// [`vectors`](super::vectors)); `vectors` must be of this base's articles. Only the
    /// first call counts (`false` for a later one).
    pub fn set_vectors(&self, vectors: ArticleVectors) -> bool {
        self.vectors.set(vectors).is_ok()
    }

    /// Whether the articles' embeddings are in (related articles are hybrid).
    pub fn has_vectors(&self) -> bool {
        self.vectors.get().is_some()
    }

    /// Approximate heap memory of the article embeddings (0 without an encoder).
    pub fn vectors_heap_bytes(&self) -> usize {
        self.vectors.get().map_or(0, ArticleVectors::heap_bytes)
    }

    /// How much BM25's ranking counts in the fusion for a question in `language`: when
    /// some articles are in that language, the share of original articles with a version
    /// in it, squared; 1 when none are (or the language is not known).
    ///
    /// A question's words are analyzed in every language the articles are in, but its
    /// own language's stems match only the articles written in it. When few are, BM25's
    /// ranking tells which articles were translated more than what the question is
    /// about: on the demo, with 3 of its 45 articles in German, fused at equal weight it
    /// put one of those 3 first for 43 of the 90 German questions (84 of them about other
    /// articles). Squared, a language that covers a few articles leaves BM25 the articles
    /// only it found, after those found by meaning; one that covers most keeps almost all
    /// of its say (0.9 → 0.81). A language no article is in (a German help centre whose
    /// articles leave out `locale`, read as English) keeps weight 1: there BM25 matches
    /// names and shared words through the other languages' analysis, as before.
    pub fn lexical_weight(&self, language: Option<&str>) -> f32 {
        let share = language.and_then(|language| {
            self.coverage
                .get(&crate::language::primary(language))
                .copied()
        });
        share.map_or(1.0, |share| share.powi(2))
    }

    /// Articles related to a whole question in `language` (when detected), best first,
    /// with snippets: BM25 and, with an encoder, vector similarity fused by weighted
    /// reciprocal rank fusion (BM25's list weighted by
    /// [`lexical_weight`](Self::lexical_weight)). Should the encoder fail, BM25 alone
    /// (logged).
    pub fn related_with_snippets(
        &self,
        text: &str,
        language: Option<&str>,
        limit: usize,
        snippet_chars: usize,
    ) -> Result<Vec<ArticleHit<'_>>, KnowledgeError> {
        let Some(vectors) = self.vectors.get() else {
            return self.search_with_snippets(text, limit, snippet_chars);
        };
        let terms = self.index.terms(text);
        // Rankings of originals: the versions of one article are one candidate, shown in
        // the version whose words matched (else the original).
        let mut shown: HashMap<usize, usize> = HashMap::new();
        let mut lexical: Vec<usize> = Vec::new();
        for (position, _, _) in self.hits(&terms, CANDIDATES)? {
            let original = self.originals[position];
            if !lexical.contains(&original) {
                lexical.push(original);
                shown.insert(original, position);
            }
        }
        let semantic: Vec<usize> = match vectors.nearest(text, CANDIDATES) {
            Ok(nearest) => nearest.into_iter().map(|(position, _)| position).collect(),
            Err(error) => {
                tracing::warn!(%error, "sentence encoder failed; related articles by BM25 only");
                Vec::new()
            }
        };
        let mut fused =
            reciprocal_rank_fusion(&[(lexical, self.lexical_weight(language)), (semantic, 1.0)]);
        fused.truncate(limit);
        let hits = fused
            .into_iter()
            .filter_map(|(original, score)| {
                let position = shown.get(&original).copied().unwrap_or(original);
                self.articles
                    .get(position)
                    .map(|article| (position, article, score))
            })
            .collect();
        Ok(self.with_snippets(hits, &terms, snippet_chars))
    }

    /// Search hits for analyzed `terms` as (position, article, score).
    fn hits(
        &self,
        terms: &[String],
        limit: usize,
    ) -> Result<Vec<(usize, &Article, f32)>, KnowledgeError> {
        Ok(self
            .index
            .search(terms, limit)?
            .into_iter()
            .filter_map(|hit| {
                self.articles
                    .get(hit.article)
                    .map(|a| (hit.article, a, hit.score))
            })
            .collect())
    }
}

/// A parsed article file.
struct ReadArticle {
    article: Article,
    /// The line of its `id` key (named should another file already use the id).
    id_line: Option<usize>,
}

/// The article in the file at `path`, or why it is skipped.
fn read_article(path: &Path) -> Result<ReadArticle, FileProblem> {
    let source = std::fs::read_to_string(path)
        .map_err(|cause| FileProblem::new(path, None, format!("cannot read: {cause}")))?;
    match Article::parse(path, &source) {
        Ok(article) => Ok(ReadArticle {
            article,
            id_line: id_line(&source),
        }),
        Err(KnowledgeError::FrontMatter { line, message, .. }) => {
            Err(FileProblem::new(path, Some(line), message))
        }
        Err(other) => Err(FileProblem::new(path, None, other.to_string())),
    }
}

/// Every `*.md` file under `dir`; an unreadable subfolder is a problem, not an error.
fn collect_markdown(dir: &Path, into: &mut Vec<PathBuf>, problems: &mut Vec<FileProblem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(cause) => {
            problems.push(FileProblem::new(dir, None, format!("cannot read: {cause}")));
            return;
        }
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(cause) => {
                problems.push(FileProblem::new(dir, None, format!("cannot read: {cause}")));
                continue;
            }
        };
        if path.is_dir() {
            collect_markdown(&path, into, problems);
        } else if path.extension().is_some_and(|e| e == "md") {
            into.push(path);
        }
    }
}

/// The line of the `id` key in an article's source (for duplicate-id problems).
fn id_line(source: &str) -> Option<usize> {
    source
        .lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix("id")
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Per article, the position of its original: the article its `translation_of` names
/// when that one loaded (and is not itself a translation), else its own.
fn originals(articles: &[Article], by_id: &HashMap<String, usize>) -> Vec<usize> {
    articles
        .iter()
        .enumerate()
        .map(|(position, article)| {
            article
                .translation_of
                .as_ref()
                .and_then(|id| by_id.get(id))
                .copied()
                .filter(|&original| articles[original].translation_of.is_none())
                .unwrap_or(position)
        })
        .collect()
}

/// Per language (primary subtag), the share of original articles that have a version in
/// it: the original itself or a translation.
fn coverage(articles: &[Article], originals: &[usize]) -> HashMap<String, f32> {
    let count = originals
        .iter()
        .enumerate()
        .filter(|(position, original)| position == *original)
        .count();
    let mut covered: HashMap<String, HashSet<usize>> = HashMap::new();
    for (article, &original) in articles.iter().zip(originals) {
        covered
            .entry(crate::language::primary(&article.locale))
            .or_default()
            .insert(original);
    }
    covered
        .into_iter()
        .map(|(language, originals)| (language, originals.len() as f32 / count.max(1) as f32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, id: &str, title: &str, body: &str) {
        let text = format!("+++\nid = \"{id}\"\ntitle = \"{title}\"\n+++\n{body}\n");
        std::fs::write(dir.join(name), text).expect("write");
    }

    #[test]
    fn finds_the_article_a_question_is_about() {
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            "a.md",
            "shipping-times",
            "Shipping times",
            "Standard delivery takes 3 to 5 business days.",
        );
        write(
            dir.path(),
            "b.md",
            "returns",
            "Returning an item",
            "Send items back within 30 days for a refund.",
        );
        write(
            dir.path(),
            "c.md",
            "sizes",
            "Size guide",
            "Our shirts run small; <script>alert(1)</script> pick one size up.",
        );
        let kb = KnowledgeBase::load_dir(dir.path()).expect("load");
        let hits = kb
            .search_with_snippets("how do I return an item?", 3, 80)
            .expect("search");
        assert_eq!(hits[0].article.id, "returns");
        assert!(
            hits[0].snippet_html.contains("<b>"),
            "{}",
            hits[0].snippet_html
        );
        let hits = kb.search_with_snippets("size", 3, 200).expect("search");
        assert_eq!(hits[0].article.id, "sizes");
        assert!(
            !hits[0].snippet_html.contains("<script>"),
            "{}",
            hits[0].snippet_html
        );
        assert!(kb.search("", 3).expect("empty query").is_empty());
        assert!(
            kb.search("AND OR : \" ( [", 3).is_ok(),
            "query syntax is never parsed"
        );
    }

    #[test]
    fn a_help_centre_larger_than_one_analysis_chunk_finds_every_article() {
        // More articles than are parsed and analyzed together on all cores: each must
        // keep its own position, words and snippet across the chunks.
        let dir = tempfile::tempdir().expect("dir");
        let count = 2 * super::super::index::ANALYSIS_CHUNK + 7;
        for i in 0..count {
            write(
                dir.path(),
                &format!("a{i:04}.md"),
                &format!("a{i}"),
                &format!("Page number {i}"),
                &format!("This page explains the zq{i}x procedure in detail."),
            );
        }
        // A later file (in path order) reusing an id is skipped, as before.
        write(dir.path(), "b.md", "a300", "Impostor", "zq300x impostor");
        let kb = KnowledgeBase::load_dir(dir.path()).expect("load");
        assert_eq!(kb.articles().len(), count);
        assert_eq!(kb.problems().len(), 1, "{:?}", kb.problems());
        for i in [0, 255, 256, 300, 511, 512, count - 1] {
            let hits = kb
                .search_with_snippets(&format!("zq{i}x"), 3, 80)
                .expect("search");
            assert_eq!(hits.len(), 1, "zq{i}x");
            assert_eq!(hits[0].article.id, format!("a{i}"));
            // The first file with an id wins: a300 is "Page number 300", not the impostor.
            assert_eq!(hits[0].article.title, format!("Page number {i}"));
            assert!(
                hits[0].snippet_html.contains(&format!("<b>zq{i}x</b>")),
                "{}",
                hits[0].snippet_html
            );
        }
        // The as-you-type vocabulary holds the words of every chunk: "zq51" begins
        // zq51x and zq510x … zq518x (the last article is a518).
        let typed = kb.suggest_with_snippets("zq51", 20, 80).expect("suggest");
        let mut ids: Vec<&str> = typed.iter().map(|h| h.article.id.as_str()).collect();
        ids.sort_unstable();
        let expected: Vec<String> = std::iter::once("a51".to_string())
            .chain((510..519).map(|i| format!("a{i}")))
            .collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn a_duplicate_id_skips_the_later_file_and_names_both() {
        let dir = tempfile::tempdir().expect("dir");
        write(dir.path(), "a.md", "same", "A", "a");
        write(dir.path(), "b.md", "same", "B", "b");
        let kb = KnowledgeBase::load_dir(dir.path()).expect("load");
        assert_eq!(kb.articles().len(), 1);
        assert_eq!(kb.article("same").map(|a| a.title.as_str()), Some("A"));
        let [problem] = kb.problems() else {
            panic!("one problem expected: {:?}", kb.problems());
        };
        let text = problem.to_string();
        assert!(text.contains("b.md:2:") && text.contains("a.md"), "{text}");
    }

    #[test]
    fn one_broken_file_is_a_problem_and_the_rest_loads() {
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            "a.md",
            "returns",
            "Returning an item",
            "Send it back.",
        );
        std::fs::create_dir(dir.path().join("drafts")).expect("mkdir");
        // A `+++` line inside a multi-line string no longer ends the header.
        std::fs::write(
            dir.path().join("drafts/planted.md"),
            "+++\nid = \"planted\"\ntitle = '''x\n+++\nid = 1\n'''\ndraft = true\n+++\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("c.md"), "+++\nid = \"c\"\ntitle = [\n+++\n")
            .expect("write");
        let kb = KnowledgeBase::load_dir(dir.path()).expect("the folder still loads");
        assert_eq!(kb.articles().len(), 1);
        assert!(kb.article("returns").is_some());
        let problems: Vec<String> = kb.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("c.md:3:"), "{problems:?}");
        assert!(
            KnowledgeBase::load_dir(&dir.path().join("missing")).is_err(),
            "a missing folder is still an error"
        );
    }
}
