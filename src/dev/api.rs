//! The page's API: send a message (`POST /api/send`), read the playground's settings
//! (`GET /api/info`) and switch the kind of account the emulator plays (`POST
//! /api/account`); files are `media.rs`'s, the menu, QR codes and template job reports
//! `api/platform.rs`'s.
//!
//! Bad input is an answer, never a crash: an [`ApiError`] the page shows as it is.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::{Value, json};

use super::callback_xml::{Head, MediaInfo};
use super::error::ApiError;
use super::inbound::Message;
use super::shared::{ACCOUNT, Shared};
use super::view::{self, View};
use crate::clock::unix_now;
use crate::config::Mode;
use crate::emulator::{AccountKind, Delivery, Pushed};
use crate::endpoint::read_body;

pub(super) mod platform;

/// A message is small; this is room for the longest text WeChat's client lets a user type.
const SEND_LIMIT: usize = 64 * 1024;

/// What a plain message to a safe-mode account comes to.
const SAFE_REFUSES_PLAIN: &str = "refused with HTTP 403: the account is in safe mode \
    (account.mode = \"safe\"), and a plain message has no msg_signature. WeChat never sends \
    one to such an account: pick safe or compatible.";

/// The openid of the page's user unless the page names another.
const DEFAULT_USER: &str = "o_playground_user";

/// `POST /api/send`'s body.
#[derive(Debug, Deserialize)]
struct SendRequest {
    /// `plain` (the default), `compatible` or `safe`.
    #[serde(default)]
    mode: Option<String>,
    /// The sender's openid.
    #[serde(default)]
    user: Option<String>,
    message: Message,
}

/// `POST /api/send`: delivers one message as WeChat would and answers with the exchange.
pub(super) async fn send(
    shared: Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, SEND_LIMIT).await?;
    let request: SendRequest = serde_json::from_slice(&body)
        .map_err(|err| {
            ApiError::bad(format!(
                "not a message the playground knows ({err}); send JSON such as \
                 {{\"message\":{{\"type\":\"text\",\"content\":\"ping\"}}}}, see docs/playground-api.md"
            ))
        })?;
    let mode = check_mode(request.mode.as_deref())?;
    let user = check_user(request.user.as_deref())?;
    let mut message = request.message;
    message.check().map_err(ApiError::bad)?;
    platform::prepare(&shared.emulator, user, &mut message);
    let msg_id = (!message.is_event()).then(|| shared.next_msg_id());
    let head = Head {
        to: ACCOUNT,
        from: user,
        create_time: unix_now(),
        msg_id: msg_id.unwrap_or_default(),
    };
    let media = media_info(&shared, &message, &origin(&req))?;
    let xml = message.xml(&head, &media);
    let pushed = shared.pusher.push_as(mode, user, &xml).await;
    Ok(HttpResponse::Ok().json(exchange(&shared, mode, msg_id, &xml, &pushed)))
}

/// Checks that the media the message names exists, and describes it as WeChat would;
/// `origin` is how the page reaches the playground (`http://host:port`).
fn media_info(shared: &Shared, message: &Message, origin: &str) -> Result<MediaInfo, ApiError> {
    let mut info = MediaInfo {
        pic_url: String::new(),
        voice_format: "amr",
    };
    for media_id in message.media_ids() {
        let Some(media) = shared.emulator.media(media_id) else {
            return Err(ApiError::bad(format!(
                "media_id {media_id:?} is unknown: upload the file first"
            )));
        };
        if media.content_type == "audio/mpeg" {
            info.voice_format = "mp3";
        }
    }
    if let Message::Image { media_id } = message {
        info.pic_url = format!("{origin}{}", view::media_url(media_id));
    }
    Ok(info)
}

/// The page's view of one pushed message: the request (its XML, and the body as POSTed),
/// every delivery, the reply (opened when it was encrypted).
fn exchange(shared: &Shared, mode: Mode, msg_id: Option<u64>, xml: &str, pushed: &Pushed) -> Value {
    let status = pushed.answered().and_then(|delivery| delivery.status);
    let reply = if mode == Mode::Plain && shared.mode == Mode::Safe && status == Some(403) {
        View::Failed {
            message: SAFE_REFUSES_PLAIN.to_owned(),
        }
    } else {
        view::reply(pushed, &shared.emulator)
    };
    let cutoff = shared.pusher.cutoff_duration();
    let deliveries: Vec<_> = pushed
        .deliveries
        .iter()
        .map(|delivery| {
            json!({
                "number": delivery.number,
                "status": delivery.status,
                "latency_ms": millis(delivery.latency),
                "body": delivery.body,
                "error": delivery.error,
                "timed_out": delivery.timed_out,
                "outcome": outcome(delivery, cutoff, &reply),
            })
        })
        .collect();
    let reply_xml = pushed
        .opened
        .as_ref()
        .and_then(|opened| opened.as_ref().ok());
    json!({
        "msg_id": msg_id.map(|id| id.to_string()),
        "mode": mode,
        "request": {
            "url": format!("{}?{}", shared.callback_path, pushed.query),
            "xml": xml,
            "body": pushed.body,
        },
        // "attempts" on the wire since the page's first release (docs/playground-api.md);
        // each is one delivery.
        "attempts": deliveries,
        "reply_xml": reply_xml,
        "reply": reply,
    })
}

/// One delivery in words: WeChat gave up on it at the cut-off, or what it was answered (only
/// the last delivery is; `reply` is that answer as the page draws it).
fn outcome(delivery: &Delivery, cutoff: Duration, reply: &View) -> String {
    match delivery.status {
        None if delivery.timed_out => format!("gave up after {}", span(cutoff)),
        None => delivery.error.clone().unwrap_or_default(),
        Some(200) => format!("HTTP 200: {}", reply.summary()),
        Some(status) => format!("HTTP {status}"),
    }
}

/// `5 s`, or `300 ms` for a span that is no whole number of seconds.
fn span(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", millis(duration))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `POST /api/account`'s body.
#[derive(Debug, Deserialize)]
struct AccountRequest {
    /// `verified_service` or `unverified_subscription`.
    kind: String,
}

/// `POST /api/account`: makes the emulator play another kind of account (an unverified
/// subscription account is refused the customer-service API with 48001) and answers the kind
/// now played.
pub(super) async fn account(
    shared: Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, SEND_LIMIT).await?;
    let names = || AccountKind::ALL.map(AccountKind::as_str).join(" or ");
    let request: AccountRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad(format!(
            "not an account kind ({err}); send JSON such as {{\"kind\":\"{}\"}}",
            AccountKind::UnverifiedSubscription.as_str()
        ))
    })?;
    let kind = AccountKind::from_name(&request.kind).ok_or_else(|| {
        ApiError::bad(format!(
            "unknown account kind {:?}: {}",
            request.kind,
            names()
        ))
    })?;
    shared.emulator.set_account_kind(kind);
    tracing::info!(
        kind = kind.as_str(),
        "playground: the emulator plays another account"
    );
    Ok(HttpResponse::Ok().json(account_json(&shared)))
}

/// The kind of account the emulator plays, and whether it may use customer service.
fn account_json(shared: &Shared) -> Value {
    let kind = shared.emulator.account_kind();
    json!({ "account_kind": kind.as_str(), "customer_service": kind.has_customer_service() })
}

/// `GET /api/info`: what the page shows about the set-up.
pub(super) async fn info(shared: Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "account": ACCOUNT,
        "title": shared.title,
        "suggestions": shared.suggestions,
        "appid": shared.appid,
        "callback": shared.callback_path,
        "api": shared.emulator.base_url(),
        "user": DEFAULT_USER,
        "modes": [Mode::Plain, Mode::Compatible, Mode::Safe],
        "account_mode": shared.mode,
        "key_made_up": shared.key_made_up,
        "cutoff_ms": millis(shared.pusher.cutoff_duration()),
        "deliveries": shared.pusher.max_deliveries(),
        "account_kind": shared.emulator.account_kind().as_str(),
        "account_kinds": AccountKind::ALL.map(AccountKind::as_str),
        "late_reply": shared.late_reply,
        "reply_deadline_ms": shared.reply_deadline_ms,
    }))
}

/// Anything else.
pub(super) async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such page: {} {}", req.method(), req.path()),
    )
    .error_response()
}

/// The mode the page picked: plain unless it says otherwise.
fn check_mode(mode: Option<&str>) -> Result<Mode, ApiError> {
    match mode.unwrap_or("plain") {
        "plain" => Ok(Mode::Plain),
        "compatible" => Ok(Mode::Compatible),
        "safe" => Ok(Mode::Safe),
        other => Err(ApiError::bad(format!(
            "unknown mode {other:?}: plain, compatible or safe"
        ))),
    }
}

/// An openid as WeChat makes them: letters, digits, `-` and `_`.
fn check_user(user: Option<&str>) -> Result<&str, ApiError> {
    let user = user.map_or(DEFAULT_USER, str::trim);
    let valid = (1..=64).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if valid {
        Ok(user)
    } else {
        Err(ApiError::bad(
            "the sender's openid must be 1 to 64 letters, digits, - or _",
        ))
    }
}

/// `http://host:port` as the page reached us, for the `PicUrl` of image messages.
fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
