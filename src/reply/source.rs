//! [`MediaSource`]: a media id WeChat has, or a local file to upload.

use std::path::{Path, PathBuf};

use crate::ids::MediaId;

/// Where a media reply's content comes from.
///
/// A [`MediaId`] converts to [`MediaSource::Id`]; a string or a path converts to
/// [`MediaSource::File`], resolved under `media.assets_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaSource {
    /// Media WeChat already has.
    Id(MediaId),
    /// A local file, uploaded on demand.
    File(PathBuf),
}

impl From<MediaId> for MediaSource {
    fn from(id: MediaId) -> Self {
        Self::Id(id)
    }
}

impl From<&MediaId> for MediaSource {
    fn from(id: &MediaId) -> Self {
        Self::Id(id.clone())
    }
}

impl From<&str> for MediaSource {
    fn from(path: &str) -> Self {
        Self::File(path.into())
    }
}

impl From<String> for MediaSource {
    fn from(path: String) -> Self {
        Self::File(path.into())
    }
}

impl From<PathBuf> for MediaSource {
    fn from(path: PathBuf) -> Self {
        Self::File(path)
    }
}

impl From<&Path> for MediaSource {
    fn from(path: &Path) -> Self {
        Self::File(path.to_owned())
    }
}
