//! Media replies from the files in `assets/`, uploaded on first use and cached after that.

use wxbot::prelude::*;

/// `image` → the demo picture.
pub async fn image(_: Text) -> Reply {
    Reply::image("demo.jpg")
}

/// `voice` → the demo recording.
pub async fn voice(_: Text) -> Reply {
    Reply::voice("demo.amr")
}

/// `video` → the demo clip.
pub async fn video(_: Text) -> Reply {
    Reply::video("demo.mp4")
        .title("Demo video")
        .description("A short clip")
        .into()
}

/// `music` → a music card with the demo cover.
pub async fn music(_: Text) -> Reply {
    Reply::music("https://example.com/demo.mp3", "demo-thumb.jpg")
        .title("Demo music")
        .description("A short tune")
        .hq_music_url("https://example.com/demo.mp3")
        .into()
}

#[cfg(test)]
mod tests {
    use wxbot::testing::{Msg, TestBot};

    #[actix_web::test]
    async fn image_uploads_the_demo_picture_once_and_replies_with_its_id() {
        let bot = TestBot::with_emulator(crate::handlers::router(), |config| {
            config.media.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets").into();
        });
        let first = bot.deliver(&Msg::text("image")).await;
        let second = bot.deliver(&Msg::text("image")).await;
        let uploads = bot.emulator().uploads();
        assert_eq!(uploads.len(), 1, "uploaded once, reused");
        assert_eq!(first.media_id(), Some(uploads[0].media_id.as_str()));
        assert_eq!(second.media_id(), first.media_id());
    }
}
