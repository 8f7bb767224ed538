//! `wxbot dev`'s own HTTP API on a real port: messages delivered to the real callback and
//! their rendered replies, uploads, media, the customer-service event stream, WeChat's
//! re-delivery after the cut-off, refusals of bad input, and the command itself.

use std::process::Command;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use wxbot::Client;
use wxbot::dev::{Options, Playground};
use wxbot::prelude::*;
use wxbot::testing::config;

use crate::common::{Running, TempDir, demo_playground, local_client};

/// Late replies: the account-type picker, each delivery, a reply kept for the next message.
mod late;
/// Plain, compatible and safe mode through the playground.
mod modes;
/// The menu, its events, QR scenes and template messages in the playground.
mod platform;

const DEMO_JPG: &[u8] = include_bytes!("../../assets/demo.jpg");

/// The demo bot on a free port, with WeChat's rules.
fn demo() -> Playground {
    demo_playground(config())
}

fn start<S: Clone + Send + Sync + 'static>(router: Router<S>, options: &Options) -> Playground {
    Playground::start(config(), router, options).expect("playground")
}

async fn send(playground: &Playground, body: Value) -> (u16, Value) {
    let url = format!("{}api/send", playground.url());
    let response = local_client()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json answer"))
}

async fn text(playground: &Playground, content: &str) -> Value {
    let (status, answer) = send(
        playground,
        json!({ "message": { "type": "text", "content": content } }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn upload(playground: &Playground, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    let url = format!("{}api/media?{query}", playground.url());
    let response = local_client()
        .post(url)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json answer"))
}

async fn get_bytes(playground: &Playground, path: &str) -> Vec<u8> {
    let url = format!("{}{}", playground.url(), path.trim_start_matches('/'));
    let response = local_client().get(url).send().await.expect("get");
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn ping_is_answered_pong_with_the_raw_exchange() {
    let playground = demo();
    let answer = text(&playground, "ping").await;
    assert_eq!(answer["reply"], json!({ "kind": "text", "text": "pong" }));
    let request = answer["request"]["xml"].as_str().expect("request xml");
    assert!(
        request.contains("<Content><![CDATA[ping]]></Content>"),
        "{request}"
    );
    let msg_id = answer["msg_id"].as_str().expect("msg_id");
    assert!(
        request.contains(&format!("<MsgId>{msg_id}</MsgId>")),
        "{request}"
    );
    let url = answer["request"]["url"].as_str().expect("url");
    assert!(url.starts_with("/wechat?signature="), "{url}");
    assert!(url.contains("&openid=o_playground_user"), "{url}");
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1, "{answer}");
    assert_eq!(attempts[0]["status"], 200);
    let reply = attempts[0]["body"].as_str().expect("reply xml");
    assert!(
        reply.contains("<Content><![CDATA[pong]]></Content>"),
        "{reply}"
    );
    assert!(attempts[0]["latency_ms"].is_u64());
    // Plain mode: the body is the XML itself, and nothing to open.
    assert_eq!(answer["mode"], "plain");
    assert_eq!(answer["request"]["body"], answer["request"]["xml"]);
    assert_eq!(answer["reply_xml"], Value::Null);
}

#[tokio::test]
async fn the_image_reply_is_served_as_the_demo_jpeg() {
    let playground = demo();
    let answer = text(&playground, "image").await;
    assert_eq!(answer["reply"]["kind"], "image", "{answer}");
    let url = answer["reply"]["url"].as_str().expect("url");
    assert_eq!(get_bytes(&playground, url).await, DEMO_JPG);
}

#[tokio::test]
async fn an_uploaded_image_is_echoed_with_the_same_media_id() {
    let playground = demo();
    let (status, uploaded) =
        upload(&playground, "kind=image&name=cat.jpg", DEMO_JPG.to_vec()).await;
    assert_eq!(status, 200, "{uploaded}");
    let media_id = uploaded["media_id"].as_str().expect("media_id");
    let stored = playground.emulator().media(media_id).expect("stored");
    assert_eq!(
        (stored.filename.as_str(), stored.bytes.as_slice()),
        ("cat.jpg", DEMO_JPG)
    );
    let message = json!({ "message": { "type": "image", "media_id": media_id } });
    let (status, answer) = send(&playground, message).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["reply"]["kind"], "image", "{answer}");
    assert_eq!(answer["reply"]["media_id"], media_id);
    let request = answer["request"]["xml"].as_str().expect("xml");
    let pic_url = format!(
        "<PicUrl><![CDATA[{}media/{media_id}]]></PicUrl>",
        playground.url()
    );
    assert!(request.contains(&pic_url), "{request}");
}

#[tokio::test]
async fn every_kind_of_message_and_event_reaches_the_demo_bot() {
    let playground = demo();
    let cases = [
        (
            json!({ "type": "location", "x": "23.134521", "y": "113.358803", "scale": 20, "label": "Tower" }),
            json!({ "kind": "text", "text": "location 23.134521,113.358803 scale 20 Tower" }),
        ),
        (
            json!({ "type": "link", "title": "T", "url": "https://example.com/a" }),
            json!({ "kind": "text", "text": "link T https://example.com/a" }),
        ),
        (
            json!({ "type": "subscribe" }),
            json!({ "kind": "text", "text": "welcome" }),
        ),
        (
            json!({ "type": "subscribe", "scene": "42" }),
            json!({ "kind": "text", "text": "welcome 42" }),
        ),
        (
            json!({ "type": "scan", "key": "7" }),
            json!({ "kind": "text", "text": "scan 7" }),
        ),
        (
            json!({ "type": "click", "key": "MENU_A" }),
            json!({ "kind": "text", "text": "click MENU_A" }),
        ),
        (
            json!({ "type": "view", "url": "https://example.com" }),
            json!({ "kind": "none" }),
        ),
        (json!({ "type": "unsubscribe" }), json!({ "kind": "none" })),
    ];
    for (message, reply) in cases {
        let (status, answer) = send(&playground, json!({ "message": message })).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["reply"], reply, "{message}");
    }
    let voice = DEMO_AMR.to_vec();
    let (_, uploaded) = upload(&playground, "kind=voice&name=hi.amr", voice).await;
    let said = json!({ "type": "voice", "media_id": uploaded["media_id"], "recognition": "hello" });
    let (_, answer) = send(&playground, json!({ "message": said })).await;
    assert_eq!(
        answer["reply"],
        json!({ "kind": "text", "text": "you said: hello" })
    );
    let answer = text(&playground, "news").await;
    assert_eq!(
        answer["reply"]["articles"][1]["pic_url"],
        "https://example.com/2.jpg"
    );
    let answer = text(&playground, "music").await;
    assert_eq!(answer["reply"]["title"], "Demo music", "{answer}");
}

const DEMO_AMR: &[u8] = include_bytes!("../../assets/demo.amr");

#[tokio::test]
async fn a_customer_service_message_reaches_the_event_stream() {
    let playground = demo();
    let url = format!("{}api/events", playground.url());
    let mut events = local_client().get(url).send().await.expect("events");
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "event: ready").await;
    let mut config = config();
    config.api.base_url = playground.emulator().base_url();
    let message = json!({ "touser": "o_playground_user", "msgtype": "text", "text": { "content": "later 😀" } });
    Client::new(&config)
        .send_custom(&message)
        .await
        .expect("custom send");
    read_until(&mut events, &mut seen, "later 😀").await;
    let data = seen
        .lines()
        .find_map(|line| {
            line.strip_prefix("data: ")
                .filter(|data| data.contains("later"))
        })
        .expect("data line");
    let event: Value = serde_json::from_str(data).expect("event json");
    assert_eq!(event["view"], json!({ "kind": "text", "text": "later 😀" }));
    assert_eq!(event["json"], message);
}

async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    let read = async {
        while !seen.contains(needle) {
            let chunk = response
                .chunk()
                .await
                .expect("stream")
                .expect("stream ended");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} on the stream; got {seen:?}"));
}

/// Every delivery the playground's bots saw, retries included, as `(content, MsgId)`: the
/// route's extractor runs for each delivery, before the dedupe table holds a repeat back.
static DELIVERED: LazyLock<watch::Sender<Vec<(String, String)>>> =
    LazyLock::new(|| watch::Sender::new(Vec::new()));

/// A text, noted in [`DELIVERED`] as it is routed.
struct Noted;

impl FromIncoming for Noted {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        let text = Text::from_incoming(msg)?;
        let id = msg.header.msg_id.as_ref().map(|id| id.as_str().to_owned());
        let delivery = (text.content, id.unwrap_or_default());
        DELIVERED.send_modify(|seen| seen.push(delivery));
        Some(Self)
    }
}

/// The MsgId of every handler run, and the gate the handler waits at.
type Held = (Arc<Mutex<Vec<String>>>, Arc<Semaphore>);

#[tokio::test]
async fn a_slow_answer_is_delivered_again_with_the_same_msg_id() {
    /// Held at the gate until the test opens it; records the MsgId of every run.
    async fn slow(ctx: Ctx<Held>, _: Noted) -> &'static str {
        let (runs, gate) = ctx.state();
        let id = ctx
            .header()
            .msg_id
            .as_ref()
            .map(|id| id.as_str().to_owned());
        runs.lock().expect("lock").push(id.unwrap_or_default());
        gate.acquire().await.expect("open").forget();
        "finally"
    }
    // In safe mode too: a re-delivery is the same request, ciphertext and all.
    for mode in ["plain", "safe"] {
        let content = format!("hello {mode}");
        let deliveries = || {
            let seen = DELIVERED.borrow();
            let this = seen.iter().filter(|(text, _)| *text == content);
            this.map(|(_, id)| id.clone()).collect::<Vec<_>>()
        };
        let (runs, gate) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(Semaphore::new(0)),
        );
        let router = Router::with_state((Arc::clone(&runs), Arc::clone(&gate))).on(slow);
        // Deliveries to spare: the one after the gate opens must answer within its cut-off.
        let options = Options::default()
            .port(0)
            .cutoff(Duration::from_millis(300))
            .deliveries(10);
        let playground = start(router, &options);
        let message = json!({ "mode": mode, "message": { "type": "text", "content": content } });
        let mut delivered = DELIVERED.subscribe();
        let ((status, answer), ()) = tokio::join!(send(&playground, message), async {
            // A second delivery comes only once the first got no answer by the cut-off.
            let again = delivered.wait_for(|_| deliveries().len() >= 2);
            tokio::time::timeout(Duration::from_secs(20), again)
                .await
                .expect("delivered again")
                .expect("the sender is static");
            gate.add_permits(1);
        });
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["reply"],
            json!({ "kind": "text", "text": "finally" }),
            "{mode}: {answer}"
        );
        let attempts = answer["attempts"].as_array().expect("attempts");
        assert!(attempts.len() >= 2, "{answer}");
        assert_eq!(attempts[0]["status"], Value::Null);
        assert_eq!(attempts[0]["error"], "no answer within 300 ms");
        assert_eq!(attempts.last().expect("last")["status"], 200);
        let msg_id = answer["msg_id"].as_str().expect("msg_id");
        let deliveries = deliveries();
        assert_eq!(
            deliveries.len(),
            attempts.len(),
            "every attempt reached the bot"
        );
        assert!(
            deliveries.iter().all(|id| id == msg_id),
            "{deliveries:?} vs {msg_id}"
        );
        let runs = runs.lock().expect("lock").clone();
        assert_eq!(
            runs,
            [msg_id],
            "the handler ran once, for the first delivery"
        );
    }
}

#[tokio::test]
async fn answers_wechat_hides_or_refuses_are_shown_as_such() {
    async fn transfer(_: Text) -> Reply {
        Reply::transfer_customer_service()
    }
    async fn unknown_media(_: Text) -> Reply {
        Reply::image(MediaId::new("never-uploaded"))
    }
    async fn nothing(_: Text) {}
    let router = Router::new()
        .text_exact("transfer", transfer)
        .text_exact("bogus", unknown_media)
        .on(nothing);
    let playground = start(router, &Options::default().port(0));
    let answer = text(&playground, "transfer").await;
    assert_eq!(
        answer["reply"],
        json!({ "kind": "transfer", "kf_account": null })
    );
    let answer = text(&playground, "bogus").await;
    assert_eq!(answer["reply"]["kind"], "failed", "{answer}");
    let why = answer["reply"]["message"].as_str().expect("message");
    assert!(
        why.contains("never-uploaded") && why.contains("该公众号暂时无法提供服务"),
        "{why}"
    );
    let answer = text(&playground, "anything").await;
    assert_eq!(answer["reply"], json!({ "kind": "none" }));
    assert_eq!(answer["attempts"][0]["body"], "success");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_message_and_the_server_carries_on() {
    let playground = demo();
    let refused = [
        (
            json!({ "message": { "type": "text", "content": "  " } }),
            "empty",
        ),
        (
            json!({ "mode": "rot13", "message": { "type": "text", "content": "x" } }),
            "unknown mode \"rot13\": plain, compatible or safe",
        ),
        (
            json!({ "user": "not an openid!", "message": { "type": "text", "content": "x" } }),
            "openid",
        ),
        (
            json!({ "message": { "type": "image", "media_id": "nope" } }),
            "upload the file first",
        ),
        (
            json!({ "message": { "type": "location", "x": "north", "y": "1" } }),
            "latitude",
        ),
        (
            json!({ "message": { "type": "telegram" } }),
            "not a message",
        ),
    ];
    for (body, needle) in refused {
        let (status, answer) = send(&playground, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = answer["error"].as_str().expect("error");
        assert!(error.contains(needle), "{body}: {error}");
    }
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let mut big = DEMO_JPG.to_vec();
    big.resize(200 * 1024, 0);
    let uploads = [
        (
            "kind=image",
            png,
            415,
            "image must be JPG, but the file is PNG",
        ),
        ("kind=image", big, 413, "media.image_max_bytes"),
        ("kind=image", Vec::new(), 415, "empty"),
        (
            "kind=thumb",
            DEMO_JPG.to_vec(),
            400,
            "image, voice or video",
        ),
        ("name=x.jpg", DEMO_JPG.to_vec(), 400, "kind"),
    ];
    for (query, bytes, expected, needle) in uploads {
        let (status, answer) = upload(&playground, query, bytes).await;
        assert_eq!(status, expected, "{query}: {answer}");
        let error = answer["error"].as_str().expect("error");
        assert!(error.contains(needle), "{query}: {error}");
    }
    let raw = local_client()
        .post(format!("{}api/send", playground.url()))
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status(), 400);
    let huge = local_client()
        .post(format!("{}api/send", playground.url()))
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .expect("send");
    assert_eq!(huge.status(), 413);
    let answer: Value = huge.json().await.expect("json answer");
    assert_eq!(answer["error"], "the request is larger than 65536 bytes");
    assert_eq!(text(&playground, "ping").await["reply"]["text"], "pong");
}

#[test]
fn the_command_prints_its_url_serves_the_page_and_stops_on_ctrl_c() {
    let dir = TempDir::new("dev-cli");
    let mut playground = Running::dev(&dir.0);
    let addr = playground.addr.as_str();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let (status, page) = crate::common::get(addr, "/");
    assert_eq!(status, 200);
    assert!(page.contains("wxbot playground"), "{page}");
    let (status, answer) = crate::common::post(
        addr,
        "/api/send",
        br#"{"message":{"type":"text","content":"ping"}}"#,
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(r#""text":"pong""#), "{answer}");
    let interrupted = Command::new("kill")
        .args(["-INT", &playground.child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    // Bounded: a playground that ignores Ctrl-C fails here instead of hanging the suite.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = playground.child.try_wait().expect("try_wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            // Dropping `playground` ends the process.
            panic!("wxbot dev did not stop within 10 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn the_command_has_help() {
    let output = Command::new(env!("CARGO_BIN_EXE_wxbot"))
        .args(["dev", "--help"])
        .output()
        .expect("wxbot dev --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--config", "--port", "--open", "8787"] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[actix_web::test]
async fn the_emulators_ids_never_reach_the_accounts_file_store() {
    let dir = TempDir::new("dev-store");
    let state = dir.0.join("state");
    let mut config = config();
    config.store.backend = wxbot::config::Backend::File;
    config.store.path = state.clone();
    config.media.assets_dir = crate::common::ASSETS.into();
    let playground = demo_playground(config);
    let answer = text(&playground, "image").await;
    assert_eq!(answer["reply"]["kind"], "image", "{answer}");
    let stored = std::fs::read_dir(&state).map_or(0, Iterator::count);
    assert_eq!(stored, 0, "the playground wrote to {}", state.display());
    playground.stop().await;
}
