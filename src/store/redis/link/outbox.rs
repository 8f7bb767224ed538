//! [`Outbox`]: one thread's Redis commands waiting to leave together, in one pipeline.
//!
//! Every request a worker has in flight asks its claim in the same tick; sending each as an
//! operation of its own costs the client a channel hop, a timer and a reply slot apiece.
//! Queued here, they leave as one pipeline, sent by the one task that sends this thread's
//! lots one after the other (`outbox/sender.rs`), and each asker gets its own answers back
//! (`outbox/answer.rs`). Writes nobody waits for (a message's published answer, read only by
//! an instance that gets WeChat's retry, seconds later) ride with the next asks, or leave on
//! their own within [`WRITE_WITHIN`]. A key every ask of a lot wants read (the account's
//! mark of waiting replies) is read once for the lot, just before the first ask that wants
//! it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::{Cmd, Pipeline, Value, cmd};
use tokio::sync::oneshot;

use super::{Link, is_outage};
use crate::store::StoreError;
use answer::{answer, refusal};

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

/// One thread's queue, and the task that sends it, if any.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    queued: Queued,
    sender: Sender,
}

/// The task sending a thread's queue: at most one, so a lot leaves when the one before it
/// is answered, with everything queued meanwhile. While Redis answers at once, lots leave
/// at once; while it is busy (or shares this core), they grow instead of multiplying, and
/// each costs Redis and the worker one wake-up for more messages. Measured on 2 cores, this
/// beat both a task per lot (Redis elsewhere) and a task per lot waiting one round of the
/// worker's queue (Redis on the server's core).
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub(super) enum Sender {
    /// None: the next ask starts one.
    #[default]
    Idle,
    /// One waits [`WRITE_WITHIN`] for asks for the writes to ride with.
    Waiting,
    /// One sends lot after lot until nothing is queued.
    Sending,
}

/// What to start, if anything, after queueing.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(super) enum Start {
    /// Nothing: a sender running or waiting takes it.
    None,
    /// A sender, at once (there are answers to wait for).
    Now,
    /// A sender, after [`WRITE_WITHIN`].
    Within,
}

impl Outbox {
    /// Queues a write; what to start.
    pub(super) fn write(&self, command: Cmd) -> Start {
        let mut state = self.lock();
        state.queued.pipe.add_command(command);
        state.queued.entries.push(Entry::Write);
        if state.sender != Sender::Idle {
            return Start::None;
        }
        state.sender = Sender::Waiting;
        Start::Within
    }

    /// Queues `commands`, whose answers go to `answers`, preceded by the value of `look` when
    /// given (read once for the lot); what to start.
    pub(super) fn ask<const N: usize>(
        &self,
        look: Option<&str>,
        commands: [Cmd; N],
        answers: Answers,
    ) -> Start {
        // An ask of nothing would leave an empty pipeline, which is never sent nor answered.
        const { assert!(N > 0, "an ask has commands") };
        let mut state = self.lock();
        let queued = &mut state.queued;
        let look = look.map(|key| queued.look(key));
        for command in commands {
            queued.pipe.add_command(command);
        }
        queued.entries.push(Entry::Ask {
            n: N,
            look,
            answers,
        });
        // A waiting sender would keep the asker waiting: one that sends now takes over.
        match std::mem::replace(&mut state.sender, Sender::Sending) {
            Sender::Sending => Start::None,
            Sender::Idle | Sender::Waiting => Start::Now,
        }
    }

    /// For a sender done waiting: whether it is still the one to send (an ask may have
    /// started another meanwhile).
    pub(super) fn waited(&self) -> bool {
        let mut state = self.lock();
        let mine = state.sender == Sender::Waiting;
        if mine {
            state.sender = Sender::Sending;
        }
        mine
    }

    /// For the sender: the next lot, or `None` when nothing is queued (the sender then ends,
    /// and the next ask or write starts another).
    pub(super) fn next_lot(&self) -> Option<Queued> {
        let mut state = self.lock();
        if state.queued.entries.is_empty() {
            state.sender = Sender::Idle;
            return None;
        }
        Some(std::mem::take(&mut state.queued))
    }

    /// For a sender whose task ends before it is done (dropped with its runtime, or
    /// panicking): everything queued, if the sender in the state `role` is still that task,
    /// leaving no sender, so that the next ask starts one.
    pub(super) fn abandon(&self, role: Sender) -> Option<Queued> {
        let mut state = self.lock();
        if state.sender != role {
            return None;
        }
        state.sender = Sender::Idle;
        Some(std::mem::take(&mut state.queued))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Queueing cannot panic halfway: a poisoned lock still holds whole commands.
        self.state
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
        let (outbox, start) = self.local(|local| {
            let outbox = Arc::clone(&local.outbox);
            let start = outbox.write(command);
            (outbox, start)
        });
        self.start(outbox, start);
        Ok(())
    }

    /// The answers to `commands`, sent in one pipeline with every other ask this thread
    /// makes meanwhile (see [`Outbox`]), once the lot before it is answered, each lot within
    /// the time limit of one operation; first among them the value of `look`, when given,
    /// read once for the whole pipeline.
    pub(in crate::store::redis) async fn ask<const N: usize>(
        self: &Arc<Self>,
        look: Option<&str>,
        commands: [Cmd; N],
    ) -> Result<Vec<Value>, StoreError> {
        if !self.is_up() {
            return Err(StoreError::Down);
        }
        let (answers, answered) = oneshot::channel();
        let (outbox, start) = self.local(|local| {
            let outbox = Arc::clone(&local.outbox);
            let start = outbox.ask(look, commands, answers);
            (outbox, start)
        });
        self.start(outbox, start);
        // No answer at all: the flush's runtime is shutting down.
        answered.await.unwrap_or(Err(StoreError::Down))
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
            self.fail(entries);
            return;
        };
        self.lost(answer(&self.shown, entries, values));
    }

    /// A lot that will not be sent: each ask answered [`StoreError::Down`] (its asker answers
    /// from local state), each write counted lost.
    fn fail(&self, entries: Vec<Entry>) {
        let mut writes = 0;
        for entry in entries {
            match entry {
                Entry::Ask { answers, .. } => drop(answers.send(Err(StoreError::Down))),
                Entry::Write => writes += 1,
                Entry::Look => {}
            }
        }
        self.lost(writes);
    }
}

mod answer;
mod sender;
#[cfg(test)]
mod tests;
