//! Why a file did not become a media id.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::LimitError;
use crate::client::ClientError;

/// Why a media file could not become a media id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The path leaves `media.assets_dir` (absolute, or with `..`).
    #[error("media file {path:?} escapes media.assets_dir")]
    Escapes {
        /// The path as the handler gave it.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("media file {path:?} cannot be read: {source}")]
    Io {
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file breaks an upload limit; nothing was uploaded.
    #[error("media file {path:?} refused: {source}")]
    Limit {
        /// The resolved path.
        path: PathBuf,
        /// The broken limit.
        #[source]
        source: LimitError,
    },
    /// The file changed while it was being resolved; the next request uploads the new one.
    #[error("media file {path:?} changed while being resolved; the next request uploads it")]
    Changed {
        /// The resolved path.
        path: PathBuf,
    },
    /// The upload failed.
    #[error("media file {path:?} upload failed: {source}")]
    Upload {
        /// The resolved path.
        path: PathBuf,
        /// The API error; shared by the requests that waited on the same upload.
        #[source]
        source: Arc<ClientError>,
    },
}

/// An I/O error on `path`.
pub(super) fn io(path: &Path, source: std::io::Error) -> MediaError {
    MediaError::Io {
        path: path.to_owned(),
        source,
    }
}
