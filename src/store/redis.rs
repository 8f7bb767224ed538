//! The `redis` backend (Redis or Valkey): the store's contract in Redis commands, two of them
//! small Lua scripts so the compare operations are atomic across instances. The link
//! (connection, time limits, outages) is [`link`]'s.

mod link;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::{RedisError, Script, Value, cmd};

use super::{Claimed, Store, StoreError, clamp};
use link::Link;

/// Removes KEYS[1] if it holds ARGV[1].
static DELETE_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    )
});
/// Gives KEYS[1] a time to live of ARGV[2] milliseconds if it holds ARGV[1].
static EXPIRE_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
    )
});

/// A Redis server shared by every instance configured with its URL.
#[derive(Debug)]
pub(crate) struct Redis {
    link: Arc<Link>,
}

impl Redis {
    /// A store for the server at `url` (not contacted yet); a URL that does not parse is an
    /// error naming what is wrong with it.
    pub(crate) fn open(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|err| err.to_string())?;
        Ok(Self {
            link: Arc::new(Link::new(client, masked(url))),
        })
    }

    /// The URL as logs show it.
    pub(crate) fn shown(&self) -> &str {
        &self.link.shown
    }

    /// Whether Redis is taken to answer: false during an outage, until the probe reaches it.
    pub(crate) fn is_up(&self) -> bool {
        self.link.is_up()
    }

    /// Connects and pings: `serve` calls it before binding, so a wrong URL stops the start.
    /// Its failure is the caller's to report: no outage is logged.
    pub(crate) async fn connect(&self) -> Result<(), StoreError> {
        self.link.ping().await
    }

    /// Sets `key` for `ttl` soon and returns at once: the write leaves with this thread's
    /// next claims, or on its own a moment later (see `link/outbox.rs`).
    pub(crate) fn put_later(&self, key: &str, value: &str, ttl: Duration) {
        self.link.later(set(key, value, ttl, false));
    }

    /// [`AccountStore::take_or_claim`](super::AccountStore::take_or_claim) in one round trip
    /// for the common case: a pipeline of the look for a waiting reply and the claim (plain
    /// commands: a script costs Redis three times the CPU). Only when a reply is waiting does
    /// a second trip take it, by compare-and-delete, so two instances never both deliver it;
    /// the one that loses answers its message as usual.
    pub(crate) async fn take_or_claim(
        &self,
        waiting: Option<&str>,
        message: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Claimed, StoreError> {
        // Nothing to look for: a harmless stand-in keeps the answers' shape.
        let mut look = cmd("GET");
        look.arg(waiting.unwrap_or(message));
        let claim = set(message, value, ttl, true);
        let answers = self.link.ask([look, claim]).await?;
        let [reply, claimed]: [Value; 2] = answers.try_into().map_err(|_| StoreError::Down)?;
        let reply: Option<String> = redis::from_redis_value(reply).map_err(RedisError::from)?;
        let claimed: Option<String> = redis::from_redis_value(claimed).map_err(RedisError::from)?;
        if claimed.is_none() {
            return Ok(Claimed::Taken);
        }
        match (waiting, reply) {
            (Some(key), Some(reply)) if self.delete_if(key, &reply).await? => {
                Ok(Claimed::Waiting(reply))
            }
            _ => Ok(Claimed::Mine),
        }
    }
}

/// `url` with the password, if any, replaced by `***`.
pub(crate) fn masked(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => format!("{scheme}://***@{host}"),
    }
}

/// `SET key value PX ttl`, with `NX` when `only_new`: built in one allocation of its size.
fn set(key: &str, value: &str, ttl: Duration, only_new: bool) -> redis::Cmd {
    // The most digits a u64 has.
    let size = "SETPXNX".len() + key.len() + value.len() + 20;
    let mut set = redis::Cmd::with_capacity(6, size);
    set.arg("SET")
        .arg(key)
        .arg(value)
        .arg("PX")
        .arg(millis(ttl));
    if only_new {
        set.arg("NX");
    }
    set
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX)
}

impl Store for Redis {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.link.with(
            |mut connection| async move { cmd("GET").arg(key).query_async(&mut connection).await },
        )
        .await
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let set = set(key, value, ttl, false);
        self.link
            .with(|mut connection| async move { set.query_async(&mut connection).await })
            .await
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let set = set(key, value, ttl, true);
        let set: Option<String> = self
            .link
            .with(|mut connection| async move { set.query_async(&mut connection).await })
            .await?;
        Ok(set.is_some())
    }

    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError> {
        let deleted: i64 = self
            .link
            .with(|mut connection| async move {
                DELETE_IF
                    .key(key)
                    .arg(expected)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(deleted == 1)
    }

    async fn expire_if(
        &self,
        key: &str,
        expected: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let set: i64 = self
            .link
            .with(|mut connection| async move {
                EXPIRE_IF
                    .key(key)
                    .arg(expected)
                    .arg(millis(ttl))
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(set == 1)
    }
}
