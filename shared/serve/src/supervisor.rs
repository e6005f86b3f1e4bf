//! A binary's server and its background workers, run together and supervised.
//!
//! Each worker (the question recorder, the outbox, a listener, a scheduler, a reloader…)
//! runs as a task with a name in [`Workers`]. [`run`] serves the router and waits for
//! whichever comes first: `stop` (SIGTERM, Ctrl-C), or a worker that ends. Either way the
//! server drains and every worker is told to stop and awaited. A worker that ended on
//! its own — returned, failed or panicked — is logged by name and returned as a
//! [`WorkerStopped`] error, so the process exits non-zero and its supervisor (systemd,
//! Kubernetes, Docker) restarts it rather than leaving it running without, say, its
//! outbox.

use std::collections::HashMap;
use std::future::Future;

use axum::Router;
use frontline_shared::config::{ConnectionLimits, IpNet};
use frontline_shared::shutdown::ShutdownTrigger;
use tokio::net::TcpListener;
use tokio::task::{Id, JoinError, JoinSet};

/// Why a binary stopped other than by its `stop` signal.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the listener failed: {0}")]
    Serve(#[from] std::io::Error),
    #[error(transparent)]
    Worker(#[from] WorkerStopped),
}

/// Serves `router` on `listener` (see [`serve`](crate::serve)) and runs `workers` until
/// `stop` resolves or a worker ends, whichever comes first; then triggers `shutdown`
/// (workers watch it), drains the connections and waits for every worker. `Ok` only
/// when `stop` ended it and no worker failed or panicked.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    trusted_proxies: &[IpNet],
    mut workers: Workers,
    shutdown: ShutdownTrigger,
    stop: impl Future<Output = ()>,
) -> Result<(), RunError> {
    let mut draining = shutdown.subscribe();
    let server = crate::serve(listener, router, limits, trusted_proxies, async move {
        draining.wait().await
    });
    tokio::pin!(server, stop);
    let mut stopped = None;
    let served = tokio::select! {
        served = &mut server => Some(served),
        () = &mut stop => None,
        worker = workers.next_stopped() => {
            tracing::error!(worker = worker.name, error = %worker.ending,
                "a worker stopped; shutting down so that the process is restarted");
            stopped = Some(worker);
            None
        }
    };
    shutdown.trigger();
    let served = match served {
        Some(served) => served,
        None => server.await,
    };
    let failed_while_stopping = workers.join_all().await;
    served?;
    match stopped.or(failed_while_stopping) {
        Some(worker) => Err(worker.into()),
        None => Ok(()),
    }
}

/// What a fallible worker fails with.
pub type WorkerError = Box<dyn std::error::Error + Send + Sync>;

/// Background tasks, each with a name for the logs.
#[derive(Debug, Default)]
pub struct Workers {
    tasks: JoinSet<Result<(), WorkerError>>,
    names: HashMap<Id, &'static str>,
}

/// How a worker ended.
#[derive(Debug, thiserror::Error)]
pub enum Ending {
    #[error("stopped")]
    Returned,
    #[error("failed: {0}")]
    Failed(#[source] WorkerError),
    #[error("panicked: {0}")]
    Panicked(String),
}

/// A worker that ended, by name.
#[derive(Debug, thiserror::Error)]
#[error("worker `{name}` {ending}")]
pub struct WorkerStopped {
    pub name: &'static str,
    #[source]
    pub ending: Ending,
}

impl Workers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `worker` as a task named `name` (it should end only at shutdown).
    pub fn spawn(&mut self, name: &'static str, worker: impl Future<Output = ()> + Send + 'static) {
        self.spawn_fallible(name, async move {
            worker.await;
            Ok::<(), WorkerError>(())
        });
    }

    /// Runs `worker`, which may end with an error, as a task named `name`.
    pub fn spawn_fallible<E>(
        &mut self,
        name: &'static str,
        worker: impl Future<Output = Result<(), E>> + Send + 'static,
    ) where
        E: Into<WorkerError>,
    {
        let task = self
            .tasks
            .spawn(async move { worker.await.map_err(Into::into) });
        self.names.insert(task.id(), name);
    }

    /// How many are running.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The next worker to end; never resolves while none is left (cancel-safe).
    pub async fn next_stopped(&mut self) -> WorkerStopped {
        match self.tasks.join_next_with_id().await {
            Some(joined) => self.named(joined),
            None => std::future::pending().await,
        }
    }

    /// Waits for every worker (after shutdown was triggered); returns the first that
    /// failed or panicked meanwhile, after logging each of them.
    pub async fn join_all(mut self) -> Option<WorkerStopped> {
        let mut first = None;
        while let Some(joined) = self.tasks.join_next_with_id().await {
            let stopped = self.named(joined);
            if matches!(stopped.ending, Ending::Returned) {
                continue;
            }
            tracing::error!(worker = stopped.name, error = %stopped.ending, "worker failed while stopping");
            first.get_or_insert(stopped);
        }
        first
    }

    fn named(&mut self, joined: Result<(Id, Result<(), WorkerError>), JoinError>) -> WorkerStopped {
        let (id, ending) = match joined {
            Ok((id, Ok(()))) => (id, Ending::Returned),
            Ok((id, Err(error))) => (id, Ending::Failed(error)),
            Err(error) => (error.id(), Ending::Panicked(panic_message(error))),
        };
        let name = self.names.remove(&id).unwrap_or("unnamed");
        WorkerStopped { name, ending }
    }
}

fn panic_message(error: JoinError) -> String {
    if !error.is_panic() {
        return error.to_string();
    }
    let payload = error.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use axum::routing::get;
    use frontline_shared::config::Limits;
    use frontline_shared::shutdown::{self, Shutdown};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::oneshot;

    use super::*;

    /// The status line of `GET /` on `addr`.
    async fn get_status(addr: std::net::SocketAddr) -> std::io::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
            .await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok(answer.lines().next().unwrap_or_default().to_string())
    }

    struct Running {
        addr: std::net::SocketAddr,
        stop: oneshot::Sender<()>,
        ran: tokio::task::JoinHandle<Result<(), RunError>>,
        steady_stopped: Arc<AtomicBool>,
    }

    /// `run` on port 0 with a worker `steady` that runs until shutdown, and `flaky`.
    async fn start<F>(flaky: impl FnOnce(Shutdown) -> F) -> Running
    where
        F: Future<Output = Result<(), std::io::Error>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = Router::new().route("/", get(|| async { "up" }));
        let (trigger, shutdown) = shutdown::channel();
        let steady_stopped = Arc::new(AtomicBool::new(false));
        let mut workers = Workers::new();
        let (mut steady, stopped) = (shutdown.clone(), Arc::clone(&steady_stopped));
        workers.spawn("steady", async move {
            steady.wait().await;
            stopped.store(true, Ordering::SeqCst);
        });
        workers.spawn_fallible("flaky", flaky(shutdown));
        let (stop, stopped) = oneshot::channel::<()>();
        let limits = Limits::default().connections();
        let ran = tokio::spawn(async move {
            run(
                listener,
                router,
                limits,
                &[],
                workers,
                trigger,
                async move {
                    let _ = stopped.await;
                },
            )
            .await
        });
        Running {
            addr,
            stop,
            ran,
            steady_stopped,
        }
    }

    #[tokio::test]
    async fn a_worker_that_panics_stops_the_server_and_the_others_naming_it() {
        let (go, went) = oneshot::channel::<()>();
        let running = start(|_| async move {
            let _ = went.await;
            panic!("the outbox lost its mind");
        })
        .await;
        let status = get_status(running.addr).await.expect("serving");
        assert!(status.contains("200"), "{status}");
        go.send(()).expect("the worker waits");
        match running.ran.await.expect("run returns") {
            Err(RunError::Worker(WorkerStopped {
                name: "flaky",
                ending: Ending::Panicked(message),
            })) => assert_eq!(message, "the outbox lost its mind"),
            other => panic!("expected the panicking worker by name, got {other:?}"),
        }
        assert!(
            running.steady_stopped.load(Ordering::SeqCst),
            "the other worker was stopped"
        );
        assert!(
            get_status(running.addr).await.is_err(),
            "the listener is closed"
        );
    }

    #[tokio::test]
    async fn a_worker_that_fails_or_returns_is_reported_with_its_reason() {
        let (go, went) = oneshot::channel::<()>();
        let running = start(|_| async move {
            let _ = went.await;
            Err(std::io::Error::other("token revoked"))
        })
        .await;
        go.send(()).expect("the worker waits");
        let error = running.ran.await.expect("run returns").expect_err("failed");
        assert_eq!(error.to_string(), "worker `flaky` failed: token revoked");

        let (go, went) = oneshot::channel::<()>();
        let running = start(|_| async move {
            let _ = went.await;
            Ok(())
        })
        .await;
        go.send(()).expect("the worker waits");
        let error = running.ran.await.expect("run returns").expect_err("ended");
        assert_eq!(error.to_string(), "worker `flaky` stopped");
    }

    #[tokio::test]
    async fn stop_drains_and_stops_every_worker_and_is_not_an_error() {
        let running = start(|mut shutdown| async move {
            shutdown.wait().await;
            Ok(())
        })
        .await;
        let status = get_status(running.addr).await.expect("serving");
        assert!(status.contains("200"), "{status}");
        running.stop.send(()).expect("running");
        running
            .ran
            .await
            .expect("run returns")
            .expect("a clean stop");
        assert!(running.steady_stopped.load(Ordering::SeqCst));
        assert!(get_status(running.addr).await.is_err());
    }
}
