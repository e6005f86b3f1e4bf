//! `AppState`: what every handler can reach, cloned cheaply per request.
//!
//! Axum clones the state for every extractor and middleware that asks for it (several
//! times per request), so [`AppState`] is one `Arc` around [`AppContext`]: a clone is
//! one atomic increment instead of a dozen, plus the allocations of its strings.

use std::ops::Deref;
use std::sync::Arc;

use frontline_shared::clock::SharedClock;
use frontline_shared::config::{IpNet, Limits, Secret, SlaSettings};
use frontline_shared::conversation_token::TokenSigner;
use frontline_shared::mail_token::MailTokens;
use frontline_shared::store::Store;

use crate::guard::auth_throttle::AuthThrottle;
use crate::guard::origins::Origins;
use crate::guard::rate_limit::RateLimiters;
use crate::hub::EventHub;
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::sites::Sites;

#[derive(Clone, Debug)]
pub struct AppState(Arc<AppContext>);

impl AppState {
    pub fn new(context: AppContext) -> Self {
        AppState(Arc::new(context))
    }
}

impl Deref for AppState {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.0
    }
}

/// What the inbound mail route needs.
#[derive(Debug, Clone)]
pub struct InboundMailSettings {
    /// Replies are addressed to `reply+<token>@{reply_domain}`.
    pub reply_domain: String,
    /// The bearer token mail servers present.
    pub token: Secret,
    /// Largest raw mail accepted, in bytes.
    pub max_bytes: usize,
}

#[derive(Debug)]
pub struct AppContext {
    /// Durable state: conversations, escalations, outbox, events.
    pub store: Store,
    /// Configured storefronts and their live matchers.
    pub sites: Arc<Sites>,
    /// Batched writer for questions and decisions.
    pub recorder: Recorder,
    /// Wakes live streams when their conversation changes.
    pub hub: Arc<EventHub>,
    pub metrics: Arc<Metrics>,
    /// Issues and checks conversation tokens.
    pub tokens: TokenSigner,
    /// Checks the signed tokens of reply addresses and rating links (same key).
    pub mail_tokens: MailTokens,
    /// Claim deadlines per priority (for SLA breach figures).
    pub sla: SlaSettings,
    /// `[planning]`: forecast and staffing inputs.
    pub planning: frontline_shared::config::PlanningSettings,
    /// Size limits on what customers send.
    pub limits: Limits,
    /// Per-IP and per-site token buckets.
    pub rate_limits: Arc<RateLimiters>,
    /// Which browser origins may call which routes.
    pub origins: Arc<Origins>,
    /// Opens `/admin` and `/api/v1/admin`.
    pub admin_token: Secret,
    /// Locks out client addresses that keep presenting wrong admin or metrics tokens.
    pub auth_throttle: Arc<AuthThrottle>,
    /// Proxies whose `X-Forwarded-For` names the client (see [`crate::guard::client_ip`]).
    pub trusted_proxies: Vec<IpNet>,
    /// When set, `/metrics` requires it as a bearer token.
    pub metrics_token: Option<Secret>,
    /// Base URL of this server as browsers reach it.
    pub public_url: String,
    pub clock: SharedClock,
    /// The dashboard's compiled templates.
    pub dashboard: Arc<frontline_shared::templates::Templates>,
    /// `[email]` is configured: handoffs open a mail thread and mail a receipt.
    pub mail_enabled: bool,
    /// `POST /api/v1/inbound/email`: on with `[email]` and `FRONTLINE_INBOUND_TOKEN`.
    pub inbound_mail: Option<InboundMailSettings>,
    /// `[privacy]`: what is masked in logs and the dashboard, and (`redact_in_store`)
    /// before storing.
    pub privacy: frontline_shared::config::PrivacySettings,
    /// `[attachments]`: file size and count limits.
    pub attachments: frontline_shared::config::AttachmentSettings,
    /// Signs and checks attachment download links (with the conversation-token key).
    pub attachment_links: frontline_shared::attachments::UrlSigner,
    /// `[auth.oidc]`: single sign-on to `/admin`, when configured.
    pub sso: Option<Arc<crate::sso::SsoClient>>,
    /// Ends live streams so graceful shutdown can finish.
    pub shutdown: frontline_shared::shutdown::Shutdown,
}
