//! The `redis` backend (Redis or Valkey): the store's contract in Redis commands, two of them
//! small Lua scripts so the compare operations are atomic across instances. The link
//! (connection, time limits, outages) is [`link`]'s.

mod link;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::{Script, cmd};

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

/// Takes the reply waiting under KEYS[1] (when ARGV[3] is "1"), else claims KEYS[2] with
/// ARGV[1] for ARGV[2] milliseconds: `{1, reply}`, `{2}` (claimed) or `{3}` (taken). Both keys
/// carry the account's hash tag, so this is valid on a cluster.
static TAKE_OR_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if ARGV[3] == '1' then \
           local waiting = redis.call('GET', KEYS[1]) \
           if waiting then redis.call('DEL', KEYS[1]) return {1, waiting} end \
         end \
         if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {2} end \
         return {3}",
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

    /// Connects and pings: `serve` calls it before binding, so a wrong URL stops the start.
    /// Its failure is the caller's to report: no outage is logged.
    pub(crate) async fn connect(&self) -> Result<(), StoreError> {
        self.link.ping().await
    }

    /// [`AccountStore::take_or_claim`](super::AccountStore::take_or_claim) in one round trip.
    pub(crate) async fn take_or_claim(
        &self,
        waiting: Option<&str>,
        message: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Claimed, StoreError> {
        let (first, look) = waiting.map_or((message, "0"), |key| (key, "1"));
        let (code, reply): (i64, Option<String>) = self
            .link
            .with(|mut connection| async move {
                let answer: Vec<redis::Value> = TAKE_OR_CLAIM
                    .key(first)
                    .key(message)
                    .arg(value)
                    .arg(millis(ttl))
                    .arg(look)
                    .invoke_async(&mut connection)
                    .await?;
                let code = answer.first().map_or(Ok(0), redis::from_redis_value_ref)?;
                let reply = answer.get(1).map(redis::from_redis_value_ref).transpose()?;
                Ok((code, reply))
            })
            .await?;
        Ok(match (code, reply) {
            (1, Some(reply)) => Claimed::Waiting(reply),
            (2, _) => Claimed::Mine,
            _ => Claimed::Taken,
        })
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

/// `SET key value PX ttl`.
fn set(key: &str, value: &str, ttl: Duration) -> redis::Cmd {
    cmd("SET")
        .arg(key)
        .arg(value)
        .arg("PX")
        .arg(millis(ttl))
        .clone()
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
        let set = set(key, value, ttl);
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
        let set = set(key, value, ttl).arg("NX").clone();
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
