//! A form over several messages, kept in the user's session: `signup` asks for a name, then
//! an age, then confirms. `cancel` starts over at any step.
//!
//! Run: `cargo run --example form -- dev` (the playground, no account needed), or
//! `cargo run --example form -- serve` on your account.
//! Test: `cargo test --example form`.

use serde::{Deserialize, Serialize};
use wxbot::prelude::*;

/// Where the user is in the form.
#[derive(Debug, Default, Serialize, Deserialize)]
enum Signup {
    /// Not filling it in.
    #[default]
    Idle,
    /// Asked for a name.
    Name,
    /// Asked for an age, knowing the name.
    Age { name: String },
}

async fn start(mut form: Session<Signup>, _: Text) -> &'static str {
    *form = Signup::Name;
    "What is your name?"
}

async fn cancel(mut form: Session<Signup>, _: Text) -> &'static str {
    form.reset();
    "Cancelled."
}

/// Any other text: the answer to the form's current question, if the user is filling it in.
async fn answer(mut form: Session<Signup>, text: Text) -> String {
    let said = text.content.trim().to_owned();
    match std::mem::take(&mut *form) {
        Signup::Idle => format!("Send `signup` to begin (you said: {said})"),
        Signup::Name => {
            let reply = format!("Hello {said}. How old are you?");
            *form = Signup::Age { name: said };
            reply
        }
        Signup::Age { name } => match said.parse::<u8>() {
            Ok(age) => format!("Signed up: {name}, {age}."),
            Err(_) => {
                *form = Signup::Age { name };
                "Please answer with a number.".to_owned()
            }
        },
    }
}

fn router() -> Router {
    Router::new()
        .text_exact("signup", start)
        .text_exact("cancel", cancel)
        .on(answer)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{TestBot, text_message};

    #[actix_web::test]
    async fn the_form_asks_in_turn_and_remembers_the_answers() {
        let bot = TestBot::new(super::router());
        let ask = async |said: &str| {
            bot.send(&text_message(said))
                .await
                .text()
                .map(str::to_owned)
        };
        assert_eq!(ask("signup").await.as_deref(), Some("What is your name?"));
        assert_eq!(
            ask("Ada").await.as_deref(),
            Some("Hello Ada. How old are you?")
        );
        assert_eq!(
            ask("old").await.as_deref(),
            Some("Please answer with a number.")
        );
        assert_eq!(ask("36").await.as_deref(), Some("Signed up: Ada, 36."));
        assert!(
            ask("hi")
                .await
                .unwrap_or_default()
                .starts_with("Send `signup`")
        );
    }
}
