//! The test kit: drive a bot with signed requests and read its replies, no server needed.
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
//! assert_eq!(reply.text().as_deref(), Some("pong"));
//! # });
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::ResponseError as _;

use crate::bot::{Answer, Bot};
use crate::callback::CallbackQuery;
use crate::config::Config;
use crate::router::Router;
use crate::signature;

/// The token of [`TestBot`]'s account.
pub const TOKEN: &str = "testtoken";
/// The appid of [`TestBot`]'s account: the emulator's, so one account serves both.
pub use crate::emulator::APPID;
/// The timestamp [`signed_query`] signs.
pub const TIMESTAMP: &str = "1700000000";
/// The nonce [`signed_query`] signs.
pub const NONCE: &str = "abc123";

/// Expands to the text of `tests/fixtures/<path>` of the crate being tested, read at compile
/// time: `wxbot::fixture!("inbound/text.xml")`.
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

/// A bot under test, driven in process through the same logic as the HTTP endpoint.
#[derive(Debug, Clone)]
pub struct TestBot<S = ()> {
    bot: Bot<S>,
}

/// What the endpoint would answer: the status and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResponse {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
}

impl<S: Clone + Send + Sync + 'static> TestBot<S> {
    /// A bot on [`config`]'s test account.
    ///
    /// # Panics
    /// When the router has configuration mistakes: a test should see them at once.
    pub fn new(router: Router<S>) -> Self {
        Self::with_config(&config(), router)
    }

    /// A bot on a given configuration.
    ///
    /// # Panics
    /// When the configuration or the router is invalid.
    pub fn with_config(config: &Config, router: Router<S>) -> Self {
        match Bot::new(config, router) {
            Ok(bot) => Self { bot },
            Err(err) => panic!("TestBot: {err}"),
        }
    }

    /// The bot itself.
    pub fn bot(&self) -> &Bot<S> {
        &self.bot
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
        match self.bot.callback(query, body).await {
            Ok(outcome) => match outcome.answer {
                Answer::Reply(xml) => TestResponse {
                    status: 200,
                    body: xml,
                },
                Answer::Success => TestResponse {
                    status: 200,
                    body: "success".to_owned(),
                },
            },
            Err(err) => TestResponse {
                status: err.status_code().as_u16(),
                body: err.to_string(),
            },
        }
    }
}

impl TestResponse {
    /// Whether the answer is `success` (no reply).
    pub fn is_success(&self) -> bool {
        self.status == 200 && self.body == "success"
    }

    /// A top-level or nested field of the reply XML, by element name (`Content`, `MediaId`).
    pub fn field(&self, name: &str) -> Option<String> {
        let fields = crate::xml::scan(&self.body).ok()?;
        fields.get(name).map(str::to_owned)
    }

    /// Every value of a repeated field (`Title` of each news article).
    pub fn fields(&self, name: &str) -> Vec<String> {
        crate::xml::scan(&self.body)
            .map(|fields| fields.all(name))
            .unwrap_or_default()
    }

    /// The reply's `MsgType`.
    pub fn msg_type(&self) -> Option<String> {
        self.field("MsgType")
    }

    /// The `Content` of a text reply.
    pub fn text(&self) -> Option<String> {
        (self.msg_type()? == "text")
            .then(|| self.field("Content"))
            .flatten()
    }

    /// The reply inside an encrypted answer, checked against its `MsgSignature`; `None` when
    /// the answer is not a well-signed envelope for `config`'s account.
    pub fn open(&self, config: &Config) -> Option<Self> {
        let body = config.crypt().ok()??.open_reply(&self.body).ok()?;
        Some(Self {
            status: self.status,
            body,
        })
    }

    /// The body with `CreateTime` set to 0, for comparing with a golden file.
    pub fn normalized(&self) -> String {
        normalize_create_time(&self.body)
    }
}

/// The configuration [`TestBot::new`] uses: token [`TOKEN`], appid [`APPID`], plain mode.
pub fn config() -> Config {
    let mut config = Config::default();
    config.account.token = TOKEN.into();
    config.account.appid = APPID.to_owned();
    config.account.secret = "testsecret".into();
    config
}

/// A query signed for `config`'s token with [`TIMESTAMP`] and [`NONCE`].
pub fn signed(config: &Config) -> CallbackQuery {
    let token = config.account.token.expose();
    CallbackQuery {
        signature: Some(signature::sign(&mut [token, TIMESTAMP, NONCE])),
        timestamp: Some(TIMESTAMP.to_owned()),
        nonce: Some(NONCE.to_owned()),
        ..CallbackQuery::default()
    }
}

/// The same query as a URL query string (`signature=…&timestamp=…&nonce=…`).
pub fn signed_query(config: &Config) -> String {
    let query = signed(config);
    format!(
        "signature={}&timestamp={TIMESTAMP}&nonce={NONCE}",
        query.signature.unwrap_or_default()
    )
}

/// An AES key for tests, 43 characters, as an account's EncodingAESKey.
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// [`config`] in `mode`, with [`AES_KEY`].
pub fn config_in(mode: crate::config::Mode) -> Config {
    let mut config = config();
    config.account.mode = mode;
    config.account.encoding_aes_key = AES_KEY.into();
    config
}

/// `xml` encrypted for `config`'s account as WeChat sends it in safe mode: the body
/// `<xml><ToUserName/><Encrypt/></xml>` (`xml`'s `ToUserName`), and the query alongside
/// (`signature`, `encrypt_type=aes`, `msg_signature`).
///
/// # Panics
/// When `config`'s mode is `plain` or its key is invalid.
pub fn encrypted(config: &Config, xml: &str) -> (CallbackQuery, String) {
    let Ok(Some(crypt)) = config.crypt() else {
        panic!("encrypted(): the configuration has no valid safe-mode key");
    };
    let (body, msg_signature) = crypt.seal_callback(xml, false, TIMESTAMP, NONCE);
    let query = CallbackQuery {
        encrypt_type: Some("aes".to_owned()),
        msg_signature: Some(msg_signature),
        ..signed(config)
    };
    (query, body)
}

/// A text message from `o_test_user` to `gh_test_account`.
///
/// Every call is a new message with its own `MsgId`; to play a WeChat retry, send the same
/// string again.
pub fn text_message(content: &str) -> String {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut body = String::from(
        "<xml><ToUserName><![CDATA[gh_test_account]]></ToUserName>\
         <FromUserName><![CDATA[o_test_user]]></FromUserName>\
         <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>",
    );
    crate::xml::push_cdata(&mut body, content);
    body.push_str(&format!("</Content><MsgId>{id}</MsgId></xml>"));
    body
}

/// `xml` with every `<CreateTime>…</CreateTime>` set to 0.
pub fn normalize_create_time(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<CreateTime>") {
        let open_end = start + "<CreateTime>".len();
        let Some(close) = rest[open_end..].find("</CreateTime>") else {
            break;
        };
        out.push_str(&rest[..open_end]);
        out.push('0');
        rest = &rest[open_end + close..];
    }
    out.push_str(rest);
    out
}
