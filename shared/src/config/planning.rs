//! `[planning]`: forecast and staffing inputs (see `frontline_planning`).
//!
//! ```toml
//! [planning]
//! service_level = 0.8          # share of contacts picked up within `answer_within`
//! answer_within = "2m"
//! handle_time = "auto"         # or a duration, e.g. "6m"
//! handle_time_cap = "1h"       # "auto": claim-to-resolve times are capped at this
//! concurrency = 1              # contacts one agent handles at once
//! shrinkage = 0.3              # share of paid time not available
//! closed_dates = ["2026-12-25"]
//!
//! [[planning.rota]]            # agents rostered; entries covering the same hour add up
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! from = "09:00"
//! to = "17:00"
//! agents = 3
//! ```

use jiff::civil::{Date, Time};
use jiff::SignedDuration;
use serde::{Deserialize, Deserializer};

use super::business_hours::{parse_hhmm, Weekday};
use super::ConfigError;

/// Where the average handle time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleTime {
    /// Measured: mean claim-to-resolve time of recent handoffs, each capped.
    Auto,
    Fixed(SignedDuration),
}

impl<'de> Deserialize<'de> for HandleTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim() == "auto" {
            return Ok(HandleTime::Auto);
        }
        text.trim()
            .parse::<SignedDuration>()
            .map(HandleTime::Fixed)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "expected \"auto\" or a duration such as \"6m\", got {text:?}"
                ))
            })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanningSettings {
    pub service_level: f64,
    pub answer_within: SignedDuration,
    pub handle_time: HandleTime,
    pub handle_time_cap: SignedDuration,
    pub concurrency: f64,
    pub shrinkage: f64,
    /// Holidays, `YYYY-MM-DD`: no agents planned, left out of the fit.
    #[serde(rename = "closed_dates")]
    pub closed_dates_raw: Vec<String>,
    #[serde(skip)]
    pub closed_dates: Vec<Date>,
    pub rota: Vec<RotaEntry>,
}

impl Default for PlanningSettings {
    fn default() -> Self {
        PlanningSettings {
            service_level: 0.8,
            answer_within: SignedDuration::from_mins(2),
            handle_time: HandleTime::Auto,
            handle_time_cap: SignedDuration::from_hours(1),
            concurrency: 1.0,
            shrinkage: 0.3,
            closed_dates_raw: Vec::new(),
            closed_dates: Vec::new(),
            rota: Vec::new(),
        }
    }
}

/// `[[planning.rota]]`: `agents` rostered on `days` for the hours starting in `[from, to)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotaEntry {
    pub days: Vec<Weekday>,
    pub from: String,
    pub to: String,
    pub agents: u32,
}

impl PlanningSettings {
    pub(crate) fn validate(&mut self) -> Result<(), ConfigError> {
        if !(self.service_level > 0.0 && self.service_level < 1.0) {
            return Err(ConfigError::invalid(
                "planning.service_level",
                "must be between 0 and 1, e.g. 0.8",
            ));
        }
        if self.answer_within.is_negative() {
            return Err(ConfigError::invalid(
                "planning.answer_within",
                "must not be negative",
            ));
        }
        if let HandleTime::Fixed(d) = self.handle_time {
            if d < SignedDuration::from_secs(1) {
                return Err(ConfigError::invalid(
                    "planning.handle_time",
                    "must be at least 1s",
                ));
            }
        }
        if self.handle_time_cap < SignedDuration::from_secs(1) {
            return Err(ConfigError::invalid(
                "planning.handle_time_cap",
                "must be at least 1s",
            ));
        }
        if !(self.concurrency >= 1.0 && self.concurrency.is_finite()) {
            return Err(ConfigError::invalid(
                "planning.concurrency",
                "must be at least 1",
            ));
        }
        if !(0.0..1.0).contains(&self.shrinkage) {
            return Err(ConfigError::invalid(
                "planning.shrinkage",
                "must be at least 0 and below 1",
            ));
        }
        self.closed_dates = self
            .closed_dates_raw
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                raw.parse::<Date>().map_err(|_| {
                    ConfigError::invalid(
                        format!("planning.closed_dates[{i}]"),
                        format!("expected YYYY-MM-DD, got {raw:?}"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        for (i, entry) in self.rota.iter().enumerate() {
            let key = format!("planning.rota[{i}]");
            let from = parse_hhmm(&entry.from)
                .map_err(|e| ConfigError::invalid(format!("{key}.from"), e))?;
            let to = parse_rota_end(&entry.to)
                .map_err(|e| ConfigError::invalid(format!("{key}.to"), e))?;
            if to <= from {
                return Err(ConfigError::invalid(
                    format!("{key}.to"),
                    "must be after `from`",
                ));
            }
        }
        Ok(())
    }

    /// Agents rostered in the hour starting at local clock `hour` on `weekday`; `None`
    /// without a rota.
    pub fn rostered(&self, weekday: jiff::civil::Weekday, hour: i8) -> Option<u32> {
        if self.rota.is_empty() {
            return None;
        }
        let start = Time::new(hour, 0, 0, 0).unwrap_or(Time::MIN);
        Some(
            self.rota
                .iter()
                .filter(|e| e.days.iter().any(|d| d.is(weekday)))
                .filter(|e| {
                    let from = parse_hhmm(&e.from).unwrap_or(Time::MAX);
                    let to = parse_rota_end(&e.to).unwrap_or(Time::MIN);
                    start >= from && start < to
                })
                .map(|e| e.agents)
                .sum(),
        )
    }
}

/// `HH:MM`, or `24:00` for the end of the day.
fn parse_rota_end(text: &str) -> Result<Time, String> {
    if text.trim() == "24:00" {
        return Ok(Time::MAX);
    }
    parse_hhmm(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PlanningSettings, String> {
        let mut s: PlanningSettings = toml::from_str(text).map_err(|e| e.to_string())?;
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let s = parse("").expect("valid");
        assert_eq!(s.service_level, 0.8);
        assert_eq!(s.answer_within, SignedDuration::from_mins(2));
        assert_eq!(s.handle_time, HandleTime::Auto);
        assert_eq!(s.concurrency, 1.0);
        assert_eq!(s.shrinkage, 0.3);
        assert_eq!(s.rostered(jiff::civil::Weekday::Monday, 9), None);
    }

    #[test]
    fn handle_time_rota_and_closed_dates_parse() {
        let s = parse(
            "handle_time = \"6m\"\nclosed_dates = [\"2026-12-25\"]\n\
             [[rota]]\ndays = [\"mon\"]\nfrom = \"09:00\"\nto = \"17:00\"\nagents = 2\n\
             [[rota]]\ndays = [\"mon\"]\nfrom = \"12:00\"\nto = \"24:00\"\nagents = 1\n",
        )
        .expect("valid");
        assert_eq!(
            s.handle_time,
            HandleTime::Fixed(SignedDuration::from_mins(6))
        );
        assert_eq!(s.closed_dates, vec![jiff::civil::date(2026, 12, 25)]);
        let monday = jiff::civil::Weekday::Monday;
        assert_eq!(s.rostered(monday, 8), Some(0));
        assert_eq!(s.rostered(monday, 9), Some(2));
        assert_eq!(s.rostered(monday, 12), Some(3));
        assert_eq!(s.rostered(monday, 23), Some(1));
        assert_eq!(s.rostered(jiff::civil::Weekday::Tuesday, 12), Some(0));
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = parse("closed_dates = [\"25.12.2026\"]").expect_err("bad date");
        assert!(err.contains("planning.closed_dates[0]"), "{err}");
        let err = parse("shrinkage = 1.0").expect_err("bad shrinkage");
        assert!(err.contains("planning.shrinkage"), "{err}");
        let err = parse("handle_time = \"soon\"").expect_err("bad handle time");
        assert!(err.contains("auto"), "{err}");
    }
}
