//! The tantivy index over articles: title, headings, body and tags with field boosts.
//!
//! The index lives in RAM (a storefront's help centre is small; 10,000 articles build in
//! well under a second) and is rebuilt whole on reload. Text is analyzed with
//! `frontline_en` (lower-case, English stop words dropped, Snowball stemming), so "how do
//! I return my jacket" searches for `return` and `jacket` instead of walking the posting
//! lists of words every article contains. Queries are built term by term from that
//! analyzer, so customer text can never be parsed as query syntax. The index is immutable
//! once built, so the searcher and each segment's position column are opened once, and
//! bodies are analyzed once for snippets ([`SnippetTerms`]).

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{doc, Index, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::snippet::SnippetTerms;
use super::Article;

const TOKENIZER: &str = "frontline_en";

/// Lower-case, drop English stop words, stem.
pub(crate) fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder
            .filter(stop_words)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

/// Relative weight of each field: a title match beats a body match.
const BOOSTS: [(&str, f32); 4] = [
    ("title", 3.0),
    ("headings", 2.0),
    ("tags", 1.5),
    ("body", 1.0),
];

/// One search result: the article's position and its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexHit {
    pub article: usize,
    pub score: f32,
}

/// An immutable, searchable index of a set of articles.
pub struct ArticleIndex {
    searcher: Searcher,
    /// Article position of each document, per segment.
    positions: Vec<Column<u64>>,
    fields: Vec<(Field, f32)>,
    /// The query analyzer (clones share its stop-word set).
    analyzer: TextAnalyzer,
    snippets: SnippetTerms,
}

impl std::fmt::Debug for ArticleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArticleIndex").finish_non_exhaustive()
    }
}

impl ArticleIndex {
    /// Indexes `articles`; hits refer to positions in this slice.
    pub fn build(articles: &[Article]) -> tantivy::Result<ArticleIndex> {
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut builder = Schema::builder();
        let position = builder.add_u64_field("position", FAST | STORED);
        let fields: Vec<(Field, f32)> = BOOSTS
            .iter()
            .map(|(name, boost)| (builder.add_text_field(name, text.clone()), *boost))
            .collect();
        let schema = builder.build();
        let field = |name: &str| schema.get_field(name);
        let (title, headings, tags, body_field) = (
            field("title")?,
            field("headings")?,
            field("tags")?,
            field("body")?,
        );

        let index = Index::create_in_ram(schema.clone());
        index.tokenizers().register(TOKENIZER, analyzer());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 64 * 1024 * 1024)?;
        for (i, article) in articles.iter().enumerate() {
            let mut title_text = article.title.clone();
            for question in &article.questions {
                title_text.push_str(" \n ");
                title_text.push_str(question);
            }
            writer.add_document(doc!(
                position => i as u64,
                title => title_text,
                headings => article.headings.join("\n"),
                tags => article.tags.join(" "),
                body_field => article.text.clone(),
            ))?;
        }
        writer.commit()?;
        let reader: tantivy::IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let positions = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64("position"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let analyzer = analyzer();
        let snippets = SnippetTerms::build(articles.iter().map(|a| a.text.as_str()), &analyzer);
        Ok(ArticleIndex {
            searcher,
            positions,
            fields,
            analyzer,
            snippets,
        })
    }

    /// The distinct analyzed terms of `text`: what [`search`](Self::search) and
    /// [`snippets`](Self::snippets) take, so a question is analyzed once for both.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            if !terms.contains(&token.text) {
                terms.push(token.text.clone());
            }
        }
        terms
    }

    /// Builds a query matching any of `terms` in any field, with field boosts.
    fn query(&self, terms: &[String]) -> Option<BooleanQuery> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .iter()
            .flat_map(|(field, boost)| {
                terms.iter().map(move |text| {
                    let term = Term::from_field_text(*field, text);
                    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    let boosted: Box<dyn Query> =
                        Box::new(BoostQuery::new(Box::new(query), *boost));
                    (Occur::Should, boosted)
                })
            })
            .collect();
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }

    /// The `limit` best articles for analyzed `terms`, best first.
    pub fn search(&self, terms: &[String], limit: usize) -> tantivy::Result<Vec<IndexHit>> {
        let Some(query) = self.query(terms) else {
            return Ok(Vec::new());
        };
        let collector = TopDocs::with_limit(limit.max(1)).order_by_score();
        let top = self.searcher.search(&query, &collector)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = self.positions.get(address.segment_ord as usize);
            if let Some(position) = column.and_then(|c| c.first(address.doc_id)) {
                hits.push(IndexHit {
                    article: position as usize,
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// Highlighted snippets (HTML: text escaped, matches in `<b>`) for analyzed `terms`
    /// of each of `articles` (its position in the indexed slice and its body); empty
    /// where nothing matches.
    pub fn snippets(
        &self,
        terms: &[String],
        articles: &[(usize, &str)],
        max_chars: usize,
    ) -> Vec<String> {
        let query = self.snippets.query_terms(terms);
        articles
            .iter()
            .map(|&(position, body)| self.snippets.snippet(position, body, &query, max_chars))
            .collect()
    }
}
