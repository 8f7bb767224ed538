//! A chat that keeps the last turns of each user's conversation for a model, in the user's
//! session. The "model" here only says how much it remembers; put your model's call there.
//! `forget` clears the conversation.
//!
//! Run: `cargo run --example chat -- dev` (the playground, no account needed), or
//! `cargo run --example chat -- serve` on your account.
//! Test: `cargo test --example chat`.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use wxbot::prelude::*;

/// How many turns (a message and its answer) the model sees.
const TURNS: usize = 6;

/// One user's conversation, oldest turn first.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Conversation {
    turns: VecDeque<Turn>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Turn {
    user: String,
    bot: String,
}

/// Stands in for a model: answers from the conversation so far and the new message.
async fn model(history: &VecDeque<Turn>, message: &str) -> String {
    let earlier = history.iter().map(|turn| turn.user.as_str());
    let earlier: Vec<&str> = earlier.collect();
    format!(
        "({} earlier: {}) you said: {message}",
        earlier.len(),
        earlier.join(" / ")
    )
}

async fn chat(mut conversation: Session<Conversation>, text: Text) -> String {
    let answer = model(&conversation.turns, &text.content).await;
    conversation.turns.push_back(Turn {
        user: text.content,
        bot: answer.clone(),
    });
    while conversation.turns.len() > TURNS {
        conversation.turns.pop_front();
    }
    answer
}

async fn forget(mut conversation: Session<Conversation>, _: Text) -> &'static str {
    conversation.reset();
    "Forgotten."
}

fn router() -> Router {
    Router::new().text_exact("forget", forget).on(chat)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{TestBot, text_message};

    #[actix_web::test]
    async fn the_model_sees_the_last_turns_only() {
        let bot = TestBot::new(super::router());
        for n in 0..8 {
            bot.send(&text_message(&format!("m{n}"))).await;
        }
        let answer = bot.send(&text_message("now")).await;
        assert_eq!(
            answer.text(),
            Some("(6 earlier: m2 / m3 / m4 / m5 / m6 / m7) you said: now")
        );
        assert_eq!(
            bot.send(&text_message("forget")).await.text(),
            Some("Forgotten.")
        );
        let fresh = bot.send(&text_message("hi")).await;
        assert_eq!(fresh.text(), Some("(0 earlier: ) you said: hi"));
    }
}
