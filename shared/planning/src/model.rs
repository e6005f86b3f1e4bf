//! The hourly forecast.
//!
//! With at least one week of history: a day's volume is a level with a damped trend (Holt's
//! method on daily totals divided by weekday factors) times its weekday factor, and an
//! hour's volume is the day's volume times that weekday's share for the clock hour. Weekday
//! factors and hour shares are weighted means over the last eight weeks, recent weeks
//! counting more; hour shares are pulled towards the all-week shape when volumes are
//! small. Averaging several weeks is what beats "same hour last week" (seasonal naive),
//! whose error carries the noise of a single week; the smoothed level follows level shifts
//! within days.
//!
//! With less than a week: the mean open day times the hour-of-day shape of all days.
//! Under 14 days of history the forecast says "low confidence: N days of history".
//! Closed days are left out of the fit and forecast as zero. A day of history without a
//! single contact whose weekday usually has some ([`UNANNOUNCED_CLOSURE_MEDIAN`]) is taken
//! as closed too: a holiday nobody listed in `closed_dates` (or a day the log lost) must
//! not drag that weekday's factor and the level down for weeks.

use jiff::civil::{Date, Weekday};

use crate::calendar::Calendar;
use crate::hours::{day_hours, HourlyCounts, LocalHour};

/// Name of the model with one week of history or more.
pub const PROFILE_MODEL: &str = "weekday-hour-profile x damped-trend level";
/// Name of the fallback with less than a week.
pub const SHORT_MODEL: &str = "hour-of-day profile x mean day";

const WEEKS: usize = 8;
const WEEK_DECAY: f64 = 0.8;
const ALPHA: f64 = 0.3;
const BETA: f64 = 0.05;
const PHI: f64 = 0.85;
/// Contacts' worth of weight the all-week hour shape gets against one weekday's own.
const SHAPE_PRIOR: f64 = 30.0;
/// A day of history with no contacts is taken as closed when the median of its weekday's
/// last [`WEEKS`] days is at least this: with Poisson arrivals at that rate an empty day
/// happens by chance less than once in 100 days.
pub const UNANNOUNCED_CLOSURE_MEDIAN: f64 = 5.0;
/// Below this many days of history the forecast is marked low confidence.
pub const CONFIDENT_DAYS: usize = 14;

/// One forecast hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourForecast {
    pub hour: LocalHour,
    pub expected: f64,
}

#[derive(Debug, Clone)]
pub struct Forecast {
    /// Which model made it.
    pub model: String,
    /// `Some("low confidence: 9 days of history")` with fewer than 14 days.
    pub confidence_note: Option<String>,
    /// Days of history the fit saw (from the first covered day to the origin).
    pub history_days: usize,
    pub hours: Vec<HourForecast>,
}

impl Forecast {
    /// The model name with the confidence note, as printed for people and tools.
    pub fn label(&self) -> String {
        match &self.confidence_note {
            Some(note) => format!("{} ({note})", self.model),
            None => self.model.clone(),
        }
    }
}

/// Per-day facts the fit uses.
struct Day {
    date: Date,
    open: bool,
    total: f64,
    by_clock_hour: [f64; 24],
}

fn days_of(history: &HourlyCounts, calendar: &Calendar) -> Vec<Day> {
    let mut days = counted_days(history, calendar);
    close_empty_days_of_busy_weekdays(&mut days);
    days
}

fn counted_days(history: &HourlyCounts, calendar: &Calendar) -> Vec<Day> {
    (0..history.days())
        .map(|i| {
            let (hours, counts) = history.day(i);
            let mut by_clock_hour = [0.0; 24];
            for (h, n) in hours.iter().zip(counts) {
                by_clock_hour[clock(h.hour)] += n;
            }
            let date = hours.first().map(|h| h.date).unwrap_or(history.first());
            Day {
                date,
                open: !calendar.is_closed(date),
                total: counts.iter().sum(),
                by_clock_hour,
            }
        })
        .collect()
}

/// Marks closed each empty open day when the last [`WEEKS`] open days of its weekday have a
/// median of at least [`UNANNOUNCED_CLOSURE_MEDIAN`] contacts.
fn close_empty_days_of_busy_weekdays(days: &mut [Day]) {
    let empty_days_to_close: Vec<usize> = (0..days.len())
        .filter(|&i| days[i].open && days[i].total == 0.0)
        .filter(|&i| {
            let weekday = days[i].date.weekday();
            let mut same_weekday: Vec<f64> = days
                .iter()
                .filter(|d| d.open && d.date.weekday() == weekday)
                .map(|d| d.total)
                .collect();
            let start = same_weekday.len().saturating_sub(WEEKS);
            let window = &mut same_weekday[start..];
            window.sort_by(f64::total_cmp);
            median_of_sorted(window) >= UNANNOUNCED_CLOSURE_MEDIAN
        })
        .collect();
    for i in empty_days_to_close {
        days[i].open = false;
    }
}

fn median_of_sorted(values: &[f64]) -> f64 {
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn clock(hour: i8) -> usize {
    usize::try_from(hour).unwrap_or(0).min(23)
}

fn weekday_index(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)
}

/// Forecasts `days` local days from `history.end()`, fitted on `history`.
pub fn forecast(history: &HourlyCounts, calendar: &Calendar, days: u32) -> Forecast {
    let all = days_of(history, calendar);
    let span = all.len();
    let confidence_note =
        (span < CONFIDENT_DAYS).then(|| format!("low confidence: {span} days of history"));
    let open: Vec<&Day> = all.iter().filter(|d| d.open).collect();
    let (model, day_volume, share): (&str, DayVolume, Shares) = if span >= 7 && !open.is_empty() {
        let fit = Box::new(ProfileFit::new(&all));
        (
            PROFILE_MODEL,
            DayVolume::Profile(fit.clone()),
            Shares::Weekday(fit),
        )
    } else {
        let mean = if open.is_empty() {
            0.0
        } else {
            open.iter().map(|d| d.total).sum::<f64>() / open.len() as f64
        };
        (
            SHORT_MODEL,
            DayVolume::Flat(mean),
            Shares::Pooled(pooled_shares(&open, &[])),
        )
    };
    let tz = history.tz().clone();
    let mut hours = Vec::new();
    let mut date = history.end();
    for ahead in 1..=days {
        let closed = calendar.is_closed(date);
        let volume = if closed {
            0.0
        } else {
            day_volume.on(date, ahead)
        };
        for hour in day_hours(date, &tz) {
            let expected = volume * share.of(date.weekday(), hour.hour);
            hours.push(HourForecast { hour, expected });
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    Forecast {
        model: model.to_string(),
        confidence_note,
        history_days: span,
        hours,
    }
}

enum DayVolume {
    Flat(f64),
    Profile(Box<ProfileFit>),
}

impl DayVolume {
    fn on(&self, date: Date, ahead: u32) -> f64 {
        match self {
            DayVolume::Flat(mean) => *mean,
            DayVolume::Profile(fit) => {
                let damped: f64 = (1..=ahead).map(|i| PHI.powi(i as i32)).sum();
                let level = (fit.level + damped * fit.trend).max(0.0);
                level * fit.factor[weekday_index(date.weekday())]
            }
        }
    }
}

enum Shares {
    Pooled([f64; 24]),
    Weekday(Box<ProfileFit>),
}

impl Shares {
    fn of(&self, weekday: Weekday, hour: i8) -> f64 {
        match self {
            Shares::Pooled(s) => s[clock(hour)],
            Shares::Weekday(fit) => fit.shares[weekday_index(weekday)][clock(hour)],
        }
    }
}

/// The hour-of-day shape of `days` (weights per day in `weights`, 1 when absent).
fn pooled_shares(days: &[&Day], weights: &[f64]) -> [f64; 24] {
    let mut sums = [0.0; 24];
    let mut total = 0.0;
    for (i, d) in days.iter().enumerate() {
        let w = weights.get(i).copied().unwrap_or(1.0);
        for (s, n) in sums.iter_mut().zip(d.by_clock_hour) {
            *s += w * n;
        }
        total += w * d.total;
    }
    if total <= 0.0 {
        return [1.0 / 24.0; 24];
    }
    sums.map(|s| s / total)
}

#[derive(Clone)]
struct ProfileFit {
    /// Deseasonalised daily level and trend at the origin.
    level: f64,
    trend: f64,
    /// Weekday factors, Monday first, mean 1 over weekdays with data.
    factor: [f64; 7],
    /// Per weekday, the share of the day in each clock hour.
    shares: [[f64; 24]; 7],
}

impl ProfileFit {
    fn new(all: &[Day]) -> Self {
        // Recent weeks, most recent first, with their weights.
        let recent_len = all.len().min(WEEKS * 7);
        let recent: Vec<(&Day, f64)> = all[all.len() - recent_len..]
            .iter()
            .rev()
            .enumerate()
            .filter(|(_, d)| d.open)
            .map(|(i, d)| (d, WEEK_DECAY.powi((i / 7) as i32)))
            .collect();

        let mut sum = [0.0; 7];
        let mut weight = [0.0; 7];
        for (d, w) in &recent {
            let k = weekday_index(d.date.weekday());
            sum[k] += w * d.total;
            weight[k] += w;
        }
        let means: Vec<Option<f64>> = (0..7)
            .map(|k| (weight[k] > 0.0).then(|| sum[k] / weight[k]))
            .collect();
        let known: Vec<f64> = means.iter().flatten().copied().collect();
        let overall = known.iter().sum::<f64>() / known.len().max(1) as f64;
        let mut factor = [0.0; 7];
        for k in 0..7 {
            factor[k] = match means[k] {
                Some(m) if overall > 0.0 => m / overall,
                _ => 0.0,
            };
        }

        let recent_days: Vec<&Day> = recent.iter().map(|(d, _)| *d).collect();
        let recent_weights: Vec<f64> = recent.iter().map(|(_, w)| *w).collect();
        let pooled = pooled_shares(&recent_days, &recent_weights);
        let mut shares = [[0.0; 24]; 7];
        for (k, row) in shares.iter_mut().enumerate() {
            let (days, weights): (Vec<&Day>, Vec<f64>) = recent
                .iter()
                .filter(|(d, _)| weekday_index(d.date.weekday()) == k)
                .map(|(d, w)| (*d, *w))
                .unzip();
            let own = pooled_shares(&days, &weights);
            let volume: f64 = days.iter().zip(&weights).map(|(d, w)| w * d.total).sum();
            for h in 0..24 {
                row[h] = (volume * own[h] + SHAPE_PRIOR * pooled[h]) / (volume + SHAPE_PRIOR);
            }
        }

        // Holt's damped trend on deseasonalised open days, oldest first.
        let series: Vec<f64> = all
            .iter()
            .filter(|d| d.open)
            .filter_map(|d| {
                let f = factor[weekday_index(d.date.weekday())];
                (f > 0.0).then(|| d.total / f)
            })
            .collect();
        let warm = series.len().min(7);
        let mut level = series[..warm].iter().sum::<f64>() / warm.max(1) as f64;
        let mut trend = 0.0;
        for y in &series[warm..] {
            let previous = level;
            level = ALPHA * y + (1.0 - ALPHA) * (level + PHI * trend);
            trend = BETA * (level - previous) + (1.0 - BETA) * PHI * trend;
        }
        Self {
            level,
            trend,
            factor,
            shares,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    fn utc_history(days: i64, per_hour: f64) -> HourlyCounts {
        let end = date(2026, 6, 1);
        let first = end.checked_sub(jiff::Span::new().days(days)).expect("date");
        let mut h = HourlyCounts::new(TimeZone::UTC, first, end);
        let starts: Vec<_> = h.hours().iter().map(|x| x.start).collect();
        for s in starts {
            h.set(s, per_hour);
        }
        h
    }

    #[test]
    fn nine_days_of_history_are_low_confidence() {
        let f = forecast(&utc_history(9, 2.0), &Calendar::default(), 7);
        assert_eq!(
            f.confidence_note.as_deref(),
            Some("low confidence: 9 days of history")
        );
        assert_eq!(f.hours.len(), 7 * 24);
        // A flat history forecasts the same flat volume.
        for h in &f.hours {
            assert!((h.expected - 2.0).abs() < 1e-9, "{}", h.expected);
        }
    }

    #[test]
    fn short_history_uses_the_fallback_and_no_history_forecasts_zero() {
        let f = forecast(&utc_history(3, 1.0), &Calendar::default(), 1);
        assert_eq!(f.model, SHORT_MODEL);
        assert!((f.hours[5].expected - 1.0).abs() < 1e-9);
        let none = forecast(&utc_history(0, 0.0), &Calendar::default(), 2);
        assert_eq!(
            none.label(),
            format!("{SHORT_MODEL} (low confidence: 0 days of history)")
        );
        assert!(none.hours.iter().all(|h| h.expected == 0.0));
    }

    #[test]
    fn closed_dates_forecast_zero_and_are_not_fitted() {
        let mut calendar = Calendar::default();
        calendar.closed_dates.insert(date(2026, 6, 2));
        // Closed days in history hold no contacts; they must not pull the level down.
        calendar.closed_dates.insert(date(2026, 5, 20));
        let mut history = utc_history(28, 3.0);
        empty(&mut history, date(2026, 5, 20));
        let f = forecast(&history, &calendar, 3);
        assert_eq!(f.model, PROFILE_MODEL);
        assert_eq!(f.confidence_note, None);
        let day = |d| day_total(&f, d);
        assert_eq!(day(date(2026, 6, 2)), 0.0);
        assert!((day(date(2026, 6, 1)) - 72.0).abs() < 1e-6);
        assert!((day(date(2026, 6, 3)) - 72.0).abs() < 1e-6);
    }

    fn day_total(f: &Forecast, d: Date) -> f64 {
        f.hours
            .iter()
            .filter(|h| h.hour.date == d)
            .map(|h| h.expected)
            .sum()
    }

    fn empty(history: &mut HourlyCounts, day: Date) {
        let starts: Vec<_> = history
            .on(day)
            .expect("day")
            .0
            .iter()
            .map(|h| h.start)
            .collect();
        for s in starts {
            history.set(s, 0.0);
        }
    }

    #[test]
    fn an_empty_day_of_a_busy_weekday_is_an_unlisted_holiday_and_not_fitted() {
        // Four weeks of 72 contacts a day; Wednesday 2026-05-27 (a holiday nobody listed)
        // had none. Fitted as a day like others, it would pull next Wednesday down.
        let mut history = utc_history(28, 3.0);
        empty(&mut history, date(2026, 5, 27));
        let f = forecast(&history, &Calendar::default(), 7);
        assert!((day_total(&f, date(2026, 6, 3)) - 72.0).abs() < 1e-6);
        assert!((day_total(&f, date(2026, 6, 1)) - 72.0).abs() < 1e-6);
    }

    #[test]
    fn a_weekday_that_is_usually_empty_stays_a_day_without_contacts() {
        // Sundays are empty every week: they are forecast as empty, not as closures
        // whose volume is unknown.
        let mut history = utc_history(28, 3.0);
        for d in [
            date(2026, 5, 10),
            date(2026, 5, 17),
            date(2026, 5, 24),
            date(2026, 5, 31),
        ] {
            empty(&mut history, d);
        }
        let f = forecast(&history, &Calendar::default(), 7);
        assert_eq!(day_total(&f, date(2026, 6, 7)), 0.0);
        assert!((day_total(&f, date(2026, 6, 1)) - 72.0).abs() < 1e-6);
    }
}
