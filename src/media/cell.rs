//! One (kind, content)'s media id: an [`IdCell`] readable at once by every request, and
//! the lock its uploads take so that they are single-flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwapOption;

use crate::client::ClientError;
use crate::config::MediaConfig;
use crate::ids::MediaId;
use crate::store::Record;

/// One (kind, content)'s id, and the lock its uploads take.
///
/// A warm hit only reads [`current`](Self::fresh_id): the async lock is taken only when an
/// upload or a re-check is due, so requests for a popular file never queue behind each other.
/// Everything that changes the id holds the lock, so a holder sees it stand still.
#[derive(Debug, Default)]
pub(super) struct IdCell {
    /// The id and when it was issued. Written only under `uploading`; read without a lock or
    /// a write to memory other readers share, however many workers read it at once.
    current: ArcSwapOption<Issued>,
    /// Held while an upload is decided and runs: the last upload's failure, which the
    /// requests that waited for it share.
    uploading: tokio::sync::Mutex<Option<Arc<ClientError>>>,
    /// Uploads finished, successful or not: a waiter that sees it move while it waited knows
    /// its upload was just tried, and shares that outcome instead of trying again at once.
    finished: AtomicU64,
}

/// A media id WeChat issued, and when (Unix seconds).
#[derive(Debug, Clone)]
pub(super) struct Issued {
    /// The id.
    pub(super) media_id: MediaId,
    /// When it was issued.
    pub(super) created_at: u64,
}

impl From<&Record> for Issued {
    fn from(record: &Record) -> Self {
        Self {
            media_id: MediaId::new(record.value.clone()),
            created_at: record.created_at,
        }
    }
}

impl Issued {
    /// Whether the id may still be handed out at `now`.
    pub(super) fn is_fresh(&self, now: u64, config: &MediaConfig) -> bool {
        is_fresh(
            self.created_at,
            now,
            config.ttl_secs,
            config.refresh_margin_secs,
        )
    }
}

/// Whether an id created at `created_at` is still fresh at `now` (Unix seconds): younger
/// than `ttl − margin`. With `ttl ≤ margin` nothing is ever fresh.
fn is_fresh(created_at: u64, now: u64, ttl_secs: u64, margin_secs: u64) -> bool {
    now < created_at.saturating_add(ttl_secs.saturating_sub(margin_secs))
}

impl IdCell {
    /// The id, if there is one and it is fresh at `now`: the warm hit, without the lock.
    pub(super) fn fresh_id(&self, now: u64, config: &MediaConfig) -> Option<MediaId> {
        let current = self.current.load();
        let issued = current
            .as_deref()
            .filter(|issued| issued.is_fresh(now, config))?;
        Some(issued.media_id.clone())
    }

    /// How many uploads have finished; read before [`lock`](Self::lock) to learn, after it,
    /// whether an upload ran while this request waited.
    pub(super) fn finished(&self) -> u64 {
        self.finished.load(Ordering::Acquire)
    }

    /// Waits for the cell's lock: no upload runs, and the id changes only through the guard.
    pub(super) async fn lock(&self) -> Locked<'_> {
        Locked {
            cell: self,
            failure: self.uploading.lock().await,
        }
    }
}

/// A locked [`IdCell`]: the only way to change its id.
#[derive(Debug)]
pub(super) struct Locked<'a> {
    cell: &'a IdCell,
    failure: tokio::sync::MutexGuard<'a, Option<Arc<ClientError>>>,
}

impl Locked<'_> {
    /// The id, fresh or not.
    pub(super) fn current(&self) -> Option<Issued> {
        self.cell.current.load().as_deref().cloned()
    }

    /// Whether the cell holds `media_id`.
    pub(super) fn holds(&self, media_id: &MediaId) -> bool {
        self.cell
            .current
            .load()
            .as_deref()
            .is_some_and(|issued| issued.media_id == *media_id)
    }

    /// Replaces the id; `None` makes the next request upload again.
    pub(super) fn set(&mut self, issued: Option<Issued>) {
        self.cell.current.store(issued.map(Arc::new));
    }

    /// The id if fresh at `now`.
    pub(super) fn fresh_id(&self, now: u64, config: &MediaConfig) -> Option<MediaId> {
        self.cell.fresh_id(now, config)
    }

    /// The failure of an upload that finished since [`IdCell::finished`] read `before`, to
    /// share rather than try again at once.
    pub(super) fn failure_since(&self, before: u64) -> Option<Arc<ClientError>> {
        if self.cell.finished() == before {
            return None;
        }
        self.failure.clone()
    }

    /// Records an upload's end: a failure for the waiters to share, or the new id.
    pub(super) fn finish(&mut self, outcome: Result<Issued, Arc<ClientError>>) {
        self.cell.finished.fetch_add(1, Ordering::Release);
        match outcome {
            Ok(issued) => {
                *self.failure = None;
                self.set(Some(issued));
            }
            Err(failure) => *self.failure = Some(failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_until_ttl_minus_margin() {
        let (ttl, margin) = (259_200, 3600);
        assert!(is_fresh(1000, 1000, ttl, margin));
        assert!(is_fresh(1000, 1000 + ttl - margin - 1, ttl, margin));
        assert!(!is_fresh(1000, 1000 + ttl - margin, ttl, margin));
        assert!(!is_fresh(1000, 1000, 10, 10), "ttl ≤ margin: never fresh");
        assert!(
            is_fresh(u64::MAX - 5, u64::MAX - 1, u64::MAX, 0),
            "saturates instead of overflowing"
        );
    }
}
