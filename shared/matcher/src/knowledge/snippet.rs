//! Highlighted snippets from article bodies analyzed once, when the index is built.
//!
//! tantivy's `SnippetGenerator` re-analyzes (tokenizes, stems) every body it is asked
//! about, on every query; with three related articles per suggestion or handoff that was
//! the largest single cost of `/ask`. Here each body is analyzed at build time into its
//! terms (interned as numbers) with byte offsets, so a snippet is a scan over numbers:
//! the window of at most `max_chars` whose distinct query terms weigh most (rarer terms
//! weigh more, as in BM25's idf), escaped, with `<b>` around each match.

use std::collections::HashMap;
use std::ops::Range;

use frontline_shared::templates::escape_html;

use super::analysis::Analyzed;

/// One analyzed word of a body: its term and where it is in the text.
#[derive(Debug, Clone, Copy)]
struct Token {
    term: u32,
    start: u32,
    end: u32,
}

/// Every body's terms, and each term's weight.
#[derive(Debug, Default)]
pub struct SnippetTerms {
    ids: HashMap<String, u32>,
    /// `ln(1 + bodies / bodies containing the term)`.
    weights: Vec<f32>,
    bodies: Vec<Vec<Token>>,
}

/// [`SnippetTerms`] being built, one body after the other (so that a large help centre's
/// analyzed bodies are never all held at once as strings).
#[derive(Debug, Default)]
pub(crate) struct SnippetTermsBuilder {
    terms: SnippetTerms,
    /// Per term, the bodies containing it.
    containing: Vec<u32>,
}

impl SnippetTermsBuilder {
    /// Interns the next analyzed body (the first added is later asked for as 0), analyzed
    /// in its article's language ([`Analyzers::analyze`](super::analysis::Analyzers::analyze)).
    pub fn add(&mut self, body: &[Analyzed]) {
        let terms = &mut self.terms;
        let mut tokens = Vec::with_capacity(body.len());
        for token in body {
            let term = match terms.ids.get(token.term.as_str()) {
                Some(&term) => term,
                None => {
                    let term = terms.ids.len() as u32;
                    terms.ids.insert(token.term.clone(), term);
                    self.containing.push(0);
                    term
                }
            };
            tokens.push(Token {
                term,
                start: token.offset_from as u32,
                end: token.offset_to as u32,
            });
        }
        let mut distinct: Vec<u32> = tokens.iter().map(|t| t.term).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for term in distinct {
            self.containing[term as usize] += 1;
        }
        terms.bodies.push(tokens);
    }

    pub fn finish(self) -> SnippetTerms {
        let mut terms = self.terms;
        let n = terms.bodies.len() as f32;
        terms.weights = self
            .containing
            .iter()
            .map(|&df| (1.0 + n / df.max(1) as f32).ln())
            .collect();
        terms
    }
}

impl SnippetTerms {
    /// Interns analyzed `bodies` (body `i` is later asked for as `i`), each analyzed in
    /// its article's language ([`Analyzers::analyze`](super::analysis::Analyzers::analyze)).
    #[cfg(test)]
    pub(crate) fn build(bodies: impl Iterator<Item = Vec<Analyzed>>) -> Self {
        let mut builder = SnippetTermsBuilder::default();
        for body in bodies {
            builder.add(&body);
        }
        builder.finish()
    }

    /// The ids of the analyzed query terms that occur in some body.
    pub fn query_terms(&self, analyzed: &[String]) -> Vec<u32> {
        analyzed
            .iter()
            .filter_map(|text| self.ids.get(text).copied())
            .collect()
    }

    /// The best snippet of body `index` (whose text is `body`) for `query` terms, as
    /// escaped HTML with matches in `<b>`; empty when no query term occurs in it.
    pub fn snippet(&self, index: usize, body: &str, query: &[u32], max_chars: usize) -> String {
        let Some(tokens) = self.bodies.get(index) else {
            return String::new();
        };
        let matches: Vec<Token> = tokens
            .iter()
            .filter(|t| query.contains(&t.term))
            .copied()
            .collect();
        let Some(window) = self.best_window(&matches, max_chars) else {
            return String::new();
        };
        let (first, last) = (matches[window.start], matches[window.end - 1]);
        let span = fragment(
            body,
            first.start as usize..last.end as usize,
            first.end as usize,
            max_chars,
        );
        let html = highlight(body, span.clone(), &matches[window]);
        if span.start == sentence_start(body, span.start) {
            html
        } else {
            // Mid-sentence (its sentence is longer than a snippet): say so.
            format!("…{html}")
        }
    }

    /// The run of matches that fits in `max_chars` with the highest weight of distinct
    /// terms (the earliest on ties).
    fn best_window(&self, matches: &[Token], max_chars: usize) -> Option<Range<usize>> {
        let mut best: Option<(f32, Range<usize>)> = None;
        let mut seen: Vec<u32> = Vec::new();
        for first in 0..matches.len() {
            seen.clear();
            let mut score = 0.0;
            let mut last = first;
            for (i, token) in matches.iter().enumerate().skip(first) {
                if (token.end - matches[first].start) as usize > max_chars {
                    break;
                }
                if !seen.contains(&token.term) {
                    seen.push(token.term);
                    score += self.weights[token.term as usize];
                }
                last = i;
            }
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, first..last + 1));
            }
        }
        best.map(|(_, window)| window)
    }
}

/// Where the sentence holding byte `at` starts: the start of the text, or a capital
/// letter (or digit) after `.`, `!`, `?` or `:` and a space.
fn sentence_start(body: &str, at: usize) -> usize {
    let bytes = body.as_bytes();
    let mut i = at.min(bytes.len());
    while i >= 2 {
        if bytes[i - 1].is_ascii_whitespace()
            && matches!(bytes[i - 2], b'.' | b'!' | b'?' | b':')
            && body[i..]
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        {
            return i;
        }
        i -= 1;
    }
    0
}

/// A span of at most `max_chars` bytes around `matched` (which fits in it; its first
/// match ends at `first_end`), cut on word and character boundaries: from the start of
/// the sentence that holds the first match when that match still fits (the later ones
/// as far as they fit), else a few words of context before it.
fn fragment(body: &str, matched: Range<usize>, first_end: usize, max_chars: usize) -> Range<usize> {
    let start = matched.start;
    let sentence = sentence_start(body, start);
    let mut from = sentence;
    if first_end - sentence > max_chars {
        let room = max_chars.saturating_sub(matched.len());
        from = start.saturating_sub((room / 3).min(max_chars / 5));
        while !body.is_char_boundary(from) {
            from += 1;
        }
        if from > 0 {
            // Start at the next word, not in the middle of one.
            from = body[from..start]
                .find(char::is_whitespace)
                .map_or(start, |i| from + i + 1);
        }
    }
    let mut to = (from + max_chars).min(body.len());
    while !body.is_char_boundary(to) {
        to -= 1;
    }
    if to < body.len() {
        // End after a whole word, keeping every match that fits.
        let keep = if matched.end <= to {
            matched.end
        } else {
            first_end.min(to)
        };
        if let Some(space) = body[keep..to].rfind(char::is_whitespace) {
            to = keep + space;
        }
    }
    from..to.max(from)
}

/// `body[span]`, escaped, with every match inside it wrapped in `<b>`.
fn highlight(body: &str, span: Range<usize>, matches: &[Token]) -> String {
    let mut html = String::with_capacity(span.len() + 16 * matches.len());
    let mut at = span.start;
    for token in matches {
        let (start, end) = (token.start as usize, token.end as usize);
        if start < at || end > span.end {
            continue;
        }
        html.push_str(&escape_html(&body[at..start]));
        html.push_str("<b>");
        html.push_str(&escape_html(&body[start..end]));
        html.push_str("</b>");
        at = end;
    }
    html.push_str(&escape_html(&body[at..span.end]));
    html.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::analysis::Analyzers;

    fn snippet(bodies: &[&str], index: usize, query: &[&str], max_chars: usize) -> String {
        let analyzers = Analyzers::english();
        let en = analyzers.slot("en");
        let terms = SnippetTerms::build(bodies.iter().map(|body| analyzers.analyze(en, body)));
        let analyzed: Vec<String> = query
            .iter()
            .flat_map(|word| analyzers.query_terms(word))
            .collect();
        let ids = terms.query_terms(&analyzed);
        terms.snippet(index, bodies[index], &ids, max_chars)
    }

    #[test]
    fn highlights_stemmed_matches_and_escapes_the_rest() {
        let bodies = [
            "Returns are free. <script>x</script> To return a jacket, print the label.",
            "Shipping takes three days.",
        ];
        let html = snippet(&bodies, 0, &["returning", "jackets"], 200);
        assert!(html.contains("<b>Returns</b>"), "{html}");
        assert!(html.contains("<b>jacket</b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert_eq!(
            snippet(&bodies, 1, &["jacket"], 200),
            "",
            "no match, no snippet"
        );
    }

    #[test]
    fn picks_the_window_with_the_rarer_terms_and_keeps_to_the_length() {
        let filler = "Lorem ipsum dolor sit amet consectetur adipiscing. ".repeat(8);
        let body = format!(
            "Orders ship fast. {filler} Customs duties for orders to Norway are paid on delivery."
        );
        let others = ["Orders and more orders.", "Every order is tracked."];
        let bodies = [body.as_str(), others[0], others[1]];
        let html = snippet(&bodies, 0, &["orders", "customs", "norway"], 90);
        assert!(
            html.contains("<b>Customs</b>") && html.contains("<b>Norway</b>"),
            "{html}"
        );
        let text_len = html.replace("<b>", "").replace("</b>", "").len();
        assert!(text_len <= 90, "{text_len}: {html}");
    }

    #[test]
    fn starts_at_the_start_of_the_sentence_that_holds_the_match() {
        let body = "Returns are free within 30 days. Refunds reach your card in 5 days, \
                    once the parcel is checked. Exchanges ship at once.";
        let html = snippet(&[body], 0, &["card"], 120);
        assert!(html.starts_with("Refunds reach your <b>card</b>"), "{html}");
        let html = snippet(&[body], 0, &["returns"], 40);
        assert!(html.starts_with("<b>Returns</b> are free"), "{html}");
    }

    #[test]
    fn a_match_deep_in_a_long_sentence_is_marked_as_cut() {
        let body = format!(
            "Short one. If a charge is still showing after {} days, send a copy of your \
             statement with the card number hidden. Thanks.",
            "many ".repeat(30)
        );
        let html = snippet(&[body.as_str()], 0, &["card"], 80);
        assert!(
            html.starts_with('…') && html.contains("<b>card</b>"),
            "{html}"
        );
    }

    #[test]
    fn a_german_body_is_highlighted_by_its_german_stems() {
        let analyzers = Analyzers::for_locales(["de"].into_iter());
        let body = "Eine Vorbestellung können Sie bis zum Versand kostenlos stornieren.";
        let terms = SnippetTerms::build(std::iter::once(
            analyzers.analyze(analyzers.slot("de"), body),
        ));
        let ids = terms.query_terms(&analyzers.query_terms("Vorbestellungen stornieren?"));
        let html = terms.snippet(0, body, &ids, 200);
        assert_eq!(
            html,
            "Eine <b>Vorbestellung</b> können Sie bis zum Versand kostenlos <b>stornieren</b>."
        );
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        let body =
            "Größe wählen: Stiefel fallen klein aus, wählen Sie eine Größe größer. ".repeat(5);
        let html = snippet(&[body.as_str()], 0, &["stiefel"], 37);
        assert!(html.contains("<b>Stiefel</b>"), "{html}");
    }
}
