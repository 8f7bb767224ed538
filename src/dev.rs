//! `wxbot dev`: the local playground, no WeChat account needed.
//!
//! One process runs three things: the bot (your router behind the real callback endpoint,
//! [`crate::endpoint::configure`]), the WeChat API emulator ([`crate::emulator::Emulator`]) as
//! its `api.base_url`, and a chat page where you play a WeChat user. Every message the page
//! sends is written as WeChat's XML, signed (and in safe or compatible mode encrypted) as
//! WeChat does it and POSTed to the callback over HTTP with WeChat's delivery rules
//! ([`crate::emulator::Pusher`]: a 5-second cut-off, up to three deliveries of the same
//! message). Replies come back opened and rendered as WeChat shows them, and
//! messages the bot sends later through the customer-service API reach the page as they
//! arrive (server-sent events).
//!
//! This module owns the wiring and the page; the bot's logic, the emulator and WeChat's side
//! of the callback live in their own modules. Files: `cli.rs` is the `wxbot dev` command;
//! `server.rs` builds the actix app; `api.rs` answers the page's API, `media.rs` its uploads
//! and media; `inbound.rs` writes the page's messages as WeChat XML;
//! `view.rs` turns replies and customer-service messages into what the page draws;
//! `stream.rs` forwards customer-service messages as server-sent events; `page.rs` serves the
//! embedded page (`chat.html`, `chat.css`, `render.js`, `chat.js`: no build step, nothing
//! from the network).
//!
//! ```no_run
//! use wxbot::dev::{Options, Playground};
//! use wxbot::prelude::*;
//!
//! async fn pong(_: Text) -> &'static str { "pong" }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> wxbot::Result<()> {
//! let router = Router::new().text_exact("ping", pong);
//! let playground = Playground::start(wxbot::Config::default(), router, &Options::default())?;
//! println!("open {}", playground.url());
//! tokio::signal::ctrl_c().await?;
//! playground.stop().await;
//! # Ok(())
//! # }
//! ```

mod api;
mod cli;
mod inbound;
mod media;
mod page;
mod server;
mod stream;
mod view;

pub(crate) use cli::main;

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::config::{AccountConfig, Config, ConfigError, Mode};
use crate::crypto::MsgCrypt;
use crate::emulator::{self, Emulator};
use crate::error::Error;
use crate::router::Router;
use crate::secret::Secret;

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
}

impl Default for Options {
    /// [`DEFAULT_PORT`], and WeChat's rules: a 5-second cut-off, three deliveries.
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            cutoff: emulator::CUTOFF,
            deliveries: emulator::DELIVERIES,
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
        fill_account(&mut config.account);
        let key_made_up = choose_mode(&mut config.account);
        let emulator =
            Emulator::with_account(&config.account.appid, config.account.secret.expose())?;
        config.api.base_url = emulator.base_url();
        let bot = crate::bot::Bot::new(&config, router)?;
        let port = options.port;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|err| {
            let hint = if port == 0 {
                ""
            } else {
                " (--port 0 picks a free port)"
            };
            std::io::Error::new(
                err.kind(),
                format!("cannot bind 127.0.0.1:{port}: {err}{hint}"),
            )
        })?;
        let base = format!("http://{}", listener.local_addr()?);
        let callback_url = format!("{base}{}", config.server.path);
        let mut pusher = emulator::Pusher::new(callback_url.clone(), config.account.token.expose())
            .cutoff(options.cutoff)
            .deliveries(options.deliveries);
        // Some: the bot has just accepted the key, and the mode is not plain.
        if let Ok(Some(crypt)) = config.crypt() {
            pusher = pusher.crypt(crypt);
        }
        let shared = server::Shared::new(&config, emulator.clone(), pusher, key_made_up);
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

    /// The emulator playing the WeChat API. The playground reads its customer-service
    /// messages with [`Emulator::next_sent`], so read them with [`Emulator::sent`] instead.
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

/// The configuration `wxbot dev` starts from: `file`, else `wxbot.toml` when it exists (both
/// with the `WXBOT_…` overlay, as `serve` reads them), else the defaults with no account at
/// all, which [`Playground::start`] makes up.
pub fn dev_config(file: Option<&Path>) -> Result<Config, ConfigError> {
    match file {
        Some(path) => Config::load(Some(path)),
        None if Path::new("wxbot.toml").is_file() => Config::load(None),
        None => Ok(Config::default()),
    }
}

/// Sets the bot's mode: compatible, which answers plain and encrypted messages alike, so
/// the page may send in any mode; safe stays safe. A plain account without a usable key gets
/// one made up; whether it did is the answer.
fn choose_mode(account: &mut AccountConfig) -> bool {
    let key = account.encoding_aes_key.expose();
    let made_up = account.mode == Mode::Plain
        && match MsgCrypt::new(key, account.token.expose(), &account.appid) {
            Ok(_) => false,
            Err(_) if key.is_empty() => true,
            Err(err) => {
                tracing::warn!("account.encoding_aes_key: {err}; the playground makes one up");
                true
            }
        };
    if made_up {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).expect(RANDOM_FAILED);
        // 32 bytes are 43 base64 characters and a dropped `=`, as the console shows keys.
        account.encoding_aes_key = Secret::new(STANDARD_NO_PAD.encode(bytes));
    }
    if account.mode != Mode::Safe {
        account.mode = Mode::Compatible;
    }
    made_up
}

/// The panic when there is no randomness for the made-up secrets, as [`MsgCrypt::seal`]'s.
const RANDOM_FAILED: &str = "the operating system's random source failed";

/// Makes up what the account lacks: a local bot needs a token, and the emulator an appid and
/// a secret, but nobody needs to know them.
fn fill_account(account: &mut AccountConfig) {
    let hex = |len: usize| {
        let mut out = String::new();
        while out.len() < len {
            out.push_str(&format!("{:016x}", getrandom::u64().expect(RANDOM_FAILED)));
        }
        out.truncate(len);
        out
    };
    if account.token.expose().is_empty() {
        account.token = Secret::new(format!("dev{}", hex(13)));
    }
    if account.appid.is_empty() {
        account.appid = format!("wx{}", hex(16));
    }
    if account.secret.expose().is_empty() {
        account.secret = Secret::new(hex(32));
    }
}
