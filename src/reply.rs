//! Replies: what a handler answers, before it becomes XML (`render`).
//!
//! Media replies carry a [`MediaSource`]: a `media_id` WeChat already knows, or a local file
//! the framework uploads on demand.

mod custom;
mod render;
mod source;
#[cfg(test)]
mod tests;

pub(crate) use custom::custom_message;
pub use render::RenderError;
pub(crate) use render::render;
pub use source::MediaSource;

use crate::ids::MediaKind;

/// The most articles one news reply may carry.
pub const MAX_ARTICLES: usize = 8;

/// A reply to one message.
///
/// ```
/// use wxbot::prelude::*;
///
/// let _ = Reply::text("pong");
/// let _ = Reply::image(MediaId::new("MEDIA_ID")); // a media id WeChat issued
/// let _ = Reply::image("demo.jpg");               // a file under `media.assets_dir`
/// let _: Reply = Reply::video("demo.mp4").title("Demo video").into();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// A text message.
    Text(String),
    /// An image.
    Image(MediaSource),
    /// A voice message.
    Voice(MediaSource),
    /// A video, with optional title and description.
    Video(VideoReply),
    /// A music card.
    Music(MusicReply),
    /// News: 1 to [`MAX_ARTICLES`] article cards.
    News(Vec<Article>),
    /// Hands the conversation to customer service, optionally to one agent.
    TransferCustomerService {
        /// The agent (`name@account`), or any free agent when `None`.
        kf_account: Option<String>,
    },
}

/// A video reply; build it with [`Reply::video`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoReply {
    /// The clip.
    pub media: MediaSource,
    /// Shown above the clip.
    pub title: Option<String>,
    /// Shown under the title.
    pub description: Option<String>,
}

impl VideoReply {
    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A music card; build it with [`Reply::music`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MusicReply {
    /// The card's title.
    pub title: Option<String>,
    /// The card's description.
    pub description: Option<String>,
    /// The track's URL.
    pub music_url: String,
    /// The high-quality track's URL (WiFi); the plain URL when not set.
    pub hq_music_url: Option<String>,
    /// The cover, uploaded as a `thumb`.
    pub thumb: MediaSource,
}

impl MusicReply {
    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the high-quality URL.
    #[must_use]
    pub fn hq_music_url(mut self, url: impl Into<String>) -> Self {
        self.hq_music_url = Some(url.into());
        self
    }
}

/// One card of a news reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description, shown for a single-article reply.
    pub description: String,
    /// Picture URL.
    pub pic_url: String,
    /// Where a tap leads.
    pub url: String,
}

impl Article {
    /// An article card.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        pic_url: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            pic_url: pic_url.into(),
            url: url.into(),
        }
    }
}

impl Reply {
    /// A text reply.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text(content.into())
    }

    /// An image reply, by media id or local file.
    pub fn image(media: impl Into<MediaSource>) -> Self {
        Self::Image(media.into())
    }

    /// A voice reply, by media id or local file (AMR or MP3).
    pub fn voice(media: impl Into<MediaSource>) -> Self {
        Self::Voice(media.into())
    }

    /// A video reply, by media id or local file (MP4); add a title and description.
    pub fn video(media: impl Into<MediaSource>) -> VideoReply {
        VideoReply {
            media: media.into(),
            title: None,
            description: None,
        }
    }

    /// A music card playing `music_url`, with a cover by media id or local file (JPG).
    pub fn music(music_url: impl Into<String>, thumb: impl Into<MediaSource>) -> MusicReply {
        MusicReply {
            title: None,
            description: None,
            music_url: music_url.into(),
            hq_music_url: None,
            thumb: thumb.into(),
        }
    }

    /// A news reply of 1 to [`MAX_ARTICLES`] articles (more fails when rendered).
    pub fn news(articles: impl IntoIterator<Item = Article>) -> Self {
        Self::News(articles.into_iter().collect())
    }

    /// Hands the conversation to any free customer-service agent.
    pub fn transfer_customer_service() -> Self {
        Self::TransferCustomerService { kf_account: None }
    }

    /// Hands the conversation to one customer-service agent (`name@account`).
    pub fn transfer_to(kf_account: impl Into<String>) -> Self {
        Self::TransferCustomerService {
            kf_account: Some(kf_account.into()),
        }
    }

    /// The reply's `MsgType`.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Image(_) => "image",
            Self::Voice(_) => "voice",
            Self::Video(_) => "video",
            Self::Music(_) => "music",
            Self::News(_) => "news",
            Self::TransferCustomerService { .. } => "transfer_customer_service",
        }
    }
}

impl Reply {
    /// The reply's media and the kind it uploads as: an image, a voice, a video, or a music
    /// card's cover (`thumb`). Text, news and transfers carry none.
    pub fn media(&self) -> Option<(MediaKind, &MediaSource)> {
        match self {
            Self::Image(media) => Some((MediaKind::Image, media)),
            Self::Voice(media) => Some((MediaKind::Voice, media)),
            Self::Video(video) => Some((MediaKind::Video, &video.media)),
            Self::Music(music) => Some((MediaKind::Thumb, &music.thumb)),
            Self::Text(_) | Self::News(_) | Self::TransferCustomerService { .. } => None,
        }
    }

    /// Like [`media`](Self::media), to replace it.
    pub fn media_mut(&mut self) -> Option<(MediaKind, &mut MediaSource)> {
        match self {
            Self::Image(media) => Some((MediaKind::Image, media)),
            Self::Voice(media) => Some((MediaKind::Voice, media)),
            Self::Video(video) => Some((MediaKind::Video, &mut video.media)),
            Self::Music(music) => Some((MediaKind::Thumb, &mut music.thumb)),
            Self::Text(_) | Self::News(_) | Self::TransferCustomerService { .. } => None,
        }
    }
}

impl From<VideoReply> for Reply {
    fn from(video: VideoReply) -> Self {
        Self::Video(video)
    }
}

impl From<MusicReply> for Reply {
    fn from(music: MusicReply) -> Self {
        Self::Music(music)
    }
}
