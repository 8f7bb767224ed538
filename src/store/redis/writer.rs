//! Writes nobody waits for (a message's answer, published for retries that may reach another
//! instance), queued and sent by one task as a pipeline: one command's cost on the client for
//! a batch, not for each message. Best effort, like every store write: a full queue or a
//! Redis that is down drops them (a retry elsewhere then answers `success`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::link::Link;
use super::set;

/// Writes waiting for the writer; more are dropped (with a log line).
const QUEUE: usize = 4096;
/// At most this many writes in one pipeline.
const BATCH: usize = 256;

/// One `SET key value PX ttl`.
#[derive(Debug)]
pub(super) struct Write {
    pub(super) key: String,
    pub(super) value: String,
    pub(super) ttl: Duration,
}

/// The queue's sending end; the writer task runs until every sender is gone.
#[derive(Debug)]
pub(super) struct Writer {
    queue: mpsc::Sender<Write>,
}

impl Writer {
    /// Starts the writer task on the current runtime.
    pub(super) fn start(link: Arc<Link>) -> Self {
        let (queue, writes) = mpsc::channel(QUEUE);
        tokio::spawn(write_behind(link, writes));
        Self { queue }
    }

    /// Queues `write`; a full queue drops it.
    pub(super) fn push(&self, write: Write) {
        if self.queue.try_send(write).is_err() {
            tracing::warn!("store: redis write queue full; an answer was not published");
        }
    }
}

/// Sends what has queued, a pipeline at a time.
async fn write_behind(link: Arc<Link>, mut writes: mpsc::Receiver<Write>) {
    let mut batch = Vec::with_capacity(BATCH);
    while writes.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for write in batch.drain(..) {
            pipe.add_command(set(&write.key, &write.value, write.ttl))
                .ignore();
        }
        let sent = link
            .with(|mut connection| async move { pipe.query_async::<()>(&mut connection).await })
            .await;
        // Failures are the link's to log (an outage once); nothing to retry here.
        drop(sent);
    }
}
