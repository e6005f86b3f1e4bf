//! The planning use case: for one site, the hourly forecast of each channel (fitted on the
//! store's history in the site's time zone), the agents needed for the configured service
//! level, the rota's predicted service level, and how past forecasts compared with what
//! happened. The admin API, the dashboard's Planning page and the digest all call [`plan`].
//!
//! Forecasts are stored when made (one per site, channel and local day; the first one
//! made for a day is kept), so accuracy is measured against what was really predicted.
//!
//! Staffing is for handoffs (the contacts agents handle); widget conversations are
//! forecast for volume only. Closed dates and the site's closed weekdays (business
//! hours) plan no agents: they are forecast as zero handoffs and left out of its fit.
//! The widget answers every day, so conversations are forecast for all days.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

use frontline_planning::accuracy::wape;
use frontline_planning::{Calendar, HourlyCounts, Staffing};

use crate::config::{HandleTime, PlanningSettings, SiteSettings};
use crate::site_id::SiteId;
use crate::stats::days;
use crate::store::forecasts::{Channel, StoredForecast};
use crate::store::{Store, StoreError};

/// History the forecast is fitted on (the model weighs the last 8 weeks; older days only
/// warm up the level).
const HISTORY_DAYS: i64 = 16 * 7;
/// Window of handoffs whose claim-to-resolve time gives the measured handle time.
const HANDLE_TIME_DAYS: i64 = 28;
/// Handle time used with `handle_time = "auto"` before any handoff was resolved.
pub const DEFAULT_HANDLE_SECONDS: f64 = 300.0;
/// Weeks of forecast against actual shown.
const ACCURACY_WEEKS: i64 = 4;

/// The inputs staffing used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inputs {
    pub handle_time_seconds: f64,
    /// `measured`, `configured` or `default` (auto, but nothing resolved yet).
    pub handle_time_source: String,
    /// Resolved handoffs the measured handle time is the mean of.
    pub handle_time_samples: usize,
    pub service_level: f64,
    pub answer_within_seconds: f64,
    pub concurrency: f64,
    pub shrinkage: f64,
}

/// One forecast hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanHour {
    /// Hour start, RFC 3339 with the local offset.
    pub start: String,
    /// Local day and clock hour, for grouping.
    pub day: String,
    pub hour: i8,
    pub expected: f64,
    /// Agents to roster (Erlang C, after concurrency and shrinkage); handoffs only.
    pub agents: Option<u32>,
    /// Agents on the rota, when `[[planning.rota]]` is configured; handoffs only.
    pub rostered: Option<u32>,
    /// Service level the rota is predicted to reach.
    pub predicted_service_level: Option<f64>,
    /// The rota has fewer agents than needed.
    pub short: bool,
}

/// One week of forecast against actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekAccuracy {
    /// First local day of the week, `YYYY-MM-DD`.
    pub week_start: String,
    /// Days of the week with a stored forecast (only those are compared).
    pub days_forecast: usize,
    pub forecast: f64,
    pub actual: f64,
    /// Hourly WAPE over those days; `None` with no actual contacts.
    pub wape: Option<f64>,
}

/// A day's forecast against actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayAccuracy {
    pub day: String,
    pub forecast: f64,
    pub actual: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelPlan {
    pub channel: Channel,
    pub model: String,
    /// "low confidence: N days of history" with fewer than 14 days.
    pub confidence_note: Option<String>,
    pub history_days: usize,
    pub hours: Vec<PlanHour>,
    /// The last four weeks, oldest first.
    pub accuracy: Vec<WeekAccuracy>,
    /// The last 28 days that had a stored forecast, oldest first.
    pub daily: Vec<DayAccuracy>,
}

/// Everything planning shows for one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub site: SiteId,
    pub time_zone: String,
    /// First forecast day (today, local), `YYYY-MM-DD`.
    pub from: String,
    pub days: u32,
    pub inputs: Inputs,
    pub channels: Vec<ChannelPlan>,
}

impl Plan {
    pub fn channel(&self, channel: Channel) -> Option<&ChannelPlan> {
        self.channels.iter().find(|c| c.channel == channel)
    }
}

/// Plans `days` local days from today for `site`, storing the forecasts it makes.
pub async fn plan(
    store: &Store,
    settings: &PlanningSettings,
    site: &SiteSettings,
    days: u32,
    now_ms: i64,
) -> Result<Plan, StoreError> {
    let tz = site.business_hours.time_zone.clone();
    let today = days::date_of(now_ms, &tz);
    let inputs = inputs(store, settings, &site.id, now_ms).await?;
    let staffing = Staffing {
        aht_seconds: inputs.handle_time_seconds,
        answer_within_seconds: inputs.answer_within_seconds,
        service_level: inputs.service_level,
        concurrency: inputs.concurrency,
        shrinkage: inputs.shrinkage,
    };
    let mut channels = Vec::new();
    let histories = histories(store, &site.id, &tz, today).await?;
    for (channel, history) in Channel::ALL.into_iter().zip(histories) {
        let calendar = calendar(settings, site, channel);
        let made = frontline_planning::forecast(&history, &calendar, days);
        store_forecasts(store, site, channel, &made, now_ms).await?;
        let hours = made
            .hours
            .iter()
            .map(|h| {
                let staffed = channel == Channel::Handoffs;
                let agents = staffed.then(|| staffing.agents(h.expected));
                let rostered = staffed
                    .then(|| settings.rostered(h.hour.date.weekday(), h.hour.hour))
                    .flatten();
                let predicted_service_level =
                    rostered.map(|r| staffing.predicted_service_level(r, h.expected));
                PlanHour {
                    start: h.hour.rfc3339(&tz),
                    day: h.hour.date.to_string(),
                    hour: h.hour.hour,
                    expected: h.expected,
                    agents,
                    rostered,
                    predicted_service_level,
                    short: matches!((rostered, agents), (Some(r), Some(a)) if r < a),
                }
            })
            .collect();
        let (accuracy, daily) = accuracy(store, &site.id, channel, &history, today).await?;
        channels.push(ChannelPlan {
            channel,
            model: made.model.clone(),
            confidence_note: made.confidence_note.clone(),
            history_days: made.history_days,
            hours,
            accuracy,
            daily,
        });
    }
    Ok(Plan {
        site: site.id.clone(),
        time_zone: site.business_hours.time_zone_name.clone(),
        from: today.to_string(),
        days,
        inputs,
        channels,
    })
}

fn calendar(settings: &PlanningSettings, site: &SiteSettings, channel: Channel) -> Calendar {
    if channel == Channel::Conversations {
        return Calendar::default();
    }
    use jiff::civil::Weekday::*;
    Calendar {
        closed_dates: settings.closed_dates.iter().copied().collect(),
        closed_weekdays: [
            Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
        ]
        .into_iter()
        .filter(|d| !site.business_hours.is_open_day(*d))
        .collect(),
    }
}

/// Hourly arrivals of each channel ([`Channel::ALL`] order) over the complete local
/// days before `today` (at most [`HISTORY_DAYS`]), starting with the day of the channel's
/// first arrival. Conversations and handoffs are read in one pass over the hourly sums of
/// the rollups when every local hour of the range starts on the same minute of the UTC
/// hour (every zone whose offsets are whole hours, or always :30 or :45); otherwise per
/// 15-minute bucket. Mail contacts are counted from their rows per bucket.
async fn histories(
    store: &Store,
    site: &SiteId,
    tz: &TimeZone,
    today: Date,
) -> Result<Vec<HourlyCounts>, StoreError> {
    let oldest = today
        .checked_sub(jiff::Span::new().days(HISTORY_DAYS))
        .unwrap_or(today);
    let (oldest_ms, _) = days::bounds(oldest, tz);
    let mut counts = Vec::new();
    for channel in Channel::ALL {
        let first = match store.first_arrival(site, channel, oldest_ms).await? {
            Some(ms) => days::date_of(ms, tz).max(oldest).min(today),
            None => today,
        };
        counts.push(HourlyCounts::new(tz.clone(), first, today));
    }
    let Some(first) = counts.iter().map(HourlyCounts::first).min() else {
        return Ok(counts);
    };
    let (from_ms, _) = days::bounds(first, tz);
    let (to_ms, _) = days::bounds(today, tz);
    let hourly = !store.reads_raw_rows()
        && counts.iter().all(|c| {
            c.hours()
                .iter()
                .all(|h| (h.start.as_millisecond() - from_ms).rem_euclid(3_600_000) == 0)
        });
    let add = |counts: &mut HourlyCounts, start_ms: i64, n: i64| {
        if let Ok(at) = Timestamp::from_millisecond(start_ms) {
            counts.add(at, n as f64);
        }
    };
    if hourly {
        for (start_ms, conversations, handoffs) in
            store.arrival_hours(site, from_ms, to_ms, from_ms).await?
        {
            add(&mut counts[0], start_ms, conversations);
            add(&mut counts[1], start_ms, handoffs);
        }
    }
    // The channels the hourly sums did not cover (all of them without them).
    let covered = if hourly { 2 } else { 0 };
    for (channel, counts) in Channel::ALL
        .into_iter()
        .zip(counts.iter_mut())
        .skip(covered)
    {
        let (from_ms, _) = days::bounds(counts.first(), tz);
        for (start_ms, n) in store.arrival_buckets(site, channel, from_ms, to_ms).await? {
            add(counts, start_ms, n);
        }
    }
    Ok(counts)
}

async fn store_forecasts(
    store: &Store,
    site: &SiteSettings,
    channel: Channel,
    made: &frontline_planning::Forecast,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut by_day: Vec<(Date, Vec<(i64, f64)>)> = Vec::new();
    for h in &made.hours {
        let entry = (h.hour.start.as_millisecond(), h.expected);
        match by_day.last_mut() {
            Some((day, hours)) if *day == h.hour.date => hours.push(entry),
            _ => by_day.push((h.hour.date, vec![entry])),
        }
    }
    for (day, hours) in by_day {
        let total = hours.iter().map(|(_, e)| e).sum();
        store
            .save_forecast(&StoredForecast {
                site_id: site.id.clone(),
                channel,
                day: day.to_string(),
                time_zone: site.business_hours.time_zone_name.clone(),
                model: made.label(),
                hours,
                total,
                made_at_ms: now_ms,
            })
            .await?;
    }
    Ok(())
}

async fn inputs(
    store: &Store,
    settings: &PlanningSettings,
    site: &SiteId,
    now_ms: i64,
) -> Result<Inputs, StoreError> {
    let (seconds, source, samples) = match settings.handle_time {
        HandleTime::Fixed(d) => (d.as_secs_f64(), "configured", 0),
        HandleTime::Auto => {
            let cap_ms = settings.handle_time_cap.as_millis() as i64;
            let from = now_ms - HANDLE_TIME_DAYS * 86_400_000;
            let (count, total_ms) = store.handle_times(site, from, now_ms, cap_ms).await?;
            if count == 0 {
                (DEFAULT_HANDLE_SECONDS, "default", 0)
            } else {
                let mean_ms = total_ms as f64 / count as f64;
                (
                    (mean_ms / 1000.0).max(1.0),
                    "measured",
                    usize::try_from(count).unwrap_or(0),
                )
            }
        }
    };
    Ok(Inputs {
        handle_time_seconds: seconds,
        handle_time_source: source.to_string(),
        handle_time_samples: samples,
        service_level: settings.service_level,
        answer_within_seconds: settings.answer_within.as_secs_f64(),
        concurrency: settings.concurrency,
        shrinkage: settings.shrinkage,
    })
}

/// The last [`ACCURACY_WEEKS`] weeks before `today`: stored forecasts against `history`.
async fn accuracy(
    store: &Store,
    site: &SiteId,
    channel: Channel,
    history: &HourlyCounts,
    today: Date,
) -> Result<(Vec<WeekAccuracy>, Vec<DayAccuracy>), StoreError> {
    let first = today
        .checked_sub(jiff::Span::new().days(ACCURACY_WEEKS * 7))
        .unwrap_or(today);
    let last = today.yesterday().unwrap_or(today);
    let stored = store
        .stored_forecasts(site, channel, &first.to_string(), &last.to_string())
        .await?;
    let actual_at = |start_ms: i64| -> f64 {
        let Ok(at) = Timestamp::from_millisecond(start_ms) else {
            return 0.0;
        };
        let hours = history.hours();
        let i = hours.partition_point(|h| h.start < at);
        match hours.get(i) {
            Some(h) if h.start == at => history.counts()[i],
            _ => 0.0,
        }
    };
    let mut weeks = Vec::new();
    let mut daily = Vec::new();
    for k in 0..ACCURACY_WEEKS {
        let start = first
            .checked_add(jiff::Span::new().days(k * 7))
            .unwrap_or(first);
        let end = start
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(start);
        let (mut f, mut a) = (Vec::new(), Vec::new());
        let mut days_forecast = 0;
        for s in stored
            .iter()
            .filter(|s| s.day.parse::<Date>().is_ok_and(|d| d >= start && d < end))
        {
            days_forecast += 1;
            let (mut day_f, mut day_a) = (0.0, 0.0);
            for (start_ms, expected) in &s.hours {
                let actual = actual_at(*start_ms);
                f.push(*expected);
                a.push(actual);
                day_f += expected;
                day_a += actual;
            }
            daily.push(DayAccuracy {
                day: s.day.clone(),
                forecast: day_f,
                actual: day_a,
            });
        }
        weeks.push(WeekAccuracy {
            week_start: start.to_string(),
            days_forecast,
            forecast: f.iter().sum(),
            actual: a.iter().sum(),
            wape: wape(&f, &a),
        });
    }
    Ok((weeks, daily))
}

/// What the daily digest says about planning for one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestLines {
    pub site_id: SiteId,
    /// "Tomorrow: ~N contacts, peak HH:00 (~M agents needed at peak)".
    pub tomorrow: String,
    /// "Yesterday: forecast X, actual Y (error Z %)"; `None` when no forecast was stored.
    pub yesterday: Option<String>,
    /// Set when the rota has fewer agents than needed in any hour tomorrow.
    pub rota_warning: Option<String>,
    /// "low confidence: N days of history" while history is short.
    pub confidence_note: Option<String>,
    /// Tomorrow's expected widget conversations.
    pub tomorrow_contacts: f64,
    /// Local clock hour with the most expected conversations tomorrow.
    pub peak_hour: Option<i8>,
    /// Most agents needed in any hour tomorrow (handoffs).
    pub peak_agents: u32,
    pub yesterday_forecast: Option<f64>,
    pub yesterday_actual: Option<f64>,
    /// Local days (`YYYY-MM-DD`) and stored forecast totals of the 14 days ending
    /// yesterday, for the digest chart.
    pub forecast_series: Vec<DayAccuracy>,
}

/// Most short hours a rota warning lists.
const SHORT_HOURS_LISTED: usize = 6;

/// The digest's planning lines for `site`, posted at `now_ms`: tomorrow and yesterday are
/// relative to the site's local day at `now_ms`. Makes (and stores) today's plan.
pub async fn digest_lines(
    store: &Store,
    settings: &PlanningSettings,
    site: &SiteSettings,
    now_ms: i64,
) -> Result<DigestLines, StoreError> {
    let plan = plan(store, settings, site, 2, now_ms).await?;
    let today: Date = plan.from.parse().unwrap_or(Date::MIN);
    let tomorrow = today.tomorrow().unwrap_or(today).to_string();
    let yesterday = today.yesterday().unwrap_or(today).to_string();
    let empty = ChannelPlan {
        channel: Channel::Conversations,
        model: String::new(),
        confidence_note: None,
        history_days: 0,
        hours: Vec::new(),
        accuracy: Vec::new(),
        daily: Vec::new(),
    };
    let conversations = plan.channel(Channel::Conversations).unwrap_or(&empty);
    let handoffs = plan.channel(Channel::Handoffs).unwrap_or(&empty);
    let tomorrow_hours: Vec<&PlanHour> = conversations
        .hours
        .iter()
        .filter(|h| h.day == tomorrow)
        .collect();
    let total: f64 = tomorrow_hours.iter().map(|h| h.expected).sum();
    let peak = tomorrow_hours
        .iter()
        .fold(None::<&&PlanHour>, |best, h| match best {
            Some(b) if b.expected >= h.expected => Some(b),
            _ => Some(h),
        })
        .filter(|h| h.expected > 0.0);
    let staffed: Vec<&PlanHour> = handoffs
        .hours
        .iter()
        .filter(|h| h.day == tomorrow)
        .collect();
    let peak_agents = staffed.iter().filter_map(|h| h.agents).max().unwrap_or(0);
    let tomorrow_line = match peak {
        Some(p) => format!(
            "Tomorrow: ~{} contacts, peak {:02}:00 (~{peak_agents} agents needed at peak)",
            total.round() as i64,
            p.hour
        ),
        None => format!("Tomorrow: ~{} contacts", total.round() as i64),
    };
    // Yesterday against its stored forecast (made before it began).
    let first_series_day = today
        .checked_sub(jiff::Span::new().days(14))
        .unwrap_or(today)
        .to_string();
    let forecast_series: Vec<DayAccuracy> = conversations
        .daily
        .iter()
        .filter(|d| d.day >= first_series_day)
        .cloned()
        .collect();
    let past = conversations.daily.iter().find(|d| d.day == yesterday);
    let yesterday_line = past.map(|d| {
        let error = if d.actual > 0.0 {
            format!("{:.0} %", (d.forecast - d.actual).abs() / d.actual * 100.0)
        } else {
            "n/a".to_string()
        };
        format!(
            "Yesterday: forecast {}, actual {} (error {error})",
            d.forecast.round() as i64,
            d.actual.round() as i64
        )
    });
    let short: Vec<&&PlanHour> = staffed.iter().filter(|h| h.short).collect();
    let rota_warning = (!short.is_empty()).then(|| {
        let listed: Vec<String> = short
            .iter()
            .take(SHORT_HOURS_LISTED)
            .map(|h| {
                format!(
                    "{:02}:00 (need {}, rostered {})",
                    h.hour,
                    h.agents.unwrap_or(0),
                    h.rostered.unwrap_or(0)
                )
            })
            .collect();
        let more = short.len().saturating_sub(SHORT_HOURS_LISTED);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "Rota falls short tomorrow in {} hour{}: {}{tail}",
            short.len(),
            if short.len() == 1 { "" } else { "s" },
            listed.join(", ")
        )
    });
    Ok(DigestLines {
        site_id: plan.site.clone(),
        tomorrow: tomorrow_line,
        yesterday: yesterday_line,
        rota_warning,
        confidence_note: conversations.confidence_note.clone(),
        tomorrow_contacts: total,
        peak_hour: peak.map(|p| p.hour),
        peak_agents,
        yesterday_forecast: past.map(|d| d.forecast),
        yesterday_actual: past.map(|d| d.actual),
        forecast_series,
    })
}
