//! The HTTP listener both binaries serve their router with: `axum::serve`, plus the
//! limits a public listener needs against slow or greedy clients (`[server.limits]`).
//!
//! - a connection must send a request's headers within `header_timeout`, its body within
//!   `body_timeout`, and is closed after `idle_timeout` with nothing in flight;
//! - at most `max_connections` are open, at most `max_connections_per_ip` from one
//!   address; a connection over a cap is answered `503` at once and closed, so a flood
//!   holds no file descriptors and the listener keeps accepting;
//! - on stop, the listener closes, every connection finishes its requests and closes
//!   (graceful shutdown), then [`serve`] returns;
//! - handlers see the peer as `ConnectInfo<SocketAddr>`, as with
//!   `into_make_service_with_connect_info`;
//! - every request gets an `x-request-id` (echoed in the response) and a `request` span
//!   carrying it ([`request_trace`]).
//!
//! [`supervisor::run`] serves the router and the binary's background workers together: a
//! worker that ends stops the process with an error naming it.
//!
//! This crate is the HTTP edge shared by `widget-server` and `bot`; `shared` stays free of
//! HTTP crates.
//!
//! # Layout
//! - [`gate`]: the connection caps;
//! - [`activity`]: a connection's phases (headers, in flight, idle) and their deadlines;
//! - [`body`]: the request body's deadline, and the response body that keeps a request in
//!   flight (so an event stream is never idle);
//! - [`request_trace`]: request ids and the span per request;
//! - [`supervisor`]: the server and the named workers, run and stopped together;
//! - [`serve`]: the accept loop and one task per connection.

pub mod activity;
pub mod body;
pub mod gate;
pub mod request_trace;
pub mod supervisor;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use frontline_shared::config::{ConnectionLimits, IpNet};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::activity::{Activity, WatchedIo};
use crate::body::{Answer, DeadlineBody};
use crate::gate::{Admission, Gate};

/// What a refused connection reads before it is closed.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// How long, after `stop`, open connections may take to finish before they are cut (a
/// client that stops reading would otherwise hold the shutdown forever).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` within `limits` until `stop` resolves, then drains.
/// Connections from `trusted_proxies` are exempt from the per-IP cap: every client behind
/// a load balancer shares its address.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    trusted_proxies: &[IpNet],
    stop: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let router = request_trace::traced(router);
    let gate =
        Gate::new(limits.max_connections, limits.max_connections_per_ip).exempting(trusted_proxies);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Our own deadlines replace hyper's header timer (see `activity`).
    builder.http1().header_read_timeout(None);
    let builder = Arc::new(builder);
    let (stopping, stop_signal) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        while connections.try_join_next().is_some() {}
        let admission = match gate.admit(peer.ip()) {
            Ok(admission) => admission,
            Err(refusal) => {
                tracing::debug!(%peer, ?refusal, "connection refused");
                refuse(stream);
                continue;
            }
        };
        connections.spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits,
            Arc::clone(&builder),
            admission,
            stop_signal.clone(),
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open {SHUTDOWN_GRACE:?} after stop; closing them"
        );
        connections.abort_all();
    }
    Ok(())
}

/// Answers 503 if the socket takes it at once (never waits on the client), then closes.
/// What the client already sent is read and dropped first: closing a socket with unread
/// bytes makes the kernel send a reset, which can discard the 503 before the client
/// reads it.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(REFUSED);
    let mut unread = [0u8; 4096];
    for _ in 0..4 {
        match stream.try_read(&mut unread) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}

/// Connection errors (the peer gave up) are routine; others (out of file descriptors)
/// get a pause so the loop does not spin, as `axum::serve` does.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accept failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    builder: Arc<auto::Builder<TokioExecutor>>,
    _admission: Admission,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::new(tokio::time::Instant::now());
    let io = TokioIo::new(WatchedIo::new(stream, Arc::clone(&activity)));
    let requests = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let in_flight = requests.request_started();
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(ConnectInfo(peer));
        let body = if http_body::Body::is_end_stream(&body) {
            axum::body::Body::new(body)
        } else {
            axum::body::Body::new(DeadlineBody::new(body, limits.body_timeout))
        };
        let router = router.clone();
        async move {
            let response = match router
                .oneshot(hyper::Request::from_parts(parts, body))
                .await
            {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(response.map(|body| Answer::new(body, in_flight)))
        }
    });
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = *stop.borrow();
    if draining {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        let deadline = activity.deadline(&limits);
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            () = sleep_until(deadline) => {
                if activity.deadline(&limits).is_some_and(|d| d <= tokio::time::Instant::now()) {
                    tracing::debug!(%peer, "closing a slow or idle connection");
                    return;
                }
            }
            () = activity.changed() => {}
            changed = stop.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
