//! Customer-service messages: `/cgi-bin/message/custom/send` and
//! `/cgi-bin/message/custom/typing`. Accepted bodies are recorded for tests to read or await;
//! an account without the permission ([`AccountKind`]) is refused with 48001 before its body
//! is read, as WeChat checks the permission first.

use serde_json::{Map, Value};

use super::errcode::{Refusal, Served, json_object, ok};
use super::request::ApiRequest;
use super::script::AccountKind;
use super::state::State;

/// The `msgtype`s the send API accepts.
const MSG_TYPES: &[&str] = &[
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
];

/// `POST /cgi-bin/message/custom/send`: `{touser, msgtype, <msgtype>: {…}}`.
pub(super) fn send(state: &State, request: &ApiRequest<'_>) -> Served {
    permitted(state.account_kind())?;
    let message = checked_touser(json_object(request.body)?)?;
    let Some(msgtype) = message.get("msgtype").and_then(Value::as_str) else {
        return Err(Refusal::new(47001, "data format error: msgtype missing"));
    };
    if !MSG_TYPES.contains(&msgtype) {
        return Err(Refusal::new(40008, "invalid message type"));
    }
    if !message.get(msgtype).is_some_and(Value::is_object) {
        return Err(Refusal::new(
            47001,
            format!("data format error: {msgtype} object missing"),
        ));
    }
    state.push_sent(Value::Object(message));
    ok()
}

/// `POST /cgi-bin/message/custom/typing`: `{touser, command: "Typing" | "CancelTyping"}`.
pub(super) fn typing(state: &State, request: &ApiRequest<'_>) -> Served {
    permitted(state.account_kind())?;
    let command = checked_touser(json_object(request.body)?)?;
    let known = matches!(
        command.get("command").and_then(Value::as_str),
        Some("Typing" | "CancelTyping")
    );
    if !known {
        return Err(Refusal::new(
            47001,
            "data format error: command must be Typing or CancelTyping",
        ));
    }
    state.push_typing(Value::Object(command));
    ok()
}

/// WeChat's 48001 for an account that may not use the customer-service API.
fn permitted(kind: AccountKind) -> Result<(), Refusal> {
    if kind.has_customer_service() {
        return Ok(());
    }
    Err(Refusal::new(
        48001,
        "api unauthorized: the account has no customer-service permission \
         (emulator: unverified subscription account)",
    ))
}

/// The body, if its `touser` is a non-empty string; else WeChat's 40003.
fn checked_touser(body: Map<String, Value>) -> Result<Map<String, Value>, Refusal> {
    match body.get("touser").and_then(Value::as_str) {
        Some(touser) if !touser.is_empty() => Ok(body),
        _ => Err(Refusal::new(40003, "invalid openid")),
    }
}
