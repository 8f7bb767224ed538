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
