//! A whole installation for one test: a fresh store, the widget server and the bot on it,
//! and the chat stand-in the bot talks to.

use std::time::Duration;

use frontline_bot::BotOptions;

use crate::bot::{settings, TestBot, FAST_DELIVERY};
use crate::discord_standin::DiscordStandIn;
use crate::slack_standin::SlackStandIn;

/// A store, the widget server and the bot on it, and the chat stand-ins the bot talks to.
#[derive(Debug)]
pub struct Rig {
    pub bot: TestBot,
    pub server: crate::widget_server::TestServer,
    pub slack: Option<SlackStandIn>,
    pub discord: Option<DiscordStandIn>,
    pub store: frontline_shared::store::Store,
    pub db: crate::databases::TestDatabase,
}

/// Which stand-ins a [`Rig`] gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platforms {
    Slack,
    Discord,
}

impl Rig {
    /// Starts everything on a fresh database on `backend`; `extra_toml` configures the bot.
    pub async fn start(
        backend: crate::databases::TestBackend,
        platforms: Platforms,
        extra_toml: &str,
    ) -> Rig {
        Self::start_with(backend, platforms, extra_toml, BotOptions::default()).await
    }

    pub async fn start_with(
        backend: crate::databases::TestBackend,
        platforms: Platforms,
        extra_toml: &str,
        options: BotOptions,
    ) -> Rig {
        Self::start_shared(backend, platforms, "", extra_toml, options).await
    }

    /// Like [`Rig::start_with`], with `shared_toml` (e.g. `[email]`) configuring both the
    /// widget server and the bot, as one configuration file does in production.
    pub async fn start_shared(
        backend: crate::databases::TestBackend,
        platforms: Platforms,
        shared_toml: &str,
        extra_toml: &str,
        options: BotOptions,
    ) -> Rig {
        Self::start_configured(backend, platforms, shared_toml, extra_toml, options, |_| {}).await
    }

    /// Like [`Rig::start_shared`], with `configure` changing both processes' settings
    /// after they are read (what TOML cannot say, e.g. `[attachments]`' S3 client
    /// settings).
    pub async fn start_configured(
        backend: crate::databases::TestBackend,
        platforms: Platforms,
        shared_toml: &str,
        extra_toml: &str,
        options: BotOptions,
        configure: impl Fn(&mut frontline_shared::config::Settings),
    ) -> Rig {
        let db = crate::databases::TestDatabase::new(backend).await;
        let mut server_options = crate::widget_server::ServerOptions::default();
        server_options.extra_toml = format!("{}\n{shared_toml}", server_options.extra_toml);
        let mut server_settings = crate::widget_server::settings(&db.url, &server_options);
        configure(&mut server_settings);
        let server = crate::widget_server::TestServer::from_settings(server_settings).await;
        let extra_toml = format!("{shared_toml}\n{extra_toml}");
        let extra_toml = extra_toml.as_str();
        let (slack, discord) = match platforms {
            Platforms::Slack => (Some(SlackStandIn::start().await), None),
            Platforms::Discord => (None, Some(DiscordStandIn::start().await)),
        };
        // A test that sets its own `[bot.delivery]` keeps it (TOML refuses a table twice).
        let toml = if extra_toml.contains("[bot.delivery]") {
            extra_toml.to_string()
        } else {
            format!("{FAST_DELIVERY}\n{extra_toml}")
        };
        let mut bot_settings = settings(&db.url, slack.as_ref(), discord.as_ref(), &toml);
        configure(&mut bot_settings);
        let files = frontline_shared::attachments::storage::FileStorage::from_settings(
            &bot_settings.attachments,
        )
        .expect("the test's [attachments] store");
        let bot = TestBot::start_with(bot_settings, options).await;
        let store = frontline_shared::store::Store::connect(&db.url)
            .await
            .expect("test store handle")
            .with_file_storage(files);
        Rig {
            bot,
            server,
            slack,
            discord,
            store,
            db,
        }
    }

    pub fn slack(&self) -> &SlackStandIn {
        self.slack.as_ref().expect("a Slack rig")
    }

    pub fn discord(&self) -> &DiscordStandIn {
        self.discord.as_ref().expect("a Discord rig")
    }

    /// Waits until every outbox row is delivered (so "nothing more happened" can be asserted).
    pub async fn drained(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let pending = self.store.pending_outbox().await.expect("outbox count");
            if pending == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{pending} outbox rows still pending"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the bot and the widget server, then closes the store.
    pub async fn stop(self) {
        self.bot.stop().await;
        self.server.stop().await;
        self.store.close().await;
    }
}
