//! The `redis` backend (Redis or Valkey): the store's contract in Redis commands, two of them
//! small Lua scripts so the compare operations are atomic across instances. The link
//! (connection, time limits, outages) is [`link`]'s.

mod commands;
mod link;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::{IntoConnectionInfo as _, RedisError, Value, cmd};

use super::{Claimed, Store, StoreError};
use crate::metrics::Metrics;
use commands::{DELETE_IF, EXPIRE_IF, KEEP_WAITING, TAKE, millis, set};
use link::Link;

/// A Redis server shared by every instance configured with its URL.
#[derive(Debug)]
pub(crate) struct Redis {
    link: Arc<Link>,
    /// The mark of waiting replies was there at the last look: a claim then reads the user's
    /// key in its own trip instead of a second one.
    marked: AtomicBool,
}

/// Where a reply may wait for the sender of a message being claimed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiting<'k> {
    /// The account's mark, there while any reply may wait (see [`Redis::keep_waiting`]).
    pub(crate) mark: &'k str,
    /// The sender's reply.
    pub(crate) reply: &'k str,
}

impl Redis {
    /// A store for the server at `url` (not contacted yet); a URL that does not parse is an
    /// error naming what is wrong with it.
    pub(crate) fn open(url: &str) -> Result<Self, String> {
        let info = (url.into_connection_info())
            .map_err(|err| err.to_string())?
            .set_tcp_settings(tcp());
        let client = redis::Client::open(info).map_err(|err| err.to_string())?;
        Ok(Self {
            link: Arc::new(Link::new(client, masked(url))),
            marked: AtomicBool::new(false),
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
    /// next claims, or on its own a moment later (see `link/outbox.rs`). While Redis is known
    /// to be down it is dropped, and that is the error.
    pub(crate) fn put_later(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.link.later(set(key, value, ttl, false))
    }

    /// Counts the writes [`Redis::put_later`] lost on their way in `metrics`, as store errors.
    pub(crate) fn count_lost_writes_in(&self, metrics: Metrics) {
        self.link.count_lost_writes_in(metrics);
    }

    /// Keeps `value` under `key` for `ttl`, a reply waiting for its user, and makes `mark` live
    /// at least as long, in one step: a claim reads a user's key only while the mark is there.
    /// The mark is never shortened, so a reply kept for longer (an instance with a longer
    /// `session.pending_ttl_secs`) stays marked.
    pub(crate) async fn keep_waiting(
        &self,
        mark: &str,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut keep = KEEP_WAITING.prepare_invoke();
        keep.key(mark).key(key).arg(value).arg(millis(ttl));
        let kept: Result<(), StoreError> = self
            .link
            .with(|mut connection| async move { keep.invoke_async(&mut connection).await })
            .await;
        if kept.is_ok() {
            self.marked.store(true, Ordering::Relaxed);
        }
        kept
    }

    /// [`AccountStore::take_or_claim`](super::AccountStore::take_or_claim) in one round trip
    /// for the common case, of plain commands (a script costs Redis three times the CPU). The
    /// claim leaves in this thread's next pipeline, which reads the account's mark of waiting
    /// replies once for all its claims. While the mark was absent at the last look, that is
    /// all: no reply can wait. Once it is seen, each claim also reads its user's key, and a
    /// reply found there is taken by compare-and-delete in a second trip, so two instances
    /// never both deliver it (the one that loses answers its message as usual). A claim that
    /// finds the mark newly there takes the user's reply, if any, in a second trip too.
    pub(crate) async fn take_or_claim(
        &self,
        waiting: Option<Waiting<'_>>,
        message: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Claimed, StoreError> {
        let claim = set(message, value, ttl, true);
        let Some(waiting) = waiting else {
            let [claimed] = fixed(self.link.ask(None, [claim]).await?)?;
            return Ok(if taken(claimed)? {
                Claimed::Taken
            } else {
                Claimed::Mine
            });
        };
        if !self.marked.load(Ordering::Relaxed) {
            let [mark, claimed] = fixed(self.link.ask(Some(waiting.mark), [claim]).await?)?;
            let marked = self.seen(&mark);
            if taken(claimed)? {
                return Ok(Claimed::Taken);
            }
            if !marked {
                return Ok(Claimed::Mine);
            }
            let reply = Box::pin(self.take(waiting.reply)).await?;
            return Ok(reply.map_or(Claimed::Mine, Claimed::Waiting));
        }
        let mut look = cmd("GET");
        look.arg(waiting.reply);
        let answers = self.link.ask(Some(waiting.mark), [look, claim]).await?;
        let [mark, reply, claimed] = fixed(answers)?;
        self.seen(&mark);
        if taken(claimed)? {
            return Ok(Claimed::Taken);
        }
        let reply: Option<String> = redis::from_redis_value(reply).map_err(RedisError::from)?;
        match reply {
            Some(reply) if Box::pin(self.delete_if(waiting.reply, &reply)).await? => {
                Ok(Claimed::Waiting(reply))
            }
            _ => Ok(Claimed::Mine),
        }
    }

    /// Removes `key` and returns what it held, in one step.
    async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        let take = TAKE.key(key);
        self.link
            .with(|mut connection| async move { take.invoke_async(&mut connection).await })
            .await
    }

    /// Notes whether the mark read as `mark` is there (a refused read counts as there: the
    /// user's key is then read, as it was before marks), and returns it.
    fn seen(&self, mark: &Value) -> bool {
        let there = !matches!(mark, Value::Nil);
        self.marked.store(there, Ordering::Relaxed);
        there
    }
}

/// Whether the answer to a claim (`SET NX`) says another instance had the message.
fn taken(answer: Value) -> Result<bool, StoreError> {
    let set: Option<String> = redis::from_redis_value(answer).map_err(RedisError::from)?;
    Ok(set.is_none())
}

/// The `N` answers of an ask, in order.
fn fixed<const N: usize>(answers: Vec<Value>) -> Result<[Value; N], StoreError> {
    answers.try_into().map_err(|_| StoreError::Down)
}

/// The connections' TCP options. Nagle off: a pipeline leaves at once instead of waiting
/// behind the previous one's acknowledgement. Keepalive probes after a minute of silence: a
/// NAT or firewall between here and Redis keeps a worker's idle connection instead of
/// dropping it unseen, which would cost the next request on that worker an outage.
fn tcp() -> TcpSettings {
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(60));
    TcpSettings::default()
        .set_nodelay(true)
        .set_keepalive(keepalive)
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

#[cfg(test)]
mod tests;
