//! The demo bot: read top to bottom, the first route that accepts a message wins. A feature
//! is one file here, its `mod` line and its route below.

mod count;
mod echo;
mod events;
mod keywords;
mod media;
mod slow;

use wxbot::prelude::*;

/// The demo bot's routes.
pub fn router() -> Router {
    Router::new()
        .text_exact("ping", keywords::pong)
        .text_exact("news", keywords::news)
        .text_exact("image", media::image)
        .text_exact("voice", media::voice)
        .text_exact("video", media::video)
        .text_exact("music", media::music)
        .text_exact("count", count::count)
        .on(slow::slow)
        .on(echo::text)
        .on(echo::image)
        .on(echo::voice)
        .on(echo::video)
        .on(echo::location)
        .on(echo::link)
        .on(events::subscribe)
        .on(events::scan)
        .on(events::click)
}
