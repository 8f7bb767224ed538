//! What the emulator hands back to a test: the [`Call`]s it received and the media
//! ([`Upload`]) it stores. Keeping them is `state.rs`'s job.

use std::fmt;

use crate::ids::MediaKind;

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body's length in bytes.
    pub body_len: usize,
}

impl Call {
    /// The first value of the query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        first_param(&self.query, key)
    }
}

/// The first value of `key` among decoded query pairs.
pub(super) fn first_param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

/// A stored media file: uploaded through the API, or put by
/// [`Emulator::put_media`](super::Emulator::put_media).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// Its kind.
    pub kind: MediaKind,
    /// The id the emulator gave it.
    pub media_id: String,
    /// The filename of its multipart part, as sent.
    pub filename: String,
    /// The Content-Type of its multipart part (`application/octet-stream` when none was sent).
    pub content_type: String,
    /// The file itself.
    pub bytes: Vec<u8>,
    /// When it was stored, in Unix seconds (`created_at` of the upload answer).
    pub created_at: u64,
}

impl fmt::Debug for Upload {
    // The bytes would drown a test failure; their length says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("kind", &self.kind)
            .field("media_id", &self.media_id)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("created_at", &self.created_at)
            .finish()
    }
}
