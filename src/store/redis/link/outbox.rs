//! [`Outbox`]: one thread's Redis commands waiting to leave together, in one pipeline.
//!
//! Every request a worker has in flight asks its claim in the same tick; sending each as an
//! operation of its own costs the client a channel hop, a timer and a reply slot apiece.
//! Queued here, they leave as one pipeline from one task spawned for the lot, and each asker
//! gets its own answers back. Writes nobody waits for (a message's published answer, read
//! only by an instance that gets WeChat's retry, seconds later) ride with the next asks, or
//! leave on their own within [`WRITE_WITHIN`]. A key every ask of a lot wants read (the
//! account's mark of waiting replies) is read once for the lot, just before the first ask
//! that wants it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::{Cmd, Pipeline, Value, cmd};
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
    /// Every command queued, in order.
    pub(super) pipe: Pipeline,
    /// What each command (or run of commands) of the pipeline is, in the same order.
    pub(super) entries: Vec<Entry>,
    /// The keys read once for the lot, and where their GETs sit among the entries.
    looks: Vec<(String, usize)>,
}

/// One part of a lot, in the order of the pipeline.
#[derive(Debug)]
pub(super) enum Entry {
    /// A write: its answer is dropped.
    Write,
    /// The GET of a key read once for the lot.
    Look,
    /// An ask of `n` commands, whose answers go to `answers`, after that of the look at
    /// entry `look`, if any.
    Ask {
        n: usize,
        look: Option<usize>,
        answers: Answers,
    },
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
        let mut queued = self.lock();
        queued.pipe.add_command(command);
        queued.entries.push(Entry::Write);
        drop(queued);
        if self.soon.load(Ordering::Acquire) || self.within.swap(true, Ordering::AcqRel) {
            return Flush::None;
        }
        Flush::Within
    }

    /// Queues `commands`, whose answers go to `answers`, preceded by the value of `look` when
    /// given (read once for the lot); the flush to schedule.
    pub(super) fn ask<const N: usize>(
        &self,
        look: Option<&str>,
        commands: [Cmd; N],
        answers: Answers,
    ) -> Flush {
        // An ask of nothing would leave an empty pipeline, which is never sent nor answered.
        const { assert!(N > 0, "an ask has commands") };
        let mut queued = self.lock();
        let look = look.map(|key| queued.look(key));
        for command in commands {
            queued.pipe.add_command(command);
        }
        queued.entries.push(Entry::Ask {
            n: N,
            look,
            answers,
        });
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

impl Queued {
    /// The entry of the lot's GET of `key`, queued now if it is the first ask to want it.
    fn look(&mut self, key: &str) -> usize {
        if let Some(&(_, entry)) = self.looks.iter().find(|(looked, _)| looked == key) {
            return entry;
        }
        let mut get = cmd("GET");
        get.arg(key);
        self.pipe.add_command(get);
        self.entries.push(Entry::Look);
        let entry = self.entries.len() - 1;
        self.looks.push((key.to_owned(), entry));
        entry
    }
}

impl Link {
    /// Sends `command`, whose answer nobody needs, with this thread's next asks, or on its own
    /// within [`WRITE_WITHIN`]. While Redis is down it is dropped, as a write is, and that is
    /// the error; a write lost on its way is counted where [`Link::count_lost_writes_in`]
    /// says.
    pub(in crate::store::redis) fn later(self: &Arc<Self>, command: Cmd) -> Result<(), StoreError> {
        if !self.is_up() {
            return Err(StoreError::Down);
        }
        let (outbox, flush) = self.local(|local| {
            let outbox = Arc::clone(&local.outbox);
            let flush = outbox.write(command);
            (outbox, flush)
        });
        self.schedule(outbox, flush);
        Ok(())
    }

    /// The answers to `commands`, sent in one pipeline with every other ask this thread
    /// makes meanwhile (see [`Outbox`]), within the time limit of one operation; first among
    /// them the value of `look`, when given, read once for the whole pipeline.
    pub(in crate::store::redis) async fn ask<const N: usize>(
        self: &Arc<Self>,
        look: Option<&str>,
        commands: [Cmd; N],
    ) -> Result<Vec<Value>, StoreError> {
        if !self.is_up() {
            return Err(StoreError::Down);
        }
        let (answers, answered) = oneshot::channel();
        let (outbox, flush) = self.local(|local| {
            let outbox = Arc::clone(&local.outbox);
            let flush = outbox.ask(look, commands, answers);
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
            match flush {
                Flush::Within => tokio::time::sleep(WRITE_WITHIN).await,
                // Once round the worker's queue (tokio polls its sockets first): the requests
                // ready by then join the lot, which then costs Redis and this worker one
                // wake-up for more of them (about 50 commands a trip instead of 40 under load).
                _ => tokio::task::yield_now().await,
            }
            let queued = outbox.take(&flush);
            link.flush(queued).await;
        });
    }

    /// Sends `queued` in one pipeline: each ask gets its answers (after its look's), the
    /// writes' are dropped.
    async fn flush(self: &Arc<Self>, queued: Queued) {
        let Queued {
            mut pipe, entries, ..
        } = queued;
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
        let values = match sent {
            Ok(values) => match values.iter().filter_map(refusal).find(is_outage) {
                Some(err) => {
                    self.went_down(&err.to_string());
                    Err(())
                }
                None => Ok(values),
            },
            // Logged once by `with`; each asker answers from local state.
            Err(_) => Err(()),
        };
        let Ok(values) = values else {
            let mut writes = 0;
            for entry in entries {
                match entry {
                    Entry::Ask { answers, .. } => drop(answers.send(Err(StoreError::Down))),
                    Entry::Write => writes += 1,
                    Entry::Look => {}
                }
            }
            self.lost(writes);
            return;
        };
        self.lost(answer(&self.shown, entries, values));
    }
}

/// Hands each ask of a lot its answers from `values`, the pipeline's in order (`shown`: the
/// URL, for the warning about a refused command); how many writes Redis refused.
fn answer(shown: &str, entries: Vec<Entry>, values: Vec<Value>) -> usize {
    let mut values = values.into_iter();
    let mut looked: Vec<(usize, Value)> = Vec::new();
    let mut refused = 0;
    for (at, entry) in entries.into_iter().enumerate() {
        let (n, look, answers) = match entry {
            Entry::Write => {
                refused += usize::from(values.next().as_ref().and_then(refusal).is_some());
                continue;
            }
            Entry::Look => {
                looked.extend(values.next().map(|value| (at, value)));
                continue;
            }
            Entry::Ask { n, look, answers } => (n, look, answers),
        };
        // The look's value comes first; a refused look (a key of another type) is its
        // asker's to read, and fails no ask.
        let shared = look.and_then(|look| looked.iter().find(|(entry, _)| *entry == look));
        let mut mine = Vec::with_capacity(n + 1);
        mine.extend(shared.map(|(_, value)| value.clone()));
        let own = mine.len();
        mine.extend(values.by_ref().take(n));
        let answer = match mine[own..].iter().find_map(refusal) {
            Some(err) => {
                tracing::warn!(url = %shown, "store: redis refused a command: {err}");
                Err(err.into())
            }
            None => Ok(mine),
        };
        let _ = answers.send(answer);
    }
    refused
}

/// The error a command's answer carries, if it is one.
fn refusal(value: &Value) -> Option<redis::RedisError> {
    match value {
        Value::ServerError(err) => Some(err.clone().into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
