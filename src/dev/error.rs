//! How the page's API refuses: a 4xx with `{"error": "…"}` in words the page shows as they
//! are. Bad input is an answer, never a crash.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::callback::CallbackError;

/// A refusal: its status, and a sentence for the page.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub(super) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// [`read_body`]'s refusals in the page's words: 413 past the limit, 400 for a broken body.
impl From<CallbackError> for ApiError {
    fn from(err: CallbackError) -> Self {
        match err {
            CallbackError::TooLarge { limit } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request is larger than {limit} bytes"),
            ),
            CallbackError::Body(err) => Self::bad(format!("the body broke off: {err}")),
            other => Self::bad(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({ "error": self.message }))
    }
}
