//! The `memory` backend: a map in this process, entries timed by tokio's clock (so tests can
//! pause it) and swept now and then, so keys nobody reads again do not pile up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use dashmap::mapref::entry::Entry as Slot;
use tokio::time::Instant;

use super::{Store, StoreError, clamp};

/// Writes between two sweeps of expired entries.
const SWEEP_EVERY: usize = 4096;

/// Values and their expiries, in this process only.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    entries: DashMap<String, Entry>,
    writes: AtomicUsize,
}

#[derive(Debug)]
struct Entry {
    value: String,
    expires: Instant,
}

impl Entry {
    fn new(value: &str, ttl: Duration) -> Self {
        Self {
            value: value.to_owned(),
            expires: Instant::now() + clamp(ttl),
        }
    }

    fn live(&self) -> bool {
        Instant::now() < self.expires
    }
}

impl Memory {
    /// Counts a write, sweeping expired entries every [`SWEEP_EVERY`].
    fn wrote(&self) {
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.entries.retain(|_, entry| entry.live());
        }
    }
}

impl Store for Memory {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let entry = self.entries.get(key);
        Ok(entry
            .filter(|entry| entry.live())
            .map(|entry| entry.value.clone()))
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.entries.insert(key.to_owned(), Entry::new(value, ttl));
        self.wrote();
        Ok(())
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let put = match self.entries.entry(key.to_owned()) {
            Slot::Occupied(entry) if entry.get().live() => false,
            Slot::Occupied(mut entry) => {
                entry.insert(Entry::new(value, ttl));
                true
            }
            Slot::Vacant(entry) => {
                entry.insert(Entry::new(value, ttl));
                true
            }
        };
        self.wrote();
        Ok(put)
    }

    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError> {
        let removed = self
            .entries
            .remove_if(key, |_, entry| entry.live() && entry.value == expected);
        Ok(removed.is_some())
    }

    async fn expire_if(
        &self,
        key: &str,
        expected: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let Some(mut entry) = self.entries.get_mut(key) else {
            return Ok(false);
        };
        if !entry.live() || entry.value != expected {
            return Ok(false);
        }
        entry.expires = Instant::now() + clamp(ttl);
        Ok(true)
    }
}
