//! What a test sends: the test account, signed and encrypted queries, messages.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::callback::CallbackQuery;
use crate::config::{Config, Mode};
use crate::signature;

use super::{APPID, NONCE, TIMESTAMP, TOKEN};

/// An AES key for tests, 43 characters, as an account's EncodingAESKey.
pub const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The configuration [`TestBot::new`](super::TestBot::new) uses: token [`TOKEN`], appid
/// [`APPID`], plain mode.
pub fn config() -> Config {
    let mut config = Config::default();
    config.account.token = TOKEN.into();
    config.account.appid = APPID.to_owned();
    config.account.secret = "testsecret".into();
    config
}

/// [`config`] in `mode`, with [`AES_KEY`].
pub fn config_in(mode: Mode) -> Config {
    let mut config = config();
    config.account.mode = mode;
    config.account.encoding_aes_key = AES_KEY.into();
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
    query_string(&signed(config))
}

/// `query` as WeChat puts it on the URL: its parameters in a fixed order, URL-encoded.
pub(crate) fn query_string(query: &CallbackQuery) -> String {
    let params = [
        ("signature", &query.signature),
        ("timestamp", &query.timestamp),
        ("nonce", &query.nonce),
        ("echostr", &query.echostr),
        ("openid", &query.openid),
        ("encrypt_type", &query.encrypt_type),
        ("msg_signature", &query.msg_signature),
    ];
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        if let Some(value) = value {
            out.append_pair(name, value);
        }
    }
    out.finish()
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
