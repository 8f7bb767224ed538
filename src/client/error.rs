//! Why an API call failed: WeChat's own `errcode` kept as it is, or what went wrong on the way.

use std::sync::Arc;

use super::CUSTOM_SEND;
use super::notify::{SUBSCRIBE_SEND, TEMPLATE_SEND};

/// The calls a user sees: a second one, after a timeout that may have reached WeChat, would
/// reach them twice.
const SENDS: [&str; 3] = [CUSTOM_SEND, TEMPLATE_SEND, SUBSCRIBE_SEND];

/// An error answer from the WeChat API: its `errcode` and `errmsg`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wechat api error {code}: {message}")]
pub struct ApiError {
    /// `errcode`.
    pub code: i64,
    /// `errmsg`.
    pub message: String,
}

impl ApiError {
    /// The access token is invalid or expired (40001, 40014, 42001): fetch a new one.
    pub fn is_token_invalid(&self) -> bool {
        matches!(self.code, 40001 | 40014 | 42001)
    }

    /// The media id is unknown or expired (40007).
    pub fn is_media_invalid(&self) -> bool {
        self.code == 40007
    }

    /// The system is busy (-1): try again shortly.
    pub fn is_busy(&self) -> bool {
        self.code == -1
    }

    /// Customer service may not write to this user now (45015 outside the 48-hour window,
    /// 45047 over the send quota).
    pub fn is_outside_service_window(&self) -> bool {
        matches!(self.code, 45015 | 45047)
    }

    /// The account may not use this API (48001: unverified accounts have no customer-service
    /// messages).
    pub fn is_unauthorized(&self) -> bool {
        self.code == 48001
    }
}

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// WeChat answered with an error code.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request did not complete: connection, timeout, protocol.
    #[error("request to {path} failed: {source}")]
    Http {
        /// The API path.
        path: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// An HTTP error status.
    #[error("{path} answered HTTP {status}: {body}")]
    Status {
        /// The API path.
        path: String,
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// A success answer that is not the expected JSON.
    #[error("{path} answered unexpected data: {reason}; body: {body}")]
    Decode {
        /// The API path.
        path: String,
        /// What did not fit.
        reason: String,
        /// The start of the body.
        body: String,
    },
    /// The account has no AppID or AppSecret configured.
    #[error("api calls need account.appid and account.secret")]
    NoCredentials,
    /// No access token: the fetch failed (shared by every call that waited on it).
    #[error("no access token: {0}")]
    Token(Arc<Self>),
}

impl ClientError {
    /// The WeChat error, when the API answered one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(err) => Some(err),
            Self::Token(err) => err.api(),
            _ => None,
        }
    }

    /// Worth another attempt: busy, 5xx, or the request never completed.
    pub(super) fn is_transient(&self) -> bool {
        match self {
            Self::Api(err) => err.is_busy(),
            Self::Status { status, .. } => *status >= 500,
            // A request that may have reached WeChat (a timeout after sending) is repeated
            // only where repeating is harmless: a second customer-service send would show
            // the user the reply twice.
            Self::Http { path, source } => source.is_connect() || !SENDS.contains(&path.as_str()),
            // The fetch was retried already.
            Self::Decode { .. } | Self::NoCredentials | Self::Token(_) => false,
        }
    }
}
