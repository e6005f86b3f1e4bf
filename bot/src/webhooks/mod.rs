//! Outbound webhooks: POSTs `webhook` outbox rows to their endpoint, signed, and records
//! every attempt for the dashboard's delivery log.
//!
//! - At least once: a row is completed only after a `2xx`; anything else (another status,
//!   a timeout, a refused destination) is retried by the delivery worker with exponential
//!   back-off from 10 s (see [`crate::delivery::retry`]), or when `Retry-After` says.
//!   Receivers deduplicate by the event `id` (also in `Frontline-Event-Id`).
//! - Ordered per escalation and endpoint: the outbox leases one row of a subject at a time.
//! - For [`RETRY_WINDOW`] after the event: a failure after that is its last try; the
//!   event is given up (its row completed, the attempt marked) and the endpoint shown
//!   failing in `/admin` until a delivery to it succeeds. Redelivery queues it again.
//! - An endpoint no longer configured has its rows dropped with a warning.
//!
//! # Layout
//! - [`signature`]: the `Frontline-Signature` header.
//! - [`guard`]: refusing loopback, private and link-local destinations at connect time.

pub mod guard;
pub mod signature;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use frontline_shared::config::{Secret, WebhookSettings};
use frontline_shared::contracts::outbox::WebhookJob;
use frontline_shared::store::outbox::OutboxRow;
use frontline_shared::store::webhooks::WebhookAttempt;
use frontline_shared::store::Store;
use frontline_shared::webhooks::endpoint_id;

use crate::error::DeliveryError;

/// How long after an event its delivery is retried before it is given up.
pub const RETRY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest wait for a receiver (connect, send, answer); shorter when the worker's call
/// timeout is shorter.
const MAX_CALL: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why one POST did not deliver an event.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("receiver answered {status}")]
    Status {
        status: u16,
        /// From the `Retry-After` header (seconds or an HTTP date), when given.
        retry_after: Option<Duration>,
    },
    #[error("destination refused: {0}")]
    Refused(#[from] guard::PrivateDestination),
    #[error("cannot reach the receiver: {0}")]
    Unreachable(String),
}

/// Why the webhooks cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSetupError {
    #[error("invalid configuration at `webhooks[{index}].secret_env`: {name} is not set")]
    MissingSecret { index: usize, name: String },
    #[error("cannot build the HTTP client for `webhooks[{index}]`: {source}")]
    Client {
        index: usize,
        source: reqwest::Error,
    },
}

/// The configured endpoints, by id.
#[derive(Debug, Default)]
pub struct Webhooks {
    endpoints: HashMap<String, Endpoint>,
}

#[derive(Debug)]
struct Endpoint {
    url: String,
    host: String,
    secret: Secret,
    allow_private: bool,
    client: reqwest::Client,
}

impl Webhooks {
    /// Clients for `[[webhooks]]`; each call gives up after `call_timeout` (at most 10 s).
    pub fn new(
        settings: &[WebhookSettings],
        call_timeout: Duration,
    ) -> Result<Webhooks, WebhookSetupError> {
        let mut endpoints = HashMap::new();
        for (index, webhook) in settings.iter().enumerate() {
            let secret =
                webhook
                    .secret
                    .clone()
                    .ok_or_else(|| WebhookSetupError::MissingSecret {
                        index,
                        name: webhook.secret_env.clone(),
                    })?;
            let client = reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT.min(call_timeout))
                .timeout(MAX_CALL.min(call_timeout.mul_f64(0.8)))
                .user_agent("Frontline-Webhooks/1")
                .dns_resolver(std::sync::Arc::new(guard::GuardedResolver {
                    allow_private: webhook.allow_private,
                }))
                .build()
                .map_err(|source| WebhookSetupError::Client { index, source })?;
            let host = reqwest::Url::parse(&webhook.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            endpoints.insert(
                endpoint_id(&webhook.url),
                Endpoint {
                    url: webhook.url.clone(),
                    host,
                    secret,
                    allow_private: webhook.allow_private,
                    client,
                },
            );
        }
        Ok(Webhooks { endpoints })
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Posts `job` once and records the attempt. `Ok` when delivered, or given up after
    /// its last try; an error asks the worker to retry.
    #[tracing::instrument(name = "webhook", skip_all, fields(endpoint = %job.endpoint, event = %job.event_id))]
    pub async fn deliver(
        &self,
        store: &Store,
        row: &OutboxRow,
        job: &WebhookJob,
    ) -> Result<(), DeliveryError> {
        let Some(endpoint) = self.endpoints.get(&job.endpoint) else {
            tracing::warn!("event for an endpoint no longer configured; dropped");
            return Ok(());
        };
        let attempted_at_ms = store.now_ms();
        let started = Instant::now();
        let result = endpoint.post(job).await;
        let window_ms = i64::try_from(RETRY_WINDOW.as_millis()).unwrap_or(i64::MAX);
        let gave_up = result.is_err() && store.now_ms() - row.created_at_ms >= window_ms;
        let status_code = match &result {
            Ok(status) | Err(WebhookError::Status { status, .. }) => Some(i64::from(*status)),
            Err(_) => None,
        };
        let attempt = WebhookAttempt {
            endpoint_id: job.endpoint.clone(),
            outbox_id: row.id,
            event_id: job.event_id.clone(),
            event_type: job.event_type.clone(),
            attempted_at_ms,
            status_code,
            error: result.as_ref().err().map(ToString::to_string),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            gave_up,
        };
        store.record_webhook_attempt(&attempt).await?;
        match result {
            Ok(_) => Ok(()),
            Err(error) if gave_up => {
                tracing::warn!(%error, attempts = row.attempts,
                    "last try failed; event given up and endpoint marked failing");
                Ok(())
            }
            Err(error) => Err(DeliveryError::Webhook(error)),
        }
    }
}

impl Endpoint {
    /// One signed POST; the status when it is `2xx`.
    async fn post(&self, job: &WebhookJob) -> Result<u16, WebhookError> {
        guard::check_literal(&self.host, self.allow_private)?;
        let now = jiff::Timestamp::now().as_second();
        let signature = signature::header_value(self.secret.expose().as_bytes(), now, &job.body);
        let response = self
            .client
            .post(&self.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, signature)
            .header("Frontline-Event-Id", &job.event_id)
            .header("Frontline-Event-Type", &job.event_type)
            .body(job.body.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        Err(WebhookError::Status {
            status: status.as_u16(),
            retry_after,
        })
    }
}

/// A failed request as a refusal (when the guard refused it) or as unreachable, with the
/// innermost cause (reqwest's own message names only the URL).
fn describe(error: reqwest::Error) -> WebhookError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut innermost = error.to_string();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<guard::PrivateDestination>() {
            return WebhookError::Refused(guard::PrivateDestination {
                host: refused.host.clone(),
                addresses: refused.addresses.clone(),
            });
        }
        innermost = cause.to_string();
        source = cause.source();
    }
    if error.is_timeout() {
        return WebhookError::Unreachable("timed out".into());
    }
    WebhookError::Unreachable(innermost)
}

/// `Retry-After` as seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let wait = at.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    Some(Duration::from_millis(
        u64::try_from(wait.max(0)).unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past: now"
        );
        assert_eq!(retry_after("soon"), None);
    }
}
