//! A slow handler and WeChat's 5-second rule, end to end on the emulator: the first answer
//! is `success` at the deadline, WeChat's retry gets `success` too without running the
//! handler again, and the reply follows through the customer-service API. (Accounts without
//! that API use `server.late_reply = "retries"` instead: see `examples/testing.rs`.)
//!
//! Run: `cargo run --example slow_reply` (no account needed: it plays WeChat, and the
//! emulator plays WeChat's API). In the playground, the demo bot's `slow 7` shows the same:
//! `cargo run -- dev`.
//! Test: `cargo test --example slow_reply`.

use std::time::{Duration, Instant};

use wxbot::prelude::*;
use wxbot::testing::{Msg, TestBot};

/// Thinks longer than the deadline allows, like an LLM call.
async fn think(text: Text) -> String {
    tokio::time::sleep(Duration::from_millis(800)).await;
    format!("after some thought: {}", text.content)
}

/// The bot with a 300 ms deadline, its WeChat API a fresh emulator.
fn bot() -> TestBot {
    TestBot::with_emulator(Router::new().on(think), |config| {
        config.server.reply_deadline_ms = 300;
    })
}

#[actix_web::main]
async fn main() {
    let bot = bot();
    let message = Msg::text("hello");
    let started = Instant::now();
    let first = bot.deliver(&message).await;
    println!(
        "{:>5} ms  first delivery answered: {}",
        started.elapsed().as_millis(),
        first.body
    );
    let retry = bot.deliver(&message).await;
    println!(
        "{:>5} ms  WeChat's retry answered: {} (the handler did not run again)",
        started.elapsed().as_millis(),
        retry.body
    );
    let sent = bot.emulator().next_sent().await;
    println!(
        "{:>5} ms  customer service sent: {sent}",
        started.elapsed().as_millis()
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wxbot::testing::Msg;

    #[actix_web::test]
    async fn success_at_the_deadline_then_the_reply_by_customer_service_once() {
        let bot = super::bot();
        let message = Msg::text("hello");
        assert!(bot.deliver(&message).await.is_success(), "at the deadline");
        assert!(bot.deliver(&message).await.is_success(), "the retry");
        let sent = tokio::time::timeout(Duration::from_secs(10), bot.emulator().next_sent())
            .await
            .expect("sent by customer service");
        assert_eq!(
            sent,
            serde_json::json!({
                "touser": "o_test_user",
                "msgtype": "text",
                "text": {"content": "after some thought: hello"},
            })
        );
        assert_eq!(bot.emulator().sent().len(), 1, "once");
    }
}
