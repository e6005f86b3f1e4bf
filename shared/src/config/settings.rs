//! The settings tree, its defaults, and loading with validation.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use serde::Deserialize;

use super::business_hours::{BusinessHours, BusinessHoursFile};
use super::{env, ConfigError, Secrets};
use crate::escalation::Priority;

/// Everything both binaries are configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://path?mode=rwc` (embedded default) or `postgres://…`.
    #[serde(default = "default_database_url")]
    pub database_url: String,
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub bot: BotSettings,
    #[serde(default)]
    pub matcher: MatcherSettings,
    #[serde(default)]
    pub sites: Vec<SiteSettings>,
    /// `[planning]`: forecast and staffing inputs.
    #[serde(default)]
    pub planning: super::PlanningSettings,
    /// `[email]`: absent, Frontline sends and takes no mail and the widget promises none.
    #[serde(default)]
    pub email: Option<EmailSettings>,
    /// `[privacy]`: redaction and retention.
    #[serde(default)]
    pub privacy: super::PrivacySettings,
    /// `[attachments]`: size and count limits of files customers send.
    #[serde(default)]
    pub attachments: super::AttachmentSettings,
    /// `[[webhooks]]`: endpoints that receive signed events.
    #[serde(default)]
    pub webhooks: Vec<super::WebhookSettings>,
    /// `[auth]`: single sign-on (`[auth.oidc]`).
    #[serde(default)]
    pub auth: super::AuthSettings,
    /// Read from the environment by [`Settings::load`], never from the file.
    #[serde(skip)]
    pub secrets: Secrets,
}

/// `[server]`: the widget server's listener and guards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Public base URL used in links (defaults to `http://{listen}`).
    pub public_url: Option<String>,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    /// Load balancers and reverse proxies in front of this server (IPs or CIDR networks).
    /// Only when the connecting peer is one of them is `X-Forwarded-For` read, and then
    /// the client is its right-most address that is not a trusted proxy. Empty (the
    /// default): the peer address is the client, whatever the header says.
    pub trusted_proxies: Vec<super::IpNet>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            limits: Limits::default(),
            rate_limits: RateLimits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

impl ServerSettings {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }
}

/// `[server.limits]`: size limits on what a customer can send, how long a connection may
/// take, how many connections and live streams one client may hold. The connection limits
/// apply to the bot's listener too.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    pub body_bytes: usize,
    /// Longest question or message, in characters.
    pub text_chars: usize,
    /// Most customer fields (`customer: {…}`) accepted, each value up to 500 characters.
    pub customer_fields: usize,
    /// Time a client has to send a request's headers, counted from the connection's
    /// start or from the first byte after an idle pause.
    pub header_timeout: SignedDuration,
    /// Time a client has to send a request's whole body, counted from its headers.
    pub body_timeout: SignedDuration,
    /// An open connection with no request in flight is closed after this long (a live
    /// event stream is a request in flight, so it is never idle).
    pub idle_timeout: SignedDuration,
    /// Connections open at once per listener; more are answered `503` and closed.
    pub max_connections: usize,
    /// Connections open at once from one client IP; more are answered `503` and closed.
    /// `0` turns the per-IP cap off (e.g. behind a proxy whose address every client shares).
    pub max_connections_per_ip: usize,
    /// Live event streams per conversation; a new one replaces the oldest.
    pub streams_per_conversation: usize,
    /// Live event streams per client IP; more are refused with `429`.
    pub streams_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 16 * 1024,
            text_chars: 2_000,
            customer_fields: 30,
            header_timeout: SignedDuration::from_secs(10),
            body_timeout: SignedDuration::from_secs(30),
            idle_timeout: SignedDuration::from_secs(60),
            max_connections: 4_096,
            max_connections_per_ip: 64,
            streams_per_conversation: 3,
            streams_per_ip: 20,
        }
    }
}

impl Limits {
    /// The listener's share of the limits: timeouts and connection caps.
    pub fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: self.header_timeout.unsigned_abs(),
            body_timeout: self.body_timeout.unsigned_abs(),
            idle_timeout: self.idle_timeout.unsigned_abs(),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
        }
    }
}

/// Timeouts and caps of one listener (validated positive, see [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    pub idle_timeout: std::time::Duration,
    pub max_connections: usize,
    /// `0`: no per-IP cap.
    pub max_connections_per_ip: usize,
}

/// `[server.rate_limits]`: per client IP and per site (token buckets, per replica).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub per_ip_per_minute: u32,
    pub per_ip_burst: u32,
    pub per_site_per_second: u32,
    pub per_site_burst: u32,
    /// Wrong admin tokens (sign-in form, bearer token, metrics token) a client IP may
    /// send per minute once its burst is spent; further attempts get `429` until a
    /// token refills. Only failures count: a right token is never slowed.
    pub auth_failures_per_minute: u32,
    pub auth_failure_burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_ip_per_minute: 120,
            per_ip_burst: 40,
            per_site_per_second: 500,
            per_site_burst: 1_000,
            auth_failures_per_minute: 6,
            auth_failure_burst: 10,
        }
    }
}

/// `[email]`: mail to customers through an SMTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `smtp://host:port` (plain, e.g. a local relay), `smtp://user@host:587?tls=required`
    /// (STARTTLS) or `smtps://user@host:465`. The password comes only from
    /// `FRONTLINE_SMTP_PASSWORD`. Override: `FRONTLINE_SMTP_URL`.
    pub smtp_url: String,
    /// The sender, e.g. `Acme Support <support@acme.example>`.
    pub from: String,
    /// Replies go to `reply+<token>@{reply_domain}`, whose mail must reach
    /// `POST /api/v1/inbound/email`; Message-IDs are made in this domain too.
    pub reply_domain: String,
    /// An agent's reply is mailed when the customer has had no live stream open for this
    /// long (default 2 minutes).
    #[serde(default = "two_minutes")]
    pub away_after: SignedDuration,
    /// An SMTP conversation taking longer is abandoned and retried.
    #[serde(default = "twenty_seconds")]
    pub timeout: SignedDuration,
    /// Largest raw mail `POST /api/v1/inbound/email` accepts, in bytes (default 1 MiB).
    #[serde(default = "one_mebibyte")]
    pub inbound_max_bytes: usize,
}

fn one_mebibyte() -> usize {
    1024 * 1024
}

fn two_minutes() -> SignedDuration {
    SignedDuration::from_mins(2)
}
fn twenty_seconds() -> SignedDuration {
    SignedDuration::from_secs(20)
}

/// `[matcher]`: decision thresholds; unset values keep the defaults tuned on validation data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatcherSettings {
    /// Minimum calibrated confidence to answer at once (for questions in every language;
    /// unset, the encoder's defaults differ for questions in other languages than the
    /// intents' examples).
    pub answer_threshold: Option<f32>,
    /// Minimum confidence for a candidate to be offered as a suggestion (every language,
    /// as above; setting one of the two leaves the other's defaults per language).
    pub suggest_threshold: Option<f32>,
    /// Extra phrases that mean "let me talk to a person" (normalized and compared without
    /// accents).
    pub human_phrases: Vec<String>,
    /// The sentence encoder beside the lexical classifier: `"none"` (lexical only, the
    /// smallest footprint) or a shipped model, `"multilingual-e5-small"`. Unset: the
    /// matcher's default (`frontline_matcher::encoder::DEFAULT_SETTING`).
    pub encoder: Option<String>,
    /// Folder where sentence embeddings of intent examples and knowledge articles are kept
    /// between starts and reloads (keyed by content hash and model), relative to the
    /// configuration file's folder. Unset in the file: [`DEFAULT_EMBEDDING_CACHE`] there;
    /// [`EMBEDDING_CACHE_OFF`]: none, everything embedded at every load. After
    /// [`Settings::parse`], `None` means off.
    pub embedding_cache: Option<PathBuf>,
    /// With more knowledge articles than this to embed at a load (not in the embedding
    /// cache: a large help centre's first start), the site serves at once and embeds them
    /// in the background, related articles from BM25 alone meanwhile. Unset: the
    /// matcher's default (`frontline_matcher::live::EMBED_IN_BACKGROUND_ABOVE`, 1,000).
    pub embed_in_background_above: Option<usize>,
    /// When the sentence encoder runs, for every site: `"when_unsure"` (the default:
    /// skipped when the lexical side is sure, on about three questions in four) or
    /// `"always"` (every question: 95.45 % in-scope accuracy on CLINC150 validation and
    /// our translations against 95.13 %, for an encoding of every new question).
    pub run_encoder: RunEncoder,
}

/// The embedding cache's folder when `[matcher] embedding_cache` is not set, beside the
/// configuration file: a second start of a large help centre then embeds only what
/// changed.
pub const DEFAULT_EMBEDDING_CACHE: &str = "embeddings";
/// `[matcher] embedding_cache` (or `FRONTLINE_EMBEDDING_CACHE`) that turns the cache off.
pub const EMBEDDING_CACHE_OFF: &str = "none";

/// `[matcher] run_encoder`: when a question is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEncoder {
    /// Only when the lexical classifier is unsure, or the question is in another
    /// language than the intents' examples.
    #[default]
    WhenUnsure,
    /// On every question.
    Always,
}

/// `[[sites]]`: one storefront served by this installation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    /// Checked when the file is read: 1–64 characters of `a-z`, `0-9`, `-` and `_`.
    pub id: crate::site_id::SiteId,
    #[serde(default)]
    pub name: String,
    /// Storefront origins allowed by CORS, e.g. `https://shop.example.com`.
    #[serde(default)]
    pub origins: Vec<String>,
    pub knowledge_dir: PathBuf,
    pub intents_file: PathBuf,
    #[serde(default = "default_locale")]
    pub locale: String,
    #[serde(default)]
    pub routing_tags: Vec<String>,
    /// The support addresses whose mail (with no reply token) opens escalations on this
    /// site, e.g. `["support@northwind.example"]`; lowercased at load, each on one site.
    #[serde(default)]
    pub inbound_addresses: Vec<String>,
    #[serde(default, rename = "business_hours")]
    pub business_hours_file: Option<BusinessHoursFile>,
    /// Validated from `business_hours` at load.
    #[serde(skip, default = "BusinessHours::always")]
    pub business_hours: BusinessHours,
}

/// Which chat platform a route, digest or message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatPlatform {
    Slack,
    Discord,
}

impl ChatPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatPlatform::Slack => "slack",
            ChatPlatform::Discord => "discord",
        }
    }
}

/// `[bot]`: the chat-ops bot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotSettings {
    pub listen: SocketAddr,
    pub slack: SlackSettings,
    pub discord: DiscordSettings,
    /// First matching rule picks the channel; none matching → the platform's default channel.
    pub routes: Vec<RouteRule>,
    pub sla: SlaSettings,
    pub digests: Vec<DigestSettings>,
    /// How the outbox is worked through.
    pub delivery: DeliverySettings,
    /// Folder with template overrides (`alert.slack.hbs`, `digest.discord.hbs`, …).
    pub templates_dir: Option<PathBuf>,
    /// Chat users not linked to an agent account may act (recorded by their chat id).
    /// `false`: they are refused with a private message saying how to link.
    pub allow_unlinked: bool,
}

impl Default for BotSettings {
    fn default() -> Self {
        BotSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            slack: SlackSettings::default(),
            discord: DiscordSettings::default(),
            routes: Vec::new(),
            sla: SlaSettings::default(),
            digests: Vec::new(),
            delivery: DeliverySettings::default(),
            templates_dir: None,
            allow_unlinked: true,
        }
    }
}

/// `[bot.slack]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackSettings {
    pub api_url: String,
    pub default_channel: Option<String>,
    pub managers_channel: Option<String>,
    /// Mentioned on high-priority alerts, e.g. `<!subteam^S123>` or `<@U123>`.
    pub oncall_mention: Option<String>,
    /// Use Socket Mode (needs `SLACK_APP_TOKEN`) instead of the HTTP endpoints.
    pub socket_mode: bool,
}

impl Default for SlackSettings {
    fn default() -> Self {
        SlackSettings {
            api_url: "https://slack.com/api".into(),
            default_channel: None,
            managers_channel: None,
            oncall_mention: None,
            socket_mode: false,
        }
    }
}

/// `[bot.discord]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordSettings {
    pub api_url: String,
    pub default_channel: Option<String>,
    pub managers_channel: Option<String>,
    /// Role id mentioned on high-priority alerts.
    pub oncall_role: Option<String>,
    /// Connect to the gateway so agents' messages in an alert's thread reach the
    /// customer (needs the privileged message-content intent).
    pub gateway: bool,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        DiscordSettings {
            api_url: "https://discord.com".into(),
            default_channel: None,
            managers_channel: None,
            oncall_role: None,
            gateway: false,
        }
    }
}

/// `[[bot.routes]]`: send escalations matching every given condition to `channel`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    pub platform: ChatPlatform,
    pub channel: String,
    pub site: Option<crate::site_id::SiteId>,
    pub intent: Option<String>,
    pub priority: Option<Priority>,
    pub tag: Option<String>,
    pub outside_hours: Option<bool>,
}

/// `[bot.sla]`: how long an escalation may wait unclaimed, per priority.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaSettings {
    pub urgent: SignedDuration,
    pub high: SignedDuration,
    pub normal: SignedDuration,
    pub low: SignedDuration,
    /// Re-alerts in the same channel before the managers' channel is told.
    pub realerts_before_managers: u32,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            urgent: SignedDuration::from_mins(2),
            high: SignedDuration::from_mins(5),
            normal: SignedDuration::from_mins(15),
            low: SignedDuration::from_mins(60),
            realerts_before_managers: 1,
        }
    }
}

impl SlaSettings {
    pub fn for_priority(&self, priority: Priority) -> SignedDuration {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

/// `[bot.delivery]`: how the bot works through the outbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// How long a leased outbox row stays reserved for one replica; a crashed replica's
    /// rows are picked up again once it expires. Chat calls time out at half of it.
    pub lease: SignedDuration,
    /// How often an idle worker looks for work on SQLite (PostgreSQL wakes it by `NOTIFY`).
    pub poll: SignedDuration,
    /// Deliveries in flight at once per replica.
    pub concurrency: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            lease: SignedDuration::from_secs(60),
            poll: SignedDuration::from_millis(50),
            concurrency: 16,
        }
    }
}

/// `[[bot.digests]]`: a daily digest posted to one channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    pub platform: ChatPlatform,
    pub channel: String,
    /// Local time of day, `HH:MM`.
    #[serde(default = "eight")]
    pub time: String,
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Sites summarised; empty means all.
    #[serde(default)]
    pub sites: Vec<crate::site_id::SiteId>,
}

fn default_database_url() -> String {
    "sqlite://frontline.db?mode=rwc".into()
}
fn default_locale() -> String {
    "en".into()
}
fn eight() -> String {
    "08:00".into()
}
fn utc() -> String {
    "UTC".into()
}

impl Settings {
    /// Loads `path`, or `default_text` (with relative paths resolved against
    /// `default_base`) when no path is given, then applies environment overrides and
    /// reads secrets from the environment.
    pub fn load(
        path: Option<&Path>,
        default_text: &str,
        default_base: &Path,
    ) -> Result<Self, ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (text, base, origin) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
                    path: path.to_path_buf(),
                    cause,
                })?;
                let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
                (text, base, path.to_path_buf())
            }
            None => (
                default_text.to_string(),
                default_base.to_path_buf(),
                PathBuf::from("<built-in demo configuration>"),
            ),
        };
        let mut settings = Self::parse(&text, &base, &origin, &lookup)?;
        settings.secrets = Secrets::from_lookup(&lookup);
        for webhook in &mut settings.webhooks {
            webhook.secret = lookup(&webhook.secret_env).map(super::Secret::new);
        }
        if let Some(oidc) = &mut settings.auth.oidc {
            oidc.client_secret = settings.secrets.oidc_client_secret.clone();
        }
        Ok(settings)
    }

    /// Parses TOML text, applies overrides from `lookup`, resolves paths against `base`
    /// and validates. Secrets are left empty.
    pub fn parse(
        text: &str,
        base: &Path,
        origin: &Path,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        env::apply(&mut table, lookup)?;
        let mut settings: Settings = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError::invalid(e.path().to_string(), e.inner().to_string()))?;
        settings.resolve_paths(base);
        settings.validate()?;
        Ok(settings)
    }

    fn resolve_paths(&mut self, base: &Path) {
        for site in &mut self.sites {
            site.knowledge_dir = base.join(&site.knowledge_dir);
            site.intents_file = base.join(&site.intents_file);
        }
        if let Some(dir) = &self.bot.templates_dir {
            self.bot.templates_dir = Some(base.join(dir));
        }
        self.matcher.embedding_cache = match self.matcher.embedding_cache.take() {
            None => Some(base.join(DEFAULT_EMBEDDING_CACHE)),
            Some(dir) if dir.as_os_str() == EMBEDDING_CACHE_OFF => None,
            Some(dir) => Some(base.join(dir)),
        };
    }

    fn validate(&mut self) -> Result<(), ConfigError> {
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(ConfigError::invalid(
                "database_url",
                "expected sqlite://… or postgres://…",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut addresses = std::collections::HashMap::new();
        for (i, site) in self.sites.iter_mut().enumerate() {
            let key = format!("sites[{i}]");
            if !seen.insert(site.id.clone()) {
                return Err(ConfigError::invalid(
                    format!("{key}.id"),
                    "duplicate site id",
                ));
            }
            for (j, origin) in site.origins.iter().enumerate() {
                validate_origin(origin)
                    .map_err(|e| ConfigError::invalid(format!("{key}.origins[{j}]"), e))?;
            }
            if let Some(raw) = &site.business_hours_file {
                site.business_hours = BusinessHours::parse(raw, &format!("{key}.business_hours"))?;
            }
            if site.name.is_empty() {
                site.name = site.id.to_string();
            }
            for (j, address) in site.inbound_addresses.iter_mut().enumerate() {
                let key = format!("{key}.inbound_addresses[{j}]");
                *address = address.trim().to_ascii_lowercase();
                let shape_ok = address
                    .split_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
                    && !address.contains(['<', '>', ' ', ',']);
                if !shape_ok {
                    return Err(ConfigError::invalid(
                        key,
                        "expected a bare address, e.g. support@example.com",
                    ));
                }
                if let Some(other) = addresses.insert(address.clone(), site.id.to_string()) {
                    return Err(ConfigError::invalid(
                        key,
                        format!("{address} is already an inbound address of site {other:?}"),
                    ));
                }
            }
        }
        for (i, digest) in self.bot.digests.iter().enumerate() {
            jiff::tz::TimeZone::get(&digest.time_zone)
                .map_err(|e| ConfigError::invalid(format!("bot.digests[{i}].time_zone"), e))?;
            crate::config::business_hours::parse_hhmm(&digest.time)
                .map_err(|e| ConfigError::invalid(format!("bot.digests[{i}].time"), e))?;
        }
        self.planning.validate()?;
        self.privacy.validate()?;
        self.attachments.validate()?;
        if let Some(oidc) = &mut self.auth.oidc {
            oidc.validate()?;
        }
        let limits = &self.server.limits;
        for (key, timeout) in [
            ("header_timeout", limits.header_timeout),
            ("body_timeout", limits.body_timeout),
            ("idle_timeout", limits.idle_timeout),
        ] {
            if timeout < SignedDuration::from_millis(1) {
                return Err(ConfigError::invalid(
                    format!("server.limits.{key}"),
                    "must be positive",
                ));
            }
        }
        for (key, count) in [
            ("max_connections", limits.max_connections),
            ("streams_per_conversation", limits.streams_per_conversation),
            ("streams_per_ip", limits.streams_per_ip),
        ] {
            if count == 0 {
                return Err(ConfigError::invalid(
                    format!("server.limits.{key}"),
                    "must be at least 1",
                ));
            }
        }
        if let Some(email) = &self.email {
            email.validate()?;
        }
        let mut urls = std::collections::HashSet::new();
        for (i, webhook) in self.webhooks.iter().enumerate() {
            webhook.validate(&format!("webhooks[{i}]"))?;
            if !urls.insert(webhook.url.as_str()) {
                return Err(ConfigError::invalid(
                    format!("webhooks[{i}].url"),
                    "duplicate webhook url",
                ));
            }
        }
        let delivery = &self.bot.delivery;
        if delivery.lease < SignedDuration::from_secs(1) {
            return Err(ConfigError::invalid(
                "bot.delivery.lease",
                "must be at least 1s",
            ));
        }
        if delivery.poll < SignedDuration::from_millis(1) {
            return Err(ConfigError::invalid(
                "bot.delivery.poll",
                "must be positive",
            ));
        }
        if delivery.concurrency == 0 {
            return Err(ConfigError::invalid(
                "bot.delivery.concurrency",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The site with this id, if configured.
    pub fn site(&self, id: &str) -> Option<&SiteSettings> {
        self.sites.iter().find(|s| s.id == id)
    }
}

impl EmailSettings {
    /// The user part of `smtp_url` (`smtps://user@host`), if any.
    pub fn smtp_user(&self) -> Option<&str> {
        let rest = self.smtp_url.split_once("://")?.1;
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        authority.rsplit_once('@').map(|(user, _)| user)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let scheme_ok = ["smtp://", "smtps://"]
            .iter()
            .any(|s| self.smtp_url.starts_with(s));
        if !scheme_ok {
            return Err(ConfigError::invalid(
                "email.smtp_url",
                "expected smtp://host:port or smtps://user@host:465",
            ));
        }
        if self.smtp_user().is_some_and(|user| user.contains(':')) {
            return Err(ConfigError::invalid(
                "email.smtp_url",
                "must not contain a password: set FRONTLINE_SMTP_PASSWORD",
            ));
        }
        if !self.from.contains('@') {
            return Err(ConfigError::invalid(
                "email.from",
                "expected an address, e.g. \"Support <support@example.com>\"",
            ));
        }
        let domain = &self.reply_domain;
        if domain.is_empty() || domain.contains(['@', ' ', '/', '<', '>']) {
            return Err(ConfigError::invalid(
                "email.reply_domain",
                "expected a domain, e.g. reply.example.com",
            ));
        }
        if self.timeout < SignedDuration::from_millis(1) {
            return Err(ConfigError::invalid("email.timeout", "must be positive"));
        }
        Ok(())
    }
}

/// An origin is `scheme://host[:port]` with no path, as browsers send it.
fn validate_origin(origin: &str) -> Result<(), String> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{origin:?} must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains('/') {
        return Err(format!(
            "{origin:?} must be scheme://host[:port] with no path"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Settings::parse(text, Path::new("/base"), Path::new("test.toml"), &lookup)
    }

    const SITE: &str = r#"
        [[sites]]
        id = "demo"
        origins = ["http://localhost:8080"]
        knowledge_dir = "kb"
        intents_file = "intents.toml"
    "#;

    #[test]
    fn environment_overrides_the_file() {
        let text =
            format!("database_url = \"sqlite://a.db\"\n[server]\nlisten = \"127.0.0.1:1\"\n{SITE}");
        let settings = parse(
            &text,
            &[
                ("FRONTLINE_DATABASE_URL", "postgres://db/x"),
                ("FRONTLINE_LISTEN", "0.0.0.0:9000"),
            ],
        )
        .expect("valid");
        assert_eq!(settings.database_url, "postgres://db/x");
        assert_eq!(settings.server.listen.port(), 9000);
        assert_eq!(settings.sites[0].knowledge_dir, Path::new("/base/kb"));
    }

    #[test]
    fn invalid_values_name_their_key() {
        let err = parse("[server]\nlisten = \"nowhere\"", &[]).expect_err("invalid");
        assert!(err.to_string().contains("server.listen"), "{err}");
        let err = parse("", &[("FRONTLINE_BOT_LISTEN", "x:y")]).expect_err("invalid");
        assert!(err.to_string().contains("bot.listen"), "{err}");
        let bad_origin = SITE.replace("http://localhost:8080", "localhost");
        let err = parse(&bad_origin, &[]).expect_err("invalid");
        assert!(err.to_string().contains("sites[0].origins[0]"), "{err}");
        let bad_site = SITE.replace("\"demo\"", "\"Demo Shop\"");
        let err = parse(&bad_site, &[]).expect_err("invalid site id");
        assert!(
            err.to_string().contains("\"Demo Shop\" is not a site id"),
            "{err}"
        );
        assert!(err.to_string().contains("sites[0].id"), "{err}");
        let err = parse("[server]\nlistne = \"x\"", &[]).expect_err("unknown key");
        assert!(err.to_string().contains("listne"), "{err}");
    }

    #[test]
    fn the_encoder_runs_when_unsure_unless_told_always() {
        let settings = parse(SITE, &[]).expect("valid");
        assert_eq!(settings.matcher.run_encoder, RunEncoder::WhenUnsure);
        let text = format!("[matcher]\nrun_encoder = \"always\"\n{SITE}");
        let settings = parse(&text, &[]).expect("valid");
        assert_eq!(settings.matcher.run_encoder, RunEncoder::Always);
        let settings = parse(&text, &[("FRONTLINE_RUN_ENCODER", "when_unsure")]).expect("valid");
        assert_eq!(settings.matcher.run_encoder, RunEncoder::WhenUnsure);
        let err = parse(SITE, &[("FRONTLINE_RUN_ENCODER", "sometimes")]).expect_err("invalid");
        assert!(err.to_string().contains("matcher.run_encoder"), "{err}");
        assert!(err.to_string().contains("sometimes"), "{err}");
    }

    #[test]
    fn embeddings_are_cached_beside_the_configuration_unless_turned_off() {
        let settings = parse(SITE, &[]).expect("valid");
        assert_eq!(
            settings.matcher.embedding_cache.as_deref(),
            Some(Path::new("/base/embeddings"))
        );
        let text = format!("[matcher]\nembedding_cache = \"cache\"\n{SITE}");
        let settings = parse(&text, &[]).expect("valid");
        assert_eq!(
            settings.matcher.embedding_cache.as_deref(),
            Some(Path::new("/base/cache"))
        );
        let settings = parse(
            &text,
            &[("FRONTLINE_EMBEDDING_CACHE", "/var/cache/frontline")],
        )
        .expect("valid");
        assert_eq!(
            settings.matcher.embedding_cache.as_deref(),
            Some(Path::new("/var/cache/frontline"))
        );
        let off = format!("[matcher]\nembedding_cache = \"none\"\n{SITE}");
        assert_eq!(
            parse(&off, &[]).expect("valid").matcher.embedding_cache,
            None
        );
        let settings = parse(&text, &[("FRONTLINE_EMBEDDING_CACHE", "none")]).expect("valid");
        assert_eq!(settings.matcher.embedding_cache, None);
    }

    #[test]
    fn inbound_addresses_are_lowercased_and_belong_to_one_site() {
        let with = |demo: &str, other: &str| {
            format!(
                "{}\ninbound_addresses = [{demo}]\n[[sites]]\nid = \"other\"\nknowledge_dir = \"kb\"\nintents_file = \"intents.toml\"\ninbound_addresses = [{other}]\n",
                SITE.trim_end()
            )
        };
        let settings =
            parse(&with("\" Support@Shop.test \"", "\"help@other.test\""), &[]).expect("valid");
        assert_eq!(settings.sites[0].inbound_addresses, ["support@shop.test"]);
        let err = parse(&with("\"help@other.test\"", "\"HELP@other.test\""), &[])
            .expect_err("on two sites");
        assert!(
            err.to_string().contains("sites[1].inbound_addresses[0]")
                && err.to_string().contains("site \"demo\""),
            "{err}"
        );
        let err =
            parse(&with("\"Support <support@shop.test>\"", "\"x@y\""), &[]).expect_err("not bare");
        assert!(
            err.to_string().contains("sites[0].inbound_addresses[0]"),
            "{err}"
        );
    }

    #[test]
    fn trusted_proxies_are_networks_and_typos_name_their_entry() {
        let settings = parse(
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\"]\n",
            &[],
        )
        .expect("valid");
        assert_eq!(settings.server.trusted_proxies.len(), 2);
        assert!(settings.server.trusted_proxies[0].contains([10, 1, 2, 3].into()));
        let err = parse(
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.0.0.1/8\"]\n",
            &[],
        )
        .expect_err("host bits");
        assert!(
            err.to_string().contains("server.trusted_proxies[1]"),
            "{err}"
        );
        assert!(parse("", &[])
            .expect("valid")
            .server
            .trusted_proxies
            .is_empty());
    }

    #[test]
    fn connection_limits_read_friendly_durations_and_refuse_zero() {
        let text = "[server.limits]\nheader_timeout = \"500ms\"\nmax_connections_per_ip = 0\n";
        let limits = parse(text, &[]).expect("valid").server.limits.connections();
        assert_eq!(limits.header_timeout, std::time::Duration::from_millis(500));
        assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(60));
        assert_eq!(limits.max_connections_per_ip, 0);
        let err = parse("[server.limits]\nbody_timeout = \"0s\"\n", &[]).expect_err("zero");
        assert!(
            err.to_string().contains("server.limits.body_timeout"),
            "{err}"
        );
        let err = parse("[server.limits]\nmax_connections = 0\n", &[]).expect_err("zero");
        assert!(
            err.to_string().contains("server.limits.max_connections"),
            "{err}"
        );
    }

    #[test]
    fn email_is_optional_and_its_url_comes_from_the_environment() {
        assert!(parse("", &[]).expect("valid").email.is_none());
        let text = "[email]\nsmtp_url = \"smtp://127.0.0.1:25\"\nfrom = \"Support <s@example.com>\"\nreply_domain = \"reply.example.com\"\n";
        let settings = parse(
            text,
            &[("FRONTLINE_SMTP_URL", "smtps://me@mail.example.com:465")],
        )
        .expect("valid");
        let email = settings.email.expect("configured");
        assert_eq!(email.smtp_url, "smtps://me@mail.example.com:465");
        assert_eq!(email.away_after, SignedDuration::from_mins(2));
        let err = parse(
            &text.replace("smtp://127.0.0.1:25", "smtp://me:pw@host"),
            &[],
        )
        .expect_err("password in the file");
        assert!(err.to_string().contains("email.smtp_url"), "{err}");
        let err = parse(&text.replace("reply.example.com", "a@b"), &[]).expect_err("domain");
        assert!(err.to_string().contains("email.reply_domain"), "{err}");
    }

    #[test]
    fn webhooks_are_validated_and_name_their_key() {
        let hook = "[[webhooks]]\nurl = \"https://crm.example.com/hook\"\nsecret_env = \"FRONTLINE_WEBHOOK_SECRET_CRM\"\n";
        let settings = parse(hook, &[]).expect("valid");
        assert_eq!(settings.webhooks.len(), 1);
        assert!(settings.webhooks[0].events.is_empty());
        assert!(!settings.webhooks[0].allow_private);
        let bad_event =
            format!("{hook}events = [\"escalation.created\", \"escalation.deleted\"]\n");
        let err = parse(&bad_event, &[]).expect_err("unknown event");
        assert!(err.to_string().contains("webhooks[0].events[1]"), "{err}");
        let err = parse(&hook.replace("https://", "ftp://"), &[]).expect_err("scheme");
        assert!(err.to_string().contains("webhooks[0].url"), "{err}");
        let err = parse(
            &hook.replace("FRONTLINE_WEBHOOK_SECRET_CRM", "s3cr3t value"),
            &[],
        )
        .expect_err("a secret in the file");
        assert!(err.to_string().contains("webhooks[0].secret_env"), "{err}");
        let err = parse(&format!("{hook}{hook}"), &[]).expect_err("duplicate");
        assert!(err.to_string().contains("webhooks[1].url"), "{err}");
        let err = parse(&format!("{hook}allow_private = \"yes\"\n"), &[]).expect_err("bool");
        assert!(
            err.to_string().contains("webhooks[0].allow_private"),
            "{err}"
        );
    }

    #[test]
    fn sla_durations_read_friendly_text() {
        let settings = parse("[bot.sla]\nhigh = \"90s\"\n", &[]).expect("valid");
        assert_eq!(settings.bot.sla.high, SignedDuration::from_secs(90));
        assert_eq!(settings.bot.sla.normal, SignedDuration::from_mins(15));
    }
}
