//! [`Bot`]: one account's callback logic, from a signed request to the answer.
//!
//! The HTTP edge ([`crate::endpoint`]) is thin glue around [`Bot::verify`] and
//! [`Bot::callback`], so tests and other servers can drive the same logic directly.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::FutureExt as _;

use crate::client::Client;
use crate::config::Config;
use crate::endpoint::{CallbackError, CallbackQuery};
use crate::error::{Error, Secret};
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
    token: Secret,
    router: Router<S>,
    client: Client,
    media: MediaCache,
}

/// The answer to a message that parsed: the reply XML, or `success`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Reply XML.
    Reply(String),
    /// No reply: WeChat shows nothing and does not retry.
    Success,
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
        let client = Client::new(config);
        let media = MediaCache::new(client.clone(), &config.media);
        let token = config.account.token.clone();
        let inner = Inner {
            config: config.clone(),
            token,
            router,
            client,
            media,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The configuration the bot runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// URL verification (CONTRACT §4.1): the `echostr` to answer when the signature holds.
    pub fn verify(&self, query: &CallbackQuery) -> Result<String, CallbackError> {
        let required =
            |value: &Option<String>, name| value.clone().ok_or(CallbackError::Missing(name));
        let signature = required(&query.signature, "signature")?;
        let timestamp = required(&query.timestamp, "timestamp")?;
        let nonce = required(&query.nonce, "nonce")?;
        let echostr = required(&query.echostr, "echostr")?;
        let parts = &mut [
            self.inner.token.expose(),
            timestamp.as_str(),
            nonce.as_str(),
        ];
        if !signature::verify(parts, &signature) {
            return Err(CallbackError::BadSignature);
        }
        Ok(echostr)
    }

    /// One callback POST (CONTRACT §4.2): checks the signature, parses the body, runs the
    /// first matching handler and renders its reply.
    ///
    /// Once the body has parsed, the answer is always `Ok`: a handler error or panic is
    /// logged and answered with `success`, so WeChat neither retries nor shows an error.
    pub async fn callback(
        &self,
        query: &CallbackQuery,
        body: &[u8],
    ) -> Result<Outcome, CallbackError> {
        self.check_signature(query)?;
        let message = Arc::new(message::parse(body)?);
        let answer = self.dispatch(Arc::clone(&message)).await;
        Ok(Outcome { message, answer })
    }

    /// The account's API client, shared with handlers through [`Ctx::api`](crate::Ctx::api).
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The upload-on-demand cache media replies go through.
    pub fn media(&self) -> &MediaCache {
        &self.inner.media
    }

    /// Routes a parsed message, resolves the reply's media files and renders it.
    pub async fn dispatch(&self, message: Arc<Incoming>) -> Answer {
        let Some(handler) = self
            .inner
            .router
            .route(Arc::clone(&message), &self.inner.client)
        else {
            return Answer::Success;
        };
        let failure = match AssertUnwindSafe(handler).catch_unwind().await {
            Ok(Ok(None)) => return Answer::Success,
            Ok(Ok(Some(reply))) => match self.inner.media.resolve_reply(reply).await {
                Ok(reply) => match render(&message.header, &reply, unix_now()) {
                    Ok(xml) => return Answer::Reply(xml),
                    Err(err) => format!("reply cannot be sent: {err}"),
                },
                Err(err) => err.to_string(),
            },
            Ok(Err(err)) => format!("handler failed: {err}"),
            Err(panic) => format!("handler panicked: {}", panic_message(panic.as_ref())),
        };
        let header = &message.header;
        tracing::error!(
            msg_type = %header.msg_type,
            msg_id = header.msg_id.as_ref().map(|id| id.as_str()),
            "{failure}; answered success"
        );
        Answer::Success
    }

    fn check_signature(&self, query: &CallbackQuery) -> Result<(), CallbackError> {
        // A missing part is a bad signature, not a bad request: CONTRACT §4.2 answers 403.
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (&query.signature, &query.timestamp, &query.nonce)
        else {
            return Err(CallbackError::BadSignature);
        };
        let parts = &mut [
            self.inner.token.expose(),
            timestamp.as_str(),
            nonce.as_str(),
        ];
        if signature::verify(parts, signature) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}
