//! The emulator's one actix handler: record the request, play its scripted fault, route it,
//! check its `access_token`, and answer the token endpoints. Media and customer-service
//! answers live in `media.rs` and `custom.rs`; the platform's (the menu, QR codes, template
//! and subscription messages, user info) in `api/*.rs`.
//!
//! Routing is a plain `match` over one default service rather than actix routes, so every
//! request, known or not, goes through the same recording and fault path, and an unknown one
//! gets the emulator's own 404 rather than actix's empty one.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::custom;
use super::errcode::{Refusal, Served, json_object};
use super::media;
use super::request::ApiRequest;
use super::script;
use super::state::{State, TokenCheck};

// The platform's API families, below this file: each uses the files listed before `api.rs`.
mod menu;
mod notify;
mod qrcode;
mod user;

/// Every request lands here.
pub(super) async fn entry(req: HttpRequest, body: Bytes, state: Data<State>) -> HttpResponse {
    let request = ApiRequest::new(&req, &body);
    // Method and path only: the query of a token fetch carries the secret.
    tracing::debug!(method = %request.method, path = request.path, "emulator: request");
    state.record(request.call());
    if let Some(fault) = state.take_fault(request.path)
        && let Some(answer) = script::play(fault).await
    {
        return answer;
    }
    route(&state, &request).unwrap_or_else(|refusal| refusal.response())
}

fn route(state: &State, request: &ApiRequest<'_>) -> Served {
    let get = request.method == Method::GET;
    let post = request.method == Method::POST;
    match request.path {
        "/cgi-bin/token" if get => token(state, request),
        "/cgi-bin/stable_token" if post => stable_token(state, request),
        "/cgi-bin/media/upload" if post => authorized(state, request, media::upload),
        "/cgi-bin/media/get" if get => authorized(state, request, media::get),
        "/cgi-bin/message/custom/send" if post => authorized(state, request, custom::send),
        "/cgi-bin/message/custom/typing" if post => authorized(state, request, custom::typing),
        "/cgi-bin/menu/create" if post => authorized(state, request, menu::create),
        "/cgi-bin/menu/get" if get => authorized(state, request, menu::get),
        "/cgi-bin/menu/delete" if get => authorized(state, request, menu::delete),
        "/cgi-bin/qrcode/create" if post => authorized(state, request, qrcode::create),
        // The image: no token, as `mp.weixin.qq.com` serves it.
        "/cgi-bin/showqrcode" if get => qrcode::show(state, request),
        "/cgi-bin/message/template/send" if post => authorized(state, request, notify::template),
        "/cgi-bin/message/subscribe/bizsend" if post => {
            authorized(state, request, notify::subscribe)
        }
        "/cgi-bin/user/info" if get => authorized(state, request, user::info),
        // The `video_url` of a video's `media/get`: a download URL, no token, as WeChat's CDN.
        path if get && path.starts_with(media::VIDEO_PREFIX) => media::video(state, request),
        _ => Ok(unknown(state, request)),
    }
}

/// Runs `api` when the request carries a valid `access_token`, else answers its errcode.
fn authorized(
    state: &State,
    request: &ApiRequest<'_>,
    api: fn(&State, &ApiRequest<'_>) -> Served,
) -> Served {
    match state.check_token(request.param("access_token")) {
        TokenCheck::Valid => api(state, request),
        TokenCheck::Missing => Err(Refusal::new(41001, "access_token missing")),
        TokenCheck::Unknown => Err(Refusal::new(
            40001,
            "invalid credential, access_token is invalid or not latest",
        )),
        TokenCheck::Expired => Err(Refusal::new(42001, "access_token expired")),
    }
}

/// `GET /cgi-bin/token`: a new token on every call.
fn token(state: &State, request: &ApiRequest<'_>) -> Served {
    let account = (
        request.param("grant_type"),
        request.param("appid"),
        request.param("secret"),
    );
    check_account(state, account)?;
    Ok(token_answer(state.issue_token()))
}

/// `POST /cgi-bin/stable_token`: the same token until it expires or `force_refresh` is true.
fn stable_token(state: &State, request: &ApiRequest<'_>) -> Served {
    let body = json_object(request.body)?;
    let field = |key: &str| body.get(key).and_then(Value::as_str);
    check_account(
        state,
        (field("grant_type"), field("appid"), field("secret")),
    )?;
    let force_refresh = body
        .get("force_refresh")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(token_answer(state.stable_token(force_refresh)))
}

/// Checks `(grant_type, appid, secret)` in the order WeChat reports them.
fn check_account(
    state: &State,
    (grant_type, appid, secret): (Option<&str>, Option<&str>, Option<&str>),
) -> Result<(), Refusal> {
    let (code, message) = if grant_type != Some("client_credential") {
        (40002, "invalid grant_type")
    } else if appid.is_none_or(str::is_empty) {
        (41002, "appid missing")
    } else if appid != Some(state.appid.as_str()) {
        (40013, "invalid appid")
    } else if secret.is_none_or(str::is_empty) {
        (41004, "appsecret missing")
    } else if secret != Some(state.secret.as_str()) {
        (40125, "invalid appsecret")
    } else {
        return Ok(());
    };
    Err(Refusal::new(code, message))
}

fn token_answer((access_token, expires_in): (String, u64)) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "access_token": access_token, "expires_in": expires_in }))
}

/// The 404 for a request the emulator does not know, naming it, also kept for
/// [`super::Emulator::unexpected`].
fn unknown(state: &State, request: &ApiRequest<'_>) -> HttpResponse {
    let described = request.describe();
    tracing::warn!(request = %described, "emulator: no such API");
    let body = json!({ "errcode": -404, "errmsg": format!("emulator: no such API: {described}") });
    state.note_unexpected(described);
    HttpResponse::build(StatusCode::NOT_FOUND).json(body)
}
