//! Notifications: template messages (`POST /cgi-bin/message/template/send`) and subscription
//! messages (`POST /cgi-bin/message/subscribe/bizsend`). Accepted ones are recorded with a
//! new `msgid`, which a template send answers and its `TEMPLATESENDJOBFINISH` event carries.

use actix_web::HttpResponse;
use serde_json::{Map, Value, json};

use super::user::{openid, verified};
use crate::emulator::errcode::{Refusal, Served, json_object, ok};
use crate::emulator::request::ApiRequest;
use crate::emulator::state::State;

/// `POST /cgi-bin/message/template/send`: `{touser, template_id, url?, miniprogram?:
/// {appid, pagepath}, data: {key: {value, color?}}}` → `{errcode: 0, errmsg: "ok", msgid}`.
/// Only to a follower (43004), only a template the account has (40037).
pub(in crate::emulator) fn template(state: &State, request: &ApiRequest<'_>) -> Served {
    verified(state.account_kind())?;
    let message = json_object(request.body)?;
    let touser = openid(message.get("touser").and_then(Value::as_str))?;
    template_id(state, &message)?;
    let format = |why: &str| Refusal::new(47001, format!("data format error: {why}"));
    if message.get("url").is_some_and(|url| !url.is_string()) {
        return Err(format("url must be a string"));
    }
    if let Some(mini) = message.get("miniprogram") {
        let appid = mini.get("appid").and_then(Value::as_str);
        if appid.is_none_or(str::is_empty) {
            return Err(format("miniprogram needs an appid"));
        }
    }
    data(&message, true).map_err(|why| format(&why))?;
    if !state.user(touser).subscribe {
        return Err(Refusal::new(43004, "require subscribe"));
    }
    let msgid = state.push_template(Value::Object(message));
    Ok(HttpResponse::Ok().json(json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid })))
}

/// `POST /cgi-bin/message/subscribe/bizsend`: `{touser, template_id, page?, miniprogram?,
/// data: {key: {value}}}` → ok. Its data is refused with 47003, as WeChat does.
pub(in crate::emulator) fn subscribe(state: &State, request: &ApiRequest<'_>) -> Served {
    let message = json_object(request.body)?;
    openid(message.get("touser").and_then(Value::as_str))?;
    template_id(state, &message)?;
    data(&message, false).map_err(|why| Refusal::new(47003, format!("argument invalid! {why}")))?;
    state.push_subscribe_message(Value::Object(message));
    ok()
}

/// A non-empty `template_id` the account has; else 40037.
fn template_id(state: &State, message: &Map<String, Value>) -> Result<(), Refusal> {
    let id = message.get("template_id").and_then(Value::as_str);
    match id {
        Some(id) if !id.is_empty() && state.knows_template(id) => Ok(()),
        _ => Err(Refusal::new(40037, "invalid template_id")),
    }
}

/// `data`: an object of fields, each `{value: string}`; with `colors`, a field's `color` is
/// `#RRGGBB` (a subscription message has none to check). Says what is wrong.
fn data(message: &Map<String, Value>, colors: bool) -> Result<(), String> {
    let Some(fields) = message.get("data").and_then(Value::as_object) else {
        return Err("data must be an object of fields".to_owned());
    };
    for (key, field) in fields {
        if !field.get("value").is_some_and(Value::is_string) {
            return Err(format!("data.{key}.value must be a string"));
        }
        let color = field.get("color");
        if colors && color.is_some_and(|color| !color.as_str().is_some_and(is_color)) {
            return Err(format!("data.{key}.color must be #RRGGBB"));
        }
    }
    Ok(())
}

fn is_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|b| b.is_ascii_hexdigit())
}
