//! Business hours of a site: open days, opening and closing time, in the site's time zone.

use jiff::{civil, tz::TimeZone, Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

use super::ConfigError;

/// A day of the week as written in the configuration (`"mon"` … `"sun"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// Whether this is `day`.
    pub fn is(self, day: civil::Weekday) -> bool {
        self.matches(day)
    }

    fn matches(self, day: civil::Weekday) -> bool {
        let ours = match day {
            civil::Weekday::Monday => Weekday::Mon,
            civil::Weekday::Tuesday => Weekday::Tue,
            civil::Weekday::Wednesday => Weekday::Wed,
            civil::Weekday::Thursday => Weekday::Thu,
            civil::Weekday::Friday => Weekday::Fri,
            civil::Weekday::Saturday => Weekday::Sat,
            civil::Weekday::Sunday => Weekday::Sun,
        };
        ours == self
    }
}

/// The raw `[sites.business_hours]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursFile {
    pub time_zone: String,
    #[serde(default = "weekdays")]
    pub days: Vec<Weekday>,
    #[serde(default = "nine")]
    pub open: String,
    #[serde(default = "five_pm")]
    pub close: String,
}

fn weekdays() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}
fn nine() -> String {
    "09:00".into()
}
fn five_pm() -> String {
    "17:00".into()
}

/// Validated business hours; answers "open now?" and "when do we open next?".
#[derive(Debug, Clone)]
pub struct BusinessHours {
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    pub days: Vec<Weekday>,
    pub open: civil::Time,
    pub close: civil::Time,
}

impl BusinessHours {
    pub(crate) fn parse(raw: &BusinessHoursFile, key: &str) -> Result<Self, ConfigError> {
        let time_zone = TimeZone::get(&raw.time_zone)
            .map_err(|e| ConfigError::invalid(format!("{key}.time_zone"), e))?;
        let open =
            parse_hhmm(&raw.open).map_err(|e| ConfigError::invalid(format!("{key}.open"), e))?;
        let close =
            parse_hhmm(&raw.close).map_err(|e| ConfigError::invalid(format!("{key}.close"), e))?;
        if close <= open {
            return Err(ConfigError::invalid(
                format!("{key}.close"),
                "closing time must be after opening time",
            ));
        }
        Ok(BusinessHours {
            time_zone,
            time_zone_name: raw.time_zone.clone(),
            days: raw.days.clone(),
            open,
            close,
        })
    }

    /// Always open, in UTC: the default when a site configures nothing.
    pub fn always() -> Self {
        BusinessHours {
            time_zone: TimeZone::UTC,
            time_zone_name: "UTC".into(),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            open: civil::Time::MIN,
            close: civil::Time::MAX,
        }
    }

    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned_datetime(self.time_zone.clone());
        self.is_open_day(local.weekday()) && local.time() >= self.open && local.time() < self.close
    }

    pub fn is_open_day(&self, day: civil::Weekday) -> bool {
        self.days.iter().any(|d| d.matches(day))
    }

    /// The next opening instant at or after `at` (`at` itself when open now).
    pub fn next_open(&self, at: Timestamp) -> Option<ZonedDateTime> {
        let local = at.to_zoned_datetime(self.time_zone.clone());
        if self.is_open(at) {
            return Some(local);
        }
        let today = local.date();
        (0..8).find_map(|offset| {
            let date = today.checked_add(jiff::Span::new().days(offset)).ok()?;
            if !self.is_open_day(date.weekday()) {
                return None;
            }
            let opening = date
                .to_datetime(self.open)
                .to_zoned_datetime(self.time_zone.clone())
                .ok()?;
            (opening.timestamp() >= at).then_some(opening)
        })
    }
}

/// A local time of day written `HH:MM` (business hours, digest times).
pub fn parse_hhmm(text: &str) -> Result<civil::Time, String> {
    let (hour, minute) = text
        .split_once(':')
        .ok_or_else(|| format!("expected HH:MM, got {text:?}"))?;
    let hour: i8 = hour.parse().map_err(|_| format!("bad hour in {text:?}"))?;
    let minute: i8 = minute
        .parse()
        .map_err(|_| format!("bad minute in {text:?}"))?;
    civil::Time::new(hour, minute, 0, 0).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> BusinessHours {
        let raw = BusinessHoursFile {
            time_zone: "Europe/Berlin".into(),
            days: weekdays(),
            open: "09:00".into(),
            close: "17:00".into(),
        };
        BusinessHours::parse(&raw, "hours").expect("valid")
    }

    #[test]
    fn open_on_a_weekday_afternoon_in_local_time() {
        // 2026-11-26 is a Thursday; 13:00 UTC is 14:00 in Berlin.
        let at: Timestamp = "2026-11-26T13:00:00Z".parse().expect("ts");
        assert!(berlin().is_open(at));
        // 16:30 UTC is 17:30 in Berlin: closed.
        let late: Timestamp = "2026-11-26T16:30:00Z".parse().expect("ts");
        assert!(!berlin().is_open(late));
    }

    #[test]
    fn next_open_skips_the_weekend() {
        // Saturday 2026-11-28 noon UTC -> Monday 09:00 Berlin = 08:00 UTC.
        let at: Timestamp = "2026-11-28T12:00:00Z".parse().expect("ts");
        let next = berlin().next_open(at).expect("opens");
        assert_eq!(next.timestamp().to_string(), "2026-11-30T08:00:00Z");
    }

    #[test]
    fn bad_time_names_the_key() {
        let raw = BusinessHoursFile {
            time_zone: "Mars/Olympus".into(),
            days: weekdays(),
            open: "09:00".into(),
            close: "17:00".into(),
        };
        let err = BusinessHours::parse(&raw, "sites[0].business_hours").expect_err("invalid");
        assert!(
            err.to_string()
                .contains("sites[0].business_hours.time_zone"),
            "{err}"
        );
    }
}
