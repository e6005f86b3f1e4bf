//! Prometheus metrics, served at `/metrics` in the text exposition format.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `frontline_http_requests_total` | route, method (`other` for non-standard ones), status | requests answered |
//! | `frontline_http_request_duration_seconds` | route | latency histogram |
//! | `frontline_decisions_total` | site, decision | answer / suggest / clarify / handoff |
//! | `frontline_deflections_total` | site | questions answered by self-service |
//! | `frontline_feedback_total` | site, helpful | "did this help?" clicks |
//! | `frontline_handoffs_total` | site | escalations created |
//! | `frontline_live_streams` | | open SSE streams |

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use pin_project_lite::pin_project;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: Arc<str>,
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: Arc<str>,
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

/// Counts requests and times them by matched route. A plain service rather than
/// `middleware::from_fn` (which boxes a future and clones the inner service for every
/// request): it only wraps the inner future, and records when the response is ready.
#[derive(Clone, Debug)]
pub struct TrackLayer {
    metrics: Arc<Metrics>,
}

impl TrackLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        TrackLayer { metrics }
    }
}

impl<S> Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// See [`TrackLayer`].
#[derive(Clone, Debug)]
pub struct Track<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Track<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route: Arc<str> = match request.extensions().get::<MatchedPath>() {
            Some(path) => Arc::from(path.as_str()),
            None => Arc::from("unmatched"),
        };
        let method = method_label(request.method());
        Tracked {
            inner: self.inner.call(request),
            metrics: Arc::clone(&self.metrics),
            route,
            method,
            started: Instant::now(),
        }
    }
}

pin_project! {
    /// The inner response future, recorded when it completes.
    pub struct Tracked<F> {
        #[pin]
        inner: F,
        metrics: Arc<Metrics>,
        route: Arc<str>,
        method: &'static str,
        started: Instant,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            this.metrics
                .latency
                .get_or_create(&RouteLabel {
                    route: Arc::clone(this.route),
                })
                .observe(this.started.elapsed().as_secs_f64());
            this.metrics
                .requests
                .get_or_create(&RequestLabels {
                    route: Arc::clone(this.route),
                    method: this.method,
                    status: response.status().as_u16(),
                })
                .inc();
        }
        Poll::Ready(result)
    }
}

/// The method as a label: the standard ones by name, anything else as `other`, so
/// made-up methods cannot add series without end.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    STANDARD
        .into_iter()
        .find(|name| *name == method.as_str())
        .unwrap_or("other")
}
