//! [`Bot`]: one account's callback logic, from a signed request to the answer.
//!
//! The callback protocol (`callback.rs`: signatures, encryption, refusals) opens a request
//! and hands the message to [`Bot::dispatch`]; this module never sees HTTP or the query.
//!
//! A message's life here: route it (no route: `success`, nothing kept), claim its dedupe key
//! (a repeat waits for the first delivery's verdict), run its job (handler, media, render) —
//! inline when it finishes at once, else in a task racing the reply deadline — and answer
//! with the verdict. A reply that misses the deadline is sent through customer service.

mod answer;
mod deadline;
mod dedup;
mod detach;
mod job;
mod late;
mod ready;
mod shared;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use crate::client::Client;
use crate::config::{Config, ConfigError};
use crate::crypto::MsgCrypt;
use crate::error::Error;
use crate::media::MediaCache;
use crate::message::Incoming;
use crate::router::{Ctx, HandlerFuture, Lent, Router};
use crate::store::{AccountStore, SessionStore};
pub use answer::Answer;
use deadline::{Inflight, Race};
use dedup::{Claim, Decision, Dedup, Verdict};
use job::Job;
pub use ready::NotReady;

/// A bot: the account's settings and its router. Cheap to clone (one `Arc`).
///
/// ```
/// use wxbot::prelude::*;
/// use wxbot::{Bot, Config};
///
/// async fn echo(text: Text) -> String { text.content }
///
/// let mut config = Config::default();
/// config.account.token = "testtoken".into();
/// let bot = Bot::new(&config, Router::new().on(echo)).unwrap();
/// # let _ = bot;
/// ```
pub struct Bot<S = ()> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    config: Config,
    router: Router<S>,
    client: Client,
    /// The client and the sessions, as every [`Ctx`] borrows them (made once: one `Arc`
    /// clone per message).
    lent: Arc<Lent>,
    media: MediaCache,
    dedup: Dedup,
    inflight: Arc<Inflight>,
    /// Late replies waiting for their users' next messages, as far as this process knows (with
    /// an unshared store, the only reason to look for one).
    pending: late::Waiting,
    /// The account's store: shared message outcomes, when other instances share it.
    store: AccountStore,
    /// `compatible` and `safe` modes' crypto.
    crypt: Option<MsgCrypt>,
    /// Where jobs that outlive their request run (see [`Bot::run_late_work_on`]).
    background: OnceLock<tokio::runtime::Handle>,
    /// The last failed token fetch of a readiness check, reused for a while.
    token_refused: ready::Remembered,
}

impl<S> Clone for Bot<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> std::fmt::Debug for Bot<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("router", &self.inner.router)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// A bot for the account in `config`, answering with `router`.
    ///
    /// Fails on an invalid configuration or a router with configuration mistakes, so they
    /// surface at start-up, never on a message.
    pub fn new(config: &Config, router: Router<S>) -> Result<Self, Error> {
        config.validate()?;
        router.check()?;
        // Opened once, here, and handed to both: a store that cannot be opened stops the bot.
        let store = AccountStore::open(config)?;
        let client = Client::with_store(config, store.clone());
        let media = MediaCache::with_store(client.clone(), &config.media, store.clone());
        let server = &config.server;
        let dedup = Dedup::new(
            Duration::from_secs(server.dedup_ttl_secs),
            server.dedup_capacity,
        );
        let inner = Inner {
            config: config.clone(),
            router,
            lent: Arc::new(Lent {
                client: Arc::new(client.clone()),
                sessions: Arc::new(SessionStore::new(
                    store.clone(),
                    Duration::from_secs(config.session.ttl_secs),
                )),
            }),
            client,
            media,
            dedup,
            inflight: Arc::default(),
            pending: late::Waiting::left(
                store.left_by_earlier_runs(late::PENDING),
                Duration::from_secs(config.session.pending_ttl_secs),
            ),
            store,
            background: OnceLock::new(),
            token_refused: ready::Remembered::default(),
            crypt: config.crypt().map_err(|err| ConfigError {
                problems: vec![format!("account.encoding_aes_key: {err}")],
            })?,
        };
        let bot = Self {
            inner: Arc::new(inner),
        };
        bot.warn_about_menu();
        Ok(bot)
    }

    /// Reaches the configured store now rather than on the first message: a Redis that does
    /// not answer is an error naming `store.url`. `serve` calls it before binding.
    pub async fn connect(&self) -> Result<(), Error> {
        self.inner.store.connect().await.map_err(Error::Store)
    }

    /// The configuration the bot runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The message crypto of `compatible` and `safe` modes, built once.
    pub(crate) fn crypt(&self) -> Option<&MsgCrypt> {
        self.inner.crypt.as_ref()
    }

    /// The account's API client, shared with handlers through [`Ctx::api`](crate::Ctx::api).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The upload-on-demand cache media replies go through.
    pub fn media(&self) -> &MediaCache {
        &self.inner.media
    }

    /// Answers a parsed message received now: see [`Bot::callback`].
    pub async fn dispatch(&self, message: Arc<Incoming>) -> Answer {
        self.dispatch_at(message, Instant::now()).await
    }

    /// Runs work that outlives its request (replies past the deadline) on `runtime` rather
    /// than on the worker that received it, so it survives the workers at shutdown. `serve`
    /// names its main runtime; the first call wins.
    pub fn run_late_work_on(&self, runtime: tokio::runtime::Handle) {
        let _ = self.inner.background.set(runtime);
    }

    /// Waits (up to `limit`) for replies still being made in the background, such as late
    /// replies on their way through customer service; returns how many were abandoned.
    pub async fn drain(&self, limit: Duration) -> usize {
        self.inner.inflight.drain(limit).await
    }

    /// Answers a message received at `received`: a reply waiting for its user, else route,
    /// claim, run, and race the deadline when the job does not finish at once.
    pub(crate) async fn dispatch_at(&self, message: Arc<Incoming>, received: Instant) -> Answer {
        // The rare paths are boxed: the common one's future stays small.
        let Some(handler) = self.route(&message) else {
            // A job report no route takes (thousands a second after a big send): counted,
            // answered at once, no dedupe slot and no task.
            if let Some(event) = message.event().filter(|event| event.is_job_report()) {
                self.metrics().bulk_event(event.name());
            }
            // Not routed: a reply waiting for the user is still its answer.
            let waiting = self.may_have_pending(&message);
            return match waiting {
                true => Box::pin(self.take_pending(&message)).await,
                false => None,
            }
            .unwrap_or(Answer::Success);
        };
        let key = dedup::key(
            &message.header,
            message.event().and_then(|event| event.key()),
        );
        // Named in the store only when other instances share it.
        let shared = (key.as_deref())
            .filter(|_| self.inner.store.is_shared())
            .map(shared::message_name);
        // A repeat drops the handler future unpolled, so the handler never runs again.
        let decision = match key {
            Some(key) => match self.inner.dedup.claim(key) {
                Claim::Owner(decision) => decision,
                Claim::Follower(slot) => {
                    self.metrics().dedupe_replay();
                    let header = &message.header;
                    let repeat = self.repeat(&slot, shared.as_deref(), received, header);
                    return Box::pin(repeat).await;
                }
            },
            None => Decision::alone(),
        };
        // A reply waiting for the user answers the first delivery of this message instead, and
        // so its repeats (across instances, the claim takes it).
        if shared.is_none()
            && self.may_have_pending(&message)
            && let Some(answer) = Box::pin(self.take_pending(&message)).await
        {
            decision.decide(Verdict::Relayed(answer.clone()));
            return answer;
        }
        if let Some(name) = shared {
            // Boxed inside: the common path's future stays small.
            return (self.dispatch_shared(message, handler, decision, name, received)).await;
        }
        let slot = decision.slot();
        match self.start(&message, handler, decision, received, None) {
            Some(answer) => answer,
            None => {
                let first = self.holds_late_replies().then(|| slot.delivered());
                let wait = self.verdict(&slot, first, received, &message.header, None);
                Box::pin(wait).await
            }
        }
    }

    /// Starts the message's job: inline when it finishes at once (its answer), else in a task
    /// racing the deadline (`None`: the verdict comes in the slot).
    fn start(
        &self,
        message: &Arc<Incoming>,
        handler: HandlerFuture,
        decision: Decision,
        received: Instant,
        shared: Option<String>,
    ) -> Option<Answer> {
        // Counted from here, not from the spawn: a shutdown must also wait for a message
        // whose job is still being tried inline.
        let guard = self.inner.inflight.enter();
        let mut job: Job = Box::pin(self.clone().run(Arc::clone(message), handler));
        // Most handlers finish at once (text, keywords, cached media): no task, no timer.
        if let Some(done) = (&mut job).now_or_never() {
            let (verdict, answer) = match done {
                Some(ready) => (Verdict::Replied(ready.reply), Answer::Reply(ready.xml)),
                None => (Verdict::Ack, Answer::Success),
            };
            decision.decide(verdict);
            return Some(answer);
        }
        let message = Arc::clone(message);
        let race = Race {
            decision,
            message,
            received,
            shared,
        };
        self.spawn_job(job, race, guard);
        None
    }

    /// The handler of the first route that takes the message, started; `None` when no route
    /// does. Extractors and the synchronous part of a handler (and of its middleware) run
    /// here; a panic there is caught and handed on, to be reported as the handler's own.
    fn route(&self, message: &Arc<Incoming>) -> Option<HandlerFuture> {
        let inner = &self.inner;
        let routed = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let lent = Arc::clone(&inner.lent);
            let ctx = Ctx::new(Arc::clone(message), inner.router.state().clone(), lent);
            inner.router.route(&ctx)
        }));
        routed
            .unwrap_or_else(|panic| Some(Box::pin(async move { std::panic::resume_unwind(panic) })))
    }
}
