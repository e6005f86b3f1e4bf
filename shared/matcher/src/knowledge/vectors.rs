//! Hybrid knowledge search: every article's sentence embedding beside the BM25 index, and
//! the two rankings fused by reciprocal rank fusion.
//!
//! An article is embedded as its title, its example questions and the start of its text
//! (what a customer's question would resemble). A search ranks the articles by BM25
//! (tantivy) and by cosine similarity to the question's embedding, and scores each
//! article `Σ weight / (RRF_K + rank)` over the lists it appears in (Cormack, Clarke and
//! Büttcher, *Reciprocal rank fusion outperforms Condorcet and individual rank learning
//! methods*, SIGIR 2009, with their k = 60; BM25's list weighted by
//! [`KnowledgeBase::lexical_weight`](super::KnowledgeBase::lexical_weight), which is
//! small when few articles are in the question's language). A German question about an English article
//! shares no words with it but lands near it in the encoder's space; an exact product name
//! is found by BM25 even when the encoder knows nothing of it.
//!
//! Only originals are embedded: an article's translations (`translation_of`) mean what it
//! means and are one candidate with it. Embedding them too would rank them by their
//! language as much as by their topic (multilingual-e5 puts any German question nearer to
//! any German text: 0.85 to a gift-returns page against 0.82 to its English original).

use std::sync::Arc;

use super::Article;
use crate::encoder::{sentence, DiskCache, Encoder, EncoderError};

/// The constant of reciprocal rank fusion.
pub const RRF_K: f32 = 60.0;
/// How many candidates each ranking contributes to the fusion.
pub const CANDIDATES: usize = 20;
/// A vector candidate must be at least this similar to the question (cosine): below it,
/// the nearest articles of an unrelated question are noise, not suggestions.
pub const MIN_SIMILARITY: f32 = 0.80;
/// A vector candidate must also be within this much of the best one's similarity. The
/// encoder's similarities are close together (an unrelated storefront article is often
/// above 0.80), so without it every article joins the fusion and any word shared with the
/// question ranks it above the article the question is about.
pub const SIMILARITY_MARGIN: f32 = 0.02;
/// Characters of an article's text embedded after its title and questions.
const TEXT_CHARS: usize = 300;

/// The original articles' embeddings.
#[derive(Debug)]
pub struct ArticleVectors {
    encoder: Arc<Encoder>,
    /// (article position, its L2-normalized [sentence] vector) of every original article.
    vectors: Vec<(usize, Vec<f32>)>,
}

impl ArticleVectors {
    /// Embeds the original `articles`, those whose position in `originals` is their own
    /// (batched; through `disk` when given, so a reload embeds only articles that changed).
    pub fn embed(
        encoder: Arc<Encoder>,
        articles: &[Article],
        originals: &[usize],
        disk: Option<&mut DiskCache>,
    ) -> Result<ArticleVectors, EncoderError> {
        let positions: Vec<usize> = (0..articles.len())
            .filter(|&i| originals.get(i) == Some(&i))
            .collect();
        let texts: Vec<String> = positions
            .iter()
            .map(|&i| embedded_text(&articles[i]))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = encoder.embed_many(&texts, disk)?;
        Ok(ArticleVectors {
            encoder,
            vectors: positions
                .into_iter()
                .zip(vectors)
                .map(|(i, mut v)| {
                    // The sentence vector alone: the middle layer's half is the head's.
                    v.truncate(sentence(&v).len());
                    v.shrink_to_fit();
                    (i, v)
                })
                .collect(),
        })
    }

    /// How many of the original `articles` (as in [`embed`](Self::embed)) `disk` has no
    /// embedding of: what embedding them would cost, in articles.
    pub fn uncached(articles: &[Article], originals: &[usize], disk: Option<&DiskCache>) -> usize {
        (0..articles.len())
            .filter(|&i| originals.get(i) == Some(&i))
            .filter(|&i| {
                disk.is_none_or(|disk| {
                    !disk.contains(&crate::encoder::cache_key(&embedded_text(&articles[i])))
                })
            })
            .count()
    }

    /// The original articles nearest to `question` (article position, cosine), best
    /// first: at most `limit`, each at least [`MIN_SIMILARITY`] and within
    /// [`SIMILARITY_MARGIN`] of the best.
    pub fn nearest(&self, question: &str, limit: usize) -> Result<Vec<(usize, f32)>, EncoderError> {
        let embedding = self.encoder.embed(question)?;
        let query = sentence(&embedding);
        let mut scored: Vec<(usize, f32)> = self
            .vectors
            .iter()
            .map(|(i, v)| (*i, v.iter().zip(query.iter()).map(|(a, b)| a * b).sum()))
            .filter(|(_, similarity)| *similarity >= MIN_SIMILARITY)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(&(_, best)) = scored.first() {
            scored.retain(|(_, similarity)| *similarity >= best - SIMILARITY_MARGIN);
        }
        scored.truncate(limit);
        Ok(scored)
    }

    /// Approximate heap memory of the embeddings.
    pub fn heap_bytes(&self) -> usize {
        self.vectors.iter().map(|(_, v)| 4 * v.len()).sum()
    }
}

/// What an article is embedded as: title, example questions, the start of its text.
fn embedded_text(article: &Article) -> String {
    let mut text = article.title.clone();
    for question in &article.questions {
        text.push_str(". ");
        text.push_str(question);
    }
    text.push_str(". ");
    text.push_str(&article.excerpt(TEXT_CHARS));
    text
}

/// Weighted reciprocal rank fusion of rankings (each a list of item ids, best first, and
/// its weight): every item once, with its fused score `Σ weight / (RRF_K + rank)`, best
/// first; ties keep the order of first appearance.
pub fn reciprocal_rank_fusion(rankings: &[(Vec<usize>, f32)]) -> Vec<(usize, f32)> {
    let mut fused: Vec<(usize, f32)> = Vec::new();
    for (ranking, weight) in rankings {
        for (rank, &item) in ranking.iter().enumerate() {
            let score = weight / (RRF_K + rank as f32 + 1.0);
            match fused.iter_mut().find(|(i, _)| *i == item) {
                Some((_, total)) => *total += score,
                None => fused.push((item, score)),
            }
        }
    }
    // A stable sort: equal scores keep the order in which they first appeared.
    fused.sort_by(|a, b| b.1.total_cmp(&a.1));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fusion_rewards_items_both_rankings_agree_on() {
        // BM25: 3, 1, 2; vectors: 1, 4. Item 1 is in both lists (ranks 2 and 1).
        let fused = reciprocal_rank_fusion(&[(vec![3, 1, 2], 1.0), (vec![1, 4], 1.0)]);
        let order: Vec<usize> = fused.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![1, 3, 4, 2]);
        let expected = 1.0 / 62.0 + 1.0 / 61.0;
        assert!((fused[0].1 - expected).abs() < 1e-7, "{fused:?}");
        // 3 (rank 1 of one list) and 4 (rank 2 of the other) are not tied: 1/61 > 1/62.
        assert!(fused[1].1 > fused[2].1);
    }

    #[test]
    fn a_lightly_weighted_ranking_only_breaks_ties() {
        // Lexical (weight 0.01): 7, 2; vectors: 2, 5. Item 7, first by words alone, comes
        // after both vector candidates; 2 stays first; 7 is still offered, last.
        let fused = reciprocal_rank_fusion(&[(vec![7, 2], 0.01), (vec![2, 5], 1.0)]);
        let order: Vec<usize> = fused.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![2, 5, 7]);
        // At equal weights, 7 (rank 1 of one list) would beat 5 (rank 2 of the other).
        let equal = reciprocal_rank_fusion(&[(vec![7, 2], 1.0), (vec![2, 5], 1.0)]);
        let order: Vec<usize> = equal.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![2, 7, 5]);
    }

    #[test]
    fn fusion_of_one_ranking_keeps_its_order() {
        let fused = reciprocal_rank_fusion(&[(vec![5, 2, 9], 1.0)]);
        let order: Vec<usize> = fused.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![5, 2, 9]);
    }
}
