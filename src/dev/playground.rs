//! [`Playground`]: the bot, the emulator and the page started together on one port, and
//! stopped together.

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;

use super::shared::Shared;
use super::{account, server, stream};
use crate::config::Config;
use crate::emulator::{self, Emulator, Pusher};
use crate::error::Error;
use crate::router::Router;

/// The port `wxbot dev` listens on unless told otherwise: fixed, so a bookmark keeps working.
pub const DEFAULT_PORT: u16 = 8787;

/// How the playground runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The port on `127.0.0.1`; 0 picks a free one.
    pub port: u16,
    /// How long one delivery waits for the bot's answer before WeChat delivers again.
    pub cutoff: Duration,
    /// How many times one message is delivered at most.
    pub deliveries: u32,
    /// The account's name on the page's chat bar.
    pub title: String,
    /// Messages the page suggests trying.
    pub suggestions: Vec<String>,
}

impl Default for Options {
    /// [`DEFAULT_PORT`], and WeChat's rules: a 5-second cut-off, three deliveries.
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            cutoff: emulator::CUTOFF,
            deliveries: emulator::DELIVERIES,
            title: "wxbot".to_owned(),
            suggestions: Vec::new(),
        }
    }
}

impl Options {
    /// Sets the port (0 for a free one).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the cut-off of one delivery (tests shorten WeChat's 5 s).
    #[must_use]
    pub fn cutoff(mut self, cutoff: Duration) -> Self {
        self.cutoff = cutoff;
        self
    }

    /// Sets how many deliveries one message gets at most.
    #[must_use]
    pub fn deliveries(mut self, deliveries: u32) -> Self {
        self.deliveries = deliveries;
        self
    }

    /// Sets the account's name on the chat bar.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the messages the page suggests trying.
    #[must_use]
    pub fn suggest(mut self, messages: Vec<String>) -> Self {
        self.suggestions = messages;
        self
    }
}

/// A running playground: the chat page and its API, the bot's callback endpoint on the same
/// port, and the emulator. Dropping it (or [`stop`](Self::stop)) stops all three.
pub struct Playground {
    url: String,
    callback_url: String,
    emulator: Emulator,
    handle: ServerHandle,
    forwarder: JoinHandle<()>,
}

impl fmt::Debug for Playground {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Playground")
            .field("url", &self.url)
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

impl Playground {
    /// Starts the playground for `router` on `config`'s account, on `127.0.0.1:options.port`.
    ///
    /// Whatever `config` says, the API is the emulator's. An empty token, appid or secret is
    /// made up, and so is the EncodingAESKey of a plain-mode account without one. The bot runs
    /// in compatible mode, which answers the page in any mode it picks, unless the account is
    /// in safe mode: then it stays so, and refuses plain messages as it would in production.
    /// Call it inside a
    /// tokio runtime (an actix `System` is one): the server runs as a task of it, its workers
    /// on their own threads. Fails on an invalid configuration or router, a callback path the
    /// page uses, or a port that cannot be bound.
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails while making up a secret.
    pub fn start<S: Clone + Send + Sync + 'static>(
        mut config: Config,
        router: Router<S>,
        options: &Options,
    ) -> Result<Self, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            std::io::Error::other("the playground must start inside a tokio runtime")
        })?;
        server::check_path(&config.server.path)?;
        account::fill(&mut config.account);
        let key_made_up = account::choose_mode(&mut config.account);
        let emulator =
            Emulator::with_account(&config.account.appid, config.account.secret.expose())?;
        config.api.base_url = emulator.base_url();
        // The emulator's tokens and media ids mean nothing to WeChat: kept in memory, so
        // they never reach the account's real store for `serve` to hand out later.
        config.store.backend = crate::config::Backend::Memory;
        let bot = crate::bot::Bot::new(&config, router)?;
        let listener = bind(options.port)?;
        let base = format!("http://{}", listener.local_addr()?);
        let callback_url = format!("{base}{}", config.server.path);
        let pusher = pusher(&config, &callback_url, options);
        let shared = Shared::new(
            &config,
            emulator.clone(),
            pusher,
            key_made_up,
            (options.title.clone(), options.suggestions.clone()),
        );
        let hub = shared.hub();
        let server = server::run(listener, shared, bot)?;
        let handle = server.handle();
        runtime.spawn(server);
        let forwarder = runtime.spawn(stream::forward(emulator.clone(), hub));
        Ok(Self {
            url: format!("{base}/"),
            callback_url,
            emulator,
            handle,
            forwarder,
        })
    }

    /// The chat page: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bot's callback endpoint, as WeChat would call it: `http://127.0.0.1:PORT/wechat`.
    pub fn callback_url(&self) -> &str {
        &self.callback_url
    }

    /// The emulator playing the WeChat API. The playground reads its customer-service and
    /// template messages with [`Emulator::next_sent`] and [`Emulator::next_template`], so read
    /// them with [`Emulator::sent`] and [`Emulator::templates`] instead.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops the page, the bot and the emulator: open connections (the event streams) are
    /// closed rather than waited for.
    pub async fn stop(self) {
        self.forwarder.abort();
        self.handle.stop(false).await;
    }
}

impl Drop for Playground {
    fn drop(&mut self) {
        self.forwarder.abort();
        // `stop` sends its command at once; the future only reports completion.
        drop(self.handle.stop(false));
    }
}

/// Binds `127.0.0.1:port`; a port in use says how to pick another.
fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|err| {
        let hint = if port == 0 {
            ""
        } else {
            " (--port 0 picks a free port)"
        };
        std::io::Error::new(
            err.kind(),
            format!("cannot bind 127.0.0.1:{port}: {err}{hint}"),
        )
    })
}

/// WeChat towards the bot at `callback_url`: the account's token, the options' delivery
/// rules, and its crypto unless the account is plain.
fn pusher(config: &Config, callback_url: &str, options: &Options) -> Pusher {
    let pusher = Pusher::new(callback_url, config.account.token.expose())
        .cutoff(options.cutoff)
        .deliveries(options.deliveries);
    // Some: the bot has just accepted the key, and the mode is not plain.
    match config.crypt() {
        Ok(Some(crypt)) => pusher.crypt(crypt),
        _ => pusher,
    }
}
