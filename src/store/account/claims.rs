//! Claiming a message across instances, and the replies waiting for users' next messages.

use std::time::Duration;

use super::AccountStore;
use crate::store::{AnyStore, Claimed, Store, StoreError};

/// The name of the account's mark of waiting replies: there while a reply kept for a user's
/// next message may wait (on Redis; see [`AccountStore::put_waiting`]).
#[cfg(feature = "redis")]
pub(super) const MARK: &str = "waiting";

impl AccountStore {
    /// Keeps `reply` under `name` for `ttl`: a reply waiting for its user's next message, which
    /// [`AccountStore::take_or_claim`] takes. On Redis it marks the account as having one.
    pub(crate) async fn put_waiting(&self, name: &str, reply: &str, ttl: Duration) {
        #[cfg(feature = "redis")]
        if let AnyStore::Redis(redis) = &*self.store {
            let key = self.key(name);
            let _ = self.counted(redis.keep_waiting(&self.mark, &key, reply, ttl).await);
            return;
        }
        self.put(name, reply, ttl).await;
    }

    /// Claims `message` with `value` for `ttl` and, when it is this instance's, takes the reply
    /// waiting under `waiting` (if given and there, kept by [`AccountStore::put_waiting`]):
    /// one round trip on Redis while no reply waits for anyone, the store's own operations
    /// elsewhere.
    pub(crate) async fn take_or_claim(
        &self,
        waiting: Option<&str>,
        message: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Claimed, StoreError> {
        let (waiting, message) = (waiting.map(|name| self.key(name)), self.key(message));
        let store = &*self.store;
        let claimed = async {
            #[cfg(feature = "redis")]
            if let AnyStore::Redis(redis) = store {
                let waiting = (waiting.as_deref()).map(|reply| crate::store::redis::Waiting {
                    mark: &self.mark,
                    reply,
                });
                return redis.take_or_claim(waiting, &message, value, ttl).await;
            }
            // Boxed: the Redis path's future stays small.
            Box::pin(claim_then_take(
                store,
                waiting.as_deref(),
                &message,
                value,
                ttl,
            ))
            .await
        };
        self.counted(claimed.await)
    }
}

/// [`AccountStore::take_or_claim`] in the store's own operations.
async fn claim_then_take(
    store: &AnyStore,
    waiting: Option<&str>,
    message: &str,
    value: &str,
    ttl: Duration,
) -> Result<Claimed, StoreError> {
    if !store.put_if_absent(message, value, ttl).await? {
        return Ok(Claimed::Taken);
    }
    if let Some(waiting) = waiting
        && let Some(reply) = store.get(waiting).await?
        && store.delete_if(waiting, &reply).await?
    {
        return Ok(Claimed::Waiting(reply));
    }
    Ok(Claimed::Mine)
}
