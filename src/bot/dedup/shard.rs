//! One shard of the dedupe table: its own lock and its own two generations, so workers
//! claiming different messages rarely meet on a lock or write the same memory.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::mem;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::{Claim, Decision, Slot};

/// The least capacity a shard gets. Keys fall unevenly on the shards and the fullest one
/// rotates early first: with half a thousand keys or more to a generation, the fullest
/// holds within about a tenth of the average, so a sharded table warns at about the load an
/// unsharded one does.
const SHARD_CAPACITY_MIN: usize = 1024;

/// The most shards a table gets: enough that even many workers seldom meet on one lock.
const SHARDS_MAX: usize = 64;

/// A key with its hash, computed once by the table: the shard is picked by it and the
/// generations reuse it, so a claim hashes the string once, and a rotation never again.
#[derive(Debug)]
pub(super) struct Hashed {
    hash: u64,
    key: String,
}

/// Hands the precomputed hash of a [`Hashed`] to the map.
#[derive(Debug, Default)]
struct PassThrough(u64);

/// A generation: the keys claimed while it was current.
type Generation = HashMap<Hashed, Arc<Slot>, BuildHasherDefault<PassThrough>>;

/// A shard. Aligned to its own pair of cache lines (the prefetcher fetches lines in pairs),
/// so a worker locking one shard does not slow a worker locking its neighbour.
#[derive(Debug)]
#[repr(align(128))]
pub(super) struct Shard {
    /// This shard's part of the table's capacity.
    capacity: usize,
    generations: Mutex<Generations>,
}

/// The generations of a shard, and when the current one started.
#[derive(Debug)]
struct Generations {
    current: Generation,
    previous: Generation,
    started: Instant,
}

/// A generation that a claim pushed out, to be freed outside the lock.
#[derive(Debug)]
pub(super) struct Expired {
    /// Forgotten before its time: the shard was full (worth a warning).
    pub(super) early: bool,
    /// Held only to be dropped.
    _generation: Generation,
}

/// The shards of a table of `capacity`, their first generations starting `now`: a power of
/// two of them, for picking one by the hash's bits; as many as keep at least
/// [`SHARD_CAPACITY_MIN`] keys each, up to [`SHARDS_MAX`]. A small table has one shard, and
/// behaves exactly as an unsharded one.
pub(super) fn split(capacity: usize, now: Instant) -> Box<[Shard]> {
    let count = 1 << (capacity / SHARD_CAPACITY_MIN).clamp(1, SHARDS_MAX).ilog2();
    // Rounded down: the shards together never hold more than the capacity.
    (0..count)
        .map(|_| Shard::new(capacity / count, now))
        .collect()
}

/// The shard of a key hashing to `hash`: picked by the bits just below the top seven, which
/// the maps inside use for neither their bucket index (the low bits) nor their tags (the top
/// seven), so a shard's keys still spread over all its buckets.
pub(super) fn pick(shards: &[Shard], hash: u64) -> &Shard {
    let bits = shards.len().trailing_zeros();
    let index = (hash >> (57 - bits)) as usize & (shards.len() - 1);
    &shards[index]
}

impl Hashed {
    /// `key` with its `hash`, computed by the table's hasher.
    pub(super) fn new(hash: u64, key: String) -> Self {
        Self { hash, key }
    }
}

impl PartialEq for Hashed {
    fn eq(&self, other: &Self) -> bool {
        // The hashes differ for almost every other key: a cheap first test.
        self.hash == other.hash && self.key == other.key
    }
}

impl Eq for Hashed {}

impl Hash for Hashed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached ([`Hashed`] writes one u64); mixed in anyway, so no input is lost.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

impl Shard {
    /// An empty shard holding at most about `capacity` keys, its first generation starting
    /// `now`.
    fn new(capacity: usize, now: Instant) -> Self {
        let generations = Generations {
            current: Generation::default(),
            previous: Generation::default(),
            started: now,
        };
        Self {
            capacity,
            generations: Mutex::new(generations),
        }
    }

    /// Claims `key` at `now`, rotating first if the current generation is `ttl` old or full.
    /// The generation that expires comes back, to be dropped once the lock is released.
    pub(super) fn claim(
        &self,
        key: Hashed,
        ttl: Duration,
        now: Instant,
    ) -> (Claim, Option<Expired>) {
        let mut generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Rotating first means one lookup per generation and one insert.
        let expired = self.rotate(&mut generations, ttl, now);
        let Generations {
            current, previous, ..
        } = &mut *generations;
        let claim = match previous.get(&key) {
            Some(slot) => Claim::Follower(Arc::clone(slot)),
            None => match current.entry(key) {
                Entry::Occupied(found) => Claim::Follower(Arc::clone(found.get())),
                Entry::Vacant(vacant) => {
                    let decision = Decision::alone();
                    vacant.insert(decision.slot());
                    Claim::Owner(decision)
                }
            },
        };
        (claim, expired)
    }

    /// How many keys the shard remembers.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        let generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        generations.current.len() + generations.previous.len()
    }

    /// Starts a new generation when the current one is `ttl` old or half the capacity full,
    /// returning the generation that expires. Messages still being decided are carried over:
    /// dropping one would let its retry run the handler again.
    fn rotate(
        &self,
        generations: &mut Generations,
        ttl: Duration,
        now: Instant,
    ) -> Option<Expired> {
        let full = generations.current.len() >= self.capacity / 2;
        // Saturating: another worker may have rotated at an instant later than ours.
        let aged = now.saturating_duration_since(generations.started) >= ttl;
        if !aged && !full {
            return None;
        }
        generations.started = now;
        // Sized as the last generation, the likeliest size of the next: a flood's generations
        // then never regrow, rehashing every key as they fill.
        let room = generations.current.len();
        let next = Generation::with_capacity_and_hasher(room, BuildHasherDefault::default());
        let current = mem::replace(&mut generations.current, next);
        let mut expired = mem::replace(&mut generations.previous, current);
        let undecided: Vec<_> = expired
            .extract_if(|_, slot| slot.verdict.get().is_none())
            .collect();
        generations.current.extend(undecided);
        Some(Expired {
            early: !aged,
            _generation: expired,
        })
    }
}

#[cfg(test)]
mod tests;
