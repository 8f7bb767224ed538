//! Echoes: each content kind answered with what it carried.

use wxbot::prelude::*;

/// Any other text → the same text.
pub async fn text(text: Text) -> String {
    text.content
}

/// An image → the same image.
pub async fn image(image: Image) -> Reply {
    Reply::image(image.media_id)
}

/// A voice message → what was recognised, or the same voice.
pub async fn voice(voice: Voice) -> Reply {
    match voice.recognition {
        Some(said) => Reply::text(format!("you said: {said}")),
        None => Reply::voice(voice.media_id),
    }
}

/// A video or short video → its ids.
pub async fn video(video: Video) -> String {
    format!("video {} thumb {}", video.media_id, video.thumb_media_id)
}

/// A location → its coordinates, scale and label, as sent.
pub async fn location(at: Location) -> String {
    format!("location {},{} scale {} {}", at.x, at.y, at.scale, at.label)
}

/// A link → its title and URL.
pub async fn link(link: Link) -> String {
    format!("link {} {}", link.title, link.url)
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn each_kind_comes_back_as_it_was_sent() {
        let bot = TestBot::new(crate::handlers::router());
        assert_eq!(bot.deliver(&Msg::text("hello")).await.text(), Some("hello"));
        assert_eq!(bot.deliver(&Msg::image("m1")).await.media_id(), Some("m1"));
        let said = bot
            .deliver(&Msg::voice("v1").with("Recognition", "hi"))
            .await;
        assert_eq!(said.text(), Some("you said: hi"));
        let place = bot.deliver(&Msg::location(23.1, 113.3, 15, "Tower")).await;
        assert_eq!(place.text(), Some("location 23.1,113.3 scale 15 Tower"));
    }
}
