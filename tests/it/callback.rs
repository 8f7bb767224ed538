//! The callback over HTTP: every row of the status table, hostile bodies, handler failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::App;
use actix_web::test::{self as actix_test, TestRequest};
use wxbot::prelude::*;
use wxbot::testing::{self, text_message};
use wxbot::{Bot, Config, endpoint};

use crate::common::{Running, TempDir, call, http, signed_uri};

/// How many times a handler ran.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

async fn counted(ctx: Ctx<Runs>, text: Text) -> String {
    ctx.state().0.fetch_add(1, Ordering::SeqCst);
    text.content
}

async fn panics(_: Text) -> String {
    panic!("handler bug")
}

async fn fails(_: Text) -> Result<String, std::io::Error> {
    Err(std::io::Error::other("database down"))
}

fn router(runs: &Runs) -> Router<Runs> {
    Router::with_state(runs.clone())
        .text_exact("panic", |ctx: Ctx<Runs>, t: Text| async move {
            ctx.state().0.fetch_add(1, Ordering::SeqCst);
            panics(t).await
        })
        .text_exact("fail", fails)
        .on(counted)
}

/// Posts `body` to a fresh in-process app at `uri`; `(status, body)`.
async fn post_with(config: &Config, runs: &Runs, uri: &str, body: Vec<u8>) -> (u16, String) {
    let bot = Bot::new(config, router(runs)).expect("bot");
    call(bot, TestRequest::post().uri(uri).set_payload(body)).await
}

async fn post(body: impl Into<Vec<u8>>) -> ((u16, String), usize) {
    let config = testing::config();
    let runs = Runs::default();
    let answer = post_with(&config, &runs, &signed_uri(&config), body.into()).await;
    (answer, runs.get())
}

const HEADER: &str = "<ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[o_u]]></FromUserName><CreateTime>1700000000</CreateTime>";

#[actix_web::test]
async fn good_message_gets_reply_xml() {
    let ((status, body), runs) = post(text_message("hello")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<Content><![CDATA[hello]]></Content>"),
        "{body}"
    );
    assert!(
        body.starts_with("<xml><ToUserName><![CDATA[o_test_user]]></ToUserName>"),
        "{body}"
    );
    assert_eq!(runs, 1);
}

#[actix_web::test]
async fn missing_or_bad_signature_is_403_and_handler_never_runs() {
    let config = testing::config();
    let signed = wxbot::testing::signed_query(&config);
    let tampered = signed.replace("nonce=abc123", "nonce=abc124");
    let unsigned = "timestamp=1700000000&nonce=abc123".to_owned();
    let wrong = signed.replacen("signature=", "signature=0", 1);
    for query in [tampered, unsigned, wrong, String::new()] {
        let runs = Runs::default();
        let uri = format!("/wechat?{query}");
        let (status, _) = post_with(&config, &runs, &uri, text_message("x").into()).await;
        assert_eq!(status, 403, "{query}");
        assert_eq!(runs.get(), 0, "{query}");
    }
}

#[actix_web::test]
async fn malformed_bodies_are_400_and_handler_never_runs() {
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not xml", b"hello".to_vec()),
        ("unclosed", b"<xml><ToUserName>a</ToUserName>".to_vec()),
        ("mismatched", b"<xml><A></B></xml>".to_vec()),
        (
            "two roots",
            format!("<xml>{HEADER}<MsgType>text</MsgType><Content>a</Content></xml><xml/>")
                .into_bytes(),
        ),
        (
            "trailing junk",
            format!("{}junk", text_message("a")).into_bytes(),
        ),
        (
            "not utf-8",
            b"<xml><Content>\xff\xfe</Content></xml>".to_vec(),
        ),
        (
            "gbk bytes",
            b"<xml><ToUserName>\xc4\xe3\xba\xc3</ToUserName></xml>".to_vec(),
        ),
        (
            "undefined entity",
            format!("<xml>{HEADER}<MsgType>text</MsgType><Content>&nbsp;</Content></xml>")
                .into_bytes(),
        ),
    ];
    for (name, body) in bodies {
        let ((status, text), runs) = post(body).await;
        assert_eq!(status, 400, "{name}: {text}");
        assert_eq!(runs, 0, "{name}");
    }
}

#[actix_web::test]
async fn each_missing_header_field_is_400_naming_it() {
    let fields = [
        ("ToUserName", "<ToUserName>gh_a</ToUserName>"),
        ("FromUserName", "<FromUserName>o_u</FromUserName>"),
        ("CreateTime", "<CreateTime>1700000000</CreateTime>"),
        ("MsgType", "<MsgType>text</MsgType>"),
    ];
    for (missing, _) in fields {
        let kept: String = fields
            .iter()
            .filter(|(name, _)| *name != missing)
            .map(|(_, xml)| *xml)
            .collect();
        let ((status, body), runs) = post(format!("<xml>{kept}<Content>a</Content></xml>")).await;
        assert_eq!(status, 400, "without {missing}");
        assert!(body.contains(missing), "the error names {missing}: {body}");
        assert_eq!(runs, 0);
    }
}

#[actix_web::test]
async fn doctype_is_refused_and_entities_never_expand() {
    let xxe = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
         <xml>{HEADER}<MsgType>text</MsgType><Content>&xxe;</Content></xml>"
    );
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
         <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
         <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
         <xml>{HEADER}<MsgType>text</MsgType><Content>&lol3;</Content></xml>"
    );
    let bare =
        format!("<!DOCTYPE xml><xml>{HEADER}<MsgType>text</MsgType><Content>a</Content></xml>");
    for body in [xxe, laughs, bare] {
        let ((status, text), runs) = post(body).await;
        assert_eq!(status, 400);
        assert!(text.contains("DOCTYPE"), "{text}");
        assert_eq!(runs, 0);
    }
}

#[actix_web::test]
async fn predefined_entities_and_character_references_are_text() {
    let body = format!(
        "<xml>{HEADER}<MsgType>text</MsgType><Content>&lt;b&gt; &amp; &quot;&apos; &#x4E2D;&#25991;</Content></xml>"
    );
    let ((status, reply), _) = post(body).await;
    assert_eq!(status, 200);
    assert!(
        reply.contains("<Content><![CDATA[<b> & \"' 中文]]></Content>"),
        "{reply}"
    );
}

#[actix_web::test]
async fn body_over_the_limit_is_413_by_content_length() {
    let mut config = testing::config();
    config.server.body_limit_bytes = 100;
    let runs = Runs::default();
    let body = text_message(&"x".repeat(200)).into_bytes();
    let (status, text) = post_with(&config, &runs, &signed_uri(&config), body).await;
    assert_eq!(status, 413);
    assert!(text.contains("body_limit_bytes"), "{text}");
    assert_eq!(runs.get(), 0);
    let small = text_message("ok").into_bytes();
    let mut config = testing::config();
    config.server.body_limit_bytes = small.len();
    let (status, _) = post_with(&config, &runs, &signed_uri(&config), small).await;
    assert_eq!(status, 200, "a body exactly at the limit is accepted");
}

#[test]
fn chunked_body_over_the_limit_is_413_over_a_real_socket() {
    let dir = TempDir::new("chunked");
    let server = Running::serve(
        &dir.0,
        &[],
        &[
            ("WXBOT_ACCOUNT__TOKEN", testing::TOKEN),
            ("WXBOT_SERVER__BIND", "127.0.0.1:0"),
            ("WXBOT_SERVER__BODY_LIMIT_BYTES", "300"),
        ],
    );
    let uri = signed_uri(&testing::config());
    let chunked = |body: &str| {
        let head = format!(
            "POST {uri} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        let mut chunks = String::new();
        for piece in body.as_bytes().chunks(64) {
            chunks.push_str(&format!(
                "{:x}\r\n{}\r\n",
                piece.len(),
                String::from_utf8_lossy(piece)
            ));
        }
        chunks.push_str("0\r\n\r\n");
        http(&server.addr, &head, chunks.as_bytes())
    };
    let (status, _) = chunked(&text_message(&"y".repeat(400)));
    assert_eq!(status, 413);
    let (status, body) = chunked(&text_message("small"));
    assert_eq!(status, 200, "the server keeps serving: {body}");
    assert!(body.contains("<![CDATA[small]]>"), "{body}");
}

#[actix_web::test]
async fn handler_panic_answers_success_and_the_next_request_is_served() {
    let config = testing::config();
    let bot = Bot::new(&config, router(&Runs::default())).expect("bot");
    let app = actix_test::init_service(App::new().configure(endpoint::configure(bot))).await;
    let send = |text: &str| {
        actix_test::TestRequest::post()
            .uri(&signed_uri(&config))
            .set_payload(text_message(text))
            .to_request()
    };
    let response = actix_test::call_service(&app, send("panic")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(actix_test::read_body(response).await.as_ref(), b"success");
    let response = actix_test::call_service(&app, send("after")).await;
    assert_eq!(response.status().as_u16(), 200);
    let body = actix_test::read_body(response).await;
    assert!(String::from_utf8_lossy(&body).contains("<![CDATA[after]]>"));
}

#[actix_web::test]
async fn handler_error_answers_success() {
    let ((status, body), _) = post(text_message("fail")).await;
    assert_eq!((status, body.as_str()), (200, "success"));
}

#[actix_web::test]
async fn a_message_no_route_accepts_answers_success() {
    let body = format!("<xml>{HEADER}<MsgType>event</MsgType><Event>unsubscribe</Event></xml>");
    let ((status, text), runs) = post(body).await;
    assert_eq!((status, text.as_str(), runs), (200, "success", 0));
}

#[actix_web::test]
async fn other_methods_are_refused_and_other_paths_are_404() {
    let bot = Bot::new(&testing::config(), Router::new()).expect("bot");
    let put = TestRequest::put().uri("/wechat");
    assert_eq!(call(bot.clone(), put).await.0, 405);
    let elsewhere = TestRequest::post().uri("/other");
    assert_eq!(call(bot, elsewhere).await.0, 404);
}

/// An extractor that panics: user code that runs while routing, before any future exists.
struct Exploding;

impl FromIncoming for Exploding {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        (msg.text() == Some("boom")).then(|| panic!("extractor bug"))
    }
}

async fn never(_: Exploding) -> &'static str {
    "unreachable"
}

#[actix_web::test]
async fn a_panic_while_routing_answers_success_and_serving_goes_on() {
    let bot = wxbot::testing::TestBot::new(
        Router::new()
            .on(never)
            .on(|t: Text| async move { t.content }),
    );
    assert!(bot.send(&text_message("boom")).await.is_success());
    assert_eq!(bot.send(&text_message("fine")).await.text(), Some("fine"));
}

#[actix_web::test]
async fn an_odd_query_string_is_a_bad_signature_not_a_bad_request() {
    let config = testing::config();
    let signed = wxbot::testing::signed_query(&config);
    let status = |query: String| {
        let config = config.clone();
        async move {
            let uri = format!("/wechat?{query}");
            post_with(&config, &Runs::default(), &uri, text_message("x").into())
                .await
                .0
        }
    };
    assert_eq!(
        status(format!("signature=%zz&{signed}")).await,
        403,
        "bad escapes, first wins"
    );
    assert_eq!(status("signature&timestamp&nonce=%".to_owned()).await, 403);
    assert_eq!(
        status(format!("{signed}&signature=0000")).await,
        200,
        "the first of repeats wins"
    );
}

// The test kit drives the endpoint itself: the body limit, the query string, the access log.

#[actix_web::test]
async fn test_bot_holds_the_body_to_the_limit() {
    let mut config = testing::config();
    config.server.body_limit_bytes = 256;
    let bot = testing::TestBot::with_config(
        &config,
        Router::new().on(|t: Text| async move { t.content }),
    );
    assert_eq!(bot.send(&text_message("short")).await.text(), Some("short"));
    let over = bot.send(&text_message(&"x".repeat(300))).await;
    assert_eq!(over.status, 413, "{}", over.body);
    assert!(
        over.body.contains("body_limit_bytes (256 bytes)"),
        "{}",
        over.body
    );
}

#[actix_web::test]
async fn test_bot_parses_the_query_string_as_the_server_does() {
    let bot = testing::TestBot::new(Router::new().on(|t: Text| async move { t.content }));
    let signed = testing::signed_query(bot.bot().config());
    let send = |query: String| {
        let request = TestRequest::post()
            .uri(&format!("/wechat?{query}"))
            .set_payload(text_message("q"));
        bot.call(request)
    };
    assert_eq!(
        send(format!("{signed}&signature=0000")).await.status,
        200,
        "first wins"
    );
    assert_eq!(send(format!("signature=0000&{signed}")).await.status, 403);
    assert_eq!(send(format!("signature=%zz&{signed}")).await.status, 403);
    // A GET with `echostr` is URL verification, echoed back.
    let mut query = testing::signed(bot.bot().config());
    query.echostr = Some("echo & 中文".to_owned());
    let verified = bot.get(&query).await;
    assert_eq!(
        (verified.status, verified.body.as_str()),
        (200, "echo & 中文")
    );
}

#[actix_web::test]
async fn test_bot_requests_write_the_access_log() {
    let (logs, _guard) = crate::dedup::Logs::capture();
    let bot = testing::TestBot::new(Router::new().on(|t: Text| async move { t.content }));
    bot.send(&text_message("logged")).await;
    bot.post(&wxbot::CallbackQuery::default(), b"<xml/>").await;
    let lines = logs.lines("request");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("status=200") && l.contains("msg_type=\"text\"")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("status=403") && l.contains("refusal=")),
        "{lines:?}"
    );
}
