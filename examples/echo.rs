//! The smallest bot: `ping` → `pong`, any other text echoed back.
//!
//! Run: `WXBOT_ACCOUNT__TOKEN=yourtoken cargo run --example echo -- serve`

use wxbot::prelude::*;

async fn pong(_: Text) -> &'static str {
    "pong"
}

async fn echo(text: Text) -> String {
    text.content
}

fn main() -> std::process::ExitCode {
    wxbot::run(|| Router::new().text_exact("ping", pong).on(echo))
}
