//! The tantivy index over articles: title, headings, body and tags with field boosts.
//!
//! The index lives in RAM (a storefront's help centre is small; 10,000 articles build in
//! well under a second) and is rebuilt whole on reload. Each article is analyzed in its
//! own language ([`Analyzers`]: lower-case, that language's stop words dropped, Snowball
//! stemming), so "how do I return my jacket" searches for `return` and `jacket` instead of
//! walking the posting lists of words every article contains, and a German article is
//! found by German word forms. A question is analyzed in every language the articles
//! have. Queries are built term by term from those analyzers, so customer text can never
//! be parsed as query syntax. The index is immutable
//! once built, so the searcher and each segment's position column are opened once, and
//! bodies are analyzed once for snippets ([`SnippetTerms`]).
//!
//! As-you-type text ([`ArticleIndex::as_you_type_terms`]) is expanded against the
//! vocabulary of the indexed text as written (lower-cased, not stemmed, kept at build
//! time): the last, unfinished word also stands for the words it begins (`shipp` →
//! `shipping`, `shipped`), and a word the index does not know stands for the known
//! words one typo away (two for words of eight letters or more: `refnd` → `refund`).
//! The expansions are stemmed and searched like typed words, with a lower weight, so
//! BM25 and the field boosts still rank and exact matches still come first.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, OwnedValue, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{
    LowerCaser, PreTokenizedString, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
};
use tantivy::{Index, ReloadPolicy, Searcher, Term};

use super::analysis::{Analyzed, Analyzers, LanguageSlot, StemMemo};
use super::snippet::{SnippetTerms, SnippetTermsBuilder};
use super::Article;

/// The fields' tokenizer. Documents arrive pre-tokenized, each in its article's language
/// ([`Analyzers`]); this one is registered because the schema names one.
const TOKENIZER: &str = "frontline";

/// Lower-case only: words as typed, for the as-you-type vocabulary.
fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// Weight of a word the typed prefix begins, relative to a typed word.
const PREFIX_WEIGHT: f32 = 0.8;
/// Weight of a known word one or two typos away from an unknown typed word.
const FUZZY_WEIGHT: f32 = 0.6;
/// At most this many expansions of one typed word (the most common words first).
const MAX_EXPANSIONS: usize = 16;
/// A prefix shorter than this is not expanded (`s` would stand for half the language).
const MIN_PREFIX_CHARS: usize = 2;
/// Words shorter than this are never corrected (too many neighbours).
const MIN_FUZZY_CHARS: usize = 4;

/// One distinct word of the indexed text as written, with its stems (one per language of
/// the articles it occurs in; none when it is a stop word in all of them) and the number
/// of articles that contain it.
#[derive(Debug)]
struct Word {
    text: String,
    stems: Vec<String>,
    docs: u32,
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

/// A document as the index writer takes it: one value per field.
type Document = BTreeMap<Field, OwnedValue>;

/// Articles analyzed together on all cores before they are added to the index.
pub(crate) const ANALYSIS_CHUNK: usize = 256;
/// Articles of a chunk analyzed one after the other by one thread, remembering their
/// words' stems ([`StemMemo`]).
const STEM_MEMO_ARTICLES: usize = 32;

/// One article analyzed for the index, in its own language.
struct AnalyzedArticle {
    slot: LanguageSlot,
    /// Its distinct words as written (lower-cased), for the as-you-type vocabulary.
    words: Vec<String>,
    /// Title and example questions.
    title: PreTokenizedString,
    headings: PreTokenizedString,
    tags: PreTokenizedString,
    /// The body's terms, for the index and for snippets (analyzed once for both).
    body: Vec<Analyzed>,
}

impl AnalyzedArticle {
    /// `article` analyzed with its language's analyzer, stems from `memo` and words from
    /// `words_analyzer` (both kept by the thread across its run of articles).
    fn new(
        analyzers: &Analyzers,
        article: &Article,
        memo: &mut StemMemo,
        words_analyzer: &mut TextAnalyzer,
    ) -> AnalyzedArticle {
        let slot = analyzers.slot(&article.locale);
        let mut title_text = article.title.clone();
        for question in &article.questions {
            title_text.push_str(" \n ");
            title_text.push_str(question);
        }
        let mut words = Vec::new();
        for text in [&title_text, &article.text]
            .into_iter()
            .chain(&article.headings)
            .chain(&article.tags)
        {
            let mut stream = words_analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                words.push(token.text.clone());
            }
        }
        words.sort_unstable();
        words.dedup();
        let mut analyzed = |text: String| {
            let terms = analyzers.analyze_remembering(slot, &text, memo);
            pre_tokenized(text, terms)
        };
        let title = analyzed(title_text);
        let headings = analyzed(article.headings.join("\n"));
        let tags = analyzed(article.tags.join(" "));
        AnalyzedArticle {
            slot,
            words,
            title,
            headings,
            tags,
            body: analyzers.analyze_remembering(slot, &article.text, memo),
        }
    }
}

/// `text` with its analyzed `terms`, as tantivy indexes it.
fn pre_tokenized(text: String, terms: Vec<Analyzed>) -> PreTokenizedString {
    let tokens = terms
        .into_iter()
        .map(|a| Token {
            offset_from: a.offset_from,
            offset_to: a.offset_to,
            position: a.position,
            text: a.term,
            position_length: 1,
        })
        .collect();
    PreTokenizedString { text, tokens }
}

/// An immutable, searchable index of a set of articles.
pub struct ArticleIndex {
    searcher: Searcher,
    /// Article position of each document, per segment.
    positions: Vec<Column<u64>>,
    fields: Vec<(Field, f32)>,
    /// The articles' languages' analyzers, for questions.
    analyzers: Analyzers,
    snippets: SnippetTerms,
    /// Every distinct indexed word, sorted by text (for prefix ranges).
    words: Vec<Word>,
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

        let analyzers = Analyzers::for_locales(articles.iter().map(|a| a.locale.as_str()));
        // Per word: the articles containing it, and the languages it was written in.
        let mut docs_per_word: HashMap<String, (u32, Vec<LanguageSlot>)> = HashMap::new();
        let index = Index::create_in_ram(schema.clone());
        index.tokenizers().register(TOKENIZER, word_analyzer());
        // Documents as field → value maps: tantivy's own document type stores a
        // pre-tokenized text as JSON and parses it back to index it, which was a fifth of
        // a large help centre's start-up.
        let mut writer = index.writer_with_num_threads::<Document>(1, 64 * 1024 * 1024)?;
        let mut snippets = SnippetTermsBuilder::default();
        // Analysis (tokenizing, stemming) is most of the work and each article's is its
        // own: a chunk of articles is analyzed on every core, then added in order. Chunks
        // keep few analyzed articles in memory at once.
        for (chunk_index, chunk) in articles.chunks(ANALYSIS_CHUNK).enumerate() {
            let analyzed: Vec<AnalyzedArticle> = chunk
                .par_chunks(STEM_MEMO_ARTICLES)
                .flat_map_iter(|articles| {
                    let mut memo = StemMemo::default();
                    let mut words_analyzer = word_analyzer();
                    articles
                        .iter()
                        .map(|article| {
                            AnalyzedArticle::new(
                                &analyzers,
                                article,
                                &mut memo,
                                &mut words_analyzer,
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            for (offset, analyzed) in analyzed.into_iter().enumerate() {
                let i = chunk_index * ANALYSIS_CHUNK + offset;
                for word in analyzed.words {
                    let (docs, slots) = docs_per_word.entry(word).or_default();
                    *docs += 1;
                    if !slots.contains(&analyzed.slot) {
                        slots.push(analyzed.slot);
                    }
                }
                snippets.add(&analyzed.body);
                let body = pre_tokenized(articles[i].text.clone(), analyzed.body);
                let document = Document::from([
                    (position, OwnedValue::U64(i as u64)),
                    (title, OwnedValue::PreTokStr(analyzed.title)),
                    (headings, OwnedValue::PreTokStr(analyzed.headings)),
                    (tags, OwnedValue::PreTokStr(analyzed.tags)),
                    (body_field, OwnedValue::PreTokStr(body)),
                ]);
                writer.add_document(document)?;
            }
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
        let snippets = snippets.finish();
        let mut words: Vec<Word> = docs_per_word
            .into_par_iter()
            .map(|(text, (docs, slots))| Word {
                stems: slots
                    .into_iter()
                    .filter_map(|slot| analyzers.stem(slot, &text))
                    .collect(),
                text,
                docs,
            })
            .collect();
        words.sort_unstable_by(|a, b| a.text.cmp(&b.text));
        Ok(ArticleIndex {
            searcher,
            positions,
            fields,
            analyzers,
            snippets,
            words,
        })
    }

    /// The distinct analyzed terms of `text`, in every language of the articles: what
    /// [`search`](Self::search) and [`snippets`](Self::snippets) take, so a question is
    /// analyzed once for both.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.analyzers.query_terms(text)
    }

    /// Analyzed terms with weights for text typed so far: the typed words (weight 1),
    /// the words the last, unfinished word begins, and for a word the index does not
    /// know, the known words a typo away (see the module docs). Distinct terms, each
    /// with its highest weight.
    pub fn as_you_type_terms(&self, text: &str) -> Vec<(String, f32)> {
        let mut weighted: Vec<(String, f32)> = Vec::new();
        let mut add = |term: &str, weight: f32| match weighted.iter_mut().find(|(t, _)| t == term) {
            Some((_, w)) => *w = w.max(weight),
            None => weighted.push((term.to_string(), weight)),
        };
        let mut typed: Vec<(String, bool)> = Vec::new();
        let mut analyzer = word_analyzer();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            // The last word is unfinished unless something (a space, a "?") follows it.
            let unfinished = token.offset_to == text.len();
            typed.push((token.text.clone(), unfinished));
        }
        for (word, unfinished) in typed {
            let known = self.word(&word);
            if let Some(known) = known {
                for stem in &known.stems {
                    add(stem, 1.0);
                }
            } else {
                for slot in self.analyzers.slots() {
                    if let Some(stem) = self.analyzers.stem(slot, &word) {
                        add(&stem, 1.0);
                    }
                }
            }
            if known.is_some_and(|w| w.stems.is_empty()) {
                continue; // a stop word: never a prefix of what was meant
            }
            let chars = word.chars().count();
            let mut completed = false;
            if unfinished && chars >= MIN_PREFIX_CHARS {
                for completion in self.completions(&word) {
                    completed = true;
                    for stem in &completion.stems {
                        add(stem, PREFIX_WEIGHT);
                    }
                }
            }
            if known.is_none() && !completed && chars >= MIN_FUZZY_CHARS {
                let distance = if chars <= 7 { 1 } else { 2 };
                for near in self.near(&word, distance) {
                    for stem in &near.stems {
                        add(stem, FUZZY_WEIGHT);
                    }
                }
            }
        }
        weighted
    }

    fn word(&self, text: &str) -> Option<&Word> {
        self.words
            .binary_search_by(|w| w.text.as_str().cmp(text))
            .ok()
            .map(|i| &self.words[i])
    }

    /// The most common known words that `prefix` begins (not `prefix` itself).
    fn completions(&self, prefix: &str) -> Vec<&Word> {
        let from = self.words.partition_point(|w| w.text.as_str() <= prefix);
        let mut found: Vec<&Word> = self.words[from..]
            .iter()
            .take_while(|w| w.text.starts_with(prefix))
            .collect();
        found.sort_by_key(|w| std::cmp::Reverse(w.docs));
        found.truncate(MAX_EXPANSIONS);
        found
    }

    /// The most common known words within `distance` edits (Damerau: a swap of two
    /// neighbouring letters is one) of `word`.
    fn near(&self, word: &str, distance: usize) -> Vec<&Word> {
        let typed: Vec<char> = word.chars().collect();
        let mut found: Vec<(usize, &Word)> = self
            .words
            .iter()
            .filter(|w| w.text.len().abs_diff(word.len()) <= distance * 4)
            .filter_map(|w| {
                let candidate: Vec<char> = w.text.chars().collect();
                if candidate.len().abs_diff(typed.len()) > distance {
                    return None;
                }
                let d = edit_distance(&typed, &candidate, distance)?;
                Some((d, w))
            })
            .collect();
        found.sort_by(|(da, a), (db, b)| da.cmp(db).then(b.docs.cmp(&a.docs)));
        found.truncate(MAX_EXPANSIONS);
        found.into_iter().map(|(_, w)| w).collect()
    }

    /// Builds a query matching any of `terms` in any field, with field boosts times
    /// each term's weight.
    fn query(&self, terms: &[(String, f32)]) -> Option<BooleanQuery> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .iter()
            .flat_map(|(field, boost)| {
                terms.iter().map(move |(text, weight)| {
                    let term = Term::from_field_text(*field, text);
                    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    let boosted: Box<dyn Query> =
                        Box::new(BoostQuery::new(Box::new(query), *boost * *weight));
                    (Occur::Should, boosted)
                })
            })
            .collect();
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }

    /// The `limit` best articles for analyzed `terms`, best first.
    pub fn search(&self, terms: &[String], limit: usize) -> tantivy::Result<Vec<IndexHit>> {
        let weighted: Vec<(String, f32)> = terms.iter().map(|t| (t.clone(), 1.0)).collect();
        self.search_weighted(&weighted, limit)
    }

    /// The `limit` best articles for analyzed `terms` with weights, best first.
    pub fn search_weighted(
        &self,
        terms: &[(String, f32)],
        limit: usize,
    ) -> tantivy::Result<Vec<IndexHit>> {
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

/// The optimal-string-alignment distance between `a` and `b` when it is at most `max`.
fn edit_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; a.len() + 1];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i][0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    fn distance(a: &str, b: &str) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        edit_distance(&a, &b, 2)
    }

    #[test]
    fn edit_distance_counts_typos_and_gives_up_past_the_limit() {
        assert_eq!(distance("refnd", "refund"), Some(1));
        assert_eq!(distance("retrun", "return"), Some(1), "a swap is one typo");
        assert_eq!(distance("shiping", "shipping"), Some(1));
        assert_eq!(distance("return", "return"), Some(0));
        assert_eq!(distance("wallet", "return"), None);
    }
}
