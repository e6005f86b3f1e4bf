//! The question recorder: every `/ask` is written to the store in batches.
//!
//! `/ask` must be fast, and one transaction per question would cap it at the store's
//! commit rate. Handlers hand records to a writer task that commits whatever has queued
//! up in one transaction, at most once per [`COMMIT_INTERVAL`] (group commit): every
//! commit rewrites the pages it touched, so at moderate load, committing each trickle of
//! questions at once cost several times more store CPU per question than larger batches.
//! Anything that must see those rows (a handoff reading the transcript) calls
//! [`Recorder::flush`] first: the writer commits at once, and answers only after
//! everything queued before the flush is committed. While the store is down the writer
//! keeps its batch and retries; the queue is bounded, so `/ask` slows down instead of
//! growing memory without end.
//!
//! One row the store refuses (say a value PostgreSQL will not take) must not cost the
//! other customers their questions: a batch refused for any reason but an outage is
//! split in halves and each half written on its own, down to single rows (a few
//! transactions per bad row, not one per row). A single row still refused is logged at
//! `error` with its conversation and site, and dropped; every other row is kept, in order.
//!
//! A store that refuses writes as such ([`StoreError::is_read_only`]: a PostgreSQL standby
//! after a failover, `default_transaction_read_only`) would refuse every question from
//! then on, and this process's connections would stay on it: the writer ends with
//! [`RecorderError::ReadOnly`], and the supervised process exits non-zero so that its
//! supervisor restarts it, connecting afresh (start-up fails, naming the cause, for as
//! long as the store stays read-only).

use std::time::Duration;

use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::conversations::QuestionRecord;
use frontline_shared::store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

const QUEUE: usize = 16_384;
const BATCH: usize = 1_024;
/// The shortest time between two commits, unless a flush or a full batch asks for one.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(10);

/// Why the writer stopped before shutdown.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    #[error(
        "the store refuses writes, so no question can be recorded ({dropped} of the current \
         batch not recorded): {source}"
    )]
    ReadOnly {
        dropped: usize,
        #[source]
        source: StoreError,
    },
}

enum Command {
    Record(Box<QuestionRecord>),
    Flush(oneshot::Sender<()>),
}

/// Handle for handlers; cheap to clone.
#[derive(Clone, Debug)]
pub struct Recorder {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Record(_) => "Record",
            Command::Flush(_) => "Flush",
        })
    }
}

impl Recorder {
    /// Starts the writer task; it drains the queue and exits after shutdown, or fails when
    /// the store refuses writes (see the module's documentation).
    pub fn start(
        store: Store,
        shutdown: Shutdown,
    ) -> (Recorder, tokio::task::JoinHandle<Result<(), RecorderError>>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_loop(store, rx, shutdown));
        (Recorder { tx }, task)
    }

    /// Queues a record (waits only when the queue is full).
    pub async fn record(&self, record: QuestionRecord) {
        if self
            .tx
            .send(Command::Record(Box::new(record)))
            .await
            .is_err()
        {
            tracing::error!("question recorder stopped; record dropped");
        }
    }

    /// Returns once everything recorded before this call is committed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(
    store: Store,
    mut rx: mpsc::Receiver<Command>,
    mut shutdown: Shutdown,
) -> Result<(), RecorderError> {
    let mut batch: Vec<QuestionRecord> = Vec::with_capacity(BATCH);
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    let mut last_commit = Instant::now();
    loop {
        let first = tokio::select! {
            command = rx.recv() => command,
            _ = shutdown.wait(), if batch.is_empty() => { rx.close(); rx.recv().await }
        };
        let Some(first) = first else { return Ok(()) };
        take(first, &mut batch, &mut waiters);
        // Gather until the interval is up; once a flush waits, only what is queued now.
        let due = last_commit + COMMIT_INTERVAL;
        while batch.len() < BATCH {
            let next = if waiters.is_empty() {
                tokio::time::timeout_at(due, rx.recv()).await.ok().flatten()
            } else {
                rx.try_recv().ok()
            };
            let Some(command) = next else { break };
            take(command, &mut batch, &mut waiters);
        }
        write_with_retry(&store, &batch).await?;
        last_commit = Instant::now();
        batch.clear();
        for waiter in waiters.drain(..) {
            let _ = waiter.send(());
        }
    }
}

fn take(command: Command, batch: &mut Vec<QuestionRecord>, waiters: &mut Vec<oneshot::Sender<()>>) {
    match command {
        Command::Record(record) => batch.push(*record),
        Command::Flush(waiter) => waiters.push(waiter),
    }
}

async fn write_with_retry(store: &Store, batch: &[QuestionRecord]) -> Result<(), RecorderError> {
    // Parts still to write, the next one last; halves keep the questions' order.
    let mut pending = vec![batch];
    while let Some(part) = pending.pop() {
        match write_through_outages(store, part).await {
            Ok(()) => {}
            Err(source) if source.is_read_only() => {
                let dropped = part.len() + pending.iter().map(|p| p.len()).sum::<usize>();
                return Err(RecorderError::ReadOnly { dropped, source });
            }
            Err(error) => match part {
                [] => {}
                [record] => tracing::error!(
                    %error,
                    conversation = %record.conversation.id,
                    site = %record.conversation.site_id,
                    at_ms = record.at_ms,
                    "the store refused a question; it was dropped, the rest of its batch kept"
                ),
                _ => {
                    tracing::warn!(%error, records = part.len(), "the store refused a batch of questions; writing it in halves");
                    let (first, second) = part.split_at(part.len() / 2);
                    pending.push(second);
                    pending.push(first);
                }
            },
        }
    }
    Ok(())
}

/// Writes `batch` in one transaction, waiting out outages; any other error is returned.
async fn write_through_outages(
    store: &Store,
    batch: &[QuestionRecord],
) -> Result<(), frontline_shared::store::StoreError> {
    let mut delay = Duration::from_millis(50);
    loop {
        match store.record_questions(batch).await {
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, records = batch.len(), "store unavailable; retrying questions");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            result => return result,
        }
    }
}
