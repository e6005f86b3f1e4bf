//! What one connection is doing, and by when it must have done it.
//!
//! A connection is in one of three phases:
//! - **headers**: from its start, or from the first byte after an idle pause, until a
//!   request's headers are complete; it must end within `header_timeout`;
//! - **in flight**: at least one request is being handled or its response (a live event
//!   stream, too) is being sent; no deadline here (the body has its own, see
//!   [`crate::body`]);
//! - **idle**: every response is sent and no byte of a next request has come; it must end
//!   within `idle_timeout`.
//!
//! hyper's own `header_read_timeout` cannot tell the first and last phases apart (its
//! timer runs from the moment the connection waits for a next request), so the
//! connection task watches this state instead and drops a connection past its deadline.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use frontline_shared::config::ConnectionLimits;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Shared between a connection's task, its requests and its socket.
#[derive(Debug)]
pub struct Activity {
    times: Mutex<Times>,
    /// Set while idle: the next byte read starts the headers phase.
    awaiting_bytes: AtomicBool,
    /// Signals a change of deadline to the connection task.
    changed: Notify,
}

#[derive(Debug)]
struct Times {
    in_flight: usize,
    /// When the headers phase began (`None` while idle or in flight).
    headers_since: Option<Instant>,
    idle_since: Instant,
}

impl Activity {
    /// A new connection, in its headers phase from `now`.
    pub fn new(now: Instant) -> Arc<Self> {
        Arc::new(Activity {
            times: Mutex::new(Times {
                in_flight: 0,
                headers_since: Some(now),
                idle_since: now,
            }),
            awaiting_bytes: AtomicBool::new(false),
            changed: Notify::new(),
        })
    }

    fn times(&self) -> std::sync::MutexGuard<'_, Times> {
        self.times.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When the connection must be closed if nothing changes; `None` while in flight.
    pub fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let times = self.times();
        if times.in_flight > 0 {
            return None;
        }
        Some(match times.headers_since {
            Some(since) => since + limits.header_timeout,
            None => times.idle_since + limits.idle_timeout,
        })
    }

    /// Resolves when the deadline may have changed.
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    /// A request's headers are complete: the connection is in flight until the returned
    /// guard (kept with the response body) is dropped.
    pub fn request_started(self: &Arc<Self>) -> InFlight {
        let mut times = self.times();
        times.in_flight += 1;
        times.headers_since = None;
        self.awaiting_bytes.store(false, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    fn bytes_read(&self) {
        if self.awaiting_bytes.swap(false, Ordering::Relaxed) {
            let mut times = self.times();
            if times.in_flight == 0 && times.headers_since.is_none() {
                times.headers_since = Some(Instant::now());
                drop(times);
                self.changed.notify_one();
            }
        }
    }
}

/// A request being handled or answered; dropping the last one makes the connection idle.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        let mut times = activity.times();
        times.in_flight = times.in_flight.saturating_sub(1);
        if times.in_flight == 0 {
            times.idle_since = Instant::now();
            activity.awaiting_bytes.store(true, Ordering::Relaxed);
            drop(times);
            activity.changed.notify_one();
        }
    }
}

pin_project_lite::pin_project! {
    /// A socket that reports reads to its connection's [`Activity`].
    #[derive(Debug)]
    pub struct WatchedIo<T> {
        #[pin]
        io: T,
        activity: Arc<Activity>,
    }
}

impl<T> WatchedIo<T> {
    pub fn new(io: T, activity: Arc<Activity>) -> Self {
        WatchedIo { io, activity }
    }
}

impl<T: AsyncRead> AsyncRead for WatchedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.io.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.project().io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.project().io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(2),
            body_timeout: Duration::from_secs(3),
            idle_timeout: Duration::from_secs(10),
            max_connections: 10,
            max_connections_per_ip: 10,
        }
    }

    #[tokio::test]
    async fn headers_then_in_flight_then_idle_then_headers_again() {
        let start = Instant::now();
        let activity = Activity::new(start);
        assert_eq!(
            activity.deadline(&limits()),
            Some(start + Duration::from_secs(2)),
            "a new connection must send its headers in time"
        );
        let request = activity.request_started();
        assert_eq!(activity.deadline(&limits()), None, "in flight: no deadline");
        let second = activity.request_started();
        drop(request);
        assert_eq!(
            activity.deadline(&limits()),
            None,
            "one request still in flight"
        );
        let before_idle = Instant::now();
        drop(second);
        let idle = activity.deadline(&limits()).expect("idle");
        assert!(
            idle >= before_idle + Duration::from_secs(10)
                && idle <= Instant::now() + Duration::from_secs(10),
            "idle: the idle timeout runs"
        );

        let (mut client, server) = tokio::io::duplex(64);
        let mut watched = WatchedIo::new(server, Arc::clone(&activity));
        client.write_all(b"GET").await.expect("write");
        let mut buf = [0u8; 8];
        let before_read = Instant::now();
        let read = tokio::io::AsyncReadExt::read(&mut watched, &mut buf)
            .await
            .expect("read");
        assert_eq!(read, 3);
        let headers = activity.deadline(&limits()).expect("reading headers");
        assert!(
            headers >= before_read + Duration::from_secs(2)
                && headers <= Instant::now() + Duration::from_secs(2),
            "the first byte after idling starts the headers phase"
        );
    }
}
