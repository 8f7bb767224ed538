//! [`Outbox`]: one thread's Redis commands waiting to leave together, in one pipeline.
//!
//! Every request a worker has in flight asks its claim in the same tick; sending each as an
//! operation of its own costs the client a channel hop, a timer and a reply slot apiece.
//! Queued here, they leave as one pipeline from one task spawned for the lot, and each asker
//! gets its own answers back. Writes nobody waits for (a message's published answer, read
//! only by an instance that gets WeChat's retry, seconds later) ride with the next asks, or
//! leave on their own within [`WRITE_WITHIN`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::{Cmd, Pipeline, Value};
use tokio::sync::oneshot;

use super::{Link, is_outage};
use crate::store::StoreError;

/// How long a write may wait for asks to ride with before it leaves on its own.
pub(super) const WRITE_WITHIN: Duration = Duration::from_millis(2);

/// Where an asker gets the answers to its commands, in their order.
pub(super) type Answers = oneshot::Sender<Result<Vec<Value>, StoreError>>;

/// Commands waiting to leave: the pipeline that will carry them, built as they come.
#[derive(Debug, Default)]
pub(super) struct Queued {
    /// Every command queued, in order; the writes' answers are ignored.
    pub(super) pipe: Pipeline,
    /// Each ask in order: how many of the answers are its, and where they go.
    pub(super) asks: Vec<(usize, Answers)>,
}

/// One thread's queue, and which flushes of it are already scheduled.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    queued: Mutex<Queued>,
    /// A flush is spawned and will run as soon as the thread is free.
    soon: AtomicBool,
    /// A flush waits [`WRITE_WITHIN`] for asks to ride with.
    within: AtomicBool,
}

/// Which flush to schedule, if any, after queueing.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flush {
    /// One is already scheduled that will take this.
    None,
    /// At once (there are answers to wait for).
    Soon,
    /// After [`WRITE_WITHIN`].
    Within,
}

impl Outbox {
    /// Queues a write; the flush to schedule.
    pub(super) fn write(&self, command: Cmd) -> Flush {
        self.lock().pipe.add_command(command).ignore();
        if self.soon.load(Ordering::Acquire) || self.within.swap(true, Ordering::AcqRel) {
            return Flush::None;
        }
        Flush::Within
    }

    /// Queues `commands`, whose answers go to `answers`; the flush to schedule.
    pub(super) fn ask<const N: usize>(&self, commands: [Cmd; N], answers: Answers) -> Flush {
        // An ask of nothing would leave an empty pipeline, which is never sent nor answered.
        const { assert!(N > 0, "an ask has commands") };
        let mut queued = self.lock();
        for command in commands {
            queued.pipe.add_command(command);
        }
        queued.asks.push((N, answers));
        drop(queued);
        match self.soon.swap(true, Ordering::AcqRel) {
            true => Flush::None,
            false => Flush::Soon,
        }
    }

    /// Takes everything queued, for the flush of kind `flush` now running.
    pub(super) fn take(&self, flush: &Flush) -> Queued {
        // Cleared before taking: whatever is queued after this schedules a flush of its own.
        match flush {
            Flush::Soon => self.soon.store(false, Ordering::Release),
            Flush::Within => self.within.store(false, Ordering::Release),
            Flush::None => {}
        }
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queued> {
        // Adding a command cannot panic halfway: a poisoned lock still holds whole commands.
        self.queued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Link {
    /// Sends `command`, whose answer nobody needs, with this thread's next asks, or on its own
    /// within [`WRITE_WITHIN`]. While Redis is down it is dropped, as a write is.
    pub(in crate::store::redis) fn later(self: &Arc<Self>, command: Cmd) {
        if self.is_up() {
            let (outbox, flush) = self.local(|local| {
                let outbox = Arc::clone(&local.outbox);
                let flush = outbox.write(command);
                (outbox, flush)
            });
            self.schedule(outbox, flush);
        }
    }

    /// The answers to `commands`, sent in one pipeline with every other ask this thread
    /// makes meanwhile (see [`Outbox`]), within the time limit of one operation.
    pub(in crate::store::redis) async fn ask<const N: usize>(
        self: &Arc<Self>,
        commands: [Cmd; N],
    ) -> Result<Vec<Value>, StoreError> {
        if !self.is_up() {
            return Err(StoreError::Down);
        }
        let (answers, answered) = oneshot::channel();
        let (outbox, flush) = self.local(|local| {
            let outbox = Arc::clone(&local.outbox);
            let flush = outbox.ask(commands, answers);
            (outbox, flush)
        });
        self.schedule(outbox, flush);
        // No answer at all: the flush's runtime is shutting down.
        answered.await.unwrap_or(Err(StoreError::Down))
    }

    fn schedule(self: &Arc<Self>, outbox: Arc<Outbox>, flush: Flush) {
        if flush == Flush::None {
            return;
        }
        let link = Arc::clone(self);
        tokio::spawn(async move {
            if flush == Flush::Within {
                tokio::time::sleep(WRITE_WITHIN).await;
            }
            let queued = outbox.take(&flush);
            link.flush(queued).await;
        });
    }

    /// Sends `queued` in one pipeline: each ask gets its answers, the writes' are ignored.
    async fn flush(self: &Arc<Self>, queued: Queued) {
        let Queued { mut pipe, asks } = queued;
        if pipe.is_empty() {
            return;
        }
        // One command refused (a key of another type) fails only its asker, not the lot.
        pipe.ignore_errors();
        let sent =
            self.with(|mut connection| async move {
                pipe.query_async::<Vec<Value>>(&mut connection).await
            })
            .await;
        match sent {
            Ok(values) => {
                if let Some(err) = values.iter().filter_map(refusal).find(is_outage) {
                    self.went_down(&err.to_string());
                    for (_, answers) in asks {
                        let _ = answers.send(Err(StoreError::Down));
                    }
                    return;
                }
                let mut values = values.into_iter();
                for (n, answers) in asks {
                    let mine: Vec<Value> = values.by_ref().take(n).collect();
                    let answer = match mine.iter().find_map(refusal) {
                        Some(err) => {
                            tracing::warn!(url = %self.shown, "store: redis refused a command: {err}");
                            Err(err.into())
                        }
                        None => Ok(mine),
                    };
                    let _ = answers.send(answer);
                }
            }
            // Logged once by `with`; each asker answers from local state.
            Err(_) => {
                for (_, answers) in asks {
                    let _ = answers.send(Err(StoreError::Down));
                }
            }
        }
    }
}

/// The error a command's answer carries, if it is one.
fn refusal(value: &Value) -> Option<redis::RedisError> {
    match value {
        Value::ServerError(err) => Some(err.clone().into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::{Flush, Outbox};

    #[test]
    fn one_flush_is_scheduled_for_however_many_commands() {
        let outbox = Outbox::default();
        assert_eq!(outbox.write(redis::cmd("SET")), Flush::Within);
        assert_eq!(
            outbox.write(redis::cmd("SET")),
            Flush::None,
            "rides with it"
        );
        assert_eq!(
            outbox.ask([redis::cmd("GET")], oneshot::channel().0),
            Flush::Soon
        );
        assert_eq!(
            outbox.ask([redis::cmd("GET")], oneshot::channel().0),
            Flush::None
        );
        let queued = outbox.take(&Flush::Soon);
        assert_eq!(
            (queued.pipe.len(), queued.asks.len()),
            (4, 2),
            "all leave at once"
        );
        assert_eq!(
            outbox.ask([redis::cmd("GET")], oneshot::channel().0),
            Flush::Soon,
            "a new lot"
        );
        assert_eq!(
            outbox.write(redis::cmd("SET")),
            Flush::None,
            "the writes' flush is due"
        );
        let lot = outbox.take(&Flush::Within);
        assert_eq!(
            (lot.pipe.len(), lot.asks.len()),
            (2, 1),
            "the flush that runs first takes everything"
        );
        assert_eq!(
            outbox.write(redis::cmd("SET")),
            Flush::None,
            "asks are due: it rides"
        );
    }
}
