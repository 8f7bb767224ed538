//! Temporary media: upload (`/cgi-bin/media/upload`) and download (`/cgi-bin/media/get`).

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::{Client, ClientError, decode};
use crate::ids::{MediaId, MediaKind};

/// A successful upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Uploaded {
    /// The new media id (`thumb_media_id` for thumbs).
    #[serde(alias = "thumb_media_id")]
    pub media_id: MediaId,
    /// When WeChat stored it, Unix seconds; the id lives 3 days from then.
    pub created_at: u64,
}

/// What `media/get` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Downloaded {
    /// The file itself.
    File {
        /// Its bytes.
        bytes: Bytes,
        /// Its `Content-Type`.
        content_type: String,
        /// Its name, from `Content-Disposition`, when given.
        filename: Option<String>,
    },
    /// A video: WeChat answers with a URL to fetch it from.
    VideoUrl(String),
}

#[derive(Deserialize)]
struct VideoAnswer {
    video_url: String,
}

impl Client {
    /// Uploads `bytes` as temporary media of `kind` (multipart part `media`, with the file
    /// name and content type), returning its media id.
    pub async fn upload(
        &self,
        kind: MediaKind,
        filename: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<Uploaded, ClientError> {
        let path = "/cgi-bin/media/upload";
        let mime = HeaderValue::from_str(content_type).map_err(|_| ClientError::Decode {
            path: path.to_owned(),
            reason: format!("invalid content type {content_type:?}"),
            body: String::new(),
        })?;
        let len = bytes.len() as u64;
        let form = || {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, mime.clone());
            let part = Part::stream_with_length(bytes.clone(), len)
                .file_name(filename.to_owned())
                .headers(headers);
            Form::new().part("media", part)
        };
        let (_, body) = self
            .authed(path, |token| {
                self.http()
                    .post(self.url(path))
                    .query(&[("access_token", token), ("type", kind.as_str())])
                    .multipart(form())
            })
            .await?;
        decode(path, &body)
    }

    /// Downloads temporary media: a file's bytes, or a video's URL.
    ///
    /// ```no_run
    /// # async fn demo(ctx: wxbot::Ctx, image: wxbot::prelude::Image) -> Result<(), wxbot::ClientError> {
    /// use wxbot::Downloaded;
    ///
    /// if let Downloaded::File { bytes, .. } = ctx.api().download(&image.media_id).await? {
    ///     std::fs::write("received.jpg", &bytes).ok();
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn download(&self, media_id: &MediaId) -> Result<Downloaded, ClientError> {
        let path = "/cgi-bin/media/get";
        let (content_type, body) = self
            .authed(path, |token| {
                let query = [("access_token", token), ("media_id", media_id.as_str())];
                self.http().get(self.url(path)).query(&query)
            })
            .await?;
        let textual = content_type.contains("json") || content_type.starts_with("text/");
        if textual && body.trim_ascii_start().first() == Some(&b'{') {
            let video: VideoAnswer = decode(path, &body)?;
            return Ok(Downloaded::VideoUrl(video.video_url));
        }
        Ok(Downloaded::File {
            bytes: body,
            content_type,
            filename: None,
        })
    }
}
