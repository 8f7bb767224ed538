//! WeChat's error answer, `{"errcode": code, "errmsg": message}` under HTTP 200, and the
//! [`Refusal`] an API function returns to have it sent. Every other file of the emulator
//! answers through this one, so it uses none of them.

use actix_web::HttpResponse;
use serde_json::{Value, json};

/// A WeChat error answer: what an API function returns for bad input, so bad input is an
/// answer, never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    code: i64,
    message: String,
}

impl Refusal {
    pub(super) fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The response that carries it.
    pub(super) fn response(&self) -> HttpResponse {
        errcode(self.code, &self.message)
    }
}

/// What an API function serves: its response, or the errcode it refuses with.
pub(super) type Served = Result<HttpResponse, Refusal>;

/// WeChat's error shape, under HTTP 200 as WeChat sends it.
pub(super) fn errcode(code: i64, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "errcode": code, "errmsg": message }))
}

/// `{"errcode": 0, "errmsg": "ok"}`.
pub(super) fn ok() -> Served {
    Ok(errcode(0, "ok"))
}

/// A body that must be a JSON object; WeChat answers 44002 for an empty one and 47001 for
/// one it cannot parse.
pub(super) fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Refusal> {
    if body.is_empty() {
        return Err(Refusal::new(44002, "empty post data"));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(Refusal::new(47001, "data format error")),
    }
}
