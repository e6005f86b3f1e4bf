//! The tantivy index over articles: title, headings, body and tags with field boosts.
//!
//! The index lives in RAM (a storefront's help centre is small; 10,000 articles build in
//! well under a second) and is rebuilt whole on reload. Queries are built term by term
//! from the index's own analyzer, so customer text can never be parsed as query syntax.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{doc, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::Article;

const TOKENIZER: &str = "en_stem";

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
    index: Index,
    reader: IndexReader,
    fields: Vec<(Field, f32)>,
    body: Field,
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
        let (title, headings, tags, body) = (
            field("title")?,
            field("headings")?,
            field("tags")?,
            field("body")?,
        );

        let index = Index::create_in_ram(schema.clone());
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
                body => article.text.clone(),
            ))?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(ArticleIndex {
            index,
            reader,
            fields,
            body,
        })
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Builds a query matching any term of `text` in any field, with field boosts.
    fn query(&self, text: &str) -> tantivy::Result<Option<BooleanQuery>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in &self.fields {
            let mut analyzer = self.index.tokenizer_for_field(*field)?;
            let mut stream = analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                let term = Term::from_field_text(*field, &token.text);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), *boost)),
                ));
            }
        }
        Ok((!clauses.is_empty()).then(|| BooleanQuery::new(clauses)))
    }

    /// The `limit` best articles for `text`, best first.
    pub fn search(&self, text: &str, limit: usize) -> tantivy::Result<Vec<IndexHit>> {
        let Some(query) = self.query(text)? else {
            return Ok(Vec::new());
        };
        let searcher = self.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("position")?;
            if let Some(position) = column.first(address.doc_id) {
                hits.push(IndexHit {
                    article: position as usize,
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// Highlighted body snippets (HTML: text escaped, matches in `<b>`) for `text`.
    pub fn snippets(
        &self,
        text: &str,
        bodies: &[&str],
        max_chars: usize,
    ) -> tantivy::Result<Vec<String>> {
        let Some(query) = self.query(text)? else {
            return Ok(bodies.iter().map(|_| String::new()).collect());
        };
        let mut generator = SnippetGenerator::create(&self.searcher(), &query, self.body)?;
        generator.set_max_num_chars(max_chars);
        Ok(bodies
            .iter()
            .map(|body| generator.snippet(body).to_html())
            .collect())
    }
}
