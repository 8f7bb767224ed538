//! Middleware and the error hook: admin-only commands by openid, a per-user rate limit,
//! every handler timed, and "sorry, try again" instead of silence when a handler fails.
//!
//! Run: `cargo run --example middleware -- dev` (the playground, no account needed), or
//! `cargo run --example middleware -- serve` on your account.
//! Test: `cargo test --example middleware`.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;
use wxbot::prelude::*;

/// Who may send the admin commands.
const ADMINS: &[&str] = &["o_admin"];
/// Messages a user may send per window.
const LIMIT: u32 = 5;
const WINDOW: Duration = Duration::from_secs(60);

/// What the middleware share: each user's count in the current window.
#[derive(Clone, Default)]
struct Limits(Arc<DashMap<String, (Instant, u32)>>);

async fn stats(_: Text) -> &'static str {
    "42 followers"
}

async fn crash(_: Text) -> String {
    panic!("a bug")
}

async fn echo(text: Text) -> String {
    text.content
}

/// Runs the command for admins only.
async fn admins_only(ctx: Ctx<Limits>, next: Next) -> HandlerResult {
    if ADMINS.contains(&ctx.sender().as_str()) {
        next.run().await
    } else {
        Ok(Some(Reply::text("admins only")))
    }
}

/// At most `LIMIT` messages per user per `WINDOW`; past it, a polite refusal.
async fn rate_limit(ctx: Ctx<Limits>, next: Next) -> HandlerResult {
    let now = Instant::now();
    let count = {
        // The guard is dropped before any await.
        let mut entry = ctx
            .state()
            .0
            .entry(ctx.sender().to_string())
            .or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1
    };
    if count > LIMIT {
        return Ok(Some(Reply::text("too many messages, wait a minute")));
    }
    next.run().await
}

/// Logs how long every handler took.
async fn timed(ctx: Ctx<Limits>, next: Next) -> HandlerResult {
    let started = Instant::now();
    let result = next.run().await;
    let msg_type = &ctx.header().msg_type;
    tracing::info!(%msg_type, elapsed = ?started.elapsed(), "handled");
    result
}

fn router() -> Router<Limits> {
    Router::with_state(Limits::default())
        .text_exact("stats", stats)
        .around(admins_only) // the admin group: `stats` only
        .text_exact("crash", crash)
        .on(echo)
        .around(rate_limit) // every route above
        .around(timed) // outermost
        .on_error(|_message, _failure| Some(Reply::text("sorry, try again")))
}

fn main() -> std::process::ExitCode {
    wxbot::run!(router)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{TestBot, text_message};

    fn from(user: &str, text: &str) -> String {
        text_message(text).replace("o_test_user", user)
    }

    #[actix_web::test]
    async fn an_admin_command_is_refused_to_others() {
        let bot = TestBot::new(super::router());
        let admin = bot.send(&from("o_admin", "stats")).await;
        assert_eq!(admin.text(), Some("42 followers"));
        let other = bot.send(&from("o_someone", "stats")).await;
        assert_eq!(other.text(), Some("admins only"));
        let echo = bot.send(&from("o_someone", "hello")).await;
        assert_eq!(
            echo.text(),
            Some("hello"),
            "other routes are not admin-only"
        );
    }

    #[actix_web::test]
    async fn the_sixth_message_in_a_minute_is_refused_and_others_are_not_counted() {
        let bot = TestBot::new(super::router());
        for n in 1..=super::LIMIT {
            let said = format!("m{n}");
            assert_eq!(
                bot.send(&from("o_busy", &said)).await.text(),
                Some(said.as_str())
            );
        }
        let refused = bot.send(&from("o_busy", "one more")).await;
        assert_eq!(refused.text(), Some("too many messages, wait a minute"));
        let other = bot.send(&from("o_calm", "hi")).await;
        assert_eq!(other.text(), Some("hi"), "the limit is per user");
    }

    #[actix_web::test]
    async fn a_panic_is_answered_by_the_error_hook() {
        let bot = TestBot::new(super::router());
        let answer = bot.send(&from("o_someone", "crash")).await;
        assert_eq!(answer.text(), Some("sorry, try again"), "{}", answer.body);
    }
}
