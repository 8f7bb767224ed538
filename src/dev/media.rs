//! Files from the page and media for the page: `POST /api/media` stores an upload in the
//! emulator as media a user sent, and `GET /media/{id}` serves whatever the emulator stores.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::shared::Shared;
use super::view::{self, View};
use crate::endpoint::read_body;
use crate::ids::MediaKind;
use crate::media::LimitError;
use crate::media::limits;

/// No upload is read past this, whatever `[media]` allows.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// `POST /api/media`'s query.
#[derive(Deserialize)]
struct UploadQuery {
    kind: String,
    #[serde(default)]
    name: Option<String>,
}

/// `POST /api/media?kind=image|voice|video&name=FILE`, the file as the body: stores it in the
/// emulator as media a user sent, after the `[media]` limits (format by content, size,
/// voice length), and answers its `media_id`.
pub(super) async fn upload(
    shared: Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let query = web::Query::<UploadQuery>::from_query(req.query_string())
        .map_err(|_| ApiError::bad("say which kind of file: ?kind=image, voice or video"))?;
    let kind = sent_kind(&query.kind)?;
    // Read whole even when over the kind's limit: a browser whose upload is cut short sees a
    // network error, not the answer saying which limit the file broke.
    let bytes = read_body(&req, payload, UPLOAD_LIMIT).await?;
    let accepted = limits::check(&shared.media, kind, &bytes).map_err(|err| {
        let status = match err {
            LimitError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        };
        ApiError::new(status, err.to_string())
    })?;
    let name = query
        .name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .map_or_else(|| format!("upload.{}", accepted.extension), str::to_owned);
    let media_id = shared
        .emulator
        .put_media(kind, &name, accepted.content_type, bytes.into());
    let view = uploaded_view(kind, &media_id, accepted.content_type);
    let thumb = (kind == MediaKind::Video).then(|| shared.video_thumb.clone());
    Ok(HttpResponse::Ok().json(json!({
        "media_id": media_id,
        "thumb_media_id": thumb,
        "view": view,
    })))
}

/// The kind of a file a user sends: image, voice or video.
fn sent_kind(kind: &str) -> Result<MediaKind, ApiError> {
    match kind {
        "image" => Ok(MediaKind::Image),
        "voice" => Ok(MediaKind::Voice),
        "video" => Ok(MediaKind::Video),
        other => Err(ApiError::bad(format!(
            "a user sends image, voice or video files, not {other:?}"
        ))),
    }
}

/// How the page draws the file it just uploaded.
fn uploaded_view(kind: MediaKind, media_id: &str, content_type: &str) -> View {
    let media_id = media_id.to_owned();
    let url = view::media_url(&media_id);
    match kind {
        MediaKind::Image => View::Image { media_id, url },
        MediaKind::Voice => View::Voice {
            media_id,
            url,
            format: content_type.to_owned(),
        },
        _ => View::Video {
            media_id,
            url,
            title: None,
            description: None,
        },
    }
}

/// `GET /media/{id}`: media the emulator stores, uploaded by the bot or by the page.
pub(super) async fn file(
    shared: Data<Shared>,
    media_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(media) = shared.emulator.media(&media_id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no media {:?}", media_id.as_str()),
        ));
    };
    let content_type = HeaderValue::from_str(&media.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        // Ids are never reused, so their bytes never change.
        .insert_header((CACHE_CONTROL, "max-age=86400, immutable"))
        .body(media.bytes))
}
