//! The error hook, `Router::on_error`: when a handler returns an error or panics, the user gets
//! a friendly text instead of silence, and the hook's `None` keeps the bare `success` where no
//! one is waiting for an answer (here, a background location report). The failure is logged
//! either way, and the bot keeps serving.
//!
//! Run: `cargo run --example error_hook -- dev` (the playground, no account needed: send
//! `divide 7 2`, `divide 7 0`, `divide 7 x`, `crash`), or `cargo run --example error_hook --
//! serve` on your account.
//! Test: `cargo test --example error_hook`.

use wxbot::prelude::*;

/// `divide A B` → `A / B`. A bad number or a zero is the handler's error (`?` works on any
/// error type): the hook answers it.
async fn divide(text: Text) -> Result<String, HandlerError> {
    let mut operands = text.content["divide ".len()..].split_whitespace();
    let a: i64 = operands.next().ok_or("divide what?")?.parse()?;
    let b: i64 = operands.next().ok_or("divide by what?")?.parse()?;
    let quotient = a.checked_div(b).ok_or("cannot divide by zero")?;
    Ok(format!("{a} / {b} = {quotient}"))
}

/// The menu button `REPORT`: the service behind it is down, an error the user cannot fix.
async fn report(_: Click) -> Result<String, HandlerError> {
    Err("the report service answered 503".into())
}

/// `crash` → a bug: the panic is caught, logged, and answered by the hook.
async fn crash(_: Text) -> String {
    panic!("a bug in the crash handler")
}

/// The periodic location report, sent by WeChat in the background: saving it fails here (a
/// store that is down), and nobody is waiting for an answer.
async fn save_location(_: LocationReport) -> Result<(), HandlerError> {
    Err("the location store is down".into())
}

async fn echo(text: Text) -> String {
    text.content
}

/// What the user sees when a handler fails. It gets the message and the failure; the
/// failure's text is for the log, not for the user.
fn apologise(message: &Incoming, failure: &Failure) -> Option<Reply> {
    // A background event: no one is waiting, keep `success`.
    if matches!(message.event(), Some(Event::Location(_))) {
        return None;
    }
    match failure {
        Failure::Panic(_) => Some(Reply::text("Oops, a bug on our side. We are on it.")),
        Failure::Error(_) if message.text().is_some_and(|t| t.starts_with("divide ")) => Some(
            Reply::text("Usage: divide A B, two whole numbers, B not 0."),
        ),
        _ => Some(Reply::text(
            "Sorry, that did not work. Please try again later.",
        )),
    }
}

fn router() -> Router {
    Router::new()
        .text_prefix("divide ", divide)
        .text_exact("crash", crash)
        .event_key("REPORT", report)
        .on(save_location)
        .on(echo)
        .on_error(apologise)
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::prelude::*;
    use wxbot::testing::{Msg, TestBot};

    const USAGE: &str = "Usage: divide A B, two whole numbers, B not 0.";

    #[actix_web::test]
    async fn a_handlers_error_is_answered_with_a_friendly_text() {
        let bot = TestBot::new(super::router());
        let fine = bot.deliver(&Msg::text("divide 7 2")).await;
        assert_eq!(fine.text(), Some("7 / 2 = 3"));
        for bad in ["divide 7 0", "divide 7 x", "divide 7"] {
            let answer = bot.deliver(&Msg::text(bad)).await;
            assert_eq!(answer.text(), Some(USAGE), "{bad}: {}", answer.body);
        }
        let down = bot.deliver(&Msg::click("REPORT")).await;
        assert_eq!(
            down.text(),
            Some("Sorry, that did not work. Please try again later."),
            "any other error: the general apology, not the error's text"
        );
    }

    #[actix_web::test]
    async fn a_panic_is_answered_and_the_bot_keeps_serving() {
        let bot = TestBot::new(super::router());
        let answer = bot.deliver(&Msg::text("crash")).await;
        assert_eq!(
            answer.text(),
            Some("Oops, a bug on our side. We are on it.")
        );
        let next = bot.deliver(&Msg::text("still there?")).await;
        assert_eq!(next.text(), Some("still there?"));
    }

    #[actix_web::test]
    async fn the_hooks_none_keeps_success_for_a_failed_background_event() {
        let bot = TestBot::new(super::router());
        let report = bot.deliver(&Msg::location_report(23.1, 113.3, 65.0)).await;
        assert!(report.is_success(), "{}", report.body);
    }

    #[actix_web::test]
    async fn without_a_hook_a_failure_is_answered_success() {
        let bot = TestBot::new(Router::new().text_prefix("divide ", super::divide));
        let answer = bot.deliver(&Msg::text("divide 7 0")).await;
        assert!(answer.is_success(), "{}", answer.body);
    }
}
