//! `count`: a per-user counter kept in the user's session.

use serde::{Deserialize, Serialize};
use wxbot::prelude::*;

/// What the demo keeps for each user.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Counter {
    /// How many times the user sent `count` in this session.
    pub count: u32,
}

/// `count` → `count N`, N counting from 1 in the user's current session.
pub async fn count(mut counter: Session<Counter>, _: Text) -> String {
    counter.count += 1;
    format!("count {}", counter.count)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn each_user_counts_in_their_own_session() {
        let bot = TestBot::new(crate::handlers::router());
        let count = async |user: &str| {
            let answer = bot.deliver(&Msg::text("count").from(user)).await;
            answer.text().map(str::to_owned)
        };
        assert_eq!(count("o_a").await.as_deref(), Some("count 1"));
        assert_eq!(count("o_a").await.as_deref(), Some("count 2"));
        assert_eq!(count("o_b").await.as_deref(), Some("count 1"));
    }
}
