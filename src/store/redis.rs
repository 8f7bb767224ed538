//! The `redis` backend (Redis or Valkey): one connection manager per account store, which
//! reconnects by itself, and a health mark so an outage costs one error line and no waiting.
//!
//! While Redis is down every operation fails at once with [`StoreError::Down`] (callers fall
//! back to local state) until a back-off passes and one operation tries again; the first to
//! succeed logs that sharing is back.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisResult, Script, cmd};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::{Store, StoreError, clamp};

/// How long one command or connection attempt may take: the store sits on the reply path,
/// inside WeChat's 5 seconds.
const PATIENCE: Duration = Duration::from_secs(1);
/// The first pause after a failure; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

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
    /// The URL as logs show it: any password masked.
    shown: String,
    client: redis::Client,
    /// Made on first use, so a bot can be built outside a runtime.
    connection: OnceCell<ConnectionManager>,
    health: Health,
}

/// Whether Redis is taken to be down, and until when no one asks it.
#[derive(Debug, Default)]
struct Health {
    down: AtomicBool,
    outage: Mutex<Outage>,
}

#[derive(Debug, Default)]
struct Outage {
    retry_at: Option<Instant>,
    pause: Duration,
}

impl Redis {
    /// A store for the server at `url` (not contacted yet); a URL that does not parse is an
    /// error naming what is wrong with it.
    pub(crate) fn open(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|err| err.to_string())?;
        Ok(Self {
            shown: masked(url),
            client,
            connection: OnceCell::new(),
            health: Health::default(),
        })
    }

    /// The URL as logs show it.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// Connects and pings: `serve` calls it before binding, so a wrong URL stops the start.
    /// Its failure is the caller's to report: no outage is logged.
    pub(crate) async fn connect(&self) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        cmd("PING").query_async::<String>(&mut connection).await?;
        Ok(())
    }

    /// Runs `op` on the connection, unless Redis is resting after a failure; notes the
    /// outcome in the health mark.
    async fn with<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.health.may_try() {
            return Err(StoreError::Down);
        }
        let result = match self.connection().await {
            Ok(connection) => op(connection).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(value) => {
                self.health.up(&self.shown);
                Ok(value)
            }
            Err(err) if is_outage(&err) => {
                self.health.failed(&self.shown, &err);
                Err(err.into())
            }
            Err(err) => {
                tracing::warn!(url = %self.shown, "store: redis refused a command: {err}");
                self.health.up(&self.shown);
                Err(err.into())
            }
        }
    }

    async fn connection(&self) -> RedisResult<ConnectionManager> {
        let connect = || {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(PATIENCE))
                .set_response_timeout(Some(PATIENCE))
                .set_number_of_retries(1)
                .set_min_delay(Duration::from_millis(50))
                .set_max_delay(PATIENCE);
            ConnectionManager::new_with_config(self.client.clone(), config)
        };
        self.connection.get_or_try_init(connect).await.cloned()
    }
}

/// Whether `err` means Redis is not there (rather than that it refused one command).
fn is_outage(err: &redis::RedisError) -> bool {
    !matches!(
        err.kind(),
        ErrorKind::Server(_) | ErrorKind::Parse | ErrorKind::UnexpectedReturnType
    )
}

impl Health {
    /// Whether to ask Redis now: always while it is up; while down, once its pause is over.
    fn may_try(&self) -> bool {
        if !self.down.load(Ordering::Acquire) {
            return true;
        }
        let outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        outage.retry_at.is_none_or(|at| Instant::now() >= at)
    }

    fn failed(&self, shown: &str, err: &redis::RedisError) {
        let mut outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        if self.down.swap(true, Ordering::AcqRel) {
            outage.pause = (outage.pause * 2).min(LONGEST_PAUSE);
        } else {
            tracing::error!(
                url = %shown,
                "store: redis is unreachable ({err}); answering from local state until it is back"
            );
            outage.pause = FIRST_PAUSE;
        }
        outage.retry_at = Some(Instant::now() + outage.pause);
    }

    fn up(&self, shown: &str) {
        if self.down.swap(false, Ordering::AcqRel) {
            tracing::info!(url = %shown, "store: redis is back; sharing resumes");
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

fn millis(ttl: Duration) -> u64 {
    u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX)
}

impl Store for Redis {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with(
            |mut connection| async move { cmd("GET").arg(key).query_async(&mut connection).await },
        )
        .await
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.with(|mut connection| async move {
            let set = cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(millis(ttl))
                .clone();
            set.query_async(&mut connection).await
        })
        .await
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let set: Option<String> = self
            .with(|mut connection| async move {
                let set = cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(millis(ttl))
                    .arg("NX")
                    .clone();
                set.query_async(&mut connection).await
            })
            .await?;
        Ok(set.is_some())
    }

    async fn delete_if(&self, key: &str, expected: &str) -> Result<bool, StoreError> {
        let deleted: i64 = self
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
