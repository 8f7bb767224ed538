//! `server.log_format`: JSON lines from the real binary (the access line's seven fields, one
//! request id on the request's lines, its late reply's and the `X-Request-Id` answer), a bad
//! value refused naming the key, and the request id through a handler's own lines in process,
//! in both formats. Secrets and access tokens appear at no level.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use actix_web::test::{TestRequest, call_service, init_service, read_body};
use serde_json::Value;
use wxbot::emulator::Emulator;
use wxbot::prelude::*;
use wxbot::testing::{self, text_message};
use wxbot::{Bot, endpoint};

use crate::common::{Running, TempDir, signed_uri, wait_until, write_demo_toml};
use crate::dedup::Logs;

const JSON: (&str, &str) = ("WXBOT_SERVER__LOG_FORMAT", "json");

/// POSTs `body` to `uri` with `extra` header lines; the status, the `X-Request-Id` answered
/// and the body.
fn post_with(addr: &str, uri: &str, extra: &str, body: &str) -> (u16, Option<String>, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST {uri} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let id = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("x-request-id")
            .then(|| value.trim().to_owned())
    });
    (status, id, body.to_owned())
}

/// Every line parsed, failing the test on the first that is not one JSON object.
fn parse_all(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(value) if value.is_object() => value,
            _ => panic!("not a JSON object: {line}"),
        })
        .collect()
}

/// The access line whose `request_id` is `id`.
fn access_line<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| {
            l["target"] == "wxbot::endpoint" && l["message"] == "request" && l["request_id"] == id
        })
        .unwrap_or_else(|| panic!("no access line with request_id {id}: {lines:#?}"))
}

#[test]
fn json_lines_carry_the_access_fields_and_one_request_id() {
    let dir = TempDir::new("log-json");
    let emulator = Emulator::start().expect("emulator");
    write_demo_toml(&dir.0, &emulator);
    let deadline = ("WXBOT_SERVER__REPLY_DEADLINE_MS", "200");
    let mut server = Running::serve_logging(&dir.0, &[JSON, deadline], "info");
    let uri = signed_uri(&testing::config());
    // `slow 1` misses the 200 ms deadline: `success` now, `done 1` by customer service.
    let slow = text_message("slow 1");
    let msg_id = wxbot::message::parse(slow.as_bytes())
        .expect("parse")
        .header
        .msg_id;
    let (status, made, body) = post_with(&server.addr, &uri, "", &slow);
    assert_eq!((status, body.as_str()), (200, "success"));
    let made = made.expect("an X-Request-Id answered");
    // An upstream's id (nginx's `$request_id`) is kept.
    let given = "5b8c2f0e9d1a4c3b8e7f6a5d4c3b2a10";
    let header = format!("X-Request-Id: {given}\r\n");
    let (status, echoed, _) = post_with(&server.addr, &uri, &header, &text_message("ping"));
    assert_eq!((status, echoed.as_deref()), (200, Some(given)));
    // A refusal has no message: its line still carries every field, empty where unknown.
    let forged = uri.replacen("signature=", "signature=0", 1);
    let (status, refused, _) = post_with(&server.addr, &forged, "", &text_message("ping"));
    assert_eq!(status, 403);
    wait_until(Duration::from_secs(20), "the late reply", || {
        (!emulator.sent().is_empty()).then_some(())
    });
    assert!(server.stop().success());
    let lines = parse_all(&server.rest_of_stderr());
    let refusal = access_line(&lines, &refused.expect("an X-Request-Id on a refusal"));
    for field in [
        "method",
        "path",
        "status",
        "latency_ms",
        "msg_type",
        "msg_id",
        "request_id",
    ] {
        assert!(refusal.get(field).is_some(), "{field} missing: {refusal}");
    }
    assert_eq!(
        (&refusal["status"], &refusal["msg_type"]),
        (&403.into(), &"".into())
    );
    let line = access_line(&lines, &made);
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "POST");
    assert_eq!(line["path"], "/wechat");
    assert_eq!(line["status"], 200);
    let latency = line["latency_ms"].as_f64().expect("latency_ms, a number");
    assert!((0.0..5000.0).contains(&latency), "{line}");
    assert_eq!(line["msg_type"], "text");
    assert_eq!(line["msg_id"], msg_id.expect("a MsgId").as_str());
    assert_eq!(access_line(&lines, given)["msg_type"], "text");
    // The late reply's task logs under the request's id.
    let late = lines
        .iter()
        .find(|l| l["message"] == "late reply sent through customer service")
        .unwrap_or_else(|| panic!("no late-send line: {lines:#?}"));
    assert_eq!(late["span"]["request_id"], made.as_str(), "{late}");
    assert_eq!(late["span"]["name"], "request", "{late}");
}

#[test]
fn no_secret_or_access_token_at_any_level() {
    let dir = TempDir::new("log-secrets");
    let emulator = Emulator::start().expect("emulator");
    write_demo_toml(&dir.0, &emulator);
    let deadline = ("WXBOT_SERVER__REPLY_DEADLINE_MS", "200");
    let mut server = Running::serve_logging(&dir.0, &[JSON, deadline], "trace");
    let uri = signed_uri(&testing::config());
    let (status, _, _) = post_with(&server.addr, &uri, "", &text_message("slow 1"));
    assert_eq!(status, 200);
    wait_until(Duration::from_secs(20), "the late reply", || {
        (!emulator.sent().is_empty()).then_some(())
    });
    assert!(server.stop().success());
    let lines = server.rest_of_stderr();
    parse_all(&lines);
    let token = emulator
        .calls()
        .iter()
        .find_map(|call| call.query_param("access_token").map(str::to_owned))
        .expect("an API call with the token");
    for line in &lines {
        assert!(!line.contains(emulator.secret()), "the secret: {line}");
        assert!(!line.contains(&token), "the access token: {line}");
        assert!(!line.contains(testing::TOKEN), "the callback token: {line}");
    }
}

#[test]
fn a_bad_log_format_exits_2_naming_the_key() {
    let dir = TempDir::new("log-bad");
    let run = |envs: &[(&str, &str)]| {
        let output = Command::new(env!("CARGO_BIN_EXE_wxbot"))
            .arg("serve")
            .env("WXBOT_ACCOUNT__TOKEN", testing::TOKEN)
            .envs(envs.iter().copied())
            .current_dir(&dir.0)
            .output()
            .expect("run wxbot");
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).trim().to_owned()
    };
    let err = run(&[("WXBOT_SERVER__LOG_FORMAT", "yaml")]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("server.log_format"), "{err}");
    assert!(err.contains("\"text\", \"json\""), "{err}");
    std::fs::write(dir.0.join("wxbot.toml"), "[server]\nlog_format = \"xml\"\n").expect("write");
    assert!(run(&[]).contains("server.log_format"));
    // Known to be JSON, a refusal to start is a JSON line too, still naming its key.
    std::fs::write(
        dir.0.join("wxbot.toml"),
        "[server]\nlog_format = \"json\"\n",
    )
    .expect("write");
    let err = run(&[
        ("WXBOT_ACCOUNT__MODE", "safe"),
        ("WXBOT_ACCOUNT__APPID", "wx1"),
    ]);
    assert_eq!(err.lines().count(), 1, "{err}");
    let line: Value = serde_json::from_str(&err).unwrap_or_else(|_| panic!("not JSON: {err}"));
    assert_eq!(line["level"], "ERROR");
    let message = line["message"].as_str().expect("message");
    assert!(message.contains("account.encoding_aes_key"), "{err}");
}

/// A handler that logs a line of its own.
async fn chatty(text: Text) -> String {
    tracing::info!("handler at work");
    text.content
}

/// One signed echo through the endpoint in process; its `X-Request-Id`.
async fn one_request(bot: &Bot) -> String {
    let app = init_service(actix_web::App::new().configure(endpoint::configure(bot.clone()))).await;
    let uri = format!("/wechat?{}", testing::signed_query(bot.config()));
    let request = TestRequest::post()
        .uri(&uri)
        .set_payload(text_message("hi"));
    let response = call_service(&app, request.to_request()).await;
    let id = response
        .headers()
        .get("x-request-id")
        .expect("X-Request-Id");
    let id = id.to_str().expect("ascii").to_owned();
    assert!(response.status().is_success());
    let body = read_body(response).await;
    assert!(String::from_utf8_lossy(&body).contains("hi"), "the echo");
    id
}

#[actix_web::test]
async fn a_handlers_own_lines_carry_the_request_id_in_json() {
    let logs = Logs::new();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let bot = Bot::new(&testing::config(), Router::new().on(chatty)).expect("bot");
    let id = one_request(&bot).await;
    let lines = parse_all(&logs.lines(""));
    let handler = lines
        .iter()
        .find(|l| l["message"] == "handler at work")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(handler["span"]["request_id"], id.as_str(), "{handler}");
    assert_eq!(access_line(&lines, &id)["msg_type"], "text");
}

#[actix_web::test]
async fn a_handlers_own_lines_carry_the_request_id_in_text() {
    let (logs, _guard) = Logs::capture();
    let bot = Bot::new(&testing::config(), Router::new().on(chatty)).expect("bot");
    let id = one_request(&bot).await;
    let handler = logs.line("handler at work").await;
    assert!(
        handler.contains(&format!("request{{request_id={id}}}")),
        "{handler}"
    );
    let access = logs.line("wxbot::endpoint: request ").await;
    for needle in ["method=POST", "status=200", "latency=", "msg_type=\"text\""] {
        assert!(access.contains(needle), "{needle}: {access}");
    }
    assert!(access.contains(&format!("request_id={id}")), "{access}");
}
