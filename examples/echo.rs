//! The smallest bot: `ping` → `pong`, any other text echoed back.
//!
//! Run: `cargo run --example echo -- dev` (the playground, no account needed), or
//! `WXBOT_ACCOUNT__TOKEN=yourtoken cargo run --example echo -- serve` on your account.

use wxbot::prelude::*;

async fn pong(_: Text) -> &'static str {
    "pong"
}

async fn echo(text: Text) -> String {
    text.content
}

fn main() -> std::process::ExitCode {
    wxbot::run!(|| Router::new().text_exact("ping", pong).on(echo))
}
