//! Stored forecasts (one per site, channel and local day, first one wins) and the hourly
//! arrival counts a forecast is fitted on.

use sqlx::Row;

use super::{Store, StoreError};
use crate::site_id::SiteId;

/// What is counted and forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Widget conversations started.
    Conversations,
    /// Escalations created (handoffs to a person): the work agents are staffed for.
    Handoffs,
    /// Escalations opened by a mail that continued no conversation (a new question sent
    /// to the support address, `inbound_mail::unmapped`): contacts that came by e-mail.
    /// They are handoffs too, so staffing (on [`Channel::Handoffs`]) covers them.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Conversations, Channel::Handoffs, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Conversations => "conversations",
            Channel::Handoffs => "handoffs",
            Channel::Email => "email",
        }
    }

    /// The rows that are this channel's arrivals: `FROM` and `WHERE` after the site.
    fn rows(self) -> &'static str {
        match self {
            Channel::Conversations => "conversations WHERE site_id = $1",
            Channel::Handoffs => "escalations WHERE site_id = $1",
            // `inbound_mail::unmapped::CONVERSATION_PREFIX` (10 characters; a test holds
            // the two together).
            Channel::Email => {
                "escalations WHERE site_id = $1 AND substr(conversation_id, 1, 10) = 'conv_mail_'"
            }
        }
    }
}

/// One stored day's forecast.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredForecast {
    pub site_id: SiteId,
    pub channel: Channel,
    /// Local day, `YYYY-MM-DD`.
    pub day: String,
    pub time_zone: String,
    pub model: String,
    /// `(hour start in Unix ms, expected contacts)` per local hour.
    pub hours: Vec<(i64, f64)>,
    pub total: f64,
    pub made_at_ms: i64,
}

/// Width of the count buckets: 15 minutes, so local hours line up in every time zone
/// (offsets such as +05:30 and +05:45 included).
pub const BUCKET_MS: i64 = super::rollups::BUCKET_MS;

impl Store {
    /// Stores `forecast` unless that site, channel and day already has one; `true` if stored.
    pub async fn save_forecast(&self, forecast: &StoredForecast) -> Result<bool, StoreError> {
        let hours = serde_json::to_string(&forecast.hours).unwrap_or_else(|_| "[]".into());
        let done = sqlx::query(
            "INSERT INTO forecasts (site_id, channel, day, time_zone, model, hours, total, made_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (site_id, channel, day) DO NOTHING",
        )
        .bind(&forecast.site_id)
        .bind(forecast.channel.as_str())
        .bind(&forecast.day)
        .bind(&forecast.time_zone)
        .bind(&forecast.model)
        .bind(hours)
        .bind(forecast.total)
        .bind(forecast.made_at_ms)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stored forecasts of `site` and `channel` for local days `first..=last` (`YYYY-MM-DD`).
    pub async fn stored_forecasts(
        &self,
        site: &SiteId,
        channel: Channel,
        first: &str,
        last: &str,
    ) -> Result<Vec<StoredForecast>, StoreError> {
        let rows = sqlx::query(
            "SELECT day, time_zone, model, hours, total, made_at FROM forecasts \
             WHERE site_id = $1 AND channel = $2 AND day >= $3 AND day <= $4 ORDER BY day",
        )
        .bind(site)
        .bind(channel.as_str())
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let hours: String = row.try_get("hours")?;
                Ok(StoredForecast {
                    site_id: site.clone(),
                    channel,
                    day: row.try_get("day")?,
                    time_zone: row.try_get("time_zone")?,
                    model: row.try_get("model")?,
                    hours: serde_json::from_str(&hours).unwrap_or_default(),
                    total: row.try_get("total")?,
                    made_at_ms: row.try_get("made_at")?,
                })
            })
            .collect()
    }

    /// Arrivals of `channel` for `site` in `[from_ms, to_ms)`, counted per
    /// [`BUCKET_MS`] bucket: `(bucket start ms, count)`, oldest first, empty buckets left
    /// out. Read from the rollups (see [`Store::bucket_counts`]).
    pub async fn arrival_buckets(
        &self,
        site: &SiteId,
        channel: Channel,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        // The rollups count conversations and handoffs; mail contacts (a few a day) are
        // counted from their rows.
        if self.raw_reports || channel == Channel::Email {
            return self
                .arrival_buckets_raw(site, channel, from_ms, to_ms)
                .await;
        }
        Ok(self
            .bucket_counts(site, from_ms, to_ms)
            .await?
            .into_iter()
            .map(|b| {
                let n = match channel {
                    Channel::Conversations => b.conversations,
                    Channel::Handoffs => b.handoffs,
                    Channel::Email => 0,
                };
                (b.bucket * BUCKET_MS, n)
            })
            .filter(|(_, n)| *n != 0)
            .collect())
    }

    /// Arrivals of both channels for `site` in `[from_ms, to_ms)` per hour `[anchor_ms +
    /// k h, anchor_ms + (k + 1) h)`: `(hour start ms, conversations, handoffs)`, oldest
    /// first, empty hours left out. The database sums the rollups' four buckets of each
    /// hour, so 16 weeks are 2,700 rows, not 10,800 per channel; partial buckets at the
    /// ends are read raw. `anchor_ms` is a bucket boundary no later than `from_ms`.
    pub async fn arrival_hours(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
        anchor_ms: i64,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        const HOUR_MS: i64 = 3_600_000;
        let hour_of = |at_ms: i64| anchor_ms + (at_ms - anchor_ms).div_euclid(HOUR_MS) * HOUR_MS;
        let mut hours: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
        let split = self.split(from_ms, to_ms);
        if split.buckets.0 < split.buckets.1 {
            // Buckets start at or after `anchor_ms`: the division rounds down.
            let rows = sqlx::query(
                "SELECT (bucket * 900000 - $4) / 3600000 AS hour, \
                        CAST(SUM(conversations) AS BIGINT) AS conversations, \
                        CAST(SUM(handoffs) AS BIGINT) AS handoffs \
                 FROM stats_rollups WHERE site_id = $1 AND bucket >= $2 AND bucket < $3 \
                 GROUP BY (bucket * 900000 - $4) / 3600000",
            )
            .bind(site)
            .bind(split.buckets.0)
            .bind(split.buckets.1)
            .bind(anchor_ms)
            .fetch_all(self.pool())
            .await?;
            for row in &rows {
                let hour: i64 = row.try_get("hour")?;
                let entry = hours.entry(anchor_ms + hour * HOUR_MS).or_default();
                entry.0 += row.try_get::<i64, _>("conversations")?;
                entry.1 += row.try_get::<i64, _>("handoffs")?;
            }
        }
        for (from, to) in split.edges() {
            for bucket in self.bucket_counts_raw(site, from, to).await? {
                let at = (bucket.bucket * BUCKET_MS).max(from);
                let entry = hours.entry(hour_of(at)).or_default();
                entry.0 += bucket.conversations;
                entry.1 += bucket.handoffs;
            }
        }
        Ok(hours
            .into_iter()
            .filter(|(_, (c, h))| *c != 0 || *h != 0)
            .map(|(hour, (c, h))| (hour, c, h))
            .collect())
    }

    /// [`Store::arrival_buckets`] counted from raw rows only.
    pub async fn arrival_buckets_raw(
        &self,
        site: &SiteId,
        channel: Channel,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = format!(
            "SELECT created_at / {BUCKET_MS} AS bucket, COUNT(*) AS n FROM {} \
             AND created_at >= $2 AND created_at < $3 \
             GROUP BY created_at / {BUCKET_MS} ORDER BY bucket",
            channel.rows()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let bucket: i64 = row.try_get("bucket")?;
                Ok((bucket * BUCKET_MS, row.try_get("n")?))
            })
            .collect()
    }

    /// Handoffs of `site` created in `[from_ms, to_ms)` that were claimed and resolved:
    /// how many, and the sum of their claim-to-resolve times, each capped at `cap_ms`.
    /// Summed by the database, so a month of handoffs is one row, not thousands.
    pub async fn handle_times(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
        cap_ms: i64,
    ) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN resolved_at - claimed_at > $4 THEN $4 \
                    ELSE resolved_at - claimed_at END), 0) AS BIGINT) AS total \
             FROM escalations WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 \
               AND claimed_at IS NOT NULL AND resolved_at IS NOT NULL AND resolved_at >= claimed_at",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .bind(cap_ms)
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("n")?, row.try_get("total")?))
    }

    /// The first arrival of `channel` for `site` at or after `since_ms`, Unix ms (the
    /// bound keeps a channel that filters its rows, such as e-mail, from reading a
    /// site's whole history).
    pub async fn first_arrival(
        &self,
        site: &SiteId,
        channel: Channel,
        since_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT MIN(created_at) AS first FROM {} AND created_at >= $2",
            channel.rows()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(since_ms)
            .fetch_one(self.pool())
            .await?;
        super::opt_i64(&row, "first")
    }
}

#[cfg(test)]
mod tests {
    use super::Channel;
    use crate::inbound_mail::unmapped::CONVERSATION_PREFIX;

    #[test]
    fn the_email_channel_counts_the_conversations_mails_open() {
        let rows = Channel::Email.rows();
        assert!(
            rows.contains(&format!(
                "substr(conversation_id, 1, {}) = '{CONVERSATION_PREFIX}'",
                CONVERSATION_PREFIX.len()
            )),
            "{rows}"
        );
    }
}
