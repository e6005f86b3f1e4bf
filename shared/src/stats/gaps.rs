//! Knowledge gaps of a period ("top unanswered"): whole UTC days that
//! [`day_clusters`](super::day_clusters) has clustered come from their stored clusters,
//! the rest of the period (today, partial days at its ends, days not clustered yet) from
//! the raw questions as before, and both are merged by the same near-duplicate rule
//! ([`clusters::cluster_weighted`]), each stored cluster weighing as many questions as it
//! counted.
//!
//! Raw parts still read at most [`RAW_SAMPLE`] newest questions each; stored days count
//! every question of the day (their 200 largest clusters). A question erased after its
//! day was clustered stays counted in its cluster, but its text is never shown: the text
//! is read from `messages`, which erasure blanks.

use super::clusters::{self, Cluster};
use crate::site_id::SiteId;
use crate::store::rollups::{DaySplit, DAY_MS};
use crate::store::stats::UNANSWERED_CONFIDENCE;
use crate::store::{Store, StoreError};

/// Most unanswered questions read raw from one unclustered part of a period.
pub const RAW_SAMPLE: i64 = 5_000;

/// Similarity at which questions join a cluster.
const THRESHOLD: f64 = 0.5;

/// The `top` largest clusters of unanswered questions of `sites` over `[from_ms, to_ms)`.
pub async fn top_unanswered(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
    top: usize,
) -> Result<Vec<Cluster>, StoreError> {
    let mut stored: Vec<Cluster> = Vec::new();
    let mut raw: Vec<Cluster> = Vec::new();
    for site in sites {
        let days = if store.reads_raw_rows() {
            DaySplit::none(from_ms, to_ms)
        } else {
            DaySplit::of(from_ms, to_ms)
        };
        let (first, end) = days.days;
        let clustered = if first < end {
            store.clustered_unanswered_days(site, first, end).await?
        } else {
            Vec::new()
        };
        if !clustered.is_empty() {
            stored.extend(
                store
                    .stored_unanswered_clusters(site, first, end)
                    .await?
                    .into_iter()
                    .map(|c| {
                        let mut phrasings = c.phrasings.into_iter();
                        Cluster {
                            example: phrasings.next().unwrap_or_default(),
                            count: usize::try_from(c.count).unwrap_or(0),
                            others: phrasings.collect(),
                        }
                    }),
            );
        }
        for (from, to) in unclustered_parts(from_ms, to_ms, &clustered) {
            let questions = store
                .unanswered_questions(site, from, to, UNANSWERED_CONFIDENCE, RAW_SAMPLE)
                .await?;
            raw.extend(questions.into_iter().map(|question| Cluster {
                example: question,
                count: 1,
                others: Vec::new(),
            }));
        }
    }
    // Largest stored clusters first, so they anchor the merged clusters' words.
    stored.sort_by_key(|c| std::cmp::Reverse(c.count));
    Ok(clusters::cluster_weighted(
        stored.into_iter().chain(raw),
        THRESHOLD,
        top,
    ))
}

/// The parts of `[from_ms, to_ms)` outside the `clustered` UTC days (ascending, each
/// inside the period), newest first: the order raw questions are read in.
pub fn unclustered_parts(from_ms: i64, to_ms: i64, clustered: &[i64]) -> Vec<(i64, i64)> {
    let mut parts = Vec::new();
    let mut cursor = from_ms;
    for &day in clustered {
        let (start, end) = (day * DAY_MS, (day + 1) * DAY_MS);
        if cursor < start {
            parts.push((cursor, start.min(to_ms)));
        }
        cursor = cursor.max(end);
    }
    if cursor < to_ms {
        parts.push((cursor, to_ms));
    }
    parts.reverse();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clustered_days_are_cut_out_of_the_period() {
        let d = DAY_MS;
        // From noon of day 0 to 6:00 of day 5, days 1, 2 and 4 clustered.
        assert_eq!(
            unclustered_parts(d / 2, 5 * d + d / 4, &[1, 2, 4]),
            [(5 * d, 5 * d + d / 4), (3 * d, 4 * d), (d / 2, d)]
        );
        assert_eq!(unclustered_parts(0, 2 * d, &[0, 1]), []);
        assert_eq!(unclustered_parts(0, 2 * d, &[]), [(0, 2 * d)]);
    }
}
