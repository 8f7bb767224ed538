//! `slow S`: a handler that takes S seconds, to see the 5-second rule at work.

use std::time::Duration;

use wxbot::prelude::*;

/// `slow S` with S a whole number of seconds from 1 to 30.
pub struct Slow(u64);

impl FromIncoming for Slow {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        let secs: u64 = msg.text()?.strip_prefix("slow ")?.parse().ok()?;
        (1..=30).contains(&secs).then_some(Self(secs))
    }
}

/// `slow S` → after S seconds, `done S`.
pub async fn slow(Slow(secs): Slow) -> String {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    format!("done {secs}")
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn slow_s_answers_after_s_seconds_of_the_paused_clock() {
        let bot = TestBot::new(crate::handlers::router());
        tokio::time::pause();
        let started = tokio::time::Instant::now();
        let answer = bot.deliver(&Msg::text("slow 3")).await;
        assert_eq!(answer.text(), Some("done 3"));
        assert_eq!(started.elapsed().as_secs(), 3);
        let out_of_range = bot.deliver(&Msg::text("slow 31")).await;
        assert_eq!(out_of_range.text(), Some("slow 31"), "echoed");
    }
}
