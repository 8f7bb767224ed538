//! The HTTP edge: [`configure`] mounts the callback on an actix-web app.
//!
//! Statuses, as WeChat expects them: 400 for a request that is not a WeChat message, 403 for a bad
//! signature, 413 for an oversized body, and 200 for anything that parsed, whatever the
//! handler did.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, ContentType};
use actix_web::middleware::{Condition, from_fn};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt as _;

use crate::bot::{Answer, Bot};
use crate::callback::{CallbackError, CallbackQuery};
use crate::message::Incoming;

mod access;
mod ops;

#[cfg(feature = "cli")]
pub(crate) use access::latency_in_ms;
pub(crate) use access::{log_request, logging};
pub use ops::configure as ops;

impl ResponseError for CallbackError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code())
            .content_type(ContentType::plaintext())
            .body(self.to_string());
        response.extensions_mut().insert(Refusal(self.to_string()));
        response
    }
}

/// Mounts the callback endpoint (`GET` verification, `POST` messages) at `server.path`.
///
/// The one wiring function for `wxbot serve`, tests and custom servers:
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use wxbot::prelude::*;
/// use wxbot::{Bot, Config, endpoint};
///
/// async fn echo(text: Text) -> String { text.content }
///
/// # async fn run() -> std::io::Result<()> {
/// let config = Config::load(None).expect("config");
/// let bot = Bot::new(&config, Router::new().on(echo)).expect("bot");
/// HttpServer::new(move || App::new().configure(endpoint::configure(bot.clone())))
///     .bind("127.0.0.1:8080")?
///     .run()
///     .await
/// # }
/// ```
pub fn configure<S: Clone + Send + Sync + 'static>(
    bot: Bot<S>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let path = bot.config().server.path.clone();
        let verifier = bot.clone();
        let verify = move |req: HttpRequest| {
            let result = verifier.verify(&CallbackQuery::parse(req.query_string()));
            async move {
                result.map(|echo| {
                    HttpResponse::Ok()
                        .content_type(ContentType::plaintext())
                        .body(echo)
                })
            }
        };
        let callback = move |req: HttpRequest, payload: web::Payload| {
            let bot = bot.clone();
            async move {
                let query = CallbackQuery::parse(req.query_string());
                callback(&bot, &query, &req, payload).await
            }
        };
        // The access log goes with the endpoint, so an app that mounts it keeps the log.
        cfg.service(
            web::resource(path)
                .wrap(Condition::new(logging(), from_fn(log_request)))
                .route(web::get().to(verify))
                .route(web::post().to(callback)),
        );
    }
}

async fn callback<S: Clone + Send + Sync + 'static>(
    bot: &Bot<S>,
    query: &CallbackQuery,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, CallbackError> {
    let refused = |err: &CallbackError| bot.metrics().callback("", "", err.status());
    let limit = bot.config().server.body_limit_bytes;
    let body = read_body(req, payload, limit).await.inspect_err(refused)?;
    let outcome = bot.callback(query, &body).await.inspect_err(|err| {
        refused(err);
        if matches!(err, CallbackError::Parse(_)) {
            tracing::debug!(body = %String::from_utf8_lossy(&body), "unparsable body");
        }
    })?;
    let (msg_type, event) = outcome.message.type_names();
    bot.metrics().callback(msg_type, event, 200);
    let mut response = match outcome.answer {
        Answer::Reply(xml) => HttpResponse::Ok()
            .content_type(ContentType::xml())
            .body(xml),
        Answer::Success => HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body("success"),
    };
    if tracing::enabled!(tracing::Level::INFO) {
        response.extensions_mut().insert(Logged(outcome.message));
    }
    Ok(response)
}

/// Reads the body up to `limit` bytes: a declared length over it is refused before reading.
/// A body that arrives in one chunk (the usual case) is used as it is, without a copy.
pub(crate) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, CallbackError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(CallbackError::TooLarge { limit });
    }
    let mut body = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| CallbackError::Body(err.to_string()))?;
        if joined.as_ref().map_or(body.len(), BytesMut::len) + chunk.len() > limit {
            return Err(CallbackError::TooLarge { limit });
        }
        if body.is_empty() && joined.is_none() {
            body = chunk;
        } else {
            joined
                .get_or_insert_with(|| BytesMut::from(&body[..]))
                .extend_from_slice(&chunk);
        }
    }
    Ok(joined.map_or(body, BytesMut::freeze))
}

/// The parsed message, left on the response for the access log.
struct Logged(Arc<Incoming>);

/// Why a request was refused, left on the response for the access log.
struct Refusal(String);
