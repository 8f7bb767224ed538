//! One instance does a job for all that share the store (fetch the access token, upload an
//! asset): the first takes a lock in the store and does it, renewing the lock while it runs;
//! the others poll for the job's record, and do the job themselves only when the lock comes
//! free or its owner takes too long. Within one instance the callers are already single-flight
//! (the token gate, the media cell's lock), so this is one caller per instance.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::{AccountStore, Record};

/// How long a lock lives unless its owner renews it: an owner that dies frees it this soon.
const LEASE: Duration = Duration::from_secs(10);
/// How long a waiter waits for another instance before doing the job itself.
const PATIENCE: Duration = Duration::from_secs(15);
/// The first pause between two looks at the record; it doubles up to [`LONGEST_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_millis(250);

/// Numbers this process's locks, so an owner only ever releases its own.
static LOCKS: AtomicU64 = AtomicU64::new(0);

impl AccountStore {
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
        let current = async || self.record(name).await.filter(&usable);
        let lock = format!("lock:{name}");
        let owner = format!(
            "{}:{}",
            self.instance(),
            LOCKS.fetch_add(1, Ordering::Relaxed)
        );
        let started = Instant::now();
        let mut pause = FIRST_POLL;
        // Ours, or the store is down (then each instance is on its own), or given up on.
        while let Ok(false) = self.put_if_absent(&lock, &owner, LEASE).await {
            if started.elapsed() >= PATIENCE {
                tracing::warn!(
                    name,
                    "store: another instance holds the lock too long; going ahead"
                );
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LONGEST_POLL);
            if let Some(record) = current().await {
                return Ok(record);
            }
        }
        // Filled by another instance between the first look and the lock.
        if let Some(record) = current().await {
            self.delete_if(&lock, &owner).await;
            return Ok(record);
        }
        let filled = self.renewing(&lock, &owner, fill()).await;
        if let Ok(record) = &filled {
            self.keep(name, record).await;
        }
        self.delete_if(&lock, &owner).await;
        filled
    }

    /// Runs `job`, renewing `lock` (while it is still `owner`'s) every third of its lease.
    async fn renewing<T>(&self, lock: &str, owner: &str, job: impl Future<Output = T>) -> T {
        let mut job = std::pin::pin!(job);
        loop {
            tokio::select! {
                biased;
                done = &mut job => return done,
                () = tokio::time::sleep(LEASE / 3) => {
                    self.expire_if(lock, owner, LEASE).await;
                }
            }
        }
    }
}
