//! The playground in each mode: what it POSTs is WeChat's ciphertext, checked here with the
//! account's key from outside the playground, and encrypted replies are opened before they
//! are drawn.

use serde_json::{Value, json};
use wxbot::config::Mode;
use wxbot::crypto::{MsgCrypt, find_encrypt};
use wxbot::dev::{Options, Playground};
use wxbot::testing::{self, AES_KEY, APPID, TOKEN};

use super::send;
use crate::common::{demo_playground, local_client};
use crate::handlers;

async fn ping(playground: &Playground, mode: &str) -> Value {
    let message = json!({ "mode": mode, "message": { "type": "text", "content": "ping" } });
    let (status, answer) = send(playground, message).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// A string in the answer, by JSON pointer.
fn at<'a>(answer: &'a Value, pointer: &str) -> &'a str {
    answer
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {answer}"))
}

/// A parameter of the query the playground POSTed with.
fn param<'a>(answer: &'a Value, name: &str) -> &'a str {
    let url = at(answer, "/request/url");
    let (_, query) = url.split_once('?').expect("a query");
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

#[tokio::test]
async fn safe_mode_posts_wechats_ciphertext_and_opens_the_encrypted_reply() {
    let playground = demo_playground(testing::config_in(Mode::Safe));
    let crypt = MsgCrypt::new(AES_KEY, TOKEN, APPID).expect("key");
    let answer = ping(&playground, "safe").await;
    assert_eq!(
        answer["reply"],
        json!({ "kind": "text", "text": "pong" }),
        "{answer}"
    );
    assert_eq!(answer["mode"], "safe");
    // The request: only the addressee and the ciphertext, with its msg_signature.
    let body = at(&answer, "/request/body");
    let encrypt = find_encrypt(body.as_bytes()).expect("an Encrypt element");
    let envelope = format!(
        "<xml><ToUserName><![CDATA[gh_wxbot_playground]]></ToUserName>\
         <Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    );
    assert_eq!(body, envelope);
    assert_eq!(param(&answer, "encrypt_type"), "aes");
    let (timestamp, nonce) = (param(&answer, "timestamp"), param(&answer, "nonce"));
    let msg_signature = param(&answer, "msg_signature");
    let opened = crypt
        .open(msg_signature, timestamp, nonce, &encrypt)
        .expect("the request opens with the account's key");
    assert_eq!(opened, at(&answer, "/request/xml"));
    assert!(
        opened.contains("<Content><![CDATA[ping]]></Content>"),
        "{opened}"
    );
    // The reply: the raw envelope as the bot sent it, and the XML inside.
    let raw = at(&answer, "/attempts/0/body");
    assert!(
        raw.starts_with("<xml><Encrypt>") && raw.contains("<MsgSignature>"),
        "{raw}"
    );
    assert!(!raw.contains("pong"), "{raw}");
    let reply_xml = at(&answer, "/reply_xml");
    assert_eq!(crypt.open_reply(raw).as_deref(), Ok(reply_xml));
    assert!(
        reply_xml.contains("<Content><![CDATA[pong]]></Content>"),
        "{reply_xml}"
    );
}

#[tokio::test]
async fn a_plain_account_gets_a_made_up_key_and_answers_every_mode() {
    let playground = demo_playground(testing::config());
    let info: Value = local_client()
        .get(format!("{}api/info", playground.url()))
        .send()
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    assert_eq!(info["modes"], json!(["plain", "compatible", "safe"]));
    assert_eq!(info["account_mode"], "compatible");
    assert_eq!(info["key_made_up"], true);
    for mode in ["plain", "compatible", "safe"] {
        let answer = ping(&playground, mode).await;
        assert_eq!(answer["reply"]["text"], "pong", "{mode}: {answer}");
        assert_eq!(answer["reply_xml"].is_string(), mode != "plain", "{answer}");
    }
    // Compatible: the plaintext fields travel with the ciphertext, added last.
    let answer = ping(&playground, "compatible").await;
    let body = at(&answer, "/request/body");
    let xml = at(&answer, "/request/xml");
    assert!(
        body.starts_with(xml.strip_suffix("</xml>").expect("xml")),
        "{body}"
    );
    assert!(body.ends_with("]]></Encrypt></xml>"), "{body}");
    assert!(param(&answer, "msg_signature").len() == 40, "{answer}");
    let raw = at(&answer, "/attempts/0/body");
    assert!(raw.contains("<Encrypt>") && !raw.contains("pong"), "{raw}");
    assert!(at(&answer, "/reply_xml").contains("<Content><![CDATA[pong]]></Content>"));
}

#[tokio::test]
async fn a_safe_mode_account_refuses_plain_messages_and_the_page_says_why() {
    let playground = demo_playground(testing::config_in(Mode::Safe));
    let answer = ping(&playground, "plain").await;
    assert_eq!(answer["attempts"][0]["status"], 403, "{answer}");
    assert_eq!(answer["reply"]["kind"], "failed", "{answer}");
    let why = at(&answer, "/reply/message");
    assert!(
        why.contains("safe mode") && why.contains("pick safe or compatible"),
        "{why}"
    );
    let answer = ping(&playground, "compatible").await;
    assert_eq!(answer["reply"]["text"], "pong", "{answer}");
}

#[test]
fn a_plain_accounts_unusable_key_is_replaced_but_a_safe_ones_is_an_error() {
    let mut plain = testing::config();
    plain.account.encoding_aes_key = "too-short".into();
    let mut safe = testing::config_in(Mode::Safe);
    safe.account.encoding_aes_key = "too-short".into();
    actix_web::rt::System::new().block_on(async {
        let started = demo_playground(plain);
        assert_eq!(ping(&started, "safe").await["reply"]["text"], "pong");
        let err = Playground::start(safe, handlers::router(), &Options::default().port(0))
            .expect_err("a bad key in safe mode");
        assert!(
            err.to_string().contains("account.encoding_aes_key"),
            "{err}"
        );
    });
}
