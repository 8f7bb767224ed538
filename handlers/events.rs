//! Events: follows, QR scans, menu clicks. Other events get no reply (`success`).

use wxbot::prelude::*;

/// A follow → `welcome`, or `welcome S` through QR scene S.
pub async fn subscribe(follow: Subscribe) -> String {
    match follow.scene() {
        Some(scene) => format!("welcome {scene}"),
        None => "welcome".to_owned(),
    }
}

/// A QR scan by a follower → `scan {EventKey}`.
pub async fn scan(scan: Scan) -> String {
    format!("scan {}", scan.event_key)
}

/// A menu click → `click {EventKey}`.
pub async fn click(click: Click) -> String {
    format!("click {}", click.event_key)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn follows_scans_and_clicks_are_answered_and_unfollows_are_not() {
        let bot = TestBot::new(crate::handlers::router());
        let text = async |msg: Msg| bot.deliver(&msg).await.text().map(str::to_owned);
        assert_eq!(text(Msg::subscribe()).await.as_deref(), Some("welcome"));
        assert_eq!(
            text(Msg::subscribe_via("7")).await.as_deref(),
            Some("welcome 7")
        );
        assert_eq!(text(Msg::scan("7")).await.as_deref(), Some("scan 7"));
        assert_eq!(text(Msg::click("K")).await.as_deref(), Some("click K"));
        assert!(bot.deliver(&Msg::unsubscribe()).await.is_success());
    }
}
