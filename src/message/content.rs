//! The content kinds a follower sends: text, image, voice, video, location, link.

use std::fmt;

use crate::ids::MediaId;
use crate::xml::Fields;

/// A coordinate or scale as sent, so it echoes back exactly (`23.134520` stays `23.134520`,
/// which `f64`'s `Display` would print as `23.13452`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coord(pub String);

impl Coord {
    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.trim().parse().ok()
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Coord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `text` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Text {
    /// `Content`, exactly as the user typed it.
    pub content: String,
    /// `bizmsgmenuid`: the option picked in a menu message, when this text is that pick.
    pub menu_id: Option<String>,
}

impl Text {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            content: fields.get("Content")?.to_owned(),
            menu_id: fields.opt("bizmsgmenuid"),
        })
    }
}

/// An `image` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Image {
    /// `PicUrl`: where WeChat serves the picture.
    pub pic_url: String,
    /// `MediaId`: usable in replies and with the media download API.
    pub media_id: MediaId,
}

impl Image {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            pic_url: fields.string("PicUrl"),
            media_id: fields.non_empty("MediaId")?.into(),
        })
    }
}

/// A `voice` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Voice {
    /// `MediaId` of the recording.
    pub media_id: MediaId,
    /// `Format`: `amr`, `speex`, …
    pub format: String,
    /// `Recognition`: the speech-to-text result, when the account enabled it and it is not empty.
    pub recognition: Option<String>,
}

impl Voice {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            media_id: fields.non_empty("MediaId")?.into(),
            format: fields.string("Format"),
            recognition: fields.opt("Recognition"),
        })
    }
}

/// A `video` or `shortvideo` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Video {
    /// `MediaId` of the clip.
    pub media_id: MediaId,
    /// `ThumbMediaId` of its cover.
    pub thumb_media_id: MediaId,
}

impl Video {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            media_id: fields.non_empty("MediaId")?.into(),
            thumb_media_id: fields.string("ThumbMediaId").into(),
        })
    }
}

/// A `location` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location {
    /// `Location_X`: latitude.
    pub x: Coord,
    /// `Location_Y`: longitude.
    pub y: Coord,
    /// `Scale`: the map's zoom.
    pub scale: Coord,
    /// `Label`: the place's description.
    pub label: String,
}

impl Location {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            x: Coord(fields.get("Location_X")?.to_owned()),
            y: Coord(fields.get("Location_Y")?.to_owned()),
            scale: Coord(fields.string("Scale")),
            label: fields.string("Label"),
        })
    }
}

/// A `link` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link {
    /// `Title`.
    pub title: String,
    /// `Description`.
    pub description: String,
    /// `Url`.
    pub url: String,
}

impl Link {
    pub(super) fn from_fields(fields: &Fields<'_>) -> Option<Self> {
        Some(Self {
            title: fields.string("Title"),
            description: fields.string("Description"),
            url: fields.get("Url")?.to_owned(),
        })
    }
}
