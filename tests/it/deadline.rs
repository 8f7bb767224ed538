//! CONTRACT §4.4: a reply not ready by `server.reply_deadline_ms` answers `success` at once
//! and goes out once through the customer-service API; nothing lost, nothing sent twice.

use std::time::{Duration, Instant};

use wxbot::emulator::{Emulator, Fault};
use wxbot::prelude::*;
use wxbot::testing::{TestBot, text_message};

use crate::common::{config, demo_bot_with, demo_config, next_sent, spawn_send};
use crate::dedup::{Probe, slow};

async fn transfer(ctx: Ctx<Probe>, _: Text) -> Reply {
    ctx.state().gate.acquire().await.expect("open").forget();
    Reply::transfer_customer_service()
}

/// Sends `xml` and its three retries, which all answer `success`: the first once
/// `at_least` has passed (the reply deadline), and before `below`.
async fn late<S: Clone + Send + Sync + 'static>(
    bot: &TestBot<S>,
    xml: &str,
    at_least: Duration,
    below: Duration,
) {
    let started = Instant::now();
    let first = bot.send(xml).await;
    let waited = started.elapsed();
    assert!(first.is_success(), "{}", first.body);
    assert!(waited >= at_least && waited < below, "{waited:?}");
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
            .on(slow),
    )
}

#[actix_web::test]
async fn a_late_reply_answers_success_then_is_sent_once_by_customer_service() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 300);
    let think = text_message("think");
    late(
        &bot,
        &think,
        Duration::from_millis(300),
        Duration::from_secs(3),
    )
    .await;
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
    assert_eq!(first.text().as_deref(), Some("done: quick"));
    assert_eq!(
        bot.send(&quick).await,
        first,
        "a retry gets it passively too"
    );
    assert!(emulator.sent().is_empty());
}

#[actix_web::test]
async fn a_six_second_upload_with_a_four_and_a_half_second_deadline() {
    let emulator = Emulator::start().expect("emulator");
    emulator.script(
        "/cgi-bin/media/upload",
        Fault::Delay(Duration::from_secs(6)),
    );
    let bot = demo_bot_with(&demo_config(&emulator));
    late(
        &bot,
        &text_message("image"),
        Duration::from_millis(4500),
        Duration::from_millis(5500),
    )
    .await;
    let sent = next_sent(&emulator).await;
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 1, "the retries caused no second upload");
    assert_eq!(
        sent,
        serde_json::json!({"touser": "o_test_user", "msgtype": "image", "image": {"media_id": uploads[0].media_id}})
    );
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert_eq!(emulator.sent().len(), 1);
    assert_eq!(emulator.count("/cgi-bin/media/upload"), 1);
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
    assert_eq!(emulator.count("/cgi-bin/message/custom/send"), 0);
}

#[actix_web::test]
async fn an_expired_media_id_at_send_time_is_uploaded_again_once() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = demo_config(&emulator);
    config.server.reply_deadline_ms = 200;
    let bot = demo_bot_with(&config);
    emulator.script(
        "/cgi-bin/media/upload",
        Fault::Delay(Duration::from_millis(600)),
    );
    emulator.script(
        "/cgi-bin/message/custom/send",
        Fault::Errcode(40007, "invalid media_id".to_owned()),
    );
    assert!(bot.send(&text_message("image")).await.is_success());
    let sent = next_sent(&emulator).await;
    let uploads = emulator.uploads();
    assert_eq!(uploads.len(), 2, "uploaded again after 40007");
    assert_eq!(sent["image"]["media_id"], uploads[1].media_id.as_str());
    assert_eq!(emulator.count("/cgi-bin/message/custom/send"), 2);
}

#[actix_web::test]
async fn drain_reports_work_it_had_to_abandon() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let bot = slow_bot(&emulator, &probe, 100);
    assert!(bot.send(&text_message("stuck")).await.is_success());
    assert_eq!(bot.bot().drain(Duration::from_millis(200)).await, 1);
    probe.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(5)).await, 0);
    assert_eq!(next_sent(&emulator).await["text"]["content"], "done: stuck");
}

#[actix_web::test]
async fn shutdown_waits_for_a_pending_late_reply() {
    let emulator = Emulator::start().expect("emulator");
    let probe = Probe::new();
    let mut config = config(&emulator);
    config.server.bind = "127.0.0.1:0".to_owned();
    config.server.reply_deadline_ms = 200;
    let bot = wxbot::Bot::new(&config, Router::with_state(probe.clone()).on(slow)).expect("bot");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = actix_web::rt::spawn(wxbot::cli::serve_until(bot.clone(), async {
        let _ = stopped.await;
    }));
    // A message to the same bot misses its deadline; the server is told to stop while the
    // late reply is still being made, and must wait for it before it returns.
    let answer = bot.dispatch(std::sync::Arc::new(
        wxbot::message::parse(text_message("bye").as_bytes()).expect("parse"),
    ));
    assert_eq!(answer.await, wxbot::Answer::Success);
    stop.send(()).expect("stop");
    probe.open();
    server.await.expect("join").expect("served");
    assert_eq!(
        emulator.sent().len(),
        1,
        "the late reply went out before the server stopped"
    );
    assert_eq!(emulator.sent()[0]["text"]["content"], "done: bye");
}
