//! When daily digests are due: a local time of day in a time zone, DST-correct.
//!
//! A digest scheduled at `08:00 Europe/Berlin` reports on the previous local day. On the
//! day clocks spring forward, a time inside the gap fires at the first valid instant
//! after it; when they fall back, it fires once, at the first occurrence.

use jiff::civil::{Date, Time};
use jiff::tz::{Disambiguation, TimeZone};
use jiff::Timestamp;

/// The instant `date` reaches `time` in `tz`.
pub fn instant(date: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_zoned_datetime(date.to_datetime(time))
        .disambiguate(Disambiguation::Compatible)
        .ok()
        .map(|z| z.timestamp())
}

/// The most recent scheduled run at or before `now`, as (run instant, reported day).
pub fn latest_run(now: Timestamp, time: Time, tz: &TimeZone) -> Option<(Timestamp, Date)> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    [Some(today), today.yesterday().ok()]
        .into_iter()
        .flatten()
        .filter_map(|date| instant(date, time, tz).map(|at| (at, date)))
        .find(|(at, _)| *at <= now)
        .and_then(|(at, date)| date.yesterday().ok().map(|day| (at, day)))
}

/// The next scheduled run strictly after `now`.
pub fn next_run(now: Timestamp, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let mut date = today;
    for _ in 0..3 {
        if let Some(at) = instant(date, time, tz).filter(|at| *at > now) {
            return Some(at);
        }
        date = date.tomorrow().ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn fires_at_local_time_across_dst_changes() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tz");
        let eight = Time::constant(8, 0, 0, 0);
        // Before the spring change Berlin is UTC+1, after it UTC+2.
        assert_eq!(
            next_run(ts("2026-03-28T12:00:00Z"), eight, &berlin),
            Some(ts("2026-03-29T06:00:00Z"))
        );
        assert_eq!(
            next_run(ts("2026-03-29T06:00:00Z"), eight, &berlin),
            Some(ts("2026-03-30T06:00:00Z"))
        );
        // Autumn: back to UTC+1.
        assert_eq!(
            next_run(ts("2026-10-24T12:00:00Z"), eight, &berlin),
            Some(ts("2026-10-25T07:00:00Z"))
        );
        // 02:30 does not exist on 2026-03-29 in Berlin: the run moves to 03:30 local.
        let gap = Time::constant(2, 30, 0, 0);
        assert_eq!(
            next_run(ts("2026-03-28T12:00:00Z"), gap, &berlin),
            Some(ts("2026-03-29T01:30:00Z"))
        );
    }

    #[test]
    fn the_latest_run_reports_the_previous_day() {
        let tz = TimeZone::get("America/New_York").expect("tz");
        let eight = Time::constant(8, 0, 0, 0);
        // 2026-11-26 12:00 UTC is 07:00 in New York: today's run has not happened yet.
        let (at, day) = latest_run(ts("2026-11-26T12:00:00Z"), eight, &tz).expect("run");
        assert_eq!(at, ts("2026-11-25T13:00:00Z"));
        assert_eq!(day, jiff::civil::date(2026, 11, 24));
        let (_, day) = latest_run(ts("2026-11-26T13:00:00Z"), eight, &tz).expect("run");
        assert_eq!(day, jiff::civil::date(2026, 11, 25));
    }
}
