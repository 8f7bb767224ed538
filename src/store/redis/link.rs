//! The link to Redis: its connections, the time limit of every operation, and the health mark.
//!
//! Each thread that uses Redis has a connection of its own, made on first use (so a bot can be
//! built outside a runtime). A connection's driver is a task of the runtime that made it, so a
//! command sent from an actix worker is written, read and answered on that worker: no message
//! crosses threads, and the commands of the requests a worker has in flight leave in one write.
//!
//! Only a Redis that cannot be reached or serve counts as down. The first failure of an outage
//! logs one line and starts a probe in the background, which pings with back-off until Redis
//! answers, then logs one line more; meanwhile every operation fails at once with
//! [`StoreError::Down`] and its caller answers from local state, so no request waits on a
//! Redis known to be down.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisResult, ServerErrorKind, cmd};
use thread_local::ThreadLocal;
use tokio::runtime::{Handle, Id};
use tokio::sync::OnceCell;

use crate::metrics::Metrics;
use crate::store::StoreError;
use outbox::Outbox;

mod outbox;

/// How long one operation may take, reconnecting included: the store sits on the reply path,
/// inside WeChat's 5 seconds.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// The probe's first pause; it doubles after each failed ping, up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// A Redis server, as every clone of the store reaches it.
#[derive(Debug)]
pub(super) struct Link {
    /// The URL as logs show it: any password masked.
    pub(super) shown: String,
    client: redis::Client,
    /// Each thread's own connection, so a command never crosses threads: its driver runs on
    /// the runtime of the thread that made it (an actix worker's, for a callback).
    connections: ThreadLocal<RefCell<Option<Local>>>,
    /// Bumped when Redis is back after an outage: every thread then opens a fresh
    /// connection instead of finding out, by one more failure, that its old one broke.
    generation: AtomicU64,
    /// Redis is taken to be down: operations fail at once while the probe runs.
    down: AtomicBool,
    /// Where a queued write that was lost is counted as a store error (its writer did not
    /// wait to hear of it): the account's metrics, once the store is opened for one.
    metrics: OnceLock<Metrics>,
}

/// One thread's connection, made once (however many ask at once) on first use, and its outbox.
#[derive(Debug)]
struct Local {
    runtime: Id,
    generation: u64,
    connection: Arc<OnceCell<ConnectionManager>>,
    /// Commands waiting to leave together in this thread's next pipeline.
    outbox: Arc<Outbox>,
}

impl Link {
    pub(super) fn new(client: redis::Client, shown: String) -> Self {
        Self {
            shown,
            client,
            connections: ThreadLocal::new(),
            generation: AtomicU64::new(0),
            down: AtomicBool::new(false),
            metrics: OnceLock::new(),
        }
    }

    /// Counts the writes lost from now on in `metrics`.
    pub(super) fn count_lost_writes_in(&self, metrics: Metrics) {
        let _ = self.metrics.set(metrics);
    }

    /// `writes` queued writes were lost.
    fn lost(&self, writes: usize) {
        if let Some(metrics) = self.metrics.get() {
            (0..writes).for_each(|_| metrics.store_error());
        }
    }

    /// Whether Redis is taken to answer (no outage under way).
    pub(super) fn is_up(&self) -> bool {
        !self.down.load(Ordering::Acquire)
    }

    /// Pings, within the time limit.
    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        let ping = async {
            let mut connection = self.connection().await?;
            cmd("PING").query_async::<String>(&mut connection).await
        };
        match tokio::time::timeout(COMMAND_TIMEOUT, ping).await {
            Ok(pong) => pong.map(drop).map_err(StoreError::from),
            Err(_) => Err(StoreError::Down),
        }
    }

    /// Runs `op` on the connection within [`COMMAND_TIMEOUT`], unless Redis is known to be
    /// down; an outage starts the probe.
    pub(super) async fn with<T, F, Fut>(self: &Arc<Self>, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if self.down.load(Ordering::Acquire) {
            return Err(StoreError::Down);
        }
        let run = async {
            let connection = self.connection().await?;
            op(connection).await
        };
        match tokio::time::timeout(COMMAND_TIMEOUT, run).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) if is_outage(&err) => {
                self.went_down(&err.to_string());
                Err(err.into())
            }
            Ok(Err(err)) => {
                tracing::warn!(url = %self.shown, "store: redis refused a command: {err}");
                Err(err.into())
            }
            Err(_) => {
                self.went_down(&format!("no answer within {COMMAND_TIMEOUT:?}"));
                Err(StoreError::Down)
            }
        }
    }

    /// Marks Redis down; the first to do so logs it and starts the probe.
    fn went_down(self: &Arc<Self>, why: &str) {
        if self.down.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::error!(
            url = %self.shown,
            "store: redis is unreachable ({why}); answering from local state until it is back"
        );
        let link = Arc::clone(self);
        tokio::spawn(async move { link.probe().await });
    }

    /// Pings with back-off until Redis answers, then marks it up.
    async fn probe(&self) {
        let mut pause = FIRST_PAUSE;
        loop {
            tokio::time::sleep(pause).await;
            if self.ping().await.is_ok() {
                self.generation.fetch_add(1, Ordering::AcqRel);
                self.down.store(false, Ordering::Release);
                tracing::info!(url = %self.shown, "store: redis is back; sharing resumes");
                return;
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    /// This thread's connection, made on first use, and again when the thread runs another
    /// runtime (the old one's driver is gone) or Redis came back from an outage.
    async fn connection(&self) -> RedisResult<ConnectionManager> {
        let cell = self.local(|local| {
            let cell = &local.connection;
            cell.get().cloned().ok_or_else(|| Arc::clone(cell))
        });
        let cell = match cell {
            Ok(connection) => return Ok(connection),
            Err(cell) => cell,
        };
        let connect = || {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(COMMAND_TIMEOUT))
                .set_response_timeout(None)
                .set_number_of_retries(1)
                .set_min_delay(Duration::from_millis(50))
                .set_max_delay(COMMAND_TIMEOUT);
            ConnectionManager::new_with_config(self.client.clone(), config)
        };
        cell.get_or_try_init(connect).await.cloned()
    }

    /// `look` at this thread's connection and outbox, made anew when the thread runs another
    /// runtime or the connections were renewed.
    fn local<T>(&self, look: impl FnOnce(&Local) -> T) -> T {
        let runtime = Handle::current().id();
        let generation = self.generation.load(Ordering::Acquire);
        let mut slot = self.connections.get_or_default().borrow_mut();
        let local = match &mut *slot {
            Some(local) if local.runtime == runtime && local.generation == generation => local,
            stale => stale.insert(Local {
                runtime,
                generation,
                connection: Arc::default(),
                outbox: Arc::default(),
            }),
        };
        look(local)
    }
}

/// Whether `err` means Redis cannot be reached or cannot serve now (rather than that it
/// refused one command).
fn is_outage(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}
