//! Fixed answers to keywords.

use wxbot::prelude::*;

/// `ping` → `pong`.
pub async fn pong(_: Text) -> &'static str {
    "pong"
}

/// `news` → two article cards.
pub async fn news(_: Text) -> Reply {
    Reply::news([
        Article::new(
            "First",
            "One",
            "https://example.com/1.jpg",
            "https://example.com/1",
        ),
        Article::new(
            "Second",
            "Two",
            "https://example.com/2.jpg",
            "https://example.com/2",
        ),
    ])
}
