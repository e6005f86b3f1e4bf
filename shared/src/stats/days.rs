//! Local calendar days as store periods, DST-correct: a day runs from local midnight to
//! the next local midnight, so it lasts 23 or 25 hours on the days clocks change.

use crate::site_id::SiteId;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// `[start, end)` of `date` in `tz`, in Unix milliseconds.
pub fn bounds(date: Date, tz: &TimeZone) -> (i64, i64) {
    let start = |d: Date| {
        d.to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    let next = date.tomorrow().unwrap_or(date);
    (start(date), start(next))
}

/// The local date of `at_ms` in `tz`.
pub fn date_of(at_ms: i64, tz: &TimeZone) -> Date {
    jiff::Timestamp::from_millisecond(at_ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(tz.clone())
        .date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_around_dst_changes_have_23_and_25_hours() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tz");
        let spring = bounds(jiff::civil::date(2026, 3, 29), &berlin);
        assert_eq!(spring.1 - spring.0, 23 * 3_600_000);
        let autumn = bounds(jiff::civil::date(2026, 10, 25), &berlin);
        assert_eq!(autumn.1 - autumn.0, 25 * 3_600_000);
        let ordinary = bounds(jiff::civil::date(2026, 11, 26), &berlin);
        assert_eq!(ordinary.1 - ordinary.0, 24 * 3_600_000);
        assert_eq!(
            date_of(ordinary.0, &berlin),
            jiff::civil::date(2026, 11, 26)
        );
    }
}

/// Volume of one local day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayPoint {
    /// `YYYY-MM-DD` in the report's time zone.
    pub day: String,
    pub conversations: i64,
    pub deflected: i64,
    pub handoffs: i64,
}

/// One point per local day from `first` to `last` inclusive, for `sites`.
pub async fn series(
    store: &crate::store::Store,
    sites: &[SiteId],
    tz: &TimeZone,
    first: Date,
    last: Date,
) -> Result<Vec<DayPoint>, crate::store::StoreError> {
    let mut points: Vec<DayPoint> = Vec::new();
    let mut day = first;
    while day <= last {
        points.push(DayPoint {
            day: day.to_string(),
            conversations: 0,
            deflected: 0,
            handoffs: 0,
        });
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    if store.reads_raw_rows() {
        let (from_ms, _) = bounds(first, tz);
        let (_, to_ms) = bounds(last, tz);
        for site in sites {
            for bucket in store.bucket_counts(site, from_ms, to_ms).await? {
                let date = date_of(bucket.bucket * crate::store::stats::BUCKET_MS, tz);
                let index = first.until(date).map(|span| span.get_days()).unwrap_or(-1);
                if let Some(point) = usize::try_from(index).ok().and_then(|i| points.get_mut(i)) {
                    point.conversations += bucket.conversations;
                    point.deflected += bucket.deflected;
                    point.handoffs += bucket.handoffs;
                }
            }
        }
        return Ok(points);
    }
    // Each day's bounds once; the database sums the rollups per day.
    let mut day_bounds: Vec<i64> = Vec::with_capacity(points.len() + 1);
    let mut day = first;
    for _ in 0..points.len() {
        day_bounds.push(bounds(day, tz).0);
        day = day.tomorrow().unwrap_or(day);
    }
    day_bounds.push(bounds(last, tz).1);
    for site in sites {
        for (point, counts) in points
            .iter_mut()
            .zip(store.local_day_counts(site, &day_bounds).await?)
        {
            point.conversations += counts.conversations;
            point.deflected += counts.deflected;
            point.handoffs += counts.handoffs;
        }
    }
    Ok(points)
}
