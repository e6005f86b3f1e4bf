//! Grouping near-duplicate questions: the repeated contacts worth an article.
//!
//! Questions are reduced to sets of content words (normalized, stop words dropped, a
//! light plural/verb-ending strip), then grouped greedily: a question joins the cluster
//! whose first question's words overlap most (Jaccard similarity ≥ the threshold), or
//! starts a new one. A question is compared only with the clusters sharing one of its
//! words (an inverted index), so thousands of distinct questions stay fast (we cluster
//! at most a few thousand).

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
    cluster_weighted(
        questions.iter().map(|question| Cluster {
            example: question.clone(),
            count: 1,
            others: Vec::new(),
        }),
        threshold,
        limit,
    )
}

/// [`cluster`] for questions already grouped elsewhere (a day's stored clusters): each
/// group joins by its example's words as one question would and adds its `count`; its
/// example counts `count` times towards a cluster's most frequent phrasing, its `others`
/// are listed as phrasings seen (counting nothing). One question is a group of 1.
pub fn cluster_weighted(
    grouped: impl IntoIterator<Item = Cluster>,
    threshold: f64,
    limit: usize,
) -> Vec<Cluster> {
    struct Group {
        words: BTreeSet<String>,
        phrasings: HashMap<String, usize>,
        order: Vec<String>,
        count: usize,
    }
    let mut groups: Vec<Group> = Vec::new();
    // The groups whose words include each word: only groups sharing a word with a
    // question can reach a positive threshold, so a question is compared with those, not
    // with every group (thousands of distinct questions made this quadratic).
    let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
    let mut candidates: Vec<usize> = Vec::new();
    for entry in grouped {
        let words = content_words(&entry.example);
        if words.is_empty() {
            continue;
        }
        candidates.clear();
        if threshold > 0.0 {
            for word in &words {
                candidates.extend(by_word.get(word).into_iter().flatten());
            }
            candidates.sort_unstable();
            candidates.dedup();
        } else {
            candidates.extend(0..groups.len());
        }
        let best = candidates
            .iter()
            .map(|&i| (i, jaccard(&groups[i].words, &words)))
            .filter(|(_, s)| *s >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let group = match best {
            Some((i, _)) => &mut groups[i],
            None => {
                for word in &words {
                    by_word.entry(word.clone()).or_default().push(groups.len());
                }
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
        group.count += entry.count;
        let weighted = std::iter::once((entry.example, entry.count))
            .chain(entry.others.into_iter().map(|other| (other, 0)));
        for (phrasing, count) in weighted {
            let text = phrasing.trim().to_string();
            if !group.phrasings.contains_key(&text) {
                group.order.push(text.clone());
            }
            *group.phrasings.entry(text).or_insert(0) += count;
        }
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

    #[test]
    fn stored_groups_count_as_many_questions_as_they_stand_for() {
        let group = |example: &str, count, others: &[&str]| Cluster {
            example: example.into(),
            count,
            others: others.iter().map(|o| o.to_string()).collect(),
        };
        // Two days' "Iceland" clusters (30 and 12 questions) and today's raw questions.
        let clusters = cluster_weighted(
            [
                group("Do you ship to Iceland?", 30, &["Shipping to Iceland?"]),
                group("shipping to iceland", 12, &[]),
                group("gift wrapping?", 20, &[]),
                group("do you ship to iceland", 1, &[]),
                group("student discount", 1, &[]),
            ],
            0.5,
            10,
        );
        assert_eq!(
            clusters,
            [
                group(
                    "Do you ship to Iceland?",
                    43,
                    &[
                        "Shipping to Iceland?",
                        "shipping to iceland",
                        "do you ship to iceland"
                    ]
                ),
                group("gift wrapping?", 20, &[]),
                group("student discount", 1, &[]),
            ]
        );
    }

    /// The grouping before the word index: every question compared with every group.
    fn cluster_by_scanning_every_group(questions: &[String], threshold: f64) -> Vec<usize> {
        let mut groups: Vec<(BTreeSet<String>, usize)> = Vec::new();
        for question in questions {
            let words = content_words(question);
            if words.is_empty() {
                continue;
            }
            let best = groups
                .iter()
                .enumerate()
                .map(|(i, g)| (i, jaccard(&g.0, &words)))
                .filter(|(_, s)| *s >= threshold)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            match best {
                Some((i, _)) => groups[i].1 += 1,
                None => groups.push((words, 1)),
            }
        }
        let mut counts: Vec<usize> = groups.iter().map(|g| g.1).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        counts
    }

    #[test]
    fn the_word_index_groups_as_comparing_with_every_group_did() {
        use rand::{Rng, SeedableRng};
        let vocabulary = [
            "ship", "iceland", "gift", "wrap", "order", "refund", "late", "parcel", "size",
            "boots", "student", "discount", "sunday", "open", "store", "card", "paypal", "invoice",
            "address", "change",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let questions: Vec<String> = (0..2_000)
            .map(|_| {
                (0..rng.random_range(1..=4))
                    .map(|_| vocabulary[rng.random_range(0..vocabulary.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for threshold in [0.5, 0.3, 0.0] {
            let counts: Vec<usize> = cluster(&questions, threshold, usize::MAX)
                .iter()
                .map(|c| c.count)
                .collect();
            assert_eq!(
                counts,
                cluster_by_scanning_every_group(&questions, threshold),
                "threshold {threshold}"
            );
        }
    }
}
