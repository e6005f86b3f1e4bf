//! Backtests on generated history: weekly and daily shape, a level shift, a trend and
//! Poisson noise, in time zones with DST changes inside the test weeks. The forecast is
//! fitted on the weeks before each origin and scored on the 7 days after it, which it has
//! not seen; it must beat seasonal naive (same hour one week earlier) by at least 10 %
//! WAPE. Expected values are the generated counts, not anything the model computes.

use frontline_planning::accuracy::{seasonal_naive, wape};
use frontline_planning::{forecast, Calendar, HourlyCounts};
use jiff::civil::{date, Date};
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A Poisson draw by Knuth's multiplication method, in chunks of λ ≤ 20 (a sum of
/// independent Poisson variables is Poisson with the summed rate).
fn poisson(rng: &mut StdRng, mut lambda: f64) -> f64 {
    let mut total = 0.0;
    while lambda > 0.0 {
        let part = lambda.min(20.0);
        lambda -= part;
        let limit = (-part).exp();
        let mut p: f64 = rng.random();
        while p > limit {
            total += 1.0;
            p *= rng.random::<f64>();
        }
    }
    total
}

struct Scenario {
    tz: &'static str,
    first: Date,
    weeks: i64,
    peak_per_hour: f64,
    /// (from this date on, multiply the level by this)
    shift: (Date, f64),
    /// Relative growth per week (a slow climb or fall).
    weekly_trend: f64,
    seed: u64,
}

fn rate(s: &Scenario, day: Date, clock_hour: i8) -> f64 {
    let weekday = [1.0, 1.1, 1.0, 0.95, 0.85, 0.3, 0.2]
        [usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0)];
    let h = f64::from(clock_hour) + 0.5;
    let bump = |centre: f64, width: f64| (-((h - centre) / width).powi(2) / 2.0).exp();
    let intraday = 0.04 + bump(10.5, 2.0) + 0.8 * bump(15.0, 2.5);
    let weeks_in = s.first.until(day).expect("span").get_days() as f64 / 7.0;
    let trend = (1.0 + s.weekly_trend).powf(weeks_in);
    let shift = if day >= s.shift.0 { s.shift.1 } else { 1.0 };
    s.peak_per_hour * weekday * intraday * trend * shift
}

fn generate(s: &Scenario) -> HourlyCounts {
    let tz = TimeZone::get(s.tz).expect("tz");
    let end = s
        .first
        .checked_add(jiff::Span::new().days(7 * s.weeks))
        .expect("end");
    let mut counts = HourlyCounts::new(tz, s.first, end);
    let mut rng = StdRng::seed_from_u64(s.seed);
    let hours: Vec<_> = counts.hours().to_vec();
    for h in hours {
        let n = poisson(&mut rng, rate(s, h.date, h.hour));
        counts.set(h.start, n);
    }
    counts
}

fn prefix(full: &HourlyCounts, end: Date) -> HourlyCounts {
    let mut h = HourlyCounts::new(full.tz().clone(), full.first(), end);
    for (hour, n) in full.hours().iter().zip(full.counts()) {
        h.set(hour.start, *n);
    }
    h
}

/// (model WAPE, seasonal-naive WAPE) over `test_weeks` weekly origins at the end.
fn backtest(s: &Scenario, test_weeks: i64) -> (f64, f64) {
    let full = generate(s);
    let (mut model, mut naive, mut actual) = (Vec::new(), Vec::new(), Vec::new());
    for k in (1..=test_weeks).rev() {
        let origin = full
            .end()
            .checked_sub(jiff::Span::new().days(7 * k))
            .expect("origin");
        let history = prefix(&full, origin);
        let f = forecast(&history, &Calendar::default(), 7);
        let n = seasonal_naive(&history, 7);
        assert_eq!(f.hours.len(), n.len());
        for (fh, nh) in f.hours.iter().zip(&n) {
            assert_eq!(fh.hour, nh.hour);
            let (hours, counts) = full.on(fh.hour.date).expect("actual day");
            let i = hours
                .iter()
                .position(|h| h.start == fh.hour.start)
                .expect("hour");
            model.push(fh.expected);
            naive.push(nh.expected);
            actual.push(counts[i]);
        }
    }
    let m = wape(&model, &actual).expect("volume");
    let b = wape(&naive, &actual).expect("volume");
    (m, b)
}

fn assert_beats_naive(name: &str, s: &Scenario, test_weeks: i64) {
    let (m, b) = backtest(s, test_weeks);
    let improvement = 1.0 - m / b;
    println!(
        "{name}: model WAPE {:.4}, seasonal naive WAPE {:.4}, improvement {:.1} %",
        m,
        b,
        improvement * 100.0
    );
    assert!(
        improvement >= 0.10,
        "{name}: only {:.1} % better",
        improvement * 100.0
    );
}

#[test]
fn beats_seasonal_naive_with_a_level_drop_across_spring_dst() {
    // Berlin springs forward on 2026-03-29; test weeks are 2026-03-09 .. 2026-04-20, the
    // level drops by a third from 2026-03-25.
    let s = Scenario {
        tz: "Europe/Berlin",
        first: date(2026, 1, 5),
        weeks: 15,
        peak_per_hour: 30.0,
        shift: (date(2026, 3, 25), 0.67),
        weekly_trend: 0.0,
        seed: 1,
    };
    assert_beats_naive("berlin spring, drop", &s, 6);
}

#[test]
fn beats_seasonal_naive_with_a_level_rise_and_trend_across_autumn_dst() {
    // New York falls back on 2026-11-01; small chat volumes, a climb of 2 % a week and a
    // jump of 50 % from 2026-10-21.
    let s = Scenario {
        tz: "America/New_York",
        first: date(2026, 7, 6),
        weeks: 20,
        peak_per_hour: 6.0,
        shift: (date(2026, 10, 21), 1.5),
        weekly_trend: 0.02,
        seed: 2,
    };
    assert_beats_naive("new york autumn, rise", &s, 6);
}

#[test]
fn beats_seasonal_naive_on_several_seeds() {
    for seed in 10..15 {
        let s = Scenario {
            tz: "Europe/London",
            first: date(2026, 8, 3),
            weeks: 14,
            peak_per_hour: 15.0,
            shift: (date(2026, 10, 14), 0.75),
            weekly_trend: -0.01,
            seed,
        };
        assert_beats_naive(&format!("london seed {seed}"), &s, 5);
    }
}

#[test]
fn dst_weeks_forecast_23_and_25_hour_days() {
    let s = Scenario {
        tz: "Europe/Berlin",
        first: date(2026, 2, 2),
        weeks: 8,
        peak_per_hour: 10.0,
        shift: (date(2027, 1, 1), 1.0),
        weekly_trend: 0.0,
        seed: 3,
    };
    let full = generate(&s);
    // Spring: the week of 2026-03-29 from origin 2026-03-23 (end of generated history).
    assert_eq!(full.end(), date(2026, 3, 30));
    let spring = forecast(&prefix(&full, date(2026, 3, 23)), &Calendar::default(), 7);
    let sunday: Vec<i8> = spring
        .hours
        .iter()
        .filter(|h| h.hour.date == date(2026, 3, 29))
        .map(|h| h.hour.hour)
        .collect();
    assert_eq!(sunday.len(), 23);
    assert!(!sunday.contains(&2));
    assert_eq!(spring.hours.len(), 7 * 24 - 1);
    // Autumn: history in summer time, forecast over 2026-10-25 (25 hours, 02:00 twice).
    let autumn_history = HourlyCounts::new(
        TimeZone::get("Europe/Berlin").expect("tz"),
        date(2026, 9, 21),
        date(2026, 10, 19),
    );
    let autumn = forecast(&autumn_history, &Calendar::default(), 7);
    assert_eq!(autumn.hours.len(), 7 * 24 + 1);
    let twos = autumn
        .hours
        .iter()
        .filter(|h| h.hour.date == date(2026, 10, 25) && h.hour.hour == 2)
        .count();
    assert_eq!(twos, 2);
}
