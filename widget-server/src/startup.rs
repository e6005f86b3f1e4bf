//! `Application`: everything `main` starts, buildable by tests on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use frontline_serve::supervisor::{self, RunError, WorkerError, Workers};
use frontline_shared::config::{Secret, Settings};
use frontline_shared::conversation_token::TokenSigner;
use frontline_shared::shutdown::{self, Shutdown, ShutdownTrigger};
use frontline_shared::store::{Store, StoreError};
use tokio::net::TcpListener;

use crate::guard::admin::MIN_TOKEN_CHARS;
use crate::guard::auth_throttle::AuthThrottle;
use crate::guard::origins::Origins;
use crate::guard::rate_limit::RateLimiters;
use crate::hub::{self, EventHub};
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::routes;
use crate::sites::{self, SiteLoadError, Sites};
use crate::state::{AppContext, AppState};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the store at {url}: {cause}")]
    Store { url: String, cause: StoreError },
    #[error(transparent)]
    Site(#[from] SiteLoadError),
    #[error("[matcher] encoder: {0}")]
    Encoder(#[from] frontline_matcher::encoder::EncoderError),
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("dashboard templates: {0}")]
    Templates(#[from] frontline_shared::templates::TemplateError),
    #[error("site loading was interrupted")]
    Interrupted,
    #[error(
        "FRONTLINE_ADMIN_TOKEN is {chars} characters long; it must be at least {min} \
         (generate one with `openssl rand -hex 24`)"
    )]
    AdminTokenTooShort { chars: usize, min: usize },
    #[error("[auth.oidc]: {0}")]
    Sso(#[from] crate::sso::SsoError),
    #[error("[attachments] store: {0}")]
    FileStorage(#[from] frontline_shared::attachments::storage::StorageError),
}

/// A built, bound, not yet serving widget server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    trigger: ShutdownTrigger,
    workers: Workers,
    generated_admin_token: bool,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("addr", &self.local_addr())
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Connects the store, loads every site, binds the listener and starts the workers.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        if let Some(token) = &settings.secrets.admin_token {
            let chars = token.expose().trim().chars().count();
            if chars < MIN_TOKEN_CHARS {
                return Err(StartupError::AdminTokenTooShort {
                    chars,
                    min: MIN_TOKEN_CHARS,
                });
            }
        }
        let store = Store::connect(&settings.database_url)
            .await
            .map_err(|cause| StartupError::Store {
                url: redact(&settings.database_url),
                cause,
            })?
            .with_webhooks(frontline_shared::webhooks::Routing::from_settings(
                &settings,
            ))
            .with_file_storage(
                frontline_shared::attachments::storage::FileStorage::from_settings(
                    &settings.attachments,
                )?,
            );
        let token_key =
            frontline_shared::conversation_token::signing_key(&settings.secrets, &store)
                .await
                .map_err(|cause| StartupError::Store {
                    url: redact(&settings.database_url),
                    cause,
                })?;
        let (site_settings, matcher_settings) = (settings.sites.clone(), settings.matcher.clone());
        let sites = tokio::task::spawn_blocking(move || {
            let encoder = sites::load_encoder(&matcher_settings)?;
            Ok::<_, StartupError>(Sites::load(&site_settings, &matcher_settings, encoder)?)
        })
        .await
        .map_err(|_| StartupError::Interrupted)??;
        let sites = Arc::new(sites);
        let listener = TcpListener::bind(settings.server.listen)
            .await
            .map_err(|cause| StartupError::Bind {
                addr: settings.server.listen,
                cause,
            })?;
        let local = listener.local_addr().map_err(|cause| StartupError::Bind {
            addr: settings.server.listen,
            cause,
        })?;
        let public_url = settings
            .server
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{local}"));
        let (admin_token, generated_admin_token) = match &settings.secrets.admin_token {
            Some(token) => (token.clone(), false),
            None => (Secret::new(hex::encode(rand::random::<[u8; 24]>())), true),
        };
        let (trigger, shutdown) = shutdown::channel();
        let mut workers = Workers::new();
        let (recorder, writer) = Recorder::start(store.clone(), shutdown.clone());
        workers.spawn_fallible("recorder", async move {
            writer
                .await
                .map_err(WorkerError::from)?
                .map_err(WorkerError::from)
        });
        let hub = Arc::new(EventHub::default());
        workers.spawn(
            "event listener",
            hub::run(
                Arc::clone(&hub),
                store.clone(),
                Duration::from_millis(100),
                shutdown.clone(),
            ),
        );
        workers.spawn(
            "reloader",
            sites::watch_for_changes(Arc::clone(&sites), Duration::from_secs(2), shutdown.clone()),
        );
        if let Some(retention) = frontline_shared::privacy::retention::Retention::from_settings(
            store.clone(),
            &settings.privacy,
        ) {
            workers.spawn("retention", retention.run(shutdown.clone()));
        }
        workers.spawn(
            "day clustering",
            frontline_shared::stats::day_clusters::DayClustering::new(store.clone())
                .run(shutdown.clone()),
        );
        let rate_limits = Arc::new(RateLimiters::new(
            &settings.server.rate_limits,
            sites.iter().map(|site| site.settings.id.as_str()),
        ));
        let auth_throttle = Arc::new(AuthThrottle::new(&settings.server.rate_limits));
        workers.spawn(
            "client pruner",
            forget_idle_clients(
                Arc::clone(&rate_limits),
                Arc::clone(&auth_throttle),
                shutdown.clone(),
            ),
        );
        let origins = Arc::new(Origins::new(&public_url, &sites));
        let sso = match &settings.auth.oidc {
            Some(oidc) => Some(Arc::new(crate::sso::SsoClient::new(
                oidc.clone(),
                &public_url,
            )?)),
            None => None,
        };
        let state = AppState::new(AppContext {
            store,
            sites,
            recorder,
            hub,
            metrics: Arc::new(Metrics::default()),
            tokens: TokenSigner::new(token_key.as_bytes()),
            mail_tokens: frontline_shared::mail_token::MailTokens::new(token_key.as_bytes()),
            sla: settings.bot.sla.clone(),
            planning: settings.planning.clone(),
            limits: settings.server.limits.clone(),
            rate_limits,
            origins,
            admin_token,
            auth_throttle,
            trusted_proxies: settings.server.trusted_proxies.clone(),
            metrics_token: settings.secrets.metrics_token.clone(),
            public_url,
            clock: frontline_shared::clock::system_clock(),
            dashboard: Arc::new(crate::dashboard::templates()?),
            mail_enabled: settings.email.is_some(),
            inbound_mail: match (&settings.email, &settings.secrets.inbound_token) {
                (Some(email), Some(token)) => Some(crate::state::InboundMailSettings {
                    reply_domain: email.reply_domain.clone(),
                    token: token.clone(),
                    max_bytes: email.inbound_max_bytes,
                }),
                _ => None,
            },
            privacy: settings.privacy.clone(),
            attachments: settings.attachments.clone(),
            attachment_links: frontline_shared::attachments::UrlSigner::new(
                token_key.as_bytes(),
                settings.attachments.url_ttl_secs,
            ),
            sso,
            shutdown,
        });
        Ok(Application {
            listener,
            state,
            trigger,
            workers,
            generated_admin_token,
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

    pub fn public_url(&self) -> &str {
        &self.state.public_url
    }

    /// The router this application serves (tests read its routes).
    pub fn router(&self) -> axum::Router {
        routes::app(self.state.clone())
    }

    /// The admin token, when none was configured and one was generated for this run.
    pub fn generated_admin_token(&self) -> Option<&str> {
        self.generated_admin_token
            .then(|| self.state.admin_token.expose())
    }

    /// Serves until `stop` resolves or a worker ends (an error naming it), then drains
    /// connections, stops the workers and closes the store.
    pub async fn run_until_stopped(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), RunError> {
        let Application {
            listener,
            state,
            trigger,
            workers,
            ..
        } = self;
        let store = state.store.clone();
        let limits = state.limits.connections();
        let trusted_proxies = state.trusted_proxies.clone();
        let router = routes::app(state);
        let ran = supervisor::run(
            listener,
            router,
            limits,
            &trusted_proxies,
            workers,
            trigger,
            stop,
        )
        .await;
        store.close().await;
        ran
    }
}

async fn forget_idle_clients(
    limits: Arc<RateLimiters>,
    auth_throttle: Arc<AuthThrottle>,
    mut shutdown: Shutdown,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {
                limits.retain_recent();
                auth_throttle.retain_recent();
            }
            _ = shutdown.wait() => return,
        }
    }
}

/// A database URL with any password removed, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
