//! Satisfaction ratings (CSAT): one per escalation, given after it was resolved, replaced
//! by a later one; each rating is also posted into the escalation's chat thread.

use sqlx::Row;

use super::{outbox, Store, StoreError};
use crate::contracts::outbox::{Csat, OutboxMessage};
use crate::contracts::Subject;
use crate::escalation::EscalationStatus;
use crate::site_id::SiteId;

/// What rating a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rated {
    /// Recorded for this escalation (`updated`: it replaced an earlier rating).
    Recorded {
        escalation_id: String,
        updated: bool,
    },
    /// The conversation has no escalation.
    NoEscalation,
    /// Its newest escalation is not resolved (yet, or again).
    NotResolved,
}

/// One resolved escalation of a period, with its rating if it got one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRating {
    pub site_id: SiteId,
    /// Who resolved it.
    pub agent: Option<String>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
}

impl Store {
    /// Rates the conversation's newest escalation, which must be resolved.
    pub async fn rate(
        &self,
        conversation_id: &str,
        rating: i64,
        comment: Option<&str>,
    ) -> Result<Rated, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, site_id, status FROM escalations WHERE conversation_id = $1 \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Rated::NoEscalation);
        };
        let escalation_id: String = row.try_get("id")?;
        let site_id: SiteId = row.try_get("site_id")?;
        let status: String = row.try_get("status")?;
        if status != EscalationStatus::Resolved.as_str() {
            return Ok(Rated::NotResolved);
        }
        let updated = sqlx::query("SELECT 1 AS one FROM csat_ratings WHERE escalation_id = $1")
            .bind(&escalation_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        sqlx::query(
            "INSERT INTO csat_ratings (escalation_id, conversation_id, site_id, rating, comment, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (escalation_id) DO UPDATE SET rating = $4, comment = $5, updated_at = $6",
        )
        .bind(&escalation_id)
        .bind(conversation_id)
        .bind(&site_id)
        .bind(rating)
        .bind(comment)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let posted = OutboxMessage::Csat(Csat {
            rating,
            comment: comment.map(str::to_string),
            at_ms: now,
        });
        outbox::enqueue(
            self,
            &mut tx,
            &Subject::Escalation(escalation_id.clone()),
            &posted,
        )
        .await?;
        tx.commit().await?;
        Ok(Rated::Recorded {
            escalation_id,
            updated,
        })
    }

    /// Every escalation of `site` resolved in `[from_ms, to_ms)`, with its rating.
    pub async fn resolved_ratings(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ResolvedRating>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.site_id, e.resolved_by, c.rating, c.comment FROM escalations e \
             LEFT JOIN csat_ratings c ON c.escalation_id = e.id \
             WHERE e.site_id = $1 AND e.status = 'resolved' AND e.resolved_at >= $2 AND e.resolved_at < $3",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ResolvedRating {
                    site_id: row.try_get("site_id")?,
                    agent: row.try_get("resolved_by")?,
                    rating: row.try_get("rating")?,
                    comment: row.try_get("comment")?,
                })
            })
            .collect()
    }
}
