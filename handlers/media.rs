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
