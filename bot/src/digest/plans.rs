//! Configured digests (`[[bot.digests]]`), parsed once, and the [`DigestJob`]s they
//! produce: the scheduled digest of a day, or today-so-far on demand.

use frontline_shared::config::{parse_hhmm, ChatPlatform, DigestSettings};
use frontline_shared::store::digests::DigestJob;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// One configured digest with its time zone and time of day resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    pub settings: DigestSettings,
    pub tz: TimeZone,
    pub time: Time,
}

/// All configured digests.
#[derive(Debug, Clone, Default)]
pub struct DigestPlans {
    plans: Vec<Plan>,
}

impl DigestPlans {
    /// Resolves `[[bot.digests]]` (already validated when the configuration was loaded;
    /// an entry that still does not resolve is skipped with a warning).
    pub fn new(digests: &[DigestSettings]) -> Self {
        let plans = digests
            .iter()
            .filter_map(|settings| {
                let tz = TimeZone::get(&settings.time_zone).ok()?;
                let time = parse_hhmm(&settings.time).ok()?;
                Some(Plan {
                    settings: settings.clone(),
                    tz,
                    time,
                })
            })
            .collect::<Vec<_>>();
        if plans.len() != digests.len() {
            tracing::warn!(
                "some [[bot.digests]] entries have an unusable time or time zone; skipped"
            );
        }
        DigestPlans { plans }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Plan> {
        self.plans.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// Today so far, asked for in `channel` on `platform` (`request_id` makes it unique:
    /// Slack's trigger id, Discord's interaction id). Uses the time zone and sites of the
    /// digest configured for that channel, else of the platform's first digest, else UTC
    /// and every site.
    pub fn on_demand(
        &self,
        platform: ChatPlatform,
        channel: &str,
        request_id: &str,
        now: Timestamp,
    ) -> DigestJob {
        let same_platform = |p: &&Plan| p.settings.platform == platform;
        let plan = self
            .plans
            .iter()
            .filter(same_platform)
            .find(|p| p.settings.channel == channel)
            .or_else(|| self.plans.iter().find(same_platform));
        let (time_zone, sites) = match plan {
            Some(p) => (p.settings.time_zone.clone(), p.settings.sites.clone()),
            None => ("UTC".to_string(), Vec::new()),
        };
        let tz = TimeZone::get(&time_zone).unwrap_or(TimeZone::UTC);
        DigestJob {
            key: format!("on-demand:{}:{channel}:{request_id}", platform.as_str()),
            platform,
            channel: channel.to_string(),
            day: now.to_zoned_datetime(tz).date().to_string(),
            time_zone,
            sites,
            late: false,
            on_demand: true,
        }
    }
}

impl Plan {
    /// The digest due at `now` (the latest scheduled run and the day it reports), marked
    /// late when its time passed more than `grace_ms` ago.
    pub fn due(&self, now: Timestamp, grace_ms: i64) -> Option<DigestJob> {
        let (at, day) = frontline_shared::stats::schedule::latest_run(now, self.time, &self.tz)?;
        let settings = &self.settings;
        let day = day.to_string();
        Some(DigestJob {
            key: DigestJob::scheduled_key(settings.platform, &settings.channel, &day),
            platform: settings.platform,
            channel: settings.channel.clone(),
            day,
            time_zone: settings.time_zone.clone(),
            sites: settings.sites.clone(),
            late: now.as_millisecond() - at.as_millisecond() > grace_ms,
            on_demand: false,
        })
    }

    /// The next scheduled run after `now`.
    pub fn next_run(&self, now: Timestamp) -> Option<Timestamp> {
        frontline_shared::stats::schedule::next_run(now, self.time, &self.tz)
    }
}
