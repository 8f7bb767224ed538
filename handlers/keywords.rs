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

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn ping_answers_pong_and_news_two_articles() {
        let bot = TestBot::new(crate::handlers::router());
        assert_eq!(bot.deliver(&Msg::text("ping")).await.text(), Some("pong"));
        let news = bot.deliver(&Msg::text("news")).await;
        let titles: Vec<String> = news.articles().into_iter().map(|a| a.title).collect();
        assert_eq!(titles, ["First", "Second"]);
    }
}
