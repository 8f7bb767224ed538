//! Locks in the store, and one instance doing a job for all that share it (fetch the access
//! token, upload an asset). The first takes the lock and does the job, renewing the lock while
//! it runs; the others poll for the job's record, and do the job themselves only when the lock
//! comes free or its owner takes too long. Within one instance the callers are already
//! single-flight (the token gate, the media cell's lock), so this is one caller per instance.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::{AccountStore, Record};

/// How long a lock lives unless its owner renews it: an owner that dies frees it this soon.
pub(crate) const LEASE: Duration = Duration::from_secs(10);
/// How long a waiter waits for another holder before going ahead without the lock.
const OWNER_WAIT: Duration = Duration::from_secs(15);
/// The first pause between two tries; it doubles up to [`LONGEST_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_millis(250);

/// A pause that doubles each time, up to a ceiling: how waiters poll the store.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    longest: Duration,
}

impl Backoff {
    /// Pauses of `first`, doubling up to `longest`.
    pub(crate) fn new(first: Duration, longest: Duration) -> Self {
        Self {
            next: first,
            longest,
        }
    }

    /// Sleeps the next pause.
    pub(crate) async fn pause(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(self.longest);
    }
}

/// Numbers this process's locks, so an owner only ever releases its own.
static LOCKS: AtomicU64 = AtomicU64::new(0);

/// A lock taken in the store (or gone ahead without, when the store failed or the holder took
/// too long): release it with [`AccountStore::release`].
#[derive(Debug, Clone)]
pub(crate) struct Lease {
    lock: String,
    owner: String,
}

impl AccountStore {
    /// Takes the lock `name`, trying again with back-off while someone else holds it (for
    /// `patience` at most, then going ahead without it); between tries `found` may find that
    /// the wait is over (what the holder made), which is returned instead.
    pub(crate) async fn lock_or<T, Found>(
        &self,
        name: &str,
        patience: Duration,
        found: impl Fn() -> Found,
    ) -> Result<Lease, T>
    where
        Found: Future<Output = Option<T>>,
    {
        let lease = Lease {
            lock: format!("lock:{name}"),
            owner: format!(
                "{}:{}",
                self.instance(),
                LOCKS.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let started = Instant::now();
        let mut backoff = Backoff::new(FIRST_POLL, LONGEST_POLL);
        // Ours, or the store is down (then each instance is on its own), or given up on.
        while let Ok(false) = self.put_if_absent(&lease.lock, &lease.owner, LEASE).await {
            if started.elapsed() >= patience {
                tracing::warn!(
                    name = %super::shown(name),
                    "store: the lock is held too long; going ahead without it"
                );
                break;
            }
            backoff.pause().await;
            if let Some(done) = found().await {
                return Err(done);
            }
        }
        Ok(lease)
    }

    /// Releases `lease`, if it is still ours.
    pub(crate) async fn release(&self, lease: &Lease) {
        self.delete_if(&lease.lock, &lease.owner).await;
    }

    /// Renews `lease` for another [`LEASE`], if it is still ours.
    pub(crate) async fn renew(&self, lease: &Lease) {
        self.expire_if(&lease.lock, &lease.owner, LEASE).await;
    }

    /// `fill`'s record for `name`, made by one instance for all and kept, or the `usable` one
    /// another instance made meanwhile. For callers that found nothing usable under `name`. A
    /// failed `fill` keeps nothing, and the next caller tries again.
    pub(crate) async fn fill_once<E, F, Fut>(
        &self,
        name: &str,
        usable: impl Fn(&Record) -> bool,
        fill: F,
    ) -> Result<Record, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Record, E>>,
    {
        // One instance: its callers are single-flight already, and no one else fills.
        if !self.is_shared() {
            let filled = fill().await;
            if let Ok(record) = &filled {
                self.keep(name, record).await;
            }
            return filled;
        }
        let current = || async { self.record(name).await.filter(&usable) };
        let lease = match self.lock_or(name, OWNER_WAIT, current).await {
            Ok(lease) => lease,
            Err(record) => return Ok(record),
        };
        // Filled by another instance between the caller's look and the lock.
        if let Some(record) = current().await {
            self.release(&lease).await;
            return Ok(record);
        }
        let filled = self.renewing(&lease, fill()).await;
        if let Ok(record) = &filled {
            self.keep(name, record).await;
        }
        self.release(&lease).await;
        filled
    }

    /// Runs `job`, renewing `lease` every third of its life.
    async fn renewing<T>(&self, lease: &Lease, job: impl Future<Output = T>) -> T {
        let mut job = std::pin::pin!(job);
        loop {
            tokio::select! {
                biased;
                done = &mut job => return done,
                () = tokio::time::sleep(LEASE / 3) => self.renew(lease).await,
            }
        }
    }
}
