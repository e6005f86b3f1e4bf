//! Prometheus metrics, served at `/metrics` in the text exposition format.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `frontline_http_requests_total` | route, method, status | requests answered |
//! | `frontline_http_request_duration_seconds` | route | latency histogram |
//! | `frontline_decisions_total` | site, decision | answer / suggest / handoff |
//! | `frontline_deflections_total` | site | questions answered by self-service |
//! | `frontline_feedback_total` | site, helpful | "did this help?" clicks |
//! | `frontline_handoffs_total` | site | escalations created |
//! | `frontline_live_streams` | | open SSE streams |

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub site: String,
    pub decision: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SiteLabel {
    pub site: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedbackLabels {
    pub site: String,
    pub helpful: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

/// Every metric the widget server exports, plus the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabel, Histogram, fn() -> Histogram>,
    pub decisions: Family<DecisionLabels, Counter>,
    pub deflections: Family<SiteLabel, Counter>,
    pub feedback: Family<FeedbackLabels, Counter>,
    pub handoffs: Family<SiteLabel, Counter>,
    pub live_streams: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabel, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        let deflections = Family::<SiteLabel, Counter>::default();
        let feedback = Family::<FeedbackLabels, Counter>::default();
        let handoffs = Family::<SiteLabel, Counter>::default();
        let live_streams = Gauge::default();
        registry.register(
            "frontline_http_requests",
            "HTTP requests answered",
            requests.clone(),
        );
        registry.register(
            "frontline_http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "frontline_decisions",
            "Matcher decisions by kind",
            decisions.clone(),
        );
        registry.register(
            "frontline_deflections",
            "Questions answered by self-service",
            deflections.clone(),
        );
        registry.register(
            "frontline_feedback",
            "Did-this-help feedback",
            feedback.clone(),
        );
        registry.register(
            "frontline_handoffs",
            "Escalations created",
            handoffs.clone(),
        );
        registry.register(
            "frontline_live_streams",
            "Open live event streams",
            live_streams.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            decisions,
            deflections,
            feedback,
            handoffs,
            live_streams,
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

    pub fn site(site: &str) -> SiteLabel {
        SiteLabel {
            site: site.to_string(),
        }
    }
}

/// Middleware counting requests and timing them by matched route.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .get_or_create(&RouteLabel {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
