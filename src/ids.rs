//! Identifier newtypes: an [`OpenId`] is never confused with a [`MediaId`] or a [`MsgId`];
//! and [`MediaKind`], the kind a media id was issued for.

use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a raw identifier.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as WeChat spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_id!(
    /// A follower's identity within one public account (`FromUserName` of a message).
    OpenId
);
string_id!(
    /// A temporary-media identifier, as returned by the media upload API or carried by an
    /// incoming image, voice or video message.
    MediaId
);
string_id!(
    /// A message identifier (`MsgId`, or `MsgID` in the mass-send and template events).
    ///
    /// Kept as text: WeChat's ids are 64-bit today, but nothing promises they stay numeric.
    MsgId
);

/// The kinds of temporary media, as the upload API's `type` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MediaKind {
    /// `image`: image replies and messages.
    Image,
    /// `voice`: voice replies.
    Voice,
    /// `video`: video replies.
    Video,
    /// `thumb`: covers of music (and video) messages.
    Thumb,
}

impl MediaKind {
    /// The API's name for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
            Self::Video => "video",
            Self::Thumb => "thumb",
        }
    }

    /// The kind the API spells `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Image, Self::Voice, Self::Video, Self::Thumb]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
