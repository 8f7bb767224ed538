//! Retry dedupe (WeChat delivers a message up to three times): the first delivery of a message owns its work; a repeat
//! never runs the handler and gets the first delivery's verdict, waiting for it if need be.
//!
//! Entries live in two generations that rotate every `server.dedup_ttl_secs`, so each lives
//! between one and two TTLs with no per-entry timer or sweep. A flood of distinct messages
//! rotates early once the current generation holds half of `server.dedup_capacity`: memory
//! stays bounded, at the price of shorter-lived entries, which is logged.
//!
//! Every message writes to the table, from whichever worker received it, so it is split into
//! shards by the key's hash, each with its own lock, generations and share of the capacity,
//! rotating by the rules above on the claims that reach it. A table of less than two shards'
//! worth of capacity keeps one shard, and behaves exactly as an unsharded table.

mod shard;

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use foldhash::fast::RandomState;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::message::Header;
use crate::reply::Reply;
use shard::{Hashed, Shard};

/// What became of a message: decided once, shared with every delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The reply was ready in time: every delivery answers it.
    Replied(Reply),
    /// Nothing to reply (no reply, an error or a panic): every delivery answers `success`.
    Ack,
    /// The deadline passed first: deliveries answer `success`, and the reply, once ready, goes
    /// out once through the customer-service API.
    Deferred,
    /// Another instance sharing the store owns the message: its answer, for every delivery.
    Relayed(super::Answer),
}

impl Verdict {
    /// The verdict of a job that finished in time: its reply, or nothing to say.
    pub(crate) fn of(reply: Option<Reply>) -> Self {
        reply.map_or(Self::Ack, Self::Replied)
    }
}

/// One message's verdict: unset while it is being decided, then set once.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    verdict: OnceLock<Verdict>,
    decided: Notify,
    /// Deliveries counted so far (`server.late_reply = "retries"` only).
    deliveries: AtomicU32,
    /// Whether a delivery gave up waiting and answered the pending notice (1), or the job
    /// finished first (2): whichever comes first decides who hands the reply over.
    late: AtomicU8,
}

/// [`Slot::late`]'s states.
const OPEN: u8 = 0;
const NOTICED: u8 = 1;
const FINISHED: u8 = 2;

/// The owner's right to decide a message's verdict. Dropped undecided (the work vanished), it
/// decides [`Verdict::Ack`], so no delivery waits forever.
#[derive(Debug)]
pub(crate) struct Decision(Arc<Slot>);

/// The outcome of claiming a message's key.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The first delivery: it decides.
    Owner(Decision),
    /// A repeat: the verdict is, or will be, in the slot.
    Follower(Arc<Slot>),
}

/// The dedupe table: shards picked by the key's hash, each with its own lock and generations,
/// so workers claiming different messages seldom share a lock or a cache line.
#[derive(Debug)]
pub(crate) struct Dedup {
    ttl: Duration,
    /// The configured capacity, split evenly across the shards; named by the warning.
    capacity: usize,
    hasher: RandomState,
    shards: Box<[Shard]>,
    /// When the table was made: the origin of `warned`.
    born: Instant,
    /// When the table last warned it was full, in nanoseconds since `born` plus one (0: never):
    /// read by every early rotation, written once per TTL, so a flood shares it read-only.
    warned: AtomicU64,
}

/// The dedupe key of a message: the sender and `MsgId`, or for events without one the sender,
/// `CreateTime`, `Event` and `EventKey`. The sender is part of every key because MsgId
/// collisions across users have been seen (binarywang/WxJava#333).
pub(crate) fn key(header: &Header, event_key: Option<&str>) -> Option<String> {
    const SEP: &str = "\u{1f}";
    let from = header.from.as_str();
    // Joined, not formatted: one allocation of the exact size, on every message's path.
    if let Some(id) = &header.msg_id {
        return Some([from, SEP, id.as_str()].concat());
    }
    let event = header.event.as_deref()?;
    let time = header.create_time.to_string();
    let key = event_key.unwrap_or_default();
    Some([from, SEP, &time, SEP, event, SEP, key].concat())
}

impl Slot {
    /// Counts one more delivery of the message; its number, from 1.
    pub(crate) fn delivered(&self) -> u32 {
        self.deliveries.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// A delivery gives up waiting: true when it is the one to answer the pending notice
    /// (the job has not finished: its reply will wait for the user's next message).
    pub(crate) fn give_up(&self) -> bool {
        self.late
            .compare_exchange(OPEN, NOTICED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The job finished: true when a delivery already gave up, so the reply must wait for
    /// the user's next message.
    pub(crate) fn finished_after_notice(&self) -> bool {
        self.late
            .compare_exchange(OPEN, FINISHED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }

    /// Waits until the verdict is decided.
    pub(crate) async fn settled(&self) -> Verdict {
        loop {
            let decided = self.decided.notified();
            let mut decided = std::pin::pin!(decided);
            // Registered before the check, so a decision landing in between still wakes us.
            decided.as_mut().enable();
            if let Some(verdict) = self.verdict.get() {
                return verdict.clone();
            }
            decided.await;
        }
    }
}

impl Decision {
    /// A decision no one else waits on (a message without a dedupe key).
    pub(crate) fn alone() -> Self {
        Self(Arc::default())
    }

    /// Decides the verdict; the first decision stands.
    pub(crate) fn decide(&self, verdict: Verdict) {
        if self.0.verdict.set(verdict).is_ok() {
            self.0.decided.notify_waiters();
        }
    }

    /// The slot the decision lands in.
    pub(crate) fn slot(&self) -> Arc<Slot> {
        Arc::clone(&self.0)
    }
}

impl Drop for Decision {
    fn drop(&mut self) {
        self.decide(Verdict::Ack);
    }
}

impl Dedup {
    /// A table keeping entries at least `ttl`, holding at most about `capacity`.
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        let capacity = capacity.max(2);
        let born = Instant::now();
        Self {
            ttl,
            capacity,
            hasher: RandomState::default(),
            shards: shard::split(capacity, born),
            born,
            warned: AtomicU64::new(0),
        }
    }

    /// Claims `key`: the decision for a new key, the slot of a known one.
    pub(crate) fn claim(&self, key: String) -> Claim {
        let hash = self.hasher.hash_one(&key);
        let now = Instant::now();
        let (claim, expired) =
            shard::pick(&self.shards, hash).claim(Hashed::new(hash, key), self.ttl, now);
        if let Some(expired) = expired {
            // Once per TTL for the whole table, however many shards fill.
            if expired.early && self.full_warning_due(now) {
                tracing::warn!(
                    capacity = self.capacity,
                    "dedupe table full: retries may now run a handler again; raise server.dedup_capacity"
                );
            }
            // Dropped outside the shard's lock: freeing a generation takes a while.
            drop(expired);
        }
        claim
    }

    /// Whether a full table warns at `now`: not within a TTL of its last warning. Of workers
    /// finding it due at once, one wins.
    fn full_warning_due(&self, now: Instant) -> bool {
        let nanos = |span: Duration| u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
        let at = nanos(now.saturating_duration_since(self.born)).saturating_add(1);
        let last = self.warned.load(Ordering::Relaxed);
        if last != 0 && at.saturating_sub(last) < nanos(self.ttl) {
            return false;
        }
        self.warned
            .compare_exchange(last, at, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// How many keys are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }
}

#[cfg(test)]
mod tests;
