//! Text analysis per language: each article is analyzed in its own language (stop words
//! and Snowball stemmer of its `locale`), and a question in every language the knowledge
//! base has, so "Vorbestellungen stornieren" finds a German article that says
//! "Vorbestellung … storniert".
//!
//! English terms are written as they come out of the analyzer (what the index held before
//! other languages were analyzed); terms of another language carry its code, `de:storni`
//! (the tokenizer splits on every non-alphanumeric character, so no analyzed word contains
//! `:`). The languages' terms never meet: a German stem cannot match an English word
//! spelled the same way, and BM25 weighs each on its own.

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer,
};

/// The languages analyzed with their own stemmer, by the primary subtag of a `locale`:
/// every language tantivy has a Snowball stemmer for (and its stop words, where it has
/// them). The storefront languages Frontline detects ([`crate::language::LANGUAGES`])
/// come first; English is first of all, and is also what an article in any other
/// language is analyzed as. Norwegian answers to `no`, `nb` (Bokmål) and `nn` (Nynorsk)
/// ([`stemmed_code`]). Tamil is left out: the word tokenizer splits its words at every
/// virama, which is not a letter.
const STEMMED: &[(&str, Language)] = &[
    ("en", Language::English),
    ("de", Language::German),
    ("fr", Language::French),
    ("es", Language::Spanish),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("pt", Language::Portuguese),
    ("da", Language::Danish),
    ("sv", Language::Swedish),
    ("no", Language::Norwegian),
    ("fi", Language::Finnish),
    ("hu", Language::Hungarian),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("el", Language::Greek),
    ("tr", Language::Turkish),
    ("ar", Language::Arabic),
];

/// The [`STEMMED`] code of a locale's primary subtag: Bokmål and Nynorsk are Norwegian.
fn stemmed_code(primary: &str) -> &str {
    match primary {
        "nb" | "nn" => "no",
        other => other,
    }
}

/// One analyzed word: its term (language-tagged) and where it is in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Analyzed {
    pub term: String,
    pub offset_from: usize,
    pub offset_to: usize,
    pub position: usize,
}

/// The analyzers of the languages one set of articles is written in.
#[derive(Clone)]
pub(crate) struct Analyzers {
    /// English first.
    languages: Vec<LanguageAnalyzer>,
}

/// One language's analysis, whole and in its two steps (see [`StemMemo`]).
#[derive(Clone)]
struct LanguageAnalyzer {
    code: &'static str,
    /// Words, lower-cased, stop words dropped, stemmed.
    whole: TextAnalyzer,
    /// The same without the stemmer.
    words: TextAnalyzer,
    /// The stemmer alone, over one word.
    stemmer: TextAnalyzer,
}

/// The terms each language's stemmer made of the words an indexing thread has seen.
/// Stemming is most of analyzing a text and a help centre's articles share most of their
/// words, so the index analyzes its articles remembering them
/// ([`Analyzers::analyze_remembering`]); the stemmer is a function of the word alone, so
/// the terms are the same.
#[derive(Debug, Default)]
pub(crate) struct StemMemo {
    /// Per language slot: word → term.
    terms: Vec<HashMap<String, String>>,
}

impl std::fmt::Debug for Analyzers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<&str> = self.languages.iter().map(|l| l.code).collect();
        f.debug_struct("Analyzers")
            .field("languages", &codes)
            .finish()
    }
}

/// Which of an [`Analyzers`]' languages a text is analyzed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LanguageSlot(usize);

impl Analyzers {
    /// English, plus each stemmed language one of `locales` (article locales such as
    /// `de` or `de-AT`) is written in.
    pub fn for_locales<'a>(locales: impl Iterator<Item = &'a str>) -> Analyzers {
        let mut codes: Vec<&'static str> = vec!["en"];
        for locale in locales {
            let primary = crate::language::primary(locale);
            let primary = stemmed_code(&primary);
            if let Some((code, _)) = STEMMED.iter().find(|(code, _)| *code == primary) {
                if !codes.contains(code) {
                    codes.push(code);
                }
            }
        }
        // In `STEMMED` order, so that the same articles give the same analyzers.
        let languages = STEMMED
            .iter()
            .filter(|(code, _)| codes.contains(code))
            .map(|(code, language)| LanguageAnalyzer {
                code,
                whole: analyzer(*language),
                words: words_analyzer(*language),
                stemmer: TextAnalyzer::builder(RawTokenizer::default())
                    .filter(Stemmer::new(*language))
                    .build(),
            })
            .collect();
        Analyzers { languages }
    }

    /// English only.
    #[cfg(test)]
    pub fn english() -> Analyzers {
        Analyzers::for_locales(std::iter::empty())
    }

    /// The language an article with `locale` is analyzed in: its own when stemmed here,
    /// otherwise English.
    pub fn slot(&self, locale: &str) -> LanguageSlot {
        let primary = crate::language::primary(locale);
        let primary = stemmed_code(&primary);
        LanguageSlot(
            self.languages
                .iter()
                .position(|l| l.code == primary)
                .unwrap_or(0),
        )
    }

    /// Every slot, English first.
    pub fn slots(&self) -> impl Iterator<Item = LanguageSlot> {
        (0..self.languages.len()).map(LanguageSlot)
    }

    /// `text` analyzed in `slot`'s language: lower-cased, its stop words dropped, stemmed,
    /// each term tagged with the language (none for English).
    pub fn analyze(&self, slot: LanguageSlot, text: &str) -> Vec<Analyzed> {
        let LanguageAnalyzer { code, whole, .. } = &self.languages[slot.0];
        let mut analyzer = whole.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(Analyzed {
                term: tagged(code, &token.text),
                offset_from: token.offset_from,
                offset_to: token.offset_to,
                position: token.position,
            });
        }
        out
    }

    /// [`analyze`](Self::analyze), each word stemmed once per `memo` (see [`StemMemo`]).
    pub fn analyze_remembering(
        &self,
        slot: LanguageSlot,
        text: &str,
        memo: &mut StemMemo,
    ) -> Vec<Analyzed> {
        let language = &self.languages[slot.0];
        if memo.terms.len() <= slot.0 {
            memo.terms.resize_with(slot.0 + 1, HashMap::new);
        }
        let known = &mut memo.terms[slot.0];
        let mut words = language.words.clone();
        let mut stream = words.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            let term = match known.get(&token.text) {
                Some(term) => term.clone(),
                None => {
                    let mut stemmer = language.stemmer.clone();
                    let mut stemmed = stemmer.token_stream(&token.text);
                    let stem = match stemmed.next() {
                        Some(stem) => stem.text.as_str(),
                        None => token.text.as_str(),
                    };
                    let term = tagged(language.code, stem);
                    known.insert(token.text.clone(), term.clone());
                    term
                }
            };
            out.push(Analyzed {
                term,
                offset_from: token.offset_from,
                offset_to: token.offset_to,
                position: token.position,
            });
        }
        out
    }

    /// The distinct terms of a question: `text` analyzed in every language, in the order
    /// of the languages, then of the words.
    pub fn query_terms(&self, text: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        for slot in self.slots() {
            for analyzed in self.analyze(slot, text) {
                if !terms.contains(&analyzed.term) {
                    terms.push(analyzed.term);
                }
            }
        }
        terms
    }

    /// The term one `word` becomes in `slot`'s language; `None` for a stop word.
    pub fn stem(&self, slot: LanguageSlot, word: &str) -> Option<String> {
        self.analyze(slot, word).into_iter().next().map(|a| a.term)
    }
}

/// `term` of language `code` as the index holds it.
fn tagged(code: &str, term: &str) -> String {
    if code == "en" {
        term.to_string()
    } else {
        format!("{code}:{term}")
    }
}

/// Lower-case, drop `language`'s stop words (no stemming).
fn words_analyzer(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(language) {
        Some(stop_words) => builder.filter(stop_words).build(),
        None => builder.build(),
    }
}

/// Lower-case, drop `language`'s stop words, stem.
fn analyzer(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(language) {
        Some(stop_words) => builder
            .filter(stop_words)
            .filter(Stemmer::new(language))
            .build(),
        None => builder.filter(Stemmer::new(language)).build(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzers: &Analyzers, locale: &str, text: &str) -> Vec<String> {
        analyzers
            .analyze(analyzers.slot(locale), text)
            .into_iter()
            .map(|a| a.term)
            .collect()
    }

    #[test]
    fn each_language_drops_its_own_stop_words_and_stems_its_own_way() {
        let analyzers = Analyzers::for_locales(["de", "fr-CA", "ja"].into_iter());
        assert_eq!(
            format!("{analyzers:?}"),
            r#"Analyzers { languages: ["en", "de", "fr"] }"#,
            "English always; Japanese has no stemmer here"
        );
        assert_eq!(
            terms(&analyzers, "en", "The parcels are returned"),
            ["parcel", "return"]
        );
        // Snowball German: "Bestellungen" and "Bestellung" share a stem; "wo", "ist",
        // "meine" and "die" are German stop words.
        assert_eq!(
            terms(&analyzers, "de", "Wo ist meine Bestellung?"),
            ["de:bestell"]
        );
        assert_eq!(
            terms(&analyzers, "de-AT", "die Bestellungen"),
            ["de:bestell"]
        );
        assert_eq!(
            terms(&analyzers, "fr", "les commandes annulées"),
            ["fr:command", "fr:annul"]
        );
        // A language without a stemmer here is analyzed as English.
        assert_eq!(terms(&analyzers, "ja", "orders"), ["order"]);
    }

    #[test]
    fn every_snowball_language_of_tantivy_stems_its_own_articles() {
        let analyzers = Analyzers::for_locales(
            ["sv-SE", "ru", "nb-NO", "nn", "da", "tr", "fi", "ta"].into_iter(),
        );
        assert_eq!(
            format!("{analyzers:?}"),
            r#"Analyzers { languages: ["en", "da", "sv", "no", "fi", "ru", "tr"] }"#,
            "Bokmål and Nynorsk are one Norwegian; Tamil is analyzed as English"
        );
        // Snowball Swedish: the plural's "-ar" goes; "var", "är" and "mina" are stop words.
        assert_eq!(
            terms(&analyzers, "sv", "Var är mina beställningar?"),
            ["sv:beställning"]
        );
        // Snowball Russian: the noun ending "-ы" goes.
        assert_eq!(terms(&analyzers, "ru", "заказы"), ["ru:заказ"]);
        // Snowball Danish: "-er" goes from "bestillinger".
        assert_eq!(
            terms(&analyzers, "da-DK", "bestillinger"),
            ["da:bestilling"]
        );
        // Bokmål and Nynorsk are Norwegian.
        assert_eq!(terms(&analyzers, "nb", "bestillinger"), ["no:bestilling"]);
        assert_eq!(
            terms(&analyzers, "nn-NO", "bestillinger"),
            ["no:bestilling"]
        );
    }

    #[test]
    fn remembered_stems_give_the_terms_of_a_whole_analysis() {
        let analyzers = Analyzers::for_locales(["en", "de", "fr"].into_iter());
        let texts = [
            (
                "en",
                "The parcels are returned; returning a parcel is free. Parcels!",
            ),
            (
                "de",
                "Wo ist meine Bestellung? Die Bestellungen sind unterwegs.",
            ),
            ("fr", "Les commandes annulées, la commande annulée"),
            ("en", "Returned parcels, said the parcel service"),
        ];
        let mut memo = StemMemo::default();
        for (locale, text) in texts {
            let slot = analyzers.slot(locale);
            assert_eq!(
                analyzers.analyze_remembering(slot, text, &mut memo),
                analyzers.analyze(slot, text),
                "{text}"
            );
        }
    }

    #[test]
    fn a_question_is_analyzed_in_every_language_of_the_articles() {
        let analyzers = Analyzers::for_locales(["en", "de"].into_iter());
        assert_eq!(
            analyzers.query_terms("Bestellungen stornieren"),
            ["bestellungen", "stornieren", "de:bestell", "de:storni"],
            "Snowball German: -en, then -ung and -er go"
        );
        assert_eq!(
            Analyzers::english().query_terms("Bestellungen stornieren"),
            ["bestellungen", "stornieren"],
            "an English-only help centre analyzes as before"
        );
    }
}
