//! What outlives the process and what several instances share: access tokens, media ids,
//! the outcomes of messages, and the locks that let one instance do a job for all.
//!
//! Three backends keep one contract ([`Store`]): `memory` (this process), `file` (a folder: a
//! restart keeps what it holds) and `redis` (every instance with the same `store.url` shares
//! it). The in-process caches (the client's token, the media cache's ids, the dedupe table)
//! stay the fast path; the store is read when they miss and written when they change.
//!
//! The store is best effort. A failed operation is an error its caller reads as "absent" (or
//! "mine", for a claim), so a store that goes away leaves the bot answering from local state;
//! the backend logs the failure, once per outage. Values are strings with a time to live,
//! and the backends own expiry.

mod account;
mod file;
mod flight;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod session;
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use account::{AccountStore, TOKEN, media_name};
pub(crate) use flight::Backoff;
pub(crate) use session::SessionStore;

/// `name` (a record's name or key, a lock, a file of the file store) as a log line above
/// `debug` may show it: the openid of a per-user name (`msg:`, `session:`, `pending:`)
/// replaced by `<user>`.
pub(crate) fn shown(name: &str) -> String {
    let mut user_next = false;
    let segments = name.split(':').map(|segment| {
        let shown = if user_next { "<user>" } else { segment };
        user_next = ["msg", "session", "pending"].contains(&segment);
        shown
    });
    segments.collect::<Vec<_>>().join(":")
}

/// A token or media id as stored, with its times in Unix seconds: readers need its age as
/// well as its value (a token is refreshed ahead of its expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The token or media id.
    pub(crate) value: String,
    /// When it was issued.
    pub(crate) created_at: u64,
    /// When it stops being valid.
    pub(crate) expires_at: u64,
}

/// A store operation that could not be done. Callers log nothing more: the backend already
/// has, once per outage.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The file backend's folder.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Redis server failed or could not be reached.
    #[cfg(feature = "redis")]
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// Redis is down: not asked again until a probe in the background finds it back.
    #[cfg(feature = "redis")]
    #[error("redis is unreachable; answering from local state")]
    Down,
}

/// The contract of every backend: string values under string keys, each with a time to live
/// (at least a millisecond). The compare operations are atomic, also across the instances
/// that share a Redis, so a lock is released only by its owner and a refused token is
/// dropped only while it is still the current one.
pub(crate) trait Store {
    /// The live value under `key`.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets `key` to `value` for `ttl`.
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError>;
    /// Sets `key` only when it holds nothing live; whether it did (claims and locks).
    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;
    /// Removes `key` only while it holds `expected`; whether it did.
    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError>;
    /// Gives `key` a new time to live only while it holds `expected`; whether it did.
    async fn expire_if(&self, key: &str, expected: &str, ttl: Duration)
    -> Result<bool, StoreError>;
}

/// What claiming a message across instances found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Claimed {
    /// The message is this instance's, and a reply was waiting for the user (now taken): the
    /// answer to this message.
    Waiting(String),
    /// The message is this instance's to answer.
    Mine,
    /// Another instance has the message.
    Taken,
}

/// Whichever backend the configuration chose.
#[derive(Debug)]
pub(crate) enum AnyStore {
    /// `memory`.
    Memory(memory::Memory),
    /// `file`.
    File(file::Files),
    /// `redis`.
    #[cfg(feature = "redis")]
    Redis(Box<redis::Redis>),
}

/// Runs one operation on whichever backend this is.
macro_rules! dispatch {
    ($store:expr, $backend:ident => $call:expr) => {
        match $store {
            AnyStore::Memory($backend) => $call,
            AnyStore::File($backend) => $call,
            #[cfg(feature = "redis")]
            AnyStore::Redis($backend) => $call,
        }
    };
}

impl Store for AnyStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, store => store.get(key).await)
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        dispatch!(self, store => store.put(key, value, ttl).await)
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        dispatch!(self, store => store.put_if_absent(key, value, ttl).await)
    }

    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError> {
        dispatch!(self, store => store.delete_if(key, expected).await)
    }

    async fn expire_if(
        &self,
        key: &str,
        expected: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        dispatch!(self, store => store.expire_if(key, expected, ttl).await)
    }
}

/// A time to live the backends can keep: at least a millisecond, at most a year.
fn clamp(ttl: Duration) -> Duration {
    ttl.clamp(Duration::from_millis(1), Duration::from_secs(366 * 86_400))
}
