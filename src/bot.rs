//! [`Bot`]: one account's callback logic, from a signed request to the answer.
//!
//! The HTTP edge ([`crate::endpoint`]) is thin glue around [`Bot::verify`] and
//! [`Bot::callback`], so tests and other servers can drive the same logic directly.
//!
//! A message's life here: route it (no route: `success`, nothing kept), claim its dedupe key
//! (a repeat waits for the first delivery's fate), run its work (handler, media, render) —
//! inline when it finishes at once, else in a task racing the reply deadline — and answer
//! with the fate. Work that misses the deadline is sent through customer service.

mod work;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt as _;
use tokio::time::Instant;

use crate::client::Client;
use crate::config::{Backend, Config, ConfigError, Mode};
use crate::crypto::{CryptoError, MsgCrypt, find_encrypt};
use crate::deadline::{Inflight, Work, race};
use crate::dedup::{self, Claim, Decision, Dedup, Fate};
use crate::endpoint::{CallbackError, CallbackQuery};
use crate::error::Error;
use crate::media::MediaCache;
use crate::message::{self, Incoming};
use crate::reply::render;
use crate::router::Router;
use crate::signature;

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
    media: MediaCache,
    dedup: Dedup,
    inflight: Arc<Inflight>,
    /// `compatible` and `safe` modes' crypto.
    crypt: Option<MsgCrypt>,
    /// Where work that outlives its request runs (see [`Bot::run_late_work_on`]).
    background: OnceLock<tokio::runtime::Handle>,
}

/// The answer to a message that parsed: the reply XML, or `success`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Reply XML.
    Reply(String),
    /// No reply (or the reply follows through customer service): WeChat shows nothing and
    /// does not retry.
    Success,
}

impl Answer {
    /// The answer to a delivery of the message with `header`, given its fate.
    fn of(fate: Fate, header: &crate::message::Header) -> Self {
        match fate {
            // Rendered again for this delivery: only `CreateTime` can differ.
            Fate::Replied(reply) => {
                render(header, &reply, unix_now()).map_or(Self::Success, Self::Reply)
            }
            Fate::Ack | Fate::Deferred => Self::Success,
        }
    }
}

/// A handled callback: the message and its answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Outcome {
    /// The parsed message.
    pub message: Arc<Incoming>,
    /// What to send back.
    pub answer: Answer,
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
        if config.store.backend == Backend::Redis {
            tracing::warn!(
                "store.backend = \"redis\" is not implemented yet; tokens and media ids stay in memory"
            );
        }
        let client = Client::new(config);
        let media = MediaCache::new(client.clone(), &config.media);
        let server = &config.server;
        let dedup = Dedup::new(
            Duration::from_secs(server.dedup_ttl_secs),
            server.dedup_capacity,
        );
        let inner = Inner {
            config: config.clone(),
            router,
            client,
            media,
            dedup,
            inflight: Arc::default(),
            background: OnceLock::new(),
            crypt: config.crypt().map_err(|err| ConfigError {
                problems: vec![format!("account.encoding_aes_key: {err}")],
            })?,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The configuration the bot runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// URL verification (WeChat's GET with `echostr`): the `echostr` to answer when the signature holds.
    pub fn verify(&self, query: &CallbackQuery) -> Result<String, CallbackError> {
        let fields = [
            ("signature", &query.signature),
            ("timestamp", &query.timestamp),
            ("nonce", &query.nonce),
            ("echostr", &query.echostr),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, value)| value.is_none()) {
            return Err(CallbackError::Missing(name));
        }
        self.check_signature(query)?;
        Ok(query.echostr.clone().unwrap_or_default())
    }

    /// One callback POST: checks the signature, opens an encrypted body,
    /// parses it, runs the first matching handler and renders (and seals) its reply.
    ///
    /// Once the body has parsed, the answer is always `Ok`: a handler error or panic is
    /// logged and answered with `success`, so WeChat neither retries nor shows an error.
    pub async fn callback(
        &self,
        query: &CallbackQuery,
        body: &[u8],
    ) -> Result<Outcome, CallbackError> {
        let received = Instant::now();
        self.check_signature(query)?;
        let crypt = self.crypt_for(query)?;
        let opened;
        let xml = match crypt {
            Some(crypt) => {
                opened = open(crypt, query, body).inspect_err(|err| {
                    tracing::warn!("encrypted callback refused: {err}");
                })?;
                opened.as_bytes()
            }
            None => body,
        };
        let message = Arc::new(message::parse(xml)?);
        let answer = match (
            self.dispatch_at(Arc::clone(&message), received).await,
            crypt,
        ) {
            (Answer::Reply(xml), Some(crypt)) => Answer::Reply(seal(crypt, &xml)),
            (answer, _) => answer,
        };
        Ok(Outcome { message, answer })
    }

    /// The crypto this request needs: encrypted requests in `compatible` and `safe` modes.
    /// In `safe` mode a request without `encrypt_type=aes` has no `msg_signature`: 403.
    fn crypt_for(&self, query: &CallbackQuery) -> Result<Option<&MsgCrypt>, CallbackError> {
        let encrypted = query.encrypt_type.as_deref() == Some("aes");
        match (&self.inner.crypt, self.inner.config.account.mode) {
            (Some(crypt), _) if encrypted => Ok(Some(crypt)),
            (_, Mode::Safe) => Err(CallbackError::BadSignature),
            _ => Ok(None),
        }
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

    async fn dispatch_at(&self, message: Arc<Incoming>, received: Instant) -> Answer {
        let inner = &self.inner;
        // Extractors and the synchronous part of a handler run here: a panic is caught too.
        let routed = std::panic::catch_unwind(AssertUnwindSafe(|| {
            inner.router.route(Arc::clone(&message), &inner.client)
        }));
        let handler = match routed {
            Ok(Some(handler)) => handler,
            Ok(None) => return Answer::Success,
            Err(panic) => {
                work::log_failure(
                    &message.header,
                    &format!("handler panicked: {}", work::panic_message(panic.as_ref())),
                );
                return Answer::Success;
            }
        };
        let event_key = message.event().and_then(|event| event.key());
        // A repeat drops the handler future unpolled, so the handler never runs again.
        let decision =
            match dedup::key(&message.header, event_key).map(|key| inner.dedup.claim(key)) {
                Some(Claim::Follower(slot)) => {
                    return Answer::of(slot.settled().await, &message.header);
                }
                Some(Claim::Owner(decision)) => decision,
                None => Decision::alone(),
            };
        // Counted from here, not from the spawn: a shutdown must also wait for a message
        // whose work is still being tried inline.
        let guard = inner.inflight.enter();
        let mut work: Work = Box::pin(self.clone().work(Arc::clone(&message), handler));
        // Most handlers finish at once (text, keywords, cached media): no task, no timer.
        if let Some(done) = (&mut work).now_or_never() {
            let Some(prepared) = done else {
                decision.decide(Fate::Ack);
                return Answer::Success;
            };
            decision.decide(Fate::Replied(prepared.reply));
            return Answer::Reply(prepared.xml);
        }
        let slot = decision.slot();
        let deadline = received + Duration::from_millis(inner.config.server.reply_deadline_ms);
        let bot = self.clone();
        let header = message.header.clone();
        // A task, not this request's future: the work outlives a dropped connection.
        let task = async move {
            let _guard = guard;
            if let Some(late) = race(work, &decision, deadline).await {
                bot.send_late(&message, late).await;
            }
        };
        // On the runtime `serve` named, which outlives the HTTP workers; else this one.
        match inner.background.get() {
            Some(runtime) => drop(runtime.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
        Answer::of(slot.settled().await, &header)
    }

    /// `signature` over the token, `timestamp` and `nonce`; a missing part is a bad
    /// signature, not a bad request (403, as for any signature that does not match).
    fn check_signature(&self, query: &CallbackQuery) -> Result<(), CallbackError> {
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (&query.signature, &query.timestamp, &query.nonce)
        else {
            return Err(CallbackError::BadSignature);
        };
        let token = self.inner.config.account.token.expose();
        if signature::verify(&mut [token, timestamp, nonce], signature) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }
}

/// The decrypted XML of an encrypted callback.
fn open(crypt: &MsgCrypt, query: &CallbackQuery, body: &[u8]) -> Result<String, CallbackError> {
    let (Some(msg_signature), Some(timestamp), Some(nonce)) =
        (&query.msg_signature, &query.timestamp, &query.nonce)
    else {
        return Err(CallbackError::Crypto(CryptoError::BadSignature));
    };
    let encrypt = find_encrypt(body)?;
    Ok(crypt.open(msg_signature, timestamp, nonce, &encrypt)?)
}

/// `xml` in the encrypted envelope, with its own timestamp and a fresh nonce.
fn seal(crypt: &MsgCrypt, xml: &str) -> String {
    let nonce = getrandom::u32().unwrap_or_default().to_string();
    crypt.seal(xml, &unix_now().to_string(), &nonce)
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
