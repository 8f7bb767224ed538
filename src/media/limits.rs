//! WeChat's temporary-media upload limits (image: JPG, 128 KB; voice: AMR or MP3, 256 KB,
//! 60 s; video: MP4, 1 MB; thumb: JPG, 64 KB), checked before anything is uploaded: format
//! by content (magic bytes, not the file name), size per kind, voice length from the frames.

use super::duration::{amr_millis, mp3_millis};
use crate::config::MediaConfig;
use crate::ids::MediaKind;

/// Why a file may not be uploaded as a kind of media.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// The content is not a format the kind accepts.
    #[error("{kind} must be {expected}, but the file is {found}")]
    Format {
        /// The media kind.
        kind: MediaKind,
        /// The accepted formats.
        expected: &'static str,
        /// What the content looks like.
        found: &'static str,
    },
    /// The file is larger than the kind's limit.
    #[error("{kind} is {size} bytes, over the limit of {max} bytes (media.{kind}_max_bytes)")]
    TooLarge {
        /// The media kind.
        kind: MediaKind,
        /// The file's size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A voice recording longer than allowed.
    #[error("voice lasts {millis} ms, over the limit of {max_secs} s (media.voice_max_secs)")]
    TooLong {
        /// The recording's length.
        millis: u64,
        /// The limit.
        max_secs: u64,
    },
}

/// A file that passed: how to label it in the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub(crate) content_type: &'static str,
    pub(crate) extension: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Amr,
    Mp3,
    Mp4,
    Other(&'static str),
}

/// Checks `bytes` against the limits for `kind` in `config`.
pub(crate) fn check(
    config: &MediaConfig,
    kind: MediaKind,
    bytes: &[u8],
) -> Result<Accepted, LimitError> {
    let format = sniff(bytes);
    let (expected, max) = match kind {
        MediaKind::Image => ("JPG", config.image_max_bytes),
        MediaKind::Thumb => ("JPG", config.thumb_max_bytes),
        MediaKind::Voice => ("AMR or MP3", config.voice_max_bytes),
        MediaKind::Video => ("MP4", config.video_max_bytes),
    };
    let accepted = match (kind, format) {
        (MediaKind::Image | MediaKind::Thumb, Format::Jpeg) => Accepted {
            content_type: "image/jpeg",
            extension: "jpg",
        },
        (MediaKind::Voice, Format::Amr) => Accepted {
            content_type: "audio/amr",
            extension: "amr",
        },
        (MediaKind::Voice, Format::Mp3) => Accepted {
            content_type: "audio/mpeg",
            extension: "mp3",
        },
        (MediaKind::Video, Format::Mp4) => Accepted {
            content_type: "video/mp4",
            extension: "mp4",
        },
        _ => {
            return Err(LimitError::Format {
                kind,
                expected,
                found: format.name(),
            });
        }
    };
    let size = bytes.len() as u64;
    if size > max {
        return Err(LimitError::TooLarge { kind, size, max });
    }
    if kind == MediaKind::Voice {
        let millis = match format {
            Format::Amr => amr_millis(bytes),
            _ => mp3_millis(bytes),
        };
        let Some(millis) = millis else {
            return Err(LimitError::Format {
                kind,
                expected,
                found: "a file without audio frames",
            });
        };
        if millis > config.voice_max_secs * 1000 {
            return Err(LimitError::TooLong {
                millis,
                max_secs: config.voice_max_secs,
            });
        }
    }
    Ok(accepted)
}

fn sniff(bytes: &[u8]) -> Format {
    match bytes {
        [0xff, 0xd8, 0xff, ..] => Format::Jpeg,
        [b'#', b'!', b'A', b'M', b'R', b'\n', ..] => Format::Amr,
        [b'I', b'D', b'3', ..] => Format::Mp3,
        [0xff, second, ..] if second & 0xe0 == 0xe0 => Format::Mp3,
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Format::Mp4,
        [0x89, b'P', b'N', b'G', ..] => Format::Other("PNG"),
        [b'G', b'I', b'F', b'8', ..] => Format::Other("GIF"),
        [] => Format::Other("empty"),
        _ => Format::Other("of an unknown format"),
    }
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPG",
            Self::Amr => "AMR",
            Self::Mp3 => "MP3",
            Self::Mp4 => "MP4",
            Self::Other(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::duration::tests::{amr, mp3, mp3_32kbps};
    use super::*;

    fn jpeg(len: usize) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0];
        bytes.resize(len, 0);
        bytes
    }

    fn mp4(len: usize) -> Vec<u8> {
        let mut bytes = b"\x00\x00\x00\x18ftypmp42".to_vec();
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn accepts_each_kind_in_its_format_up_to_the_limit() {
        let config = MediaConfig::default();
        let ok = |kind, bytes: &[u8]| check(&config, kind, bytes).map(|a| a.content_type);
        assert_eq!(ok(MediaKind::Image, &jpeg(128 * 1024)), Ok("image/jpeg"));
        assert_eq!(ok(MediaKind::Thumb, &jpeg(64 * 1024)), Ok("image/jpeg"));
        assert_eq!(ok(MediaKind::Voice, &amr(3000)), Ok("audio/amr"));
        assert_eq!(ok(MediaKind::Voice, &mp3(100)), Ok("audio/mpeg"));
        assert_eq!(ok(MediaKind::Video, &mp4(1024 * 1024)), Ok("video/mp4"));
        assert_eq!(ok(MediaKind::Voice, &voice(256 * 1024)), Ok("audio/mpeg"));
    }

    /// An MP3 of exactly `len` bytes and well under a minute (128 kbit/s: 256 KB is 16 s).
    fn voice(len: usize) -> Vec<u8> {
        let mut bytes = mp3(len / 417 + 1);
        bytes.truncate(len);
        bytes
    }

    #[test]
    fn refuses_one_byte_over_each_size_limit() {
        let config = MediaConfig::default();
        for (kind, bytes, max) in [
            (MediaKind::Image, jpeg(128 * 1024 + 1), 128 * 1024),
            (MediaKind::Thumb, jpeg(64 * 1024 + 1), 64 * 1024),
            (MediaKind::Voice, voice(256 * 1024 + 1), 256 * 1024),
            (MediaKind::Video, mp4(1024 * 1024 + 1), 1024 * 1024),
        ] {
            let err = check(&config, kind, &bytes).unwrap_err();
            let size = max + 1;
            assert_eq!(err, LimitError::TooLarge { kind, size, max }, "{kind}");
            assert!(
                err.to_string().contains(&format!("media.{kind}_max_bytes")),
                "{err}"
            );
        }
    }

    #[test]
    fn refuses_by_content_not_name() {
        let config = MediaConfig::default();
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        let err = check(&config, MediaKind::Image, &png).unwrap_err();
        assert_eq!(err.to_string(), "image must be JPG, but the file is PNG");
        assert!(check(&config, MediaKind::Video, &jpeg(100)).is_err());
        assert!(check(&config, MediaKind::Voice, &mp4(100)).is_err());
        assert!(check(&config, MediaKind::Image, &[]).is_err());
    }

    #[test]
    fn refuses_voice_over_the_duration_limit() {
        let config = MediaConfig::default();
        // 3001 frames × 20 ms = 60.02 s, under 256 KB at 32 bytes a frame.
        let err = check(&config, MediaKind::Voice, &amr(3001)).unwrap_err();
        assert_eq!(
            err,
            LimitError::TooLong {
                millis: 60_020,
                max_secs: 60
            }
        );
        let err = check(&config, MediaKind::Voice, b"#!AMR\n").unwrap_err();
        assert!(matches!(err, LimitError::Format { .. }), "{err}");
    }

    #[test]
    fn refuses_mp3_voice_over_the_duration_limit() {
        let config = MediaConfig::default();
        // 2297 frames of 26.122 ms = 60.002 s in 239 KB: under the size limit, over a minute.
        let long = mp3_32kbps(2297);
        assert!(long.len() as u64 <= config.voice_max_bytes);
        assert_eq!(
            check(&config, MediaKind::Voice, &long),
            Err(LimitError::TooLong {
                millis: 60_002,
                max_secs: 60
            })
        );
        let fits = check(&config, MediaKind::Voice, &mp3_32kbps(2296));
        assert_eq!(fits.map(|a| a.content_type), Ok("audio/mpeg"), "59.976 s");
        // The limit is the configured one: 10 s refuses 383 frames (10.004 s), not 382.
        let config = MediaConfig {
            voice_max_secs: 10,
            ..MediaConfig::default()
        };
        let err = check(&config, MediaKind::Voice, &mp3_32kbps(383)).unwrap_err();
        assert_eq!(
            err,
            LimitError::TooLong {
                millis: 10_004,
                max_secs: 10
            }
        );
        assert!(err.to_string().contains("media.voice_max_secs"), "{err}");
        assert!(check(&config, MediaKind::Voice, &mp3_32kbps(382)).is_ok());
    }
}
