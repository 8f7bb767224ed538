//! [`AccountStore`]: one account's keys in the configured store, and the instance it speaks
//! for.
//!
//! Every key is `<store.prefix>:{<appid>}:<name>`. The braces are a Redis Cluster hash tag:
//! one account's keys share a slot, so scripts over several of them stay valid on a cluster,
//! and accounts and environments can share one Redis. No key carries a secret.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use super::{AnyStore, Store, StoreError, file, memory};
use crate::config::{Backend, Config, ConfigError};
use crate::metrics::Metrics;

mod claims;
mod records;

pub(crate) use records::{TOKEN, media_name};

/// One account's share of the configured store, opened once by the bot and handed to the API
/// client (the token), the media cache (ids) and the dispatcher (messages). Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AccountStore {
    /// `<store.prefix>:{<appid>}`.
    prefix: Arc<str>,
    /// The full key of [`claims::MARK`], which only Redis reads.
    #[cfg(feature = "redis")]
    mark: Arc<str>,
    store: Arc<AnyStore>,
    /// This process among those sharing the store: the owner named by its claims and locks.
    instance: Arc<str>,
    /// The account's metrics: the store counts its failures there, and the client and media
    /// cache, which hold this store, count theirs.
    metrics: Metrics,
}

impl Default for AccountStore {
    /// A store of this process only, for a client or cache made without a bot.
    fn default() -> Self {
        Self::new("wxbot", "", AnyStore::Memory(memory::Memory::default()))
    }
}

impl AccountStore {
    fn new(prefix: &str, appid: &str, store: AnyStore) -> Self {
        let metrics = Metrics::new(shares(&store));
        #[cfg(feature = "redis")]
        if let AnyStore::Redis(redis) = &store {
            redis.count_lost_writes_in(metrics.clone());
        }
        // Random, or, should the system's source fail, what sets this process apart anyway.
        let seed = getrandom::u64().unwrap_or_else(|_| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.subsec_nanos());
            (u64::from(std::process::id()) << 32) | u64::from(nanos)
        });
        let instance = hex(&seed.to_be_bytes());
        let prefix = format!("{prefix}:{{{appid}}}");
        Self {
            #[cfg(feature = "redis")]
            mark: [&prefix, ":", claims::MARK].concat().into(),
            prefix: prefix.into(),
            store: Arc::new(store),
            instance: instance.into(),
            metrics,
        }
    }

    /// The store `config` asks for. Nothing is contacted yet ([`AccountStore::connect`] does);
    /// a store that cannot be opened is a configuration error naming its key.
    pub(crate) fn open(config: &Config) -> Result<Self, ConfigError> {
        let settings = &config.store;
        let problem = |problem: String| ConfigError {
            problems: vec![problem],
        };
        let store = match settings.backend {
            Backend::Memory => AnyStore::Memory(memory::Memory::default()),
            Backend::File => {
                let files = file::Files::open(&settings.path).map_err(|err| {
                    problem(format!(
                        "store.path: cannot use {}: {err}",
                        settings.path.display()
                    ))
                })?;
                AnyStore::File(files)
            }
            #[cfg(feature = "redis")]
            Backend::Redis => {
                let redis = super::redis::Redis::open(settings.url.expose()).map_err(|err| {
                    let shown = super::redis::masked(settings.url.expose());
                    problem(format!("store.url: {shown} is not a Redis URL: {err}"))
                })?;
                AnyStore::Redis(Box::new(redis))
            }
            #[cfg(not(feature = "redis"))]
            Backend::Redis => {
                return Err(problem(
                    "store.backend = \"redis\": this build of wxbot has no Redis support (cargo feature `redis`)"
                        .to_owned(),
                ));
            }
        };
        Ok(Self::new(&settings.prefix, &config.account.appid, store))
    }

    /// Makes sure the store answers: a Redis that cannot be reached is one line naming
    /// `store.url`. Other backends have nothing to reach.
    pub(crate) async fn connect(&self) -> Result<(), String> {
        match &*self.store {
            #[cfg(feature = "redis")]
            AnyStore::Redis(redis) => redis
                .connect()
                .await
                .map_err(|err| format!("store.url: cannot reach {}: {err}", redis.shown())),
            _ => Ok(()),
        }
    }

    /// Whether other instances see what this one writes (Redis).
    pub(crate) fn is_shared(&self) -> bool {
        shares(&self.store)
    }

    /// Whether the shared store answers now: `Some` for Redis, `None` for the others.
    pub(crate) fn shared_up(&self) -> Option<bool> {
        match &*self.store {
            #[cfg(feature = "redis")]
            AnyStore::Redis(redis) => Some(redis.is_up()),
            _ => None,
        }
    }

    /// The account's metrics.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Counts a failed operation.
    fn counted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if result.is_err() {
            self.metrics.store_error();
        }
        result
    }

    /// How many names starting with `prefix` an earlier run left in a file store, read once
    /// at start-up (0 for memory, which starts empty, and for Redis, which is not counted).
    pub(crate) fn left_by_earlier_runs(&self, prefix: &str) -> usize {
        match &*self.store {
            AnyStore::File(files) => files.count_prefixed(&self.key(prefix)),
            _ => 0,
        }
    }

    /// This instance's id: random per start, named by its claims and locks.
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// The full key of `name`.
    fn key(&self, name: &str) -> String {
        [&self.prefix, ":", name].concat()
    }

    /// The value under `name`; a store that fails reads as absent.
    pub(crate) async fn get(&self, name: &str) -> Option<String> {
        self.try_get(name).await.ok().flatten()
    }

    /// The value under `name`, or the store's failure (for callers that must not take a
    /// failed read for "nothing there").
    pub(crate) async fn try_get(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.counted(self.store.get(&self.key(name)).await)
    }

    /// Sets `name` for `ttl`; a store that fails keeps nothing (the backend logged it).
    pub(crate) async fn put(&self, name: &str, value: &str, ttl: Duration) {
        let _ = self.counted(self.store.put(&self.key(name), value, ttl).await);
    }

    /// Sets `name` for `ttl` soon: on Redis the write rides with the next claims (or leaves
    /// alone a moment later), costing no round trip of its own, and a write lost on its way
    /// is counted as a store error all the same; the other stores write now.
    pub(crate) async fn put_later(&self, name: &str, value: &str, ttl: Duration) {
        #[cfg(feature = "redis")]
        if let AnyStore::Redis(redis) = &*self.store {
            let _ = self.counted(redis.put_later(&self.key(name), value, ttl));
            return;
        }
        // Boxed: the Redis path's future stays small.
        Box::pin(self.put(name, value, ttl)).await;
    }

    /// Sets `name` unless it holds something; whether it did, or the store's failure.
    pub(crate) async fn put_if_absent(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.counted(self.store.put_if_absent(&self.key(name), value, ttl).await)
    }

    /// Removes `name` while it holds `expected`.
    pub(crate) async fn delete_if(&self, name: &str, expected: &str) -> bool {
        let deleted = self.store.delete_if(&self.key(name), expected).await;
        self.counted(deleted).unwrap_or(false)
    }

    /// Renews `name` for `ttl` while it holds `expected`.
    pub(crate) async fn expire_if(&self, name: &str, expected: &str, ttl: Duration) -> bool {
        let renewed = self.store.expire_if(&self.key(name), expected, ttl).await;
        self.counted(renewed).unwrap_or(false)
    }
}

/// Whether `store` is one other instances share (Redis).
fn shares(store: &AnyStore) -> bool {
    match store {
        #[cfg(feature = "redis")]
        AnyStore::Redis(_) => true,
        _ => false,
    }
}

/// Lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}
