//! The 5-second rule: a reply not ready by `server.reply_deadline_ms` answers `success` at once
//! and goes out once through the customer-service API; nothing lost, nothing sent twice.
//!
//! Slow work is slow because the test holds it — a handler at [`Probe`]'s gate, an API call at
//! a [`GatedApi`] — never because of a timer racing the deadline.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;
use tokio::sync::Semaphore;
use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::common::{ASSETS, config, demo_bot_with, demo_config, next_sent, spawn_send};
use crate::dedup::{Logs, Probe, slow};

const UPLOAD: &str = "/cgi-bin/media/upload";
const SEND: &str = "/cgi-bin/message/custom/send";

/// A pass-through to the emulator that holds every request to one path until the test opens
/// it: an API call that lasts exactly as long as the test wants. It keeps the body of every
/// request it passes on.
pub struct GatedApi {
    url: String,
    shared: web::Data<Gate>,
    server: actix_web::dev::ServerHandle,
}

struct Gate {
    target: String,
    path: String,
    /// One permit per request that reached the gate.
    arrived: Semaphore,
    /// No permits until the test opens the gate.
    open: Semaphore,
    bodies: Mutex<Vec<(String, Vec<u8>)>>,
    http: reqwest::Client,
}

impl GatedApi {
    /// Starts the pass-through to `emulator`, holding requests to `path` (no query string).
    pub fn start(emulator: &Emulator, path: &str) -> Self {
        let shared = web::Data::new(Gate {
            target: emulator.base_url(),
            path: path.to_owned(),
            arrived: Semaphore::new(0),
            open: Semaphore::new(0),
            bodies: Mutex::default(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (ready, started) = std::sync::mpsc::channel();
        let data = shared.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                        .default_service(web::to(pass))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("listen")
                .run();
                ready.send(server.handle()).expect("ready");
                server.await.expect("gated api");
            });
        });
        let server = started.recv().expect("gated api started");
        Self {
            url,
            shared,
            server,
        }
    }

    /// The URL to use as `api.base_url`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Waits until a request reached the gate (each arrival is awaited once).
    pub async fn arrived(&self) {
        let arrived = self.shared.arrived.acquire();
        tokio::time::timeout(Duration::from_secs(20), arrived)
            .await
            .expect("a request at the gate")
            .expect("open")
            .forget();
    }

    /// Lets every held request, and every later one, through.
    pub fn open(&self) {
        self.shared.open.add_permits(1_000);
    }

    /// The bodies of the requests to `path` passed on so far, in order.
    pub fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
        let bodies = self
            .shared
            .bodies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        bodies
            .iter()
            .filter(|(to, _)| to == path)
            .map(|(_, body)| body.clone())
            .collect()
    }
}

impl Drop for GatedApi {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

async fn pass(request: HttpRequest, body: web::Bytes, gate: web::Data<Gate>) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if path == gate.path {
        gate.arrived.add_permits(1);
        gate.open.acquire().await.expect("open").forget();
    }
    gate.bodies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((path, body.to_vec()));
    let target = format!(
        "{}{}",
        gate.target,
        request.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes()).expect("method");
    let mut forward = gate.http.request(method, target).body(body.to_vec());
    if let Some(content_type) = request.headers().get(CONTENT_TYPE) {
        forward = forward.header("content-type", content_type.as_bytes());
    }
    let answer = match forward.send().await {
        Ok(answer) => answer,
        Err(err) => return HttpResponse::BadGateway().body(err.to_string()),
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
    let content_type = answer
        .headers()
        .get("content-type")
        .map(|value| value.as_bytes().to_vec());
    let bytes = answer.bytes().await.expect("answer body");
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = content_type {
        response.insert_header((CONTENT_TYPE, content_type));
    }
    response.body(bytes)
}

async fn transfer(ctx: Ctx<Probe>, _: Text) -> Reply {
    ctx.state().gate.acquire().await.expect("open").forget();
    Reply::transfer_customer_service()
}

/// Waits at the gate, then fails.
async fn fails_late(ctx: Ctx<Probe>, _: Text) -> Result<String, std::io::Error> {
    let probe = ctx.state();
    probe.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    probe.gate.acquire().await.expect("open").forget();
    Err(std::io::Error::other("database down"))
}

/// Answers with the demo picture, at once.
async fn picture(ctx: Ctx<Probe>, _: Text) -> Reply {
    ctx.state()
        .runs
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Reply::image("demo.jpg")
}

/// Sends `xml` while its work is held, and its three retries: all answer `success`, the
/// first no sooner than the reply deadline `deadline`.
async fn late<S: Clone + Send + Sync + 'static>(bot: &TestBot<S>, xml: &str, deadline: Duration) {
    let started = Instant::now();
    // The work is held until the test lets it go: only the deadline can answer this.
    let first = tokio::time::timeout(Duration::from_secs(20), bot.send(xml))
        .await
        .expect("answered at the deadline, without the held work");
    assert!(first.is_success(), "{}", first.body);
    // A lower bound only: answering early is a bug at any machine speed, answering late is
    // ruled out by the work being held until the test lets it go.
    let waited = started.elapsed();
    assert!(waited >= deadline, "answered after {waited:?}");
    // WeChat's retries while the work goes on: success, and nothing new runs.
    for _ in 0..3 {
        assert!(bot.send(xml).await.is_success());
    }
}

fn slow_bot(emulator: &Emulator, probe: &Probe, deadline_ms: u64) -> TestBot<Probe> {
    let mut config = config(emulator);
    config.server.reply_deadline_ms = deadline_ms;
    TestBot::with_config(
        &config,
        Router::with_state(probe.clone())
            .text_exact("transfer", transfer)
            .text_exact("fail late", fails_late)
            .on(slow),
    )
}

/// The demo bot on `emulator` through `gated`, with a `deadline_ms` reply deadline.
fn demo_bot_through(emulator: &Emulator, gated: &GatedApi, deadline_ms: u64) -> TestBot {
    let mut config = demo_config(emulator);
    config.api.base_url = gated.url();
    config.server.reply_deadline_ms = deadline_ms;
    demo_bot_with(&config)
}

/// The `media_id` of the image in a customer-service send body.
fn sent_media_id(body: &[u8]) -> String {
    let json: Value = serde_json::from_slice(body).expect("json");
    json["image"]["media_id"]
        .as_str()
        .expect("an image send")
        .to_owned()
}

#[actix_web::test]
async fn a_late_reply_answers_success_then_is_sent_once_by_customer_service() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 300);
    let think = text_message("think");
    late(&bot, &think, Duration::from_millis(300)).await;
    probe.open();
    let sent = next_sent(&emulator).await;
    assert_eq!(
        sent,
        serde_json::json!({"touser": "o_test_user", "msgtype": "text", "text": {"content": "done: think"}})
    );
    // Retries after the send: still success, and no second send.
    assert!(bot.send(&think).await.is_success());
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert_eq!(emulator.sent().len(), 1);
    assert_eq!(probe.runs(), 1);
}

#[actix_web::test]
async fn a_reply_ready_before_the_deadline_is_answered_passively() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 4500);
    let quick = text_message("quick");
    let first = spawn_send(&bot, &quick);
    probe.started().await;
    probe.open();
    let first = first.await.expect("first");
    assert_eq!(first.text(), Some("done: quick"));
    assert_eq!(
        bot.send(&quick).await,
        first,
        "a retry gets it passively too"
    );
    assert!(emulator.sent().is_empty());
}

#[actix_web::test]
async fn an_upload_still_running_at_the_deadline_answers_success_then_the_image_is_sent_once() {
    let emulator = Emulator::start().expect("emulator");
    let gated = GatedApi::start(&emulator, UPLOAD);
    let bot = demo_bot_through(&emulator, &gated, 300);
    let image = text_message("image");
    // The upload is held from its start to after the answer and the retries.
    late(&bot, &image, Duration::from_millis(300)).await;
    gated.arrived().await;
    assert!(emulator.uploads().is_empty(), "still uploading");
    gated.open();
    let sent = next_sent(&emulator).await;
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 1, "the retries caused no second upload");
    assert_eq!(
        sent,
        serde_json::json!({"touser": "o_test_user", "msgtype": "image", "image": {"media_id": uploads[0].media_id}})
    );
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert_eq!(emulator.sent().len(), 1);
    assert_eq!(emulator.count(UPLOAD), 1);
}

#[actix_web::test]
async fn a_late_reply_without_a_customer_service_form_is_not_sent() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 100);
    assert!(bot.send(&text_message("transfer")).await.is_success());
    probe.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert!(emulator.sent().is_empty());
    assert_eq!(emulator.count(SEND), 0);
}

#[actix_web::test]
async fn an_expired_media_id_at_send_time_is_uploaded_again_and_sent() {
    let emulator = Emulator::start().expect("emulator");
    let gated = GatedApi::start(&emulator, UPLOAD);
    let bot = demo_bot_through(&emulator, &gated, 200);
    emulator.script(SEND, Fault::Errcode(40007, "invalid media_id".to_owned()));
    assert!(bot.send(&text_message("image")).await.is_success());
    gated.open();
    let sent = next_sent(&emulator).await;
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 2, "uploaded again after 40007");
    assert_eq!(sent["image"]["media_id"], uploads[1].media_id.as_str());
    assert_eq!(emulator.count(SEND), 2);
}

#[actix_web::test]
async fn an_expired_media_id_at_send_time_is_uploaded_again_once() {
    let (logs, _guard) = Logs::capture();
    let emulator = Emulator::start().expect("emulator");
    let gated = GatedApi::start(&emulator, UPLOAD);
    let bot = demo_bot_through(&emulator, &gated, 200);
    // WeChat refuses the id twice: one new upload, one more send, then the reply is lost.
    for _ in 0..2 {
        emulator.script(SEND, Fault::Errcode(40007, "invalid media_id".to_owned()));
    }
    assert!(bot.send(&text_message("image")).await.is_success());
    gated.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(20)).await, 0);
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 2, "exactly one upload again: {uploads:?}");
    assert_eq!(emulator.count(UPLOAD), 2);
    let sends: Vec<String> = gated
        .bodies(SEND)
        .iter()
        .map(|b| sent_media_id(b))
        .collect();
    assert_eq!(
        sends,
        [uploads[0].media_id.clone(), uploads[1].media_id.clone()],
        "the first id, then the new one, and no third send"
    );
    assert!(emulator.sent().is_empty());
    let lost = logs.line("late reply not sent").await;
    assert!(lost.contains("ERROR") && lost.contains("40007"), "{lost}");
}

#[actix_web::test]
async fn drain_reports_work_it_had_to_abandon() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 100);
    assert!(bot.send(&text_message("stuck")).await.is_success());
    // The handler is held for as long as this drain may wait: it can only abandon it.
    assert_eq!(bot.bot().drain(Duration::from_millis(200)).await, 1);
    probe.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert_eq!(next_sent(&emulator).await["text"]["content"], "done: stuck");
}

#[actix_web::test]
async fn a_handler_failing_after_the_deadline_sends_nothing_and_is_logged_and_serving_goes_on() {
    let (logs, _guard) = Logs::capture();
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 100);
    let message = text_message("fail late");
    late(&bot, &message, Duration::from_millis(100)).await;
    assert!(logs.lines("handler failed").is_empty(), "still running");
    probe.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(20)).await, 0);
    let failed = logs.line("handler failed: database down").await;
    assert!(failed.contains("ERROR"), "{failed}");
    assert!(failed.contains("answered success"), "{failed}");
    assert!(emulator.sent().is_empty());
    assert_eq!(emulator.count(SEND), 0, "nothing was even tried");
    // A retry of the failed message: `success`, not a second run.
    assert!(bot.send(&message).await.is_success());
    assert_eq!(probe.runs(), 1);
    // And the next message is served as usual.
    let after = bot.send(&text_message("after")).await;
    assert_eq!(after.text(), Some("done: after"));
    assert_eq!(probe.runs(), 2);
}

#[actix_web::test]
async fn an_upload_failing_after_the_deadline_sends_nothing_and_is_logged_and_serving_goes_on() {
    let (logs, _guard) = Logs::capture();
    let emulator = Emulator::start().expect("emulator");
    let gated = GatedApi::start(&emulator, UPLOAD);
    emulator.script(
        UPLOAD,
        Fault::Errcode(45009, "api freq out of limit".to_owned()),
    );
    let probe = Probe::new();
    probe.open();
    let mut config = config(&emulator);
    config.api.base_url = gated.url();
    config.media.assets_dir = ASSETS.into();
    config.server.reply_deadline_ms = 200;
    let router = Router::with_state(probe.clone())
        .text_exact("picture", picture)
        .on(slow);
    let bot = TestBot::with_config(&config, router);
    let message = text_message("picture");
    late(&bot, &message, Duration::from_millis(200)).await;
    gated.arrived().await;
    gated.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(20)).await, 0);
    let failed = logs.line("45009").await;
    assert!(failed.contains("ERROR"), "{failed}");
    assert!(failed.contains("answered success"), "{failed}");
    assert!(emulator.uploads().is_empty());
    assert!(emulator.sent().is_empty());
    assert_eq!(emulator.count(SEND), 0);
    // A retry of the failed message: `success`, no second run, no second upload.
    assert!(bot.send(&message).await.is_success());
    assert_eq!(probe.runs(), 1);
    assert_eq!(emulator.count(UPLOAD), 1);
    let after = bot.send(&text_message("after")).await;
    assert_eq!(after.text(), Some("done: after"));
}
