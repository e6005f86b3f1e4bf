//! `Application`: everything `main` starts, buildable by tests on port 0.
//!
//! A platform is enabled when its bot token is set (`SLACK_BOT_TOKEN`,
//! `DISCORD_BOT_TOKEN`); its callbacks additionally need `SLACK_SIGNING_SECRET` (or Socket
//! Mode with `SLACK_APP_TOKEN`) and `DISCORD_PUBLIC_KEY`. With no platform the bot still
//! serves `/healthz` and `/metrics` but delivers nothing: outbox rows wait for a later
//! run, and escalations stay claimable from the web queue. An enabled platform must have
//! a channel for every site (a default channel, or routes covering the site): otherwise
//! the bot refuses to start, naming the platform and the site, instead of dropping alerts.

use std::net::SocketAddr;
use std::sync::Arc;

use frontline_serve::supervisor::{self, RunError, Workers};
use frontline_shared::clock::{system_clock, SharedClock};
use frontline_shared::config::{ChatPlatform, ConnectionLimits, IpNet, Settings};
use frontline_shared::conversation_token::signing_key;
use frontline_shared::mail_token::MailTokens;
use frontline_shared::shutdown;
use frontline_shared::site_id::SiteId;
use frontline_shared::store::{Store, StoreError};
use frontline_shared::templates::TemplateError;
use tokio::net::TcpListener;

use crate::chat::Chat;
use crate::delivery::{DeliveryWorker, Effects};
use crate::digest::{DigestPlans, DigestScheduler};
use crate::discord::gateway::DiscordGateway;
use crate::discord::interactions::InvalidPublicKey;
use crate::discord::{self, DiscordChat, DiscordEndpoint, DiscordRest};
use crate::http::{self, AppState, SlackEndpoint};
use crate::mail::{MailSetupError, Mailer};
use crate::metrics::Metrics;
use crate::replay::{self, ReplayGuard};
use crate::routing::Routes;
use crate::sla::SlaWatcher;
use crate::slack::{socket_mode, SlackChat, SlackHandlers, SlackVerifier, SlackWeb};
use crate::templates;
use crate::view::SiteNames;

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Mail(#[from] MailSetupError),
    #[error(transparent)]
    Webhooks(#[from] crate::webhooks::WebhookSetupError),
    #[error("cannot set up the Slack client: {0}")]
    Slack(std::io::Error),
    #[error("cannot set up the Discord client: {0}")]
    Discord(#[from] reqwest::Error),
    #[error(transparent)]
    DiscordKey(#[from] InvalidPublicKey),
    #[error("invalid configuration at `{key}`: {message}")]
    Config { key: String, message: String },
    #[error("{platform} is enabled but alerts for site `{site}` have no channel: set [bot.{platform}] default_channel (FRONTLINE_{upper}_DEFAULT_CHANNEL) or add a [[bot.routes]] rule with platform = \"{platform}\" and site = \"{site}\"",
        upper = platform.to_uppercase())]
    Unrouted { platform: String, site: SiteId },
    #[error("[attachments] store: {0}")]
    FileStorage(#[from] frontline_shared::attachments::storage::StorageError),
}

/// Knobs tests turn; production uses the defaults.
#[derive(Debug, Clone)]
pub struct BotOptions {
    /// The store's clock (SLA checks, waiting times).
    pub clock: SharedClock,
    /// Start the delivery worker and SLA watcher (tests may drive them by hand instead).
    pub run_workers: bool,
}

impl Default for BotOptions {
    fn default() -> Self {
        BotOptions {
            clock: system_clock(),
            run_workers: true,
        }
    }
}

/// A built, bound, not yet serving bot.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    platforms: Vec<ChatPlatform>,
    worker: Option<DeliveryWorker>,
    watcher: Option<SlaWatcher>,
    digests: DigestScheduler,
    socket_mode: Option<(SlackHandlers, String, String)>,
    /// `[bot.discord] gateway = true`: the gateway connection's worker.
    discord_gateway: Option<DiscordGateway>,
    run_workers: bool,
    /// `[server.limits]`'s timeouts and connection caps, for this listener too.
    limits: ConnectionLimits,
    /// `[server] trusted_proxies`: exempt from the per-IP connection cap.
    trusted_proxies: Vec<IpNet>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        Self::build_with(settings, BotOptions::default()).await
    }

    /// Connects the store, builds the clients for the platforms with credentials and
    /// binds the listener.
    pub async fn build_with(
        settings: Settings,
        options: BotOptions,
    ) -> Result<Application, StartupError> {
        // slack-morphism (ring) and reqwest share rustls: pick the provider once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = Store::connect_with_clock(&settings.database_url, options.clock.clone())
            .await?
            .with_webhooks(frontline_shared::webhooks::Routing::from_settings(
                &settings,
            ))
            .with_file_storage(
                frontline_shared::attachments::storage::FileStorage::from_settings(
                    &settings.attachments,
                )?,
            );
        // Rows an earlier (or another) release could not read get another try with this one.
        let unparked = store.unpark_outbox().await?;
        if unparked > 0 {
            tracing::info!(rows = unparked, "parked outbox rows given another try");
        }
        let metrics = Arc::new(Metrics::default());
        let replay = ReplayGuard::new(store.clone());
        let sites = SiteNames::new(&settings.sites);
        let (bot, secrets) = (&settings.bot, &settings.secrets);
        let templates_dir = bot.templates_dir.as_deref();
        let call_timeout =
            (bot.delivery.lease.unsigned_abs() / 2).min(std::time::Duration::from_secs(30));
        let digests = DigestScheduler::new(store.clone(), digest_plans(&settings));
        let mut chats: Vec<Arc<dyn Chat>> = Vec::new();
        let (mut slack, mut socket_mode, mut discord_endpoint) = (None, None, None);
        let mut discord_gateway = None;

        if let Some(token) = &secrets.slack_bot_token {
            let web =
                SlackWeb::new(&bot.slack.api_url, token.expose()).map_err(StartupError::Slack)?;
            let chat = Arc::new(SlackChat::new(
                web,
                bot.slack.clone(),
                templates::slack(templates_dir)?,
                sites.clone(),
                options.clock.clone(),
                settings.privacy.redactor().clone(),
            ));
            chats.push(chat.clone());
            let handlers = SlackHandlers {
                chat,
                store: store.clone(),
                metrics: Arc::clone(&metrics),
                allow_unlinked: bot.allow_unlinked,
            };
            match (&secrets.slack_app_token, bot.slack.socket_mode) {
                (Some(app_token), true) => {
                    let api = bot.slack.api_url.clone();
                    socket_mode = Some((handlers.clone(), api, app_token.expose().to_string()));
                }
                (None, true) => tracing::warn!("[bot.slack] socket_mode is on but SLACK_APP_TOKEN is not set; Slack callbacks need the HTTP endpoints"),
                _ => {}
            }
            match &secrets.slack_signing_secret {
                Some(secret) => {
                    slack = Some(SlackEndpoint {
                        verifier: SlackVerifier::new(secret.expose(), replay.clone()),
                        handlers,
                    })
                }
                None if socket_mode.is_none() => tracing::warn!(
                    "SLACK_SIGNING_SECRET is not set: /slack/interactions and /slack/events refuse every callback"
                ),
                None => {}
            }
        }

        if let Some(token) = &secrets.discord_bot_token {
            discord::check_ids(&settings)
                .map_err(|(key, message)| StartupError::Config { key, message })?;
            let rest = DiscordRest::new(&bot.discord.api_url, token.expose(), call_timeout)?;
            chats.push(Arc::new(DiscordChat::new(
                rest.clone(),
                bot.discord.clone(),
                templates::discord(templates_dir)?,
                sites.clone(),
                options.clock.clone(),
                settings.privacy.redactor().clone(),
            )));
            if bot.discord.gateway {
                discord_gateway = Some(DiscordGateway {
                    api_url: bot.discord.api_url.clone(),
                    bot_token: token.expose().to_string(),
                    store: store.clone(),
                    rest,
                    alert_channels: discord_alert_channels(&settings),
                    allow_unlinked: bot.allow_unlinked,
                });
            }
            match &secrets.discord_public_key {
                Some(key) => {
                    let endpoint = DiscordEndpoint::new(key.expose(), replay.clone(), store.clone(), Arc::clone(&metrics), digests.clone())?
                        .allowing_unlinked(bot.allow_unlinked);
                    discord_endpoint = Some(Arc::new(endpoint));
                }
                None => tracing::warn!("DISCORD_PUBLIC_KEY is not set: /discord/interactions refuses every interaction"),
            }
        }

        let routes = Routes::new(bot.routes.clone());
        let site_ids: Vec<SiteId> = settings.sites.iter().map(|s| s.id.clone()).collect();
        for chat in &chats {
            let platform = chat.platform();
            let default = chat.default_channel().filter(|c| !c.trim().is_empty());
            let unrouted = routes.uncovered_sites(platform, &site_ids, default);
            if let Some(site) = unrouted.into_iter().next() {
                return Err(StartupError::Unrouted {
                    platform: platform.as_str().to_string(),
                    site,
                });
            }
        }
        let platforms: Vec<ChatPlatform> = chats.iter().map(|c| c.platform()).collect();
        let mailer = match &settings.email {
            Some(email) => Some(Arc::new(Mailer::new(
                email,
                secrets.smtp_password.as_ref(),
                MailTokens::new(signing_key(secrets, &store).await?.as_bytes()),
                templates_dir,
                &settings.sites,
                settings.server.public_url(),
            )?)),
            None => None,
        };
        let webhooks = Arc::new(crate::webhooks::Webhooks::new(
            &settings.webhooks,
            call_timeout,
        )?);
        let (worker, watcher) = if chats.is_empty() && mailer.is_none() && webhooks.is_empty() {
            tracing::warn!("no chat credentials (SLACK_BOT_TOKEN / DISCORD_BOT_TOKEN): not delivering alerts; outbox rows wait for a run with credentials, and escalations stay claimable from the web queue");
            (None, None)
        } else {
            let effects = Effects {
                store: store.clone(),
                chats,
                routes,
                realerts_before_managers: i64::from(bot.sla.realerts_before_managers),
                metrics: Arc::clone(&metrics),
                sla: bot.sla.clone(),
                sites: sites.clone(),
                planning: settings.planning.clone(),
                site_settings: Arc::new(settings.sites.clone()),
                mailer,
                webhooks,
                max_file_bytes: settings.attachments.max_bytes,
                max_files: settings.attachments.max_files,
            };
            // Without chat credentials there is nobody to re-alert; mail is still sent.
            let watcher = (!effects.chats.is_empty())
                .then(|| SlaWatcher::new(store.clone(), bot.sla.clone()));
            (Some(DeliveryWorker::new(effects, &bot.delivery)), watcher)
        };
        let listener = TcpListener::bind(bot.listen)
            .await
            .map_err(|cause| StartupError::Bind {
                addr: bot.listen,
                cause,
            })?;
        let state = AppState {
            store,
            metrics,
            slack,
            discord: discord_endpoint,
            digests: digests.clone(),
        };
        Ok(Application {
            listener,
            state,
            platforms,
            worker,
            watcher,
            digests,
            socket_mode,
            discord_gateway,
            run_workers: options.run_workers,
            limits: settings.server.limits.connections(),
            trusted_proxies: settings.server.trusted_proxies.clone(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The platforms alerts are delivered to (empty without credentials).
    pub fn platforms(&self) -> &[ChatPlatform] {
        &self.platforms
    }

    /// The delivery worker, for tests that step it with `try_deliver_once`.
    pub fn delivery_worker(&self) -> Option<DeliveryWorker> {
        self.worker.clone()
    }

    /// The SLA watcher, for tests that step it with `check_once`.
    pub fn sla_watcher(&self) -> Option<SlaWatcher> {
        self.watcher.clone()
    }

    /// The digest scheduler, for tests that step it with `check_once`.
    pub fn digest_scheduler(&self) -> DigestScheduler {
        self.digests.clone()
    }

    /// Serves until `stop` resolves or a worker ends (an error naming it), then drains
    /// connections, stops the workers and closes the store.
    pub async fn run_until_stopped(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), RunError> {
        let (trigger, shutdown) = shutdown::channel();
        let store = self.state.store.clone();
        let digests = self.digests.clone();
        let mut workers = Workers::new();
        if self.run_workers {
            if let Some(worker) = self.worker {
                workers.spawn("outbox", worker.run(shutdown.clone()));
            }
            if let Some(watcher) = self.watcher {
                workers.spawn("sla watcher", watcher.run(shutdown.clone()));
                workers.spawn("digest scheduler", self.digests.run(shutdown.clone()));
            }
        }
        workers.spawn(
            "callback pruner",
            replay::forget_old_callbacks(store.clone(), shutdown.clone()),
        );
        if let Some((handlers, api_url, app_token)) = self.socket_mode {
            workers.spawn_fallible(
                "slack socket mode",
                socket_mode::run(handlers, digests, api_url, app_token, shutdown.clone()),
            );
        }
        if let Some(gateway) = self.discord_gateway {
            workers.spawn_fallible(
                "discord gateway",
                discord::gateway::run(gateway, shutdown.clone()),
            );
        }
        let ran = supervisor::run(
            self.listener,
            http::app(self.state),
            self.limits,
            &self.trusted_proxies,
            workers,
            trigger,
            stop,
        )
        .await;
        store.close().await;
        ran
    }
}

/// `[[bot.digests]]` for the platforms that have credentials (the others are skipped
/// with a warning, so their days are not marked as posted).
fn digest_plans(settings: &Settings) -> DigestPlans {
    let secrets = &settings.secrets;
    let usable: Vec<_> = settings
        .bot
        .digests
        .iter()
        .filter(|digest| {
            let configured = match digest.platform {
                ChatPlatform::Slack => secrets.slack_bot_token.is_some(),
                ChatPlatform::Discord => secrets.discord_bot_token.is_some(),
            };
            if !configured {
                tracing::warn!(platform = digest.platform.as_str(), channel = %digest.channel,
                    "digest configured for a platform without a bot token; not scheduled");
            }
            configured
        })
        .cloned()
        .collect();
    DigestPlans::new(&usable)
}

/// The channels Discord alerts are posted to: `[bot.discord] default_channel` and the
/// Discord routes' channels.
fn discord_alert_channels(settings: &Settings) -> std::collections::HashSet<String> {
    let routed = settings
        .bot
        .routes
        .iter()
        .filter(|rule| rule.platform == ChatPlatform::Discord)
        .map(|rule| rule.channel.trim().to_string());
    let default = settings
        .bot
        .discord
        .default_channel
        .iter()
        .map(|c| c.trim().to_string());
    routed.chain(default).collect()
}
