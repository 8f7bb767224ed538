//! What the bot checks of itself: readiness (a store that answers, an access token cached or
//! obtainable: `GET /readyz`), and, at start-up, that its menu's clicks have routes.

use std::time::Duration;

use std::sync::Arc;
use std::time::Instant;

use super::Bot;
use crate::client::ClientError;
use crate::menu::Menu;
use crate::message::parse;
use crate::metrics::Metrics;

/// How long a readiness check waits for the store or for WeChat.
const CHECK_LIMIT: Duration = Duration::from_secs(3);
/// How long a failed token fetch answers readiness checks: probes every few seconds (or
/// anyone, on the public port) must not turn into a fetch each, against WeChat's daily quota.
const REMEMBER_FAILURE: Duration = Duration::from_secs(15);

/// A failure remembered for [`REMEMBER_FAILURE`]. The lock is never held across an `.await`.
#[derive(Debug, Default)]
pub(super) struct Remembered(std::sync::Mutex<Option<(Instant, String)>>);

impl Remembered {
    /// The failure, while it is recent.
    fn recent(&self) -> Option<String> {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (at, why) = guard.as_ref()?;
        (at.elapsed() < REMEMBER_FAILURE).then(|| why.clone())
    }

    fn remember(&self, why: String) {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = Some((Instant::now(), why));
    }
}

/// Why the bot is not ready.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotReady {
    /// The store does not answer (Redis down or unreachable).
    #[error("the store does not answer: {0}")]
    Store(String),
    /// No access token is cached and none can be fetched.
    #[error("no access token: {0}")]
    Token(String),
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// Whether the bot is ready: the store answers, and an access token is cached or
    /// obtainable. An account without API credentials (appid and secret) only ever answers
    /// passively, so it needs no token. Each check gives up after 3 s; a failed token fetch
    /// answers the checks of the next 15 s without another.
    pub async fn ready(&self) -> Result<(), NotReady> {
        let store = tokio::time::timeout(CHECK_LIMIT, self.inner.store.connect()).await;
        match store {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(NotReady::Store(err)),
            Err(_) => return Err(NotReady::Store(format!("no answer within {CHECK_LIMIT:?}"))),
        }
        if let Some(why) = self.inner.token_refused.recent() {
            return Err(NotReady::Token(why));
        }
        let token = tokio::time::timeout(CHECK_LIMIT, self.client().access_token()).await;
        let why = match token {
            Ok(Ok(_) | Err(ClientError::NoCredentials)) => return Ok(()),
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("no answer within {CHECK_LIMIT:?}"),
        };
        // Logged once per fetch, not per probe.
        tracing::warn!("readiness: no access token: {why}");
        self.inner.token_refused.remember(why.clone());
        Err(NotReady::Token(why))
    }

    /// Warns, naming them, of the `[menu]`'s click keys no route takes (a tap on one would be
    /// answered `success` and do nothing), and of a menu `wxbot menu push` would refuse.
    pub(super) fn warn_about_menu(&self) {
        let config = &self.config().menu;
        if config.button.is_empty() {
            return;
        }
        let menu = match Menu::check(config) {
            Ok(menu) => menu,
            Err(err) => {
                tracing::warn!("menu: WeChat would refuse it: {err}");
                return;
            }
        };
        for (name, key) in menu.click_keys() {
            let click = format!(
                "<xml><ToUserName>gh_menu</ToUserName><FromUserName>o_menu</FromUserName>\
                 <CreateTime>0</CreateTime><MsgType>event</MsgType><Event>CLICK</Event>\
                 <EventKey><![CDATA[{key}]]></EventKey></xml>"
            );
            let Ok(message) = parse(click.as_bytes()) else {
                continue;
            };
            // Started, never polled: only the route's filter and extractor run.
            if self.route(&Arc::new(message)).is_none() {
                tracing::warn!(button = name, key, "menu: no route takes this click key");
            }
        }
    }

    /// The bot's metrics, which its store carries to the client and the media cache.
    pub(crate) fn metrics(&self) -> &Metrics {
        self.inner.store.metrics()
    }

    /// The metrics in Prometheus' text format, with the shared store's state as of now.
    pub(crate) fn render_metrics(&self) -> String {
        let metrics = self.metrics();
        if let Some(up) = self.inner.store.shared_up() {
            metrics.redis_up(up);
        }
        metrics.render()
    }
}
