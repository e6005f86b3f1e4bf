//! Grouping near-duplicate questions: the repeated contacts worth an article.
//!
//! Questions are reduced to sets of content words (normalized, stop words dropped, a
//! light plural/verb-ending strip), then grouped greedily: a question joins the cluster
//! whose first question's words overlap most (Jaccard similarity ≥ the threshold), or
//! starts a new one. Linear in questions × clusters, which is plenty for a day's or a
//! month's unanswered questions (we cluster at most a few thousand).

use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use crate::text::normalize;

/// A group of near-duplicate questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// The most frequent phrasing in the group.
    pub example: String,
    pub count: usize,
    /// Up to three other phrasings.
    pub others: Vec<String>,
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "i", "my", "me", "you", "your", "we", "our", "is", "are", "am", "be", "do",
    "does", "did", "can", "could", "would", "will", "to", "of", "in", "on", "for", "with", "at",
    "it", "this", "that", "please", "hi", "hello", "hey", "there", "and", "or", "how", "what",
    "when", "where", "why", "there", "any", "some", "have", "has", "get", "if", "so", "just",
];

/// The content words of a question.
pub fn content_words(question: &str) -> BTreeSet<String> {
    normalize(question)
        .split(' ')
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        .map(stem)
        .collect()
}

fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(stripped) = word.strip_suffix(suffix) {
            if stripped.chars().count() >= 3 {
                return undouble(stripped);
            }
        }
    }
    word.to_string()
}

/// "shipp" → "ship": a doubled final consonant left by stripping "-ing" / "-ed".
fn undouble(stem: &str) -> String {
    let chars: Vec<char> = stem.chars().collect();
    match chars.as_slice() {
        [.., a, b] if a == b && !"aeiouls".contains(*a) => {
            chars[..chars.len() - 1].iter().collect()
        }
        _ => stem.to_string(),
    }
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// Groups `questions` into clusters of similarity ≥ `threshold`; the `limit` largest,
/// largest first (ties: the cluster seen first).
pub fn cluster(questions: &[String], threshold: f64, limit: usize) -> Vec<Cluster> {
    struct Group {
        words: BTreeSet<String>,
        phrasings: HashMap<String, usize>,
        order: Vec<String>,
        count: usize,
    }
    let mut groups: Vec<Group> = Vec::new();
    for question in questions {
        let words = content_words(question);
        if words.is_empty() {
            continue;
        }
        let best = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (i, jaccard(&g.words, &words)))
            .filter(|(_, s)| *s >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let text = question.trim().to_string();
        let group = match best {
            Some((i, _)) => &mut groups[i],
            None => {
                groups.push(Group {
                    words,
                    phrasings: HashMap::new(),
                    order: Vec::new(),
                    count: 0,
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        group.count += 1;
        let seen = group.phrasings.entry(text.clone()).or_insert(0);
        if *seen == 0 {
            group.order.push(text);
        }
        *seen += 1;
    }
    let mut clusters: Vec<(usize, Cluster)> = groups
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            // Most frequent phrasing; among equals, the first seen.
            let mut example = g.order.first().cloned().unwrap_or_default();
            for phrasing in &g.order {
                if g.phrasings[phrasing] > g.phrasings.get(&example).copied().unwrap_or(0) {
                    example = phrasing.clone();
                }
            }
            let others = g
                .order
                .iter()
                .filter(|p| **p != example)
                .take(3)
                .cloned()
                .collect();
            (
                i,
                Cluster {
                    example,
                    count: g.count,
                    others,
                },
            )
        })
        .collect();
    clusters.sort_by(|(ia, a), (ib, b)| b.count.cmp(&a.count).then(ia.cmp(ib)));
    clusters.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_group_together() {
        let questions: Vec<String> = [
            "Do you ship to Iceland?",
            "do you ship to iceland",
            "Shipping to Iceland?",
            "can you gift wrap my order",
            "Do you ship to Iceland?",
            "is gift wrapping available",
            "what is the meaning of life",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let clusters = cluster(&questions, 0.5, 10);
        assert_eq!(clusters[0].count, 4, "{clusters:?}");
        assert_eq!(clusters[0].example, "Do you ship to Iceland?");
        assert_eq!(clusters.iter().map(|c| c.count).sum::<usize>(), 7);
        assert!(
            clusters
                .iter()
                .any(|c| c.count == 2 && c.example.contains("gift")),
            "{clusters:?}"
        );
    }
}
