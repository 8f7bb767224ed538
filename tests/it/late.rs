//! Late replies besides the customer-service send: `server.late_reply = "retries"` (WeChat's
//! three deliveries carry the reply passively, then the pending notice and the user's next
//! message), the fallback when customer service is refused (48001), and the typing indicator.
//!
//! WeChat's schedule (a delivery every 5 s, three in all) is played with tokio's paused
//! clock: the demo's `slow S` handler sleeps on it, and the test sleeps to each delivery.

use std::time::Duration;

use wxbot::config::LateReply;
use wxbot::emulator::{Emulator, Fault};
use wxbot::testing::{TestBot, TestResponse, text_message};

use crate::common::{config, demo_bot_with, spawn_send};
use crate::dedup::Probe;

const NOTICE: &str = "Still working on it. Send any message to get the answer.";

/// The demo bot under `"retries"`, its API on `emulator`.
fn retries_bot(emulator: &Emulator) -> TestBot {
    let mut config = config(emulator);
    config.server.late_reply = LateReply::Retries;
    demo_bot_with(&config)
}

/// Delivers `message` three times, 5 s apart on the paused clock, as WeChat does; each
/// delivery's answer.
async fn three_deliveries(bot: &TestBot, message: &str) -> Vec<TestResponse> {
    let mut deliveries = Vec::new();
    for _ in 0..3 {
        deliveries.push(spawn_send(bot, message));
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let mut answers = Vec::new();
    for delivery in deliveries {
        answers.push(delivery.await.expect("answer"));
    }
    answers
}

#[actix_web::test]
async fn a_12_second_reply_goes_out_passively_on_the_third_delivery() {
    let emulator = Emulator::start().expect("emulator");
    let bot = retries_bot(&emulator);
    tokio::time::pause();
    let answers = three_deliveries(&bot, &text_message("slow 12")).await;
    assert_eq!(
        answers[0].body, "success",
        "held until WeChat stopped listening"
    );
    assert_eq!(answers[1].body, "success");
    assert_eq!(answers[2].text(), Some("done 12"), "{}", answers[2].body);
    assert!(emulator.calls().is_empty(), "no customer-service call");
}

#[actix_web::test]
async fn a_reply_ready_within_the_second_delivery_answers_it() {
    let bot = retries_bot(&Emulator::start().expect("emulator"));
    tokio::time::pause();
    let answers = three_deliveries(&bot, &text_message("slow 7")).await;
    assert_eq!(answers[0].body, "success");
    assert_eq!(answers[1].text(), Some("done 7"));
    assert_eq!(
        answers[2].text(),
        Some("done 7"),
        "a later delivery gets it too"
    );
}

#[actix_web::test]
async fn a_20_second_reply_gives_the_notice_then_answers_the_next_message() {
    let bot = retries_bot(&Emulator::start().expect("emulator"));
    tokio::time::pause();
    let answers = three_deliveries(&bot, &text_message("slow 20")).await;
    assert_eq!(answers[2].text(), Some(NOTICE), "{}", answers[2].body);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let next = bot.send(&text_message("ping")).await;
    assert_eq!(
        next.text(),
        Some("done 20"),
        "the reply, not pong: {}",
        next.body
    );
    let after = bot.send(&text_message("ping")).await;
    assert_eq!(after.text(), Some("pong"), "delivered once");
}

#[actix_web::test]
async fn a_refused_customer_service_send_waits_for_the_next_message() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.server.reply_deadline_ms = 100;
    let probe = Probe::new();
    let bot = TestBot::with_config(&config, crate::dedup::router(&probe));
    let unauthorized = Fault::Errcode(48001, "api unauthorized".to_owned());
    emulator.script("/cgi-bin/message/custom/send", unauthorized);
    let first = bot.send(&text_message("slow answer")).await;
    assert_eq!(first.body, "success", "the deadline passed");
    probe.open();
    assert_eq!(bot.bot().drain(Duration::from_secs(10)).await, 0);
    assert!(emulator.sent().is_empty(), "refused");
    let next = bot.send(&text_message("hello")).await;
    assert_eq!(next.text(), Some("done: slow answer"), "{}", next.body);
    assert_eq!(probe.runs(), 1, "the next message was not routed");
}

#[actix_web::test]
async fn typing_shows_once_for_a_slow_handler_and_never_for_a_fast_one() {
    let emulator = Emulator::start().expect("emulator");
    let mut config = config(&emulator);
    config.server.typing_after_ms = 50;
    let probe = Probe::new();
    let bot = TestBot::with_config(&config, crate::dedup::router(&probe));
    assert_eq!(
        bot.send(&text_message("quick")).await.text(),
        Some("quick #1")
    );
    let slow = spawn_send(&bot, &text_message("slow one"));
    let typing = tokio::time::timeout(Duration::from_secs(10), emulator.first_typing())
        .await
        .expect("typing shown");
    assert_eq!(typing["touser"], "o_test_user");
    assert_eq!(typing["command"], "Typing");
    probe.open();
    assert_eq!(slow.await.expect("slow").text(), Some("done: slow one"));
    assert_eq!(bot.bot().drain(Duration::from_secs(10)).await, 0);
    assert_eq!(
        emulator.typing().len(),
        1,
        "once, and not for the quick one"
    );
}

#[actix_web::test]
async fn a_waiting_reply_answers_one_new_message_and_its_repeats_only() {
    let bot = retries_bot(&Emulator::start().expect("emulator"));
    tokio::time::pause();
    let answers = three_deliveries(&bot, &text_message("slow 20")).await;
    assert_eq!(answers[2].text(), Some(NOTICE));
    tokio::time::sleep(Duration::from_secs(10)).await;
    let next = text_message("ping");
    assert_eq!(bot.send(&next).await.text(), Some("done 20"));
    // WeChat delivers that message again: the same answer, and still no pong.
    assert_eq!(bot.send(&next).await.text(), Some("done 20"));
    assert_eq!(bot.send(&text_message("ping")).await.text(), Some("pong"));
}

#[actix_web::test]
async fn a_send_outside_the_window_or_over_quota_waits_for_the_next_message_too() {
    for code in [45015, 45047] {
        let emulator = Emulator::start().expect("emulator");
        let mut config = config(&emulator);
        config.server.reply_deadline_ms = 100;
        let probe = Probe::new();
        let bot = TestBot::with_config(&config, crate::dedup::router(&probe));
        emulator.script(
            "/cgi-bin/message/custom/send",
            Fault::Errcode(code, "refused".to_owned()),
        );
        assert_eq!(bot.send(&text_message("slow x")).await.body, "success");
        probe.open();
        assert_eq!(bot.bot().drain(Duration::from_secs(10)).await, 0);
        let next = bot.send(&text_message("hello")).await;
        assert_eq!(next.text(), Some("done: slow x"), "{code}: {}", next.body);
    }
}

#[actix_web::test]
async fn with_the_file_store_a_waiting_reply_outlives_a_restart() {
    let emulator = Emulator::start().expect("emulator");
    let dir = crate::common::TempDir::new("late-file");
    let mut config = config(&emulator);
    config.server.reply_deadline_ms = 100;
    config.store.backend = wxbot::config::Backend::File;
    config.store.path = dir.0.join("state");
    let probe = Probe::new();
    let before = TestBot::with_config(&config, crate::dedup::router(&probe));
    let unauthorized = Fault::Errcode(48001, "api unauthorized".to_owned());
    emulator.script("/cgi-bin/message/custom/send", unauthorized);
    assert_eq!(
        before.send(&text_message("slow kept")).await.body,
        "success"
    );
    probe.open();
    assert_eq!(before.bot().drain(Duration::from_secs(10)).await, 0);
    // A new process over the same folder: it counts the reply left for the user at start-up.
    let after = TestBot::with_config(&config, crate::dedup::router(&probe));
    let next = after.send(&text_message("hello")).await;
    assert_eq!(next.text(), Some("done: slow kept"), "{}", next.body);
    assert_eq!(
        after.send(&text_message("hello")).await.text(),
        Some("hello #2")
    );
}
