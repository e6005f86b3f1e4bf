//! Vague input: when a question says too little to answer, ask what it is about.
//!
//! "help", "it doesn't work", "problem" or "my order" still put some class first, at
//! times above the answer threshold ("my order" → *Cancel or change my order* at 0.5).
//! Answering that is a confident wrong answer, and handing off at once puts a form where
//! one question would do. A question is **vague** when it has at most one *content word*
//! (a word in no storefront language's list of [generic words](generic_words): function
//! words, greetings and the words everybody uses to ask for help, "Hilfe", "problème")
//! and the classifier is not sure of it:
//!
//! | content words | vague unless                                                        |
//! |---------------|---------------------------------------------------------------------|
//! | none          | an in-scope class is sure                                           |
//! | one           | an in-scope class is sure, or out of scope ranks first at [`OUT_OF_SCOPE_SURE`] or above ("lol") |
//! | two or more   | always: the thresholds decide (answer, suggest or hand off)         |
//!
//! An in-scope class is *sure* when the lexical classifier gives it [`CONFIDENT`] or,
//! with the sentence encoder, when the lexical ranking and the mixture with the semantic
//! head both put it first and the mixture gives it [`AGREED`] ([`is_vague`]). A question
//! in another language than the examples' is ranked by meaning alone, and that ranking
//! stands for its words too ([`Ranking::by_words`](crate::hybrid::Ranking::by_words)):
//! it is sure when its first intent has [`AGREED`], and out of scope is judged on it.
//!
//! So gibberish and off-topic questions ("what's the capital of France") are still handed
//! off, and a one-word question the classifier is sure of ("refund" → *Where is my
//! refund?*) is still answered. The matcher turns a vague question into a clarifying
//! choice ([`DecisionKind::Clarify`](crate::DecisionKind::Clarify)) of at most
//! [`MAX_OPTIONS`] intents or articles, never an always-handoff intent (the widget's
//! "Talk to a person" is there for those):
//! 1. the classifier's candidates at [`RELEVANT`] or above ("my order" → *Cancel or change
//!    my order*, *Where is my order?*); without a content word only those at [`GUESS`] or
//!    above ("it doesn't work" → *My discount code doesn't work*), as generic words alone
//!    match little else that means anything;
//! 2. with a content word, the other intents of the best candidate's first routing tag
//!    (the same topic: orders);
//! 3. the site's [`top_intents`].

use frontline_shared::text::normalize;

use crate::classifier::{Ranked, OUT_OF_SCOPE};
use crate::intents::Intent;
use crate::language::generic_words;

/// A top confidence at or above this answers even a question of one content word.
/// Above the answer threshold (0.46) because a short question's confidence comes from
/// one word: "my order" reached 0.5 for cancelling an order.
pub const CONFIDENT: f32 = 0.75;

/// With one content word, candidates at or above this confidence are offered first.
pub const RELEVANT: f32 = 0.05;

/// With no content word, candidates at or above this confidence are offered first.
pub const GUESS: f32 = 0.3;

/// Out of scope ranked first at or above this is handed off even with one content word.
pub const OUT_OF_SCOPE_SURE: f32 = 0.5;

/// With the semantic head, a short question is not vague when the ranking by meaning (the
/// mixture, mostly the semantic head's: see [`HybridOptions`](crate::hybrid::HybridOptions))
/// puts first, at or above this (more than all other labels together), the in-scope
/// intent the lexical classifier puts first too: two readings, of its words and of its
/// meaning, agree.
pub const AGREED: f32 = 0.5;

/// The most options in one clarifying choice (the widget adds "Talk to a person").
pub const MAX_OPTIONS: usize = 4;

/// How many words of `question` name a topic: words in no storefront language's list of
/// [generic words](generic_words).
pub fn content_words(question: &str) -> usize {
    normalize(question)
        .split(' ')
        .filter(|w| !w.is_empty() && !generic_words::is_generic(w))
        .count()
}

/// Whether a question of `content_words` (see [`content_words`]) is too vague to answer
/// or hand off without asking what it is about. `by_words` is what its words say, best
/// first ([`Ranking::by_words`](crate::hybrid::Ranking::by_words): the lexical
/// classifier's ranking, or the ranking by meaning for a question in another language),
/// `by_meaning` the ranking with the semantic head mixed in when the encoder ran for the
/// question ([`Ranking::by_meaning`](crate::hybrid::Ranking::by_meaning)), and `labels`
/// the labels.
///
/// An in-scope intent is *sure* when the words' ranking gives it [`CONFIDENT`], or when
/// both rankings put it first and the one by meaning gives it [`AGREED`] ("goodnight"
/// means goodbye; "my order", which the semantic head reads as the order's status and
/// the lexical model as cancelling it, stays vague). When the two are the same ranking
/// (another language), that is its first intent at [`AGREED`].
pub fn is_vague(
    content_words: usize,
    by_words: &[Ranked],
    by_meaning: Option<&[Ranked]>,
    labels: &[String],
) -> bool {
    let is_oos = |r: &Ranked| labels.get(r.label).is_none_or(|l| l == OUT_OF_SCOPE);
    let agreed = |meaning: &[Ranked]| match (meaning.first(), by_words.first()) {
        (Some(top), Some(words_top)) => {
            !is_oos(top) && top.label == words_top.label && top.confidence >= AGREED
        }
        _ => false,
    };
    let sure_in_scope = by_words
        .iter()
        .any(|r| !is_oos(r) && r.confidence >= CONFIDENT)
        || by_meaning.is_some_and(agreed);
    let sure_out_of_scope = by_words
        .first()
        .is_some_and(|top| is_oos(top) && top.confidence >= OUT_OF_SCOPE_SURE);
    match content_words {
        0 => !sure_in_scope,
        1 => !sure_in_scope && !sure_out_of_scope,
        _ => false,
    }
}

/// The site's top intents for a clarifying choice, as indexes into `intents`: the first
/// intent of each routing tag (its first tag) in file order, so "help" is offered one
/// question per topic (orders, shipping, returns, payments, …), then further intents in
/// file order if there are fewer topics than [`MAX_OPTIONS`]. Always-handoff intents are
/// left out. A merchant chooses them by ordering the intents file.
pub fn top_intents(intents: &[Intent]) -> Vec<usize> {
    let offerable: Vec<usize> = (0..intents.len())
        .filter(|i| !intents[*i].handoff)
        .collect();
    let mut topics: Vec<Option<&str>> = Vec::new();
    let mut top: Vec<usize> = Vec::new();
    for &i in &offerable {
        let topic = intents[i].tags.first().map(String::as_str);
        if topic.is_some() && !topics.contains(&topic) {
            topics.push(topic);
            top.push(i);
        }
    }
    for &i in &offerable {
        if !top.contains(&i) {
            top.push(i);
        }
    }
    top.truncate(MAX_OPTIONS);
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(items: &[(usize, f32)]) -> Vec<Ranked> {
        items
            .iter()
            .map(|&(label, confidence)| Ranked { label, confidence })
            .collect()
    }

    fn labels() -> Vec<String> {
        ["intent:order_status", OUT_OF_SCOPE, "intent:cancel_order"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn content_words_leave_out_generic_ones() {
        assert_eq!(content_words("help"), 0);
        assert_eq!(content_words("It doesn't work!"), 0);
        assert_eq!(content_words("Hello? I have a problem"), 0);
        assert_eq!(content_words("can u help me"), 0);
        assert_eq!(content_words("my order"), 1);
        assert_eq!(content_words("cancel my order"), 2);
        // English words that are generic in another language still name a topic.
        assert_eq!(content_words("a gift for my son"), 2);
        assert_eq!(content_words("SIM not working"), 1);
        assert_eq!(content_words("flights to las vegas"), 3);
    }

    #[test]
    fn generic_words_of_every_storefront_language_name_no_topic() {
        for text in [
            "Ich brauche Hilfe",
            "Es funktioniert nicht",
            "J'ai besoin d'aide",
            "Tengo una pregunta",
            "Ho una domanda",
            "Ik heb een vraag",
            "Tenho uma pergunta",
        ] {
            assert_eq!(content_words(text), 0, "{text}");
        }
        assert_eq!(content_words("Wo ist mein Paket?"), 1);
        assert_eq!(content_words("Où est ma commande ?"), 1);
    }

    #[test]
    fn vague_means_few_content_words_and_no_sure_class() {
        let labels = labels();
        // No content word: vague unless an in-scope class is sure, out of scope or not.
        assert!(is_vague(0, &ranked(&[(0, 0.3), (2, 0.2)]), None, &labels));
        assert!(is_vague(0, &ranked(&[(1, 0.9), (0, 0.05)]), None, &labels));
        assert!(!is_vague(0, &ranked(&[(0, 0.8)]), None, &labels));
        // One content word: vague unless an in-scope class or out of scope is sure.
        assert!(is_vague(1, &ranked(&[(2, 0.5), (0, 0.3)]), None, &labels));
        assert!(is_vague(1, &ranked(&[(1, 0.3), (2, 0.2)]), None, &labels));
        assert!(!is_vague(1, &ranked(&[(0, 0.9)]), None, &labels));
        assert!(!is_vague(1, &ranked(&[(1, 0.6), (0, 0.2)]), None, &labels));
        // Two or more: never.
        assert!(!is_vague(2, &ranked(&[(2, 0.3)]), None, &labels));
    }

    #[test]
    fn a_short_question_both_readings_agree_on_is_not_vague() {
        let labels = labels();
        let lexical = ranked(&[(0, 0.4), (2, 0.3)]);
        // The ranking by meaning puts the lexical model's first intent first, at half.
        for content_words in [0, 1] {
            assert!(is_vague(content_words, &lexical, None, &labels));
            let agreeing = ranked(&[(0, 0.5), (2, 0.3)]);
            assert!(!is_vague(content_words, &lexical, Some(&agreeing), &labels));
            // Below half, or another intent first, or out of scope first: still vague.
            let unsure = ranked(&[(0, 0.49), (2, 0.3)]);
            assert!(is_vague(content_words, &lexical, Some(&unsure), &labels));
            let other = ranked(&[(2, 0.9), (0, 0.05)]);
            assert!(is_vague(content_words, &lexical, Some(&other), &labels));
        }
        let out_of_scope = ranked(&[(1, 0.4), (0, 0.3)]);
        assert!(is_vague(0, &out_of_scope, Some(&out_of_scope), &labels));
    }

    #[test]
    fn a_question_ranked_by_meaning_alone_is_sure_at_half() {
        // Another language: the ranking by meaning stands for its words too.
        let labels = labels();
        for content_words in [0, 1] {
            let sure = ranked(&[(2, 0.5), (0, 0.2)]);
            assert!(!is_vague(content_words, &sure, Some(&sure), &labels));
            let unsure = ranked(&[(2, 0.45), (0, 0.2)]);
            assert!(is_vague(content_words, &unsure, Some(&unsure), &labels));
        }
        // Out of scope first at half or more: handed off with one content word only.
        let out_of_scope = ranked(&[(1, 0.6), (0, 0.2)]);
        assert!(!is_vague(1, &out_of_scope, Some(&out_of_scope), &labels));
        assert!(is_vague(0, &out_of_scope, Some(&out_of_scope), &labels));
    }
}
