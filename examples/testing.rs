//! Testing a bot with `wxbot::testing`: a handler's test in one line, events, typed replies
//! (text, media id, news articles), media uploads to a local emulator of the WeChat API, and
//! slow handlers on tokio's paused clock, WeChat's 5-second rule included. The bot itself is
//! small; this example's real content is its tests.
//!
//! Run the tests: `cargo test --example testing`.
//! Run the bot: `cargo run --example testing -- dev` (the playground, no account needed), or
//! `cargo run --example testing -- serve` on your account.

use std::time::Duration;

use wxbot::prelude::*;

/// `ping` → `pong`.
async fn pong(_: Text) -> &'static str {
    "pong"
}

/// `news` → two article cards.
async fn news(_: Text) -> Reply {
    Reply::news([
        Article::new(
            "Getting started",
            "The quick start",
            "https://example.com/1.jpg",
            "https://example.com/start",
        ),
        Article::new(
            "Testing",
            "One line per handler",
            "https://example.com/2.jpg",
            "https://example.com/testing",
        ),
    ])
}

/// `logo` → a picture from `media.assets_dir`, uploaded on first use.
async fn logo(_: Text) -> Reply {
    Reply::image("demo.jpg")
}

/// `think S` (S from 1 to 30) → after S seconds, `thought for S s`: a stand-in for a slow
/// API or a model.
async fn think(text: Text) -> String {
    let secs: u64 = text
        .content
        .strip_prefix("think ")
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=30).contains(s))
        .unwrap_or(1);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    format!("thought for {secs} s")
}

/// The `HELP` menu button.
async fn help(_: Click) -> &'static str {
    "Send ping, news, logo or think S."
}

/// A follow.
async fn welcome(_: Subscribe) -> &'static str {
    "Welcome!"
}

fn router() -> Router {
    Router::new()
        .text_exact("ping", pong)
        .text_exact("news", news)
        .text_exact("logo", logo)
        .text_prefix("think ", think)
        .event_key("HELP", help)
        .on(welcome)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wxbot::config::LateReply;
    use wxbot::testing::{Msg, TestBot};

    use super::router;

    /// `TestBot::new` builds the bot on a test account; `deliver` signs and POSTs the message
    /// through the same HTTP endpoint `serve` mounts; `text()` reads the reply's text.
    #[actix_web::test]
    async fn ping_answers_pong() {
        assert_eq!(
            TestBot::new(router())
                .deliver(&Msg::text("ping"))
                .await
                .text(),
            Some("pong")
        );
    }

    /// `Msg` builds every message and event WeChat sends; `from` picks the user.
    #[actix_web::test]
    async fn a_menu_click_and_a_follow_are_answered_and_other_events_are_not() {
        let bot = TestBot::new(router());
        let help = bot.deliver(&Msg::click("HELP").from("o_alice")).await;
        assert_eq!(help.text(), Some("Send ping, news, logo or think S."));
        let follow = bot.deliver(&Msg::subscribe()).await;
        assert_eq!(follow.text(), Some("Welcome!"));
        let other = bot.deliver(&Msg::click("SHOP")).await;
        assert!(other.is_success(), "no route: success, {}", other.body);
        assert!(bot.deliver(&Msg::unsubscribe()).await.is_success());
    }

    /// `articles()` reads a news reply back as `Article`s; `media_id()` reads an image,
    /// voice or video reply's id; each is `None` or empty for another kind of reply.
    #[actix_web::test]
    async fn news_reads_back_as_articles() {
        let bot = TestBot::new(router());
        let news = bot.deliver(&Msg::text("news")).await;
        let titles: Vec<String> = news.articles().into_iter().map(|a| a.title).collect();
        assert_eq!(titles, ["Getting started", "Testing"]);
        assert_eq!(news.articles()[1].url, "https://example.com/testing");
        assert_eq!(news.text(), None, "news, not text");
        assert_eq!(news.media_id(), None, "no media");
    }

    /// `with_emulator` points the bot at a fresh local WeChat API, so a media reply really
    /// uploads, and the test can look at what was uploaded.
    #[actix_web::test]
    async fn the_logo_is_uploaded_once_and_its_media_id_replied() {
        let bot = TestBot::with_emulator(router(), |config| {
            config.media.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into();
        });
        let first = bot.deliver(&Msg::text("logo")).await;
        let second = bot.deliver(&Msg::text("logo")).await;
        let uploads = bot.emulator().uploads();
        assert_eq!(uploads.len(), 1, "uploaded once, then reused");
        assert_eq!(first.media_id(), Some(uploads[0].media_id.as_str()));
        assert_eq!(second.media_id(), first.media_id());
    }

    /// On tokio's paused clock a sleep takes no real time: the clock jumps ahead whenever
    /// nothing else is left to run. A 3-second handler answers after 3 s of test time, at once.
    #[actix_web::test]
    async fn a_slow_handler_runs_on_the_paused_clock() {
        let bot = TestBot::new(router());
        tokio::time::pause();
        let started = tokio::time::Instant::now();
        let real = std::time::Instant::now();
        let answer = bot.deliver(&Msg::text("think 3")).await;
        assert_eq!(answer.text(), Some("thought for 3 s"));
        assert_eq!(started.elapsed().as_secs(), 3, "3 s of test time");
        assert!(
            real.elapsed() < Duration::from_secs(2),
            "{:?}",
            real.elapsed()
        );
    }

    /// `deliver_as_wechat` plays WeChat's patience: no answer in 5 s, the message is delivered
    /// again, three times at most. Under `late_reply = "retries"` the bot holds each delivery
    /// until the reply is ready: a 12-second handler is given up on twice and answers the
    /// third delivery.
    #[actix_web::test]
    async fn under_retries_a_12_second_reply_answers_wechats_third_delivery() {
        let mut config = wxbot::testing::config();
        config.server.late_reply = LateReply::Retries;
        let bot = TestBot::with_config(&config, router());
        tokio::time::pause();
        let answers = bot.deliver_as_wechat(&Msg::text("think 12")).await;
        let texts: Vec<Option<&str>> = answers
            .iter()
            .map(|answer| answer.as_ref().and_then(|answer| answer.text()))
            .collect();
        assert_eq!(texts, [None, None, Some("thought for 12 s")]);
        let quick = bot.deliver_as_wechat(&Msg::text("ping")).await;
        assert_eq!(quick.len(), 1, "answered at once: delivered once");
    }

    /// Under the default `late_reply = "customer_service"`, a reply not ready by
    /// `server.reply_deadline_ms` is answered `success` at the deadline, and the reply goes
    /// out later through the customer-service API: here, to the emulator. This test keeps
    /// the clock running: on the paused clock, the bot's calls to the emulator (real network
    /// I/O) would see the clock jump to their timeouts while they wait.
    #[actix_web::test]
    async fn past_the_deadline_the_reply_goes_out_by_customer_service() {
        let bot = TestBot::with_emulator(router(), |config| {
            config.server.reply_deadline_ms = 100;
        });
        let message = Msg::text("think 1");
        let first = bot.deliver(&message).await;
        assert!(
            first.is_success(),
            "success at the deadline: {}",
            first.body
        );
        let sent = tokio::time::timeout(Duration::from_secs(10), bot.emulator().next_sent())
            .await
            .expect("a customer-service message");
        assert_eq!(sent["touser"], "o_test_user");
        assert_eq!(sent["text"]["content"], "thought for 1 s");
        let retry = bot.deliver(&message).await;
        assert!(retry.is_success(), "a retry does not run the handler again");
        assert_eq!(bot.emulator().sent().len(), 1, "sent once");
    }
}
