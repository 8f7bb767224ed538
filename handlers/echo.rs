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
