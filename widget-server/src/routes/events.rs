//! `GET /api/v1/conversations/{id}/events`: the conversation's live stream (SSE).
//!
//! On connect the stream replays events after `Last-Event-ID` (or `?after=`, or from the
//! start), then waits for the hub's wake-ups and re-reads the store. Every event carries
//! its store id, so a reconnecting browser resumes exactly where it stopped. Events are
//! de-duplicated by id, and each read looks a few seconds back so that an event
//! committed late by a concurrent transaction (possible on PostgreSQL) is still sent.
//! An agent's `message` with files lists them as `attachments`, each with a `url` signed
//! as the event is sent (so a replay long after never carries an expired link).
//!
//! Streams are capped (`[server.limits]`): a conversation keeps its newest
//! `streams_per_conversation` streams (a reload replaces the oldest), and one client IP
//! may hold `streams_per_ip` (more are refused with `429` and `Retry-After`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use frontline_shared::contracts::Contract;
use futures_util::Stream;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::guard::client_ip::ClientIp;
use crate::guard::token::BearerToken;
use crate::hub::{Signal, StreamCaps};
use crate::state::AppState;

/// How long a late commit may trail an event with a higher id.
const LOOK_BACK_MS: i64 = 5_000;
/// Re-read even without a wake-up this often.
const SAFETY_POLL: Duration = Duration::from_secs(5);
/// With `[email]`, an open stream notes that the customer is watching this often (an
/// agent's reply is mailed only to a customer who is not).
const WATCH_MARK_MS: i64 = 30_000;
/// `Retry-After` when a client holds too many streams.
const STREAMS_RETRY_AFTER_SECS: u64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The conversation token (EventSource cannot send headers).
    pub token: Option<String>,
    /// Resume after this event id (as `Last-Event-ID`).
    pub after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/events", tag = "conversation",
    params(("id" = String, Path, description = "conversation id"), EventsQuery),
    responses((status = 200, description = "text/event-stream of `message` and `status` events; a final `replaced` event when a newer stream of the conversation ends this one (do not reconnect)"),
              (status = 401, body = ErrorBody),
              (status = 429, description = "too many live streams from this address", body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    token: BearerToken,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // The only route that takes `?token=`: `EventSource` cannot send a header.
    token.or(query.token).authorize(&state, &id)?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(query.after)
        .unwrap_or(0);
    let caps = StreamCaps {
        per_conversation: state.limits.streams_per_conversation,
        per_ip: state.limits.streams_per_ip,
    };
    let mut subscription = state
        .hub
        .open(&id, ip, caps)
        .map_err(|_| ApiError::RateLimited {
            retry_after_secs: STREAMS_RETRY_AFTER_SECS,
        })?;
    let gauge = StreamGauge::new(&state);
    let stream = async_stream::stream! {
        let _gauge = gauge;
        let mut shutdown = state.shutdown.clone();
        let mut floor = after;
        let mut sent: BTreeMap<i64, i64> = BTreeMap::new();
        let mut marked_at: Option<i64> = None;
        loop {
            let read_at = state.clock.now_ms();
            match state.store.conversation_events(&id, floor).await {
                Ok(events) => {
                    let fresh = events.iter().any(|e| !sent.contains_key(&e.id));
                    let due = marked_at.is_none_or(|at| read_at - at >= WATCH_MARK_MS);
                    if state.mail_enabled && (fresh || due) {
                        if let Err(error) = state.store.mark_watched(&id, read_at).await {
                            tracing::warn!(%error, "cannot note the watching customer");
                        }
                        marked_at = Some(read_at);
                    }
                    for stored in events {
                        if sent.insert(stored.id, stored.at_ms).is_some() {
                            continue;
                        }
                        let data = super::attachments::event_data(&state, &id, &stored.event).to_string();
                        yield Ok(Event::default().id(stored.id.to_string()).event(stored.event.kind()).data(data));
                    }
                    // Ids older than the look-back window can no longer be overtaken.
                    let settled = state.clock.now_ms() - LOOK_BACK_MS;
                    while let Some((&id, &at)) = sent.first_key_value() {
                        if at >= settled || sent.len() <= 1 { break; }
                        floor = floor.max(id);
                        sent.remove(&id);
                    }
                }
                Err(error) => tracing::warn!(%error, "event stream read failed"),
            }
            tokio::select! {
                signal = subscription.next() => {
                    if signal == Signal::Replaced {
                        // Tell the widget not to reconnect: a newer tab or reload has the
                        // conversation, and reconnecting would end that one in turn.
                        yield Ok(Event::default().event("replaced").data("{}"));
                        break;
                    }
                }
                _ = tokio::time::sleep(SAFETY_POLL) => {}
                _ = shutdown.wait() => break,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Counts open streams in `frontline_live_streams`.
struct StreamGauge(std::sync::Arc<crate::metrics::Metrics>);

impl StreamGauge {
    fn new(state: &AppState) -> Self {
        state.metrics.live_streams.inc();
        StreamGauge(std::sync::Arc::clone(&state.metrics))
    }
}

impl Drop for StreamGauge {
    fn drop(&mut self) {
        self.0.live_streams.dec();
    }
}
