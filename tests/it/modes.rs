//! The callback in `safe` and `compatible` modes: encrypted requests open, replies are
//! sealed, and every failure has its status (and, through the real binary, its logged cause);
//! `success` stays plain.

use wxbot::CallbackQuery;
use wxbot::config::Mode;
use wxbot::crypto::{CryptoError, MsgCrypt};
use wxbot::prelude::*;
use wxbot::testing::{self, TestBot, TestResponse, encrypted, signed, text_message};

use crate::common::{Running, TempDir, post};

async fn echo(text: Text) -> String {
    text.content
}

async fn quiet(_: Click) {}

fn bot(mode: Mode) -> (TestBot, wxbot::Config) {
    let config = testing::config_in(mode);
    (
        TestBot::with_config(&config, Router::new().on(quiet).on(echo)),
        config,
    )
}

fn with_encrypt(query: &CallbackQuery, encrypt: &str) -> (CallbackQuery, String) {
    let body =
        format!("<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    (query.clone(), body)
}

#[actix_web::test]
async fn safe_mode_opens_the_request_and_seals_the_reply() {
    let (bot, config) = bot(Mode::Safe);
    let answer = bot.send_encrypted(&text_message("秘密 ]]> <&>")).await;
    assert_eq!(answer.status, 200);
    for field in ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"] {
        assert!(answer.field(field).is_some(), "{field} in {}", answer.body);
    }
    assert!(
        answer.field("Content").is_none(),
        "nothing readable outside the envelope"
    );
    let stamp: u64 = answer
        .field("TimeStamp")
        .and_then(|t| t.parse().ok())
        .expect("seconds");
    assert!(
        stamp > 1_700_000_000 && stamp < 10_000_000_000,
        "seconds, not milliseconds: {stamp}"
    );
    let reply = answer.open(&config).expect("a well-signed envelope");
    assert_eq!(reply.text(), Some("秘密 ]]> <&>"));
    assert_eq!(reply.field("ToUserName"), Some("o_test_user"));
}

#[actix_web::test]
async fn each_sealed_reply_is_fresh() {
    let (bot, config) = bot(Mode::Safe);
    let message = text_message("same");
    let (first, second) = (
        bot.send_encrypted(&message).await,
        bot.send_encrypted(&message).await,
    );
    assert_ne!(
        first.field("Encrypt"),
        second.field("Encrypt"),
        "a fresh random prefix each time"
    );
    assert_eq!(
        first
            .open(&config)
            .and_then(|r| r.text().map(str::to_owned)),
        second
            .open(&config)
            .and_then(|r| r.text().map(str::to_owned))
    );
}

#[actix_web::test]
async fn safe_mode_refuses_a_plain_request_with_403() {
    let (bot, _) = bot(Mode::Safe);
    let answer = bot.send(&text_message("plain")).await;
    assert_eq!(answer.status, 403);
    assert!(
        answer.body.contains("not encrypted"),
        "says why: {}",
        answer.body
    );
}

#[actix_web::test]
async fn a_missing_or_wrong_msg_signature_is_403() {
    let (bot, config) = bot(Mode::Safe);
    let (query, body) = encrypted(&config, &text_message("x"));
    let mut missing = query.clone();
    missing.msg_signature = None;
    assert_eq!(bot.post(&missing, body.as_bytes()).await.status, 403);
    let mut wrong = query.clone();
    wrong.msg_signature = Some("0".repeat(40));
    assert_eq!(bot.post(&wrong, body.as_bytes()).await.status, 403);
    let mut bad_plain_signature = query;
    bad_plain_signature.signature = Some("0".repeat(40));
    assert_eq!(
        bot.post(&bad_plain_signature, body.as_bytes()).await.status,
        403
    );
}

#[actix_web::test]
async fn ciphertexts_that_do_not_open_are_400() {
    let (bot, config) = bot(Mode::Safe);
    let (query, _) = encrypted(&config, &text_message("x"));
    let other_app = {
        let mut other = config.clone();
        other.account.appid = "wx_other_account".to_owned();
        encrypted(&other, &text_message("x")).1
    };
    let doctype = encrypted(
        &config,
        "<!DOCTYPE xml><xml><ToUserName>a</ToUserName></xml>",
    )
    .1;
    let no_encrypt = "<xml><ToUserName>gh</ToUserName></xml>".to_owned();
    let cases = [
        ("another appid", other_app),
        ("a DOCTYPE inside", doctype),
        ("no Encrypt", no_encrypt),
    ];
    for (name, body) in cases {
        // Signed for its own ciphertext, so only the content is wrong.
        let query = resign(&config, &query, &body);
        let answer = bot.post(&query, body.as_bytes()).await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.body);
    }
    for garbage in ["not base64 !!", "AAAA", &"QUJD".repeat(11)] {
        let (query, body) = with_encrypt(&query, garbage);
        let query = resign(&config, &query, &body);
        let answer = bot.post(&query, body.as_bytes()).await;
        assert_eq!(answer.status, 400, "{garbage}: {}", answer.body);
    }
}

/// The `<Encrypt>` text of `body` (empty when it has none).
fn encrypt_of(body: &str) -> &str {
    const OPEN: &str = "<Encrypt><![CDATA[";
    let start = body.find(OPEN).map_or(0, |at| at + OPEN.len());
    let end = body[start..].find("]]>").map_or(start, |len| start + len);
    &body[start..end]
}

/// The account's own message crypto, as the bot builds it.
fn crypt_of(config: &wxbot::Config) -> MsgCrypt {
    let account = &config.account;
    MsgCrypt::new(
        account.encoding_aes_key.expose(),
        account.token.expose(),
        &account.appid,
    )
    .expect("key")
}

/// `query` with a `msg_signature` valid for the ciphertext in `body`.
fn resign(config: &wxbot::Config, query: &CallbackQuery, body: &str) -> CallbackQuery {
    let encrypt = encrypt_of(body);
    let crypt = crypt_of(config);
    let msg_signature = crypt.msg_signature(testing::TIMESTAMP, testing::NONCE, encrypt);
    let mut query = query.clone();
    query.msg_signature = Some(msg_signature);
    query
}

#[actix_web::test]
async fn success_stays_plain_in_safe_mode() {
    let (bot, _) = bot(Mode::Safe);
    let click = "<xml><ToUserName>gh</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime>\
                 <MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey></xml>";
    assert!(bot.send_encrypted(click).await.is_success());
}

#[actix_web::test]
async fn compatible_mode_answers_each_request_in_kind() {
    let (bot, config) = bot(Mode::Compatible);
    let plain = bot.send(&text_message("in the clear")).await;
    assert_eq!(plain.text(), Some("in the clear"));
    let sealed = bot.send_encrypted(&text_message("sealed")).await;
    assert!(sealed.field("Content").is_none());
    assert_eq!(
        sealed.open(&config).as_ref().and_then(TestResponse::text),
        Some("sealed")
    );
}

#[actix_web::test]
async fn plain_mode_ignores_encryption_parameters() {
    let (bot, _) = bot(Mode::Plain);
    let config = testing::config_in(Mode::Safe);
    let (query, body) = encrypted(&config, &text_message("x"));
    // The envelope has no FromUserName: as a plain message it is incomplete.
    assert_eq!(bot.post(&query, body.as_bytes()).await.status, 400);
    let mut query = signed(&config);
    query.encrypt_type = Some("aes".to_owned());
    assert_eq!(
        bot.post(&query, text_message("hello").as_bytes())
            .await
            .status,
        200
    );
}

#[test]
fn a_bad_key_stops_the_bot_naming_the_key() {
    for key in [
        "",
        "short",
        &"a".repeat(44),
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=",
    ] {
        let mut config = testing::config_in(Mode::Safe);
        config.account.encoding_aes_key = key.into();
        let err = wxbot::Bot::new(&config, Router::new().on(echo))
            .unwrap_err()
            .to_string();
        assert!(err.contains("account.encoding_aes_key"), "{key}: {err}");
    }
    let mut plain = testing::config();
    plain.account.encoding_aes_key = "short".into();
    assert!(
        wxbot::Bot::new(&plain, Router::new().on(echo)).is_ok(),
        "not required in plain mode"
    );
}

/// `wxbot serve` in compatible mode on the test account of `testing::config_in`.
fn compatible_binary(dir: &TempDir) -> Running {
    Running::serve(
        &dir.0,
        &[],
        &[
            ("WXBOT_SERVER__BIND", "127.0.0.1:0"),
            ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN),
            ("WXBOT_ACCOUNT__APPID", testing::APPID),
            ("WXBOT_ACCOUNT__MODE", "compatible"),
            ("WXBOT_ACCOUNT__ENCODING_AES_KEY", testing::AES_KEY),
        ],
    )
}

/// The callback URI carrying `query`'s encryption parameters.
fn encrypted_uri(config: &wxbot::Config, query: &CallbackQuery) -> String {
    let field = |value: &Option<String>| value.clone().unwrap_or_default();
    format!(
        "{}?signature={}&timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
        config.server.path,
        field(&query.signature),
        field(&query.timestamp),
        field(&query.nonce),
        field(&query.msg_signature),
    )
}

/// Why the account's own crypto refuses `body` under `query`: the cause the log must name.
fn refusal(config: &wxbot::Config, query: &CallbackQuery, body: &str) -> CryptoError {
    let crypt = crypt_of(config);
    crypt
        .open(
            query.msg_signature.as_deref().unwrap_or_default(),
            testing::TIMESTAMP,
            testing::NONCE,
            encrypt_of(body),
        )
        .expect_err("the request is refused")
}

/// Posts `body` under `query` to `server`, expects `status`, and checks that the refusal is
/// logged with `cause`: a warning naming it, then the request's access-log line.
fn assert_refused_and_logged(
    server: &Running,
    (query, body): (&CallbackQuery, &str),
    status: u16,
    cause: &str,
) {
    let config = testing::config_in(Mode::Compatible);
    let answer = post(
        &server.addr,
        &encrypted_uri(&config, query),
        body.as_bytes(),
    );
    assert_eq!(answer.0, status, "{cause}: {}", answer.1);
    let warning = server.stderr_line("encrypted callback refused");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains(cause), "{cause} missing from {warning}");
    let access = server.stderr_line("wxbot::endpoint: request");
    assert!(access.contains(&format!("status={status}")), "{access}");
    assert!(
        access.contains("refusal="),
        "the access line says why: {access}"
    );
}

#[test]
fn compatible_mode_answers_a_bad_msg_signature_403_and_logs_why() {
    let dir = TempDir::new("compatible-signature");
    let server = compatible_binary(&dir);
    let config = testing::config_in(Mode::Compatible);
    let (query, body) = encrypted(&config, &text_message("sealed"));
    // The same request well signed opens: only the signature is wrong below.
    let (status, sealed) = post(
        &server.addr,
        &encrypted_uri(&config, &query),
        body.as_bytes(),
    );
    let sealed = TestResponse::new(status, sealed);
    assert_eq!(
        sealed.open(&config).as_ref().and_then(TestResponse::text),
        Some("sealed"),
        "{}",
        sealed.body
    );
    let mut forged = query;
    forged.msg_signature = Some("0".repeat(40));
    let cause = refusal(&config, &forged, &body);
    assert!(matches!(cause, CryptoError::BadSignature), "{cause}");
    assert_refused_and_logged(&server, (&forged, &body), 403, &cause.to_string());
}

#[test]
fn compatible_mode_answers_a_bad_ciphertext_400_and_logs_why() {
    let dir = TempDir::new("compatible-ciphertext");
    let server = compatible_binary(&dir);
    let config = testing::config_in(Mode::Compatible);
    let (query, _) = encrypted(&config, &text_message("x"));
    let other_app = {
        let mut other = testing::config_in(Mode::Compatible);
        other.account.appid = "wx_other_account".to_owned();
        encrypted(&other, &text_message("x")).1
    };
    let not_base64 = with_encrypt(&query, "not base64 !!").1;
    for (name, body, named) in [
        ("another appid", other_app, "wx_other_account"),
        ("not base64", not_base64, "base64"),
    ] {
        // Signed for its own ciphertext, so only the content is wrong.
        let query = resign(&config, &query, &body);
        let cause = refusal(&config, &query, &body).to_string();
        assert!(cause.contains(named), "{name}: {cause}");
        assert_refused_and_logged(&server, (&query, &body), 400, &cause);
    }
}
