//! How good a forecast was: WAPE, and the seasonal-naive baseline it must beat.

use jiff::civil::Date;

use crate::hours::{day_hours, HourlyCounts};
use crate::model::HourForecast;

/// Weighted absolute percentage error: Σ|forecast − actual| / Σ actual. `None` when there
/// were no actual contacts (the ratio is undefined).
pub fn wape(forecast: &[f64], actual: &[f64]) -> Option<f64> {
    let total: f64 = actual.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let error: f64 = forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).abs())
        .sum();
    Some(error / total)
}

/// Seasonal naive: each hour of the `days` days from `history.end()` gets the count of the
/// same local clock hour one week earlier (two weeks for the second week, and so on). On
/// the day clocks fall back the repeated hour maps to the same occurrence a week earlier
/// when it exists, else to that clock hour's first occurrence.
pub fn seasonal_naive(history: &HourlyCounts, days: u32) -> Vec<HourForecast> {
    let tz = history.tz().clone();
    let mut out = Vec::new();
    let mut date = history.end();
    for _ in 0..days {
        let mut source = date;
        while source >= history.end() {
            match source.checked_sub(jiff::Span::new().days(7)) {
                Ok(s) => source = s,
                Err(_) => break,
            }
        }
        let past = history.on(source);
        let hours = day_hours(date, &tz);
        for (i, hour) in hours.iter().enumerate() {
            let occurrence = hours[..i].iter().filter(|h| h.hour == hour.hour).count();
            let expected = past
                .map(|(ph, pc)| {
                    let same: Vec<f64> = ph
                        .iter()
                        .zip(pc)
                        .filter(|(h, _)| h.hour == hour.hour)
                        .map(|(_, n)| *n)
                        .collect();
                    same.get(occurrence)
                        .or(same.first())
                        .copied()
                        .unwrap_or(0.0)
                })
                .unwrap_or(0.0);
            out.push(HourForecast {
                hour: *hour,
                expected,
            });
        }
        date = next_day(date);
    }
    out
}

fn next_day(date: Date) -> Date {
    date.tomorrow().unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wape_is_absolute_error_over_actual_volume() {
        assert_eq!(wape(&[10.0, 0.0, 5.0], &[8.0, 2.0, 5.0]), Some(4.0 / 15.0));
        assert_eq!(wape(&[1.0], &[0.0]), None);
    }
}
