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
