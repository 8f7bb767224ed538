//! The test kit: drive a bot through its real HTTP endpoint, in process, and read its replies.
//!
//! [`TestBot`] sends each request through the actix service that `wxbot serve` mounts
//! ([`crate::endpoint::configure`]), so a handler's test also covers the query string, the
//! body limit and the access log, with no socket and no server.
//!
//! ```
//! use wxbot::prelude::*;
//! use wxbot::testing::TestBot;
//!
//! async fn pong(_: Text) -> &'static str { "pong" }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let bot = TestBot::new(Router::new().text_exact("ping", pong));
//! let reply = bot.send(&wxbot::testing::text_message("ping")).await;
//! assert_eq!(reply.status, 200);
//! assert_eq!(reply.text(), Some("pong"));
//! # });
//! ```

mod msg;
mod requests;
mod response;
mod sealed;

use actix_web::App;
use actix_web::test::{self as actix_test, TestRequest};

use crate::bot::Bot;
use crate::callback::CallbackQuery;
use crate::config::{Config, Mode};
use crate::emulator::Emulator;
use crate::endpoint;
use crate::router::Router;

pub use msg::Msg;
pub use requests::{
    AES_KEY, config, config_in, encrypted, normalize_create_time, signed, signed_query,
    text_message,
};
pub use response::TestResponse;

/// The token of [`TestBot`]'s account.
pub const TOKEN: &str = "testtoken";
/// The appid of [`TestBot`]'s account: the emulator's, so one account serves both.
pub use crate::emulator::APPID;
/// The timestamp [`signed_query`] signs.
pub const TIMESTAMP: &str = "1700000000";
/// The nonce [`signed_query`] signs.
pub const NONCE: &str = "abc123";

/// Expands to the text of `tests/fixtures/<path>` in the calling crate (your bot's own
/// recorded messages, not wxbot's), read at compile time: `wxbot::fixture!("inbound/x.xml")`.
/// A missing file is a compile error naming the path. Most tests need no fixture: [`Msg`]
/// builds any message as WeChat sends it.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

/// How long WeChat waits for an answer before delivering again.
const WECHAT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);
/// How many times WeChat delivers a message at most.
const WECHAT_DELIVERIES: usize = 3;

/// A bot under test, driven in process through the HTTP endpoint `wxbot serve` mounts.
///
/// Each request goes through actix's test service: the query string is URL-encoded and
/// parsed back, the body is held to `server.body_limit_bytes` (413 over it), and the access
/// log writes its line. The futures it returns are not `Send` (actix services live on one
/// thread): to send in the background, spawn them with `actix_web::rt::spawn`.
#[derive(Debug, Clone)]
pub struct TestBot<S = ()> {
    bot: Bot<S>,
    /// The WeChat API it calls, when made with [`TestBot::with_emulator`].
    emulator: Option<Emulator>,
}

impl<S: Clone + Send + Sync + 'static> TestBot<S> {
    /// A bot on [`config`]'s test account.
    ///
    /// # Panics
    /// When the router has configuration mistakes: a test should see them at once.
    pub fn new(router: Router<S>) -> Self {
        Self::with_config(&config(), router)
    }

    /// A bot on [`config_in`]`(mode)`: in `safe` and `compatible` mode,
    /// [`deliver`](Self::deliver) encrypts and signs each message as WeChat does and opens
    /// the sealed reply, so a test reads it as in plain mode.
    ///
    /// # Panics
    /// When the router has configuration mistakes.
    pub fn in_mode(mode: Mode, router: Router<S>) -> Self {
        Self::with_config(&config_in(mode), router)
    }

    /// A bot on a given configuration.
    ///
    /// # Panics
    /// When the configuration or the router is invalid.
    pub fn with_config(config: &Config, router: Router<S>) -> Self {
        match Bot::new(config, router) {
            Ok(bot) => Self {
                bot,
                emulator: None,
            },
            Err(err) => panic!("TestBot: {err}"),
        }
    }

    /// A bot whose WeChat API is a fresh [`Emulator`] (see [`TestBot::emulator`]): media
    /// replies upload to it, late replies and `Ctx::api` calls reach it. `tune` adjusts the
    /// test account's configuration first (`|config| config.media.assets_dir = …`).
    ///
    /// # Panics
    /// When the emulator cannot start, or the configuration or the router is invalid.
    pub fn with_emulator(router: Router<S>, tune: impl FnOnce(&mut Config)) -> Self {
        let emulator = Emulator::start().unwrap_or_else(|err| panic!("TestBot: emulator: {err}"));
        let mut config = config();
        config.api.base_url = emulator.base_url();
        config.account.appid = emulator.appid().to_owned();
        config.account.secret = emulator.secret().into();
        tune(&mut config);
        let mut bot = Self::with_config(&config, router);
        bot.emulator = Some(emulator);
        bot
    }

    /// The emulator of [`TestBot::with_emulator`]: its uploads, customer-service messages,
    /// calls, and faults to script.
    ///
    /// # Panics
    /// When the bot was not made with an emulator.
    pub fn emulator(&self) -> &Emulator {
        self.emulator
            .as_ref()
            .expect("TestBot::emulator: make the bot with TestBot::with_emulator")
    }

    /// The bot itself.
    pub fn bot(&self) -> &Bot<S> {
        &self.bot
    }

    /// Delivers `msg` as WeChat does for the account's mode and returns the answer: a signed
    /// POST of its XML in `plain` mode; in `safe` mode its ciphertext alone, in `compatible`
    /// mode its XML with the ciphertext added, and the sealed reply opened (`success` and
    /// refusals stay as answered).
    ///
    /// # Panics
    /// In `safe` or `compatible` mode, when the bot answers a reply that is not sealed for its
    /// account: WeChat could not read it.
    pub async fn deliver(&self, msg: &Msg) -> TestResponse {
        let config = self.bot.config();
        let mode = config.account.mode;
        if mode == Mode::Plain {
            return self.send(&msg.xml()).await;
        }
        let (query, body) = sealed::request(config, mode, &msg.xml());
        let answer = self.post(&query, body.as_bytes()).await;
        sealed::opened(config, answer)
    }

    /// Delivers `msg` as WeChat does when answers are slow: a delivery with no answer within
    /// 5 s is given up on (`None`) and the message delivered again, three times at most;
    /// delivery stops at the first answer. Under tokio's paused clock
    /// (`tokio::time::pause()`), a test of a 12-second handler takes milliseconds.
    pub async fn deliver_as_wechat(&self, msg: &Msg) -> Vec<Option<TestResponse>> {
        let mut answers = Vec::new();
        for _ in 0..WECHAT_DELIVERIES {
            let delivery = tokio::time::timeout(WECHAT_PATIENCE, self.deliver(msg)).await;
            let answered = delivery.is_ok();
            answers.push(delivery.ok());
            if answered {
                break;
            }
        }
        answers
    }

    /// Posts `xml` with a valid signature and returns the answer.
    pub async fn send(&self, xml: &str) -> TestResponse {
        self.post(&signed(self.bot.config()), xml.as_bytes()).await
    }

    /// Posts `xml` encrypted and signed as WeChat does in `safe` mode (the configuration's
    /// mode must not be `plain`); open the answer with [`TestResponse::open`].
    pub async fn send_encrypted(&self, xml: &str) -> TestResponse {
        let (query, body) = encrypted(self.bot.config(), xml);
        self.post(&query, body.as_bytes()).await
    }

    /// Posts `body` with the given query, signed or not.
    pub async fn post(&self, query: &CallbackQuery, body: &[u8]) -> TestResponse {
        let request = TestRequest::post()
            .uri(&self.uri(query))
            .set_payload(body.to_vec());
        self.call(request).await
    }

    /// URL verification: a `GET` with the given query (add `echostr` for the echo).
    pub async fn get(&self, query: &CallbackQuery) -> TestResponse {
        self.call(TestRequest::get().uri(&self.uri(query))).await
    }

    /// The endpoint's path (`server.path`) with `query`, URL-encoded.
    pub fn uri(&self, query: &CallbackQuery) -> String {
        format!(
            "{}?{}",
            self.bot.config().server.path,
            requests::query_string(query)
        )
    }

    /// Any request through the endpoint, as built: a raw query, headers, a chunked body.
    pub async fn call(&self, request: TestRequest) -> TestResponse {
        // Built per request, as cheap as a route table: the bot's state is shared, and
        // whether the access log is mounted follows the subscriber of the moment.
        let app = App::new()
            .configure(endpoint::configure(self.bot.clone()))
            .configure(endpoint::ops(self.bot.clone()));
        let app = actix_test::init_service(app).await;
        let response = actix_test::call_service(&app, request.to_request()).await;
        let status = response.status().as_u16();
        let body = actix_test::read_body(response).await;
        TestResponse::new(status, String::from_utf8_lossy(&body).into_owned())
    }
}
