//! Scripted faults: what a request gets instead of its normal answer. Queuing them per path is
//! `state.rs`'s job; this file turns one into a response. Also the [`AccountKind`] the
//! emulator plays, a standing refusal rather than a queued one.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;

use super::errcode;

/// What a scripted request gets instead of its normal answer (see
/// [`Emulator::script`](super::Emulator::script)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 200 with `{"errcode": code, "errmsg": message}`, as WeChat reports errors: e.g.
    /// `-1` (system busy), `40001` (invalid token), `45009` (quota).
    Errcode(i64, String),
    /// This HTTP status with a short plain-text body; a code outside 100..=999 answers 500.
    Status(u16),
    /// Waits this long, then answers normally.
    Delay(Duration),
    /// Closes the connection without any HTTP answer, as a crashed or unreachable server does.
    Drop,
}

/// The kind of account the emulator plays, which decides what it may call (see
/// [`Emulator::set_account_kind`](super::Emulator::set_account_kind)).
///
/// WeChat lets only verified accounts use the customer-service API, user info, QR codes with
/// scenes and template messages; an unverified subscription account (a personal one) is
/// refused them with errcode 48001.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountKind {
    /// A verified service account: customer-service messages and typing are accepted (the
    /// default).
    #[default]
    VerifiedService,
    /// An unverified subscription account: `/cgi-bin/message/custom/send` and
    /// `/cgi-bin/message/custom/typing` answer `{"errcode": 48001, "errmsg": "api unauthorized
    /// …"}` under HTTP 200, and nothing is recorded as sent.
    UnverifiedSubscription,
}

impl AccountKind {
    /// Every kind, in the order a picker lists them.
    pub const ALL: [Self; 2] = [Self::VerifiedService, Self::UnverifiedSubscription];

    /// Its name in JSON and URLs: `verified_service` or `unverified_subscription`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifiedService => "verified_service",
            Self::UnverifiedSubscription => "unverified_subscription",
        }
    }

    /// The kind named `name` ([`as_str`](Self::as_str)), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the account is verified, which user info, QR codes with scenes and template
    /// messages need (48001 otherwise).
    pub fn is_verified(self) -> bool {
        match self {
            Self::VerifiedService => true,
            Self::UnverifiedSubscription => false,
        }
    }

    /// Whether the account may call the customer-service API (send and typing).
    pub fn has_customer_service(self) -> bool {
        match self {
            Self::VerifiedService => true,
            Self::UnverifiedSubscription => false,
        }
    }
}

/// Plays `fault`: the response to send instead of the normal one, or `None` to answer
/// normally (after a [`Fault::Delay`]).
pub(super) async fn play(fault: Fault) -> Option<HttpResponse> {
    match fault {
        Fault::Errcode(code, message) => Some(errcode::errcode(code, &message)),
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(
                HttpResponse::build(status)
                    .content_type(ContentType::plaintext())
                    .body(format!("emulator: scripted status {code}")),
            )
        }
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Fault::Drop => Some(HttpResponse::Ok().body(Severed)),
    }
}

/// A body whose first chunk is an error.
///
/// actix has no "close without answering" call, but its HTTP/1 dispatcher (actix-http 3,
/// `h1/dispatcher.rs` `poll_response`) encodes the head into its write buffer, polls the body
/// in the same pass, and on a body error returns before flushing: the connection is closed
/// with nothing written, and the client sees it closed before any response. The
/// `scripted_drop_closes_the_connection_without_an_answer` test guards that behaviour.
/// actix logs the error ("Response payload stream error") at error level.
struct Severed;

impl MessageBody for Severed {
    type Error = io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(io::Error::other(
            "emulator: scripted Fault::Drop",
        ))))
    }
}
