//! Local hours, DST-correct. A local day runs from local midnight to the next local
//! midnight and is cut into absolute hours: 24 on an ordinary day, 23 on the day clocks
//! spring forward (the skipped clock hour is absent) and 25 when they fall back (the
//! repeated clock hour appears twice, once per offset).

use jiff::civil::Date;
use jiff::tz::{Disambiguation, TimeZone};
use jiff::Timestamp;

/// One hour of a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHour {
    /// The instant the hour starts.
    pub start: Timestamp,
    /// The local day it belongs to.
    pub date: Date,
    /// The local clock hour at `start`, 0..=23.
    pub hour: i8,
}

impl LocalHour {
    /// `start` as RFC 3339 with the local offset, e.g. `2026-03-29T03:00:00+02:00`.
    pub fn rfc3339(&self, tz: &TimeZone) -> String {
        self.start
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }
}

/// The instant local `date` starts in `tz` (the first valid instant of that day).
pub fn midnight(date: Date, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_zoned_datetime(date.to_datetime(jiff::civil::Time::midnight()))
        .disambiguate(Disambiguation::Compatible)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The hours of local `date` in `tz`, in order.
pub fn day_hours(date: Date, tz: &TimeZone) -> Vec<LocalHour> {
    let start = midnight(date, tz).as_second();
    let end = midnight(date.tomorrow().unwrap_or(date), tz).as_second();
    let mut hours = Vec::with_capacity(25);
    let mut at = start;
    while at < end {
        let start = Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH);
        hours.push(LocalHour {
            start,
            date,
            hour: tz.to_datetime(start).hour(),
        });
        at += 3600;
    }
    hours
}

/// Arrivals counted per local hour over the local days `[first, end)`.
#[derive(Debug, Clone)]
pub struct HourlyCounts {
    tz: TimeZone,
    first: Date,
    end: Date,
    hours: Vec<LocalHour>,
    counts: Vec<f64>,
    /// Index into `hours` of each day's first hour, plus one past the last.
    day_starts: Vec<usize>,
}

impl HourlyCounts {
    /// All hours of `[first, end)` with a count of zero.
    pub fn new(tz: TimeZone, first: Date, end: Date) -> Self {
        let mut hours = Vec::new();
        let mut day_starts = Vec::new();
        let mut date = first;
        while date < end {
            day_starts.push(hours.len());
            hours.extend(day_hours(date, &tz));
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        day_starts.push(hours.len());
        let counts = vec![0.0; hours.len()];
        Self {
            tz,
            first,
            end,
            hours,
            counts,
            day_starts,
        }
    }

    /// Counts `arrivals` into the hours of `[first, end)`; others are ignored.
    pub fn from_arrivals(
        tz: TimeZone,
        first: Date,
        end: Date,
        arrivals: impl IntoIterator<Item = Timestamp>,
    ) -> Self {
        let mut counts = Self::new(tz, first, end);
        for at in arrivals {
            counts.add(at, 1.0);
        }
        counts
    }

    /// Adds `n` to the hour containing `at`; false when `at` is outside the range.
    pub fn add(&mut self, at: Timestamp, n: f64) -> bool {
        match self.index_of(at) {
            Some(i) => {
                self.counts[i] += n;
                true
            }
            None => false,
        }
    }

    /// Sets the count of the hour starting at `start` (used by stores with hourly rollups).
    pub fn set(&mut self, start: Timestamp, n: f64) -> bool {
        match self.index_of(start) {
            Some(i) => {
                self.counts[i] = n;
                true
            }
            None => false,
        }
    }

    fn index_of(&self, at: Timestamp) -> Option<usize> {
        let end = midnight(self.end, &self.tz);
        if self.hours.is_empty() || at < self.hours[0].start || at >= end {
            return None;
        }
        Some(self.hours.partition_point(|h| h.start <= at) - 1)
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
    pub fn first(&self) -> Date {
        self.first
    }
    /// The first day not covered (the forecast origin).
    pub fn end(&self) -> Date {
        self.end
    }
    pub fn hours(&self) -> &[LocalHour] {
        &self.hours
    }
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }
    /// Number of local days covered.
    pub fn days(&self) -> usize {
        self.day_starts.len() - 1
    }

    /// The hours and counts of day `i` (0 = `first`).
    pub fn day(&self, i: usize) -> (&[LocalHour], &[f64]) {
        let (a, b) = (self.day_starts[i], self.day_starts[i + 1]);
        (&self.hours[a..b], &self.counts[a..b])
    }

    /// The hours and counts of local `date`, if covered.
    pub fn on(&self, date: Date) -> Option<(&[LocalHour], &[f64])> {
        if date < self.first || date >= self.end {
            return None;
        }
        let i = usize::try_from(self.first.until(date).ok()?.get_days()).ok()?;
        (i < self.days()).then(|| self.day(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("tz")
    }

    #[test]
    fn spring_forward_day_has_23_hours_without_2am() {
        let hours = day_hours(date(2026, 3, 29), &berlin());
        let clock: Vec<i8> = hours.iter().map(|h| h.hour).collect();
        assert_eq!(hours.len(), 23);
        assert_eq!(&clock[..4], &[0, 1, 3, 4]);
        assert_eq!(hours[2].rfc3339(&berlin()), "2026-03-29T03:00:00+02:00");
    }

    #[test]
    fn fall_back_day_has_25_hours_with_2am_twice() {
        let hours = day_hours(date(2026, 10, 25), &berlin());
        let clock: Vec<i8> = hours.iter().map(|h| h.hour).collect();
        assert_eq!(hours.len(), 25);
        assert_eq!(&clock[..5], &[0, 1, 2, 2, 3]);
        assert_eq!(hours[2].rfc3339(&berlin()), "2026-10-25T02:00:00+02:00");
        assert_eq!(hours[3].rfc3339(&berlin()), "2026-10-25T02:00:00+01:00");
    }

    #[test]
    fn arrivals_land_in_their_local_hour() {
        let tz = berlin();
        let at = |s: &str| s.parse::<Timestamp>().expect("ts");
        let counts = HourlyCounts::from_arrivals(
            tz,
            date(2026, 10, 24),
            date(2026, 10, 26),
            [
                at("2026-10-25T02:30:00+02:00"),
                at("2026-10-25T02:10:00+01:00"),
                at("2026-10-25T02:50:00+01:00"),
                at("2026-10-23T23:59:59+02:00"),
                at("2026-10-26T00:00:00+01:00"),
            ],
        );
        assert_eq!(counts.days(), 2);
        let (hours, n) = counts.on(date(2026, 10, 25)).expect("day");
        assert_eq!(hours.len(), 25);
        assert_eq!(n[2], 1.0);
        assert_eq!(n[3], 2.0);
        assert_eq!(counts.counts().iter().sum::<f64>(), 3.0);
    }
}
