//! The XML that WeChat's side and ours share: one scanning walk that checks a document and
//! collects its leaves ([`scan`]), and CDATA writing that keeps any text intact
//! ([`push_cdata`]). Messages, replies, the encrypted envelope, the test kit and the
//! playground all read and write through here; it knows nothing of what the fields mean.

mod cdata;
mod chars;
mod scan;

pub(crate) use cdata::{cdata_field, push_cdata};
pub(crate) use scan::{Fields, scan};

/// Why a body is not an acceptable XML document (a callback answers it with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The body is not UTF-8; `valid_up_to` bytes were.
    #[error("body is not utf-8 (invalid byte at offset {valid_up_to})")]
    NotUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The body holds no element at all.
    #[error("body holds no xml element")]
    Empty,
    /// The XML is not well-formed.
    #[error("xml is not well-formed at byte {position}: {reason}")]
    Malformed {
        /// Byte offset where the reader stopped.
        position: u64,
        /// The reader's description.
        reason: String,
    },
    /// A `<!DOCTYPE>`: refused, so entities are never declared, let alone expanded.
    #[error("a DOCTYPE is not allowed")]
    DocType,
    /// A reference to an entity other than the five predefined ones.
    #[error("undefined entity &{0};")]
    Entity(String),
    /// Elements nested beyond what any WeChat message uses.
    #[error("elements nest deeper than {0} levels")]
    TooDeep(usize),
    /// Content after the root element, or text outside it.
    #[error("content outside the root element")]
    Trailing,
    /// A character XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), raw or
    /// as a character reference. Refused rather than dropped: a handler must never see text
    /// that no reply can carry back unchanged.
    #[error(
        "not well-formed XML: forbidden character U+{code:04X} at byte {position}{}",
        if *reference { " (a character reference)" } else { "" }
    )]
    Forbidden {
        /// The character's code point.
        code: u32,
        /// Byte offset of the character, or of the reference's `&`.
        position: u64,
        /// Written as a character reference (`&#1;`, `&#x1F;`) rather than raw.
        reference: bool,
    },
}

/// `body` as text, or where it stops being UTF-8.
pub(crate) fn utf8(body: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(body).map_err(|err| XmlError::NotUtf8 {
        valid_up_to: err.valid_up_to(),
    })
}
