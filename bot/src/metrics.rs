//! Prometheus metrics, served at `/metrics` on the bot's listener.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `frontline_bot_deliveries_total` | kind, outcome | outbox rows delivered or put back |
//! | `frontline_bot_retries_total` | reason | retries by cause (`rate_limited`, `unavailable`, …) |
//! | `frontline_bot_alert_latency_seconds` | platform | handoff stored → alert posted |
//! | `frontline_bot_claims_total` | platform, outcome | claim clicks won or refused |
//! | `frontline_bot_callbacks_total` | endpoint, outcome | signed callbacks accepted or refused |

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub kind: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PlatformLabel {
    pub platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClaimLabels {
    pub platform: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallbackLabels {
    pub endpoint: String,
    pub outcome: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~65 s
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// Every metric the bot exports, plus the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub deliveries: Family<DeliveryLabels, Counter>,
    pub retries: Family<ReasonLabel, Counter>,
    pub alert_latency: Family<PlatformLabel, Histogram, fn() -> Histogram>,
    pub claims: Family<ClaimLabels, Counter>,
    pub callbacks: Family<CallbackLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        let retries = Family::<ReasonLabel, Counter>::default();
        let alert_latency =
            Family::<PlatformLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let claims = Family::<ClaimLabels, Counter>::default();
        let callbacks = Family::<CallbackLabels, Counter>::default();
        registry.register(
            "frontline_bot_deliveries",
            "Outbox rows delivered (ok) or put back for a retry (retry)",
            deliveries.clone(),
        );
        registry.register(
            "frontline_bot_retries",
            "Delivery retries by reason",
            retries.clone(),
        );
        registry.register(
            "frontline_bot_alert_latency_seconds",
            "Time from a stored handoff to its alert being posted",
            alert_latency.clone(),
        );
        registry.register(
            "frontline_bot_claims",
            "Claim clicks by outcome",
            claims.clone(),
        );
        registry.register(
            "frontline_bot_callbacks",
            "Chat callbacks by endpoint and outcome",
            callbacks.clone(),
        );
        Metrics {
            registry,
            deliveries,
            retries,
            alert_latency,
            claims,
            callbacks,
        }
    }
}

impl Metrics {
    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%error, "metrics encoding failed");
        }
        out
    }

    pub fn delivered(&self, kind: &str, outcome: &str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                kind: kind.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn retried(&self, reason: &str) {
        self.retries
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn alert_posted(&self, platform: &str, seconds: f64) {
        self.alert_latency
            .get_or_create(&PlatformLabel {
                platform: platform.into(),
            })
            .observe(seconds);
    }

    pub fn claim(&self, platform: &str, outcome: &str) {
        self.claims
            .get_or_create(&ClaimLabels {
                platform: platform.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn callback(&self, endpoint: &str, outcome: &str) {
        self.callbacks
            .get_or_create(&CallbackLabels {
                endpoint: endpoint.into(),
                outcome: outcome.into(),
            })
            .inc();
    }
}
