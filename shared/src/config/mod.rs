//! Configuration: one TOML file, environment overrides, secrets from the environment only.
//!
//! Both binaries read the same file. [`Settings::load`] layers three sources:
//! 1. the TOML file given with `--config` (or the built-in demo configuration),
//! 2. the `FRONTLINE_*` overrides listed in [`env::OVERRIDES`],
//! 3. secrets ([`Secrets`]), read from the environment and never from a file.
//!
//! An invalid value fails at start with an error naming its key, e.g.
//! ``invalid configuration at `sites[0].business_hours.open`: ...``.

mod attachments;
mod auth;
mod business_hours;
mod env;
mod planning;
mod privacy;
mod proxies;
mod secrets;
mod settings;
mod webhooks;

pub use attachments::AttachmentSettings;
pub use auth::{AuthSettings, OidcSettings};
pub use business_hours::{parse_hhmm, BusinessHours, Weekday};
pub use env::OVERRIDES;
pub use planning::{HandleTime, PlanningSettings, RotaEntry};
pub use privacy::PrivacySettings;
pub use proxies::{canonical as canonical_ip, IpNet};
pub use secrets::{Secret, Secrets};
pub use settings::{
    BotSettings, ChatPlatform, ConnectionLimits, DeliverySettings, DigestSettings, DiscordSettings,
    EmailSettings, Limits, MatcherSettings, RateLimits, RouteRule, RunEncoder, ServerSettings,
    Settings, SiteSettings, SlaSettings, SlackSettings,
};

pub use webhooks::WebhookSettings;

use std::path::PathBuf;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("configuration file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("invalid configuration at `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.to_string(),
        }
    }
}
