//! The page's API for the platform around the chat: the menu it draws (`GET /api/menu`), the
//! QR codes the bot made (`GET /api/qrcodes`), a template message's job report
//! (`POST /api/template/finish`), and what a follow or a scan changes before it is delivered.

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{SEND_LIMIT, check_mode, exchange};
use crate::clock::unix_now;
use crate::dev::error::ApiError;
use crate::dev::inbound::Message;
use crate::dev::shared::{ACCOUNT, Shared};
use crate::emulator::Emulator;
use crate::endpoint::read_body;

/// The `Status`es WeChat reports for a template message.
const STATUSES: [&str; 3] = ["success", "failed:user block", "failed: system failed"];

/// `GET /api/menu`: the menu WeChat's client would show: the one the emulator holds (after
/// `wxbot menu push` against it), else the config's `[menu]`; `null` for none.
pub(in crate::dev) async fn menu(shared: Data<Shared>) -> HttpResponse {
    let (source, menu) = match (shared.emulator.menu(), &shared.menu) {
        (Some(pushed), _) => (Some("emulator"), Some(pushed)),
        (None, Some(config)) => (Some("config"), Some(config.clone())),
        (None, None) => (None, None),
    };
    HttpResponse::Ok().json(json!({ "source": source, "menu": menu }))
}

/// `GET /api/qrcodes`: the codes the bot made through `/cgi-bin/qrcode/create`, newest first,
/// with their image on the emulator.
pub(in crate::dev) async fn qr_codes(shared: Data<Shared>) -> HttpResponse {
    let now = unix_now();
    let base = shared.emulator.base_url();
    let codes: Vec<Value> = shared
        .emulator
        .qr_codes()
        .iter()
        .rev()
        .map(|code| {
            let ticket: String = form_urlencoded::byte_serialize(code.ticket.as_bytes()).collect();
            json!({
                "ticket": code.ticket,
                "scene": code.scene,
                "action_name": code.action_name,
                "expire_seconds": code.expire_seconds,
                "live": code.is_live(now),
                "url": code.url,
                "image": format!("{base}/cgi-bin/showqrcode?ticket={ticket}"),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "qr_codes": codes }))
}

/// `POST /api/template/finish`'s body.
#[derive(Debug, Deserialize)]
struct FinishRequest {
    msgid: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    mode: Option<String>,
}

/// `POST /api/template/finish`: WeChat's `TEMPLATESENDJOBFINISH` for a template message the
/// bot sent, delivered to the bot; answers the exchange, as `/api/send` does.
pub(in crate::dev) async fn finish_template(
    shared: Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, SEND_LIMIT).await?;
    let request: FinishRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad(format!(
            "not a job report ({err}); send JSON such as {{\"msgid\": 200163836}}"
        ))
    })?;
    let mode = check_mode(request.mode.as_deref())?;
    let status = request.status.as_deref().unwrap_or(STATUSES[0]);
    if !STATUSES.contains(&status) {
        return Err(ApiError::bad(format!(
            "unknown status {status:?}: {}",
            STATUSES.join(", ")
        )));
    }
    let Some(callback) = shared
        .emulator
        .template_job_finished(request.msgid, ACCOUNT, status)
    else {
        return Err(ApiError::bad(format!(
            "the bot sent no template message with msgid {}",
            request.msgid
        )));
    };
    let pushed = shared
        .pusher
        .push_as(mode, &callback.openid, &callback.xml)
        .await;
    let answer = exchange(&shared, mode, None, &callback.xml, &pushed);
    Ok(HttpResponse::Ok().json(answer))
}

/// What WeChat does before it tells the bot of a follow or a scan: user info follows the
/// follow (through its QR scene) or the unfollow, and a follow or scan through a scene the
/// bot made a code for carries that code's ticket.
pub(in crate::dev) fn prepare(emulator: &Emulator, openid: &str, message: &mut Message) {
    match message {
        Message::Subscribe { scene, ticket } => {
            let code = scene
                .as_deref()
                .and_then(|scene| live_code(emulator, scene));
            let mut user = emulator.user(openid);
            user.subscribe = true;
            // Stored as 0, it is filled in with the time of the follow.
            user.subscribe_time = 0;
            (user.qr_scene, user.qr_scene_str) = (0, String::new());
            user.subscribe_scene = match scene.as_deref() {
                Some(scene) => {
                    let numeric = code.as_ref().map_or_else(
                        || scene.bytes().all(|b| b.is_ascii_digit()),
                        |(_, action)| !action.contains("STR"),
                    );
                    match scene.parse() {
                        Ok(id) if numeric => user.qr_scene = id,
                        _ => user.qr_scene_str = scene.to_owned(),
                    }
                    "ADD_SCENE_QR_CODE".to_owned()
                }
                None => "ADD_SCENE_SEARCH".to_owned(),
            };
            emulator.set_user(openid, user);
            if ticket.is_none() {
                *ticket = code.map(|(ticket, _)| ticket);
            }
        }
        Message::Unsubscribe => emulator.set_following(openid, false),
        Message::Scan { key, ticket } if ticket.is_none() => {
            *ticket = live_code(emulator, key).map(|(ticket, _)| ticket);
        }
        _ => {}
    }
}

/// The ticket and action of the newest live code with `scene`.
fn live_code(emulator: &Emulator, scene: &str) -> Option<(String, String)> {
    let now = unix_now();
    let codes = emulator.qr_codes();
    let code = codes
        .into_iter()
        .rev()
        .find(|code| code.scene == scene && code.is_live(now))?;
    Some((code.ticket, code.action_name))
}
