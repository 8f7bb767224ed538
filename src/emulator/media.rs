//! Temporary media: `/cgi-bin/media/upload`, `/cgi-bin/media/get` and the `video_url`
//! downloads it hands out for videos (WeChat's temporary-media API).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use serde_json::{Map, Value, json};

use super::errcode::{Refusal, Served};
use super::multipart;
use super::record::Upload;
use super::request::ApiRequest;
use super::state::State;
use crate::ids::MediaKind;

/// Where a video's bytes are served: `{base_url}/emulator/video/{media_id}`.
pub(super) const VIDEO_PREFIX: &str = "/emulator/video/";

/// The Content-Type of a part sent without one.
const OCTET_STREAM: &str = "application/octet-stream";

/// `POST /cgi-bin/media/upload?type=…`, one file part named `media`.
pub(super) fn upload(state: &State, request: &ApiRequest<'_>) -> Served {
    let Some(kind) = request.param("type").and_then(MediaKind::from_name) else {
        return Err(Refusal::new(40004, "invalid media type"));
    };
    let parts = request
        .content_type
        .and_then(|content_type| multipart::parse(content_type, request.body))
        .unwrap_or_default();
    // WeChat reads the file of the `media` field; a plain field of that name is no file.
    let media = parts
        .into_iter()
        .find(|part| part.name == "media" && part.filename.is_some());
    let Some(media) = media.filter(|media| !media.data.is_empty()) else {
        return Err(Refusal::new(41005, "media data missing"));
    };
    let filename = media.filename.as_deref().unwrap_or_default();
    let content_type = media.content_type.as_deref().unwrap_or(OCTET_STREAM);
    let upload = state.store_media(kind, filename, content_type, media.data.to_vec(), true);
    // As WeChat does: a thumb's id comes back under `thumb_media_id`.
    let id_key = if kind == MediaKind::Thumb {
        "thumb_media_id"
    } else {
        "media_id"
    };
    let mut answer = Map::new();
    answer.insert("type".to_owned(), json!(kind.as_str()));
    answer.insert(id_key.to_owned(), json!(upload.media_id));
    answer.insert("created_at".to_owned(), json!(upload.created_at));
    Ok(HttpResponse::Ok().json(Value::Object(answer)))
}

/// `GET /cgi-bin/media/get?media_id=…`: the bytes, a `video_url` for a video, or 40007.
pub(super) fn get(state: &State, request: &ApiRequest<'_>) -> Served {
    let Some(media_id) = request.param("media_id").filter(|id| !id.is_empty()) else {
        return Err(Refusal::new(41006, "media_id missing"));
    };
    let Some(media) = state.media(media_id) else {
        // Under HTTP 200, as WeChat does (its errors come as JSON under HTTP 200).
        return Err(Refusal::new(40007, "invalid media_id"));
    };
    if media.kind == MediaKind::Video {
        let video_url = format!("{}{VIDEO_PREFIX}{media_id}", state.base_url);
        return Ok(HttpResponse::Ok().json(json!({ "video_url": video_url })));
    }
    Ok(file(&media))
}

/// `GET /emulator/video/{media_id}`: a video's bytes.
pub(super) fn video(state: &State, request: &ApiRequest<'_>) -> Served {
    let media_id = request.path.strip_prefix(VIDEO_PREFIX).unwrap_or_default();
    Ok(match state.media(media_id) {
        Some(media) if media.kind == MediaKind::Video => file(&media),
        _ => HttpResponse::build(StatusCode::NOT_FOUND).body("emulator: no such video"),
    })
}

/// The stored bytes with their Content-Type and filename.
fn file(media: &Upload) -> HttpResponse {
    // Both headers came from a client or a test; one that is no valid header value falls back
    // (or is left out) rather than failing the download.
    let content_type = HeaderValue::from_str(&media.content_type)
        .unwrap_or(HeaderValue::from_static(OCTET_STREAM));
    let mut response = HttpResponse::Ok();
    response.insert_header((CONTENT_TYPE, content_type));
    if let Some(disposition) = disposition(&media.filename) {
        response.insert_header((CONTENT_DISPOSITION, disposition));
    }
    response.body(media.bytes.clone())
}

/// `attachment; filename="…"`, as WeChat names downloads.
fn disposition(filename: &str) -> Option<HeaderValue> {
    let mut value = String::from("attachment; filename=\"");
    for c in filename.chars().filter(|c| !c.is_control()) {
        if matches!(c, '"' | '\\') {
            value.push('\\');
        }
        value.push(c);
    }
    value.push('"');
    // `from_bytes` admits UTF-8 (obs-text), which `from_str` would refuse.
    HeaderValue::from_bytes(value.as_bytes()).ok()
}
