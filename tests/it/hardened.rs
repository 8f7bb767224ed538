//! Hardened input: a body holding a character XML 1.0 forbids (U+0000–U+0008, U+000B,
//! U+000C, U+000E–U+001F), raw or as a character reference, is answered 400 naming it, in
//! plain, safe and compatible mode alike; tab, newline and carriage return are echoed intact.

use std::sync::atomic::{AtomicU64, Ordering};

use wxbot::config::Mode;
use wxbot::prelude::*;
use wxbot::testing::{self, TestBot, TestResponse, encrypted, text_message};

async fn echo(text: Text) -> String {
    text.content
}

fn bot(mode: Mode) -> TestBot {
    TestBot::with_config(&testing::config_in(mode), Router::new().on(echo))
}

/// A text message from `from` with `content` written as is (references stay references),
/// each with its own `MsgId` so that none is answered as a retry of another.
fn body(from: &str, content: &str) -> String {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!(
        "<xml><ToUserName><![CDATA[gh_test_account]]></ToUserName>\
         <FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>1700000000</CreateTime>\
         <MsgType><![CDATA[text]]></MsgType><Content>{content}</Content><MsgId>{id}</MsgId></xml>"
    )
}

/// The answer is 400 and names the character and the byte where it stands.
fn assert_refused(answer: &TestResponse, code: u32, at: usize, reference: bool) {
    let mut expected =
        format!("not well-formed XML: forbidden character U+{code:04X} at byte {at}");
    if reference {
        expected.push_str(" (a character reference)");
    }
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains(&expected), "{:?}", answer.body);
}

#[actix_web::test]
async fn a_nul_in_from_user_name_is_400_not_an_answer_to_someone_else() {
    let sent = body("o_test\u{0}_user", "<![CDATA[hi]]>");
    let answer = bot(Mode::Plain).send(&sent).await;
    assert_refused(&answer, 0, sent.find('\u{0}').expect("NUL"), false);
    assert_eq!(
        answer.body,
        format!(
            "bad message: not well-formed XML: forbidden character U+0000 at byte {}",
            sent.find('\u{0}').expect("NUL")
        )
    );
}

#[actix_web::test]
async fn a_forbidden_character_reference_in_content_is_400() {
    let bot = bot(Mode::Plain);
    for (reference, code) in [("&#1;", 1), ("&#0;", 0), ("&#x1F;", 0x1f), ("&#11;", 11)] {
        let sent = body("o_test_user", &format!("before{reference}after"));
        let answer = bot.send(&sent).await;
        assert_refused(&answer, code, sent.find(reference).expect("ref"), true);
    }
}

#[actix_web::test]
async fn a_raw_control_character_is_400_in_text_and_in_cdata() {
    let bot = bot(Mode::Plain);
    for content in ["a\u{1d}b", "<![CDATA[a\u{1d}b]]>", "<![CDATA[a\u{c}b]]>"] {
        let sent = body("o_test_user", content);
        let at = sent.find(['\u{1d}', '\u{c}']).expect("control");
        let answer = bot.send(&sent).await;
        assert_refused(&answer, u32::from(sent.as_bytes()[at]), at, false);
    }
    let recorded = wxbot::fixture!("refused/text_control_chars.xml");
    let answer = bot.send(recorded).await;
    assert_refused(&answer, 0x1d, recorded.find('\u{1d}').expect("1d"), false);
}

#[actix_web::test]
async fn tabs_newlines_and_carriage_returns_are_echoed_intact() {
    let bot = bot(Mode::Plain);
    for (content, expected) in [
        ("a\tb\nc", "a\tb\nc"),
        ("<![CDATA[\ta\n\tb\n]]>", "\ta\n\tb\n"),
        ("x&#9;y&#10;z&#13;w", "x\ty\nz\rw"),
    ] {
        let answer = bot.send(&body("o_test_user", content)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.text(), Some(expected), "{:?}", answer.body);
    }
    let answer = bot.send(&text_message("line 1\r\n\tline 2\n")).await;
    assert_eq!(
        answer.text(),
        Some("line 1\r\n\tline 2\n"),
        "{:?}",
        answer.body
    );
    let answer = bot
        .send(wxbot::fixture!("inbound/text_whitespace.xml"))
        .await;
    assert_eq!(answer.text(), Some("first line\n\tindented after a tab"));
}

#[actix_web::test]
async fn the_decrypted_message_is_held_to_the_same_rule() {
    for mode in [Mode::Safe, Mode::Compatible] {
        let bot = bot(mode);
        let inner = body("o_test_user", "&#1;");
        let answer = bot.send_encrypted(&inner).await;
        assert_refused(&answer, 1, inner.find("&#1;").expect("ref"), true);
        let tab = bot.send_encrypted(&body("o_test_user", "a\tb")).await;
        assert_eq!(tab.status, 200, "{mode:?}: {}", tab.body);
    }
}

#[actix_web::test]
async fn the_envelope_is_held_to_the_same_rule() {
    for mode in [Mode::Safe, Mode::Compatible] {
        let config = testing::config_in(mode);
        let bot = TestBot::with_config(&config, Router::new().on(echo));
        let (query, sealed) = encrypted(&config, &text_message("hi"));
        // The signature covers the ciphertext only: the refusal is the character's.
        let safe = sealed.replacen("<ToUserName>", "<ToUserName>\u{0}", 1);
        // Compatible mode carries the plaintext fields beside the ciphertext.
        let compatible = sealed.replacen(
            "<Encrypt>",
            "<FromUserName>o&#x1;</FromUserName><Encrypt>",
            1,
        );
        for (sent, code, at, reference) in [
            (&safe, 0, safe.find('\u{0}'), false),
            (&compatible, 1, compatible.find("&#x1;"), true),
        ] {
            let answer = bot.post(&query, sent.as_bytes()).await;
            assert_refused(&answer, code, at.expect("inserted"), reference);
            assert!(answer.body.contains("encrypted body"), "{}", answer.body);
        }
    }
}
