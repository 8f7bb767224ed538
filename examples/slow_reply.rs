//! A slow handler and WeChat's 5-second rule, end to end on the emulator: the first answer
//! is `success` at the deadline, and the reply follows through the customer-service API.
//!
//! Run: `cargo run --example slow_reply` (no account needed).

use std::time::{Duration, Instant};

use wxbot::emulator::Emulator;
use wxbot::prelude::*;
use wxbot::testing::{self, TestBot, text_message};

/// Thinks longer than the deadline allows, like an LLM call.
async fn think(text: Text) -> String {
    tokio::time::sleep(Duration::from_millis(800)).await;
    format!("after some thought: {}", text.content)
}

#[actix_web::main]
async fn main() {
    let emulator = Emulator::start().expect("the emulator starts");
    let mut config = testing::config();
    config.api.base_url = emulator.base_url();
    config.account.appid = emulator.appid().to_owned();
    config.account.secret = emulator.secret().into();
    config.server.reply_deadline_ms = 300;
    let bot = TestBot::with_config(&config, Router::new().on(think));

    let message = text_message("hello");
    let started = Instant::now();
    let first = bot.send(&message).await;
    println!(
        "{:>5} ms  first delivery answered: {}",
        started.elapsed().as_millis(),
        first.body
    );
    let retry = bot.send(&message).await;
    println!(
        "{:>5} ms  WeChat's retry answered: {} (the handler did not run again)",
        started.elapsed().as_millis(),
        retry.body
    );
    let sent = emulator.next_sent().await;
    println!(
        "{:>5} ms  customer service sent: {sent}",
        started.elapsed().as_millis()
    );
}
