//! QR codes with scenes: `POST /cgi-bin/qrcode/create` and the image,
//! `GET /cgi-bin/showqrcode?ticket=…` (served here too, though WeChat serves it from
//! `mp.weixin.qq.com`, and without a token, as WeChat).
//!
//! WeChat's rules: a temporary code (`QR_SCENE`, `QR_STR_SCENE`) lives `expire_seconds`, 60
//! by default and 30 days at most, with a scene id of 32 bits (not 0); a permanent one
//! (`QR_LIMIT_SCENE`, `QR_LIMIT_STR_SCENE`) has a scene id from 1 to 100000; a scene string
//! is 1 to 64 bytes. Breaking one is 40097, "invalid args".

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::user::verified;
use crate::clock::unix_now;
use crate::emulator::errcode::{Refusal, Served, json_object};
use crate::emulator::record::QrCode;
use crate::emulator::request::ApiRequest;
use crate::emulator::state::State;

/// Every code's image: one QR-looking PNG (WeChat's are JPEGs of the real code).
const IMAGE: &[u8] = include_bytes!("qrcode.png");

/// A temporary code's life when the request names none.
const DEFAULT_EXPIRE: u64 = 60;
/// The longest life of a temporary code: 30 days.
const MAX_EXPIRE: u64 = 2_592_000;
/// The highest scene id of a permanent code.
const MAX_LIMIT_SCENE: u64 = 100_000;
/// The longest scene string, in bytes.
const MAX_SCENE_STR: usize = 64;

/// `POST /cgi-bin/qrcode/create`: `{expire_seconds?, action_name, action_info: {scene:
/// {scene_id | scene_str}}}` → `{ticket, expire_seconds (temporary codes), url}`.
pub(in crate::emulator) fn create(state: &State, request: &ApiRequest<'_>) -> Served {
    verified(state.account_kind())?;
    let body = json_object(request.body)?;
    let action_name = body.get("action_name").and_then(Value::as_str);
    let (permanent, by_string) = match action_name {
        Some("QR_SCENE") => (false, false),
        Some("QR_STR_SCENE") => (false, true),
        Some("QR_LIMIT_SCENE") => (true, false),
        Some("QR_LIMIT_STR_SCENE") => (true, true),
        _ => {
            return Err(invalid(
                "action_name must be QR_SCENE, QR_STR_SCENE, QR_LIMIT_SCENE or QR_LIMIT_STR_SCENE",
            ));
        }
    };
    let scene = body
        .get("action_info")
        .and_then(|info| info.get("scene"))
        .and_then(Value::as_object);
    let scene = match (scene, by_string) {
        (Some(scene), true) => scene_str(scene)?,
        (Some(scene), false) => scene_id(scene, permanent)?,
        (None, _) => return Err(invalid("action_info.scene is missing")),
    };
    let expire_seconds = if permanent {
        None
    } else {
        Some(expire_seconds(&body)?)
    };
    let created_at = unix_now();
    let code = state.add_qr_code(|number| {
        let url = format!("http://weixin.qq.com/q/02emu{number:04}{:012x}", random());
        // Real tickets are base64 around the URL, `=` padding and all: a client must encode
        // them in the image's query.
        let ticket = format!(
            "gQ{}",
            STANDARD.encode(format!("\0\0\0\x01,{url}\x02\x04{created_at}"))
        );
        QrCode {
            ticket,
            url,
            action_name: action_name.unwrap_or_default().to_owned(),
            scene,
            expire_seconds,
            created_at,
        }
    });
    let mut answer = json!({ "ticket": code.ticket, "url": code.url });
    if let Some(secs) = code.expire_seconds {
        answer["expire_seconds"] = json!(secs);
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /cgi-bin/showqrcode?ticket=…`: the image of a live code, else 404.
pub(in crate::emulator) fn show(state: &State, request: &ApiRequest<'_>) -> Served {
    let code = request
        .param("ticket")
        .and_then(|ticket| state.qr_code(ticket));
    match code {
        Some(code) if code.is_live(unix_now()) => {
            Ok(HttpResponse::Ok().content_type("image/png").body(IMAGE))
        }
        _ => Ok(HttpResponse::build(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("emulator: no live QR code has this ticket")),
    }
}

fn scene_id(scene: &Map<String, Value>, permanent: bool) -> Result<String, Refusal> {
    let max = if permanent {
        MAX_LIMIT_SCENE
    } else {
        u64::from(u32::MAX)
    };
    match scene.get("scene_id").and_then(Value::as_u64) {
        Some(id) if (1..=max).contains(&id) => Ok(id.to_string()),
        _ => Err(invalid(&format!(
            "scene_id must be a number from 1 to {max}"
        ))),
    }
}

fn scene_str(scene: &Map<String, Value>) -> Result<String, Refusal> {
    match scene.get("scene_str").and_then(Value::as_str) {
        Some(text) if (1..=MAX_SCENE_STR).contains(&text.len()) => Ok(text.to_owned()),
        _ => Err(invalid("scene_str must be 1 to 64 bytes")),
    }
}

fn expire_seconds(body: &Map<String, Value>) -> Result<u64, Refusal> {
    match body.get("expire_seconds") {
        None | Some(Value::Null) => Ok(DEFAULT_EXPIRE),
        Some(secs) => match secs.as_u64() {
            Some(secs) if (1..=MAX_EXPIRE).contains(&secs) => Ok(secs),
            _ => Err(invalid(
                "expire_seconds must be from 1 to 2592000 (30 days)",
            )),
        },
    }
}

fn invalid(why: &str) -> Refusal {
    Refusal::new(40097, format!("invalid args: {why}"))
}

/// Random bits for a code's URL, so codes of two emulators never look alike.
fn random() -> u64 {
    getrandom::u64().unwrap_or_default() & 0xffff_ffff_ffff
}
