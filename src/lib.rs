//! # wxbot
//!
//! A fast, typed framework for WeChat Official Account (公众号) callback bots.
//!
//! WeChat POSTs every message and event to your callback URL as signed XML. wxbot checks the
//! signature, parses the XML into typed values ([`message`]), runs the first matching handler
//! of your [`Router`], and answers with reply XML ([`reply`]), or `success` when there is
//! nothing to say.
//!
//! ## Quick start
//!
//! ```no_run
//! use wxbot::prelude::*;
//!
//! async fn pong(_: Text) -> &'static str { "pong" }
//! async fn echo(text: Text) -> String { text.content }
//!
//! fn main() -> std::process::ExitCode {
//!     wxbot::cli::main(|| Router::new().text_exact("ping", pong).on(echo))
//! }
//! ```
//!
//! ## Writing handlers
//!
//! A handler is `async fn(M) -> R` or `async fn(Ctx<S>, M) -> R`. The argument type `M`
//! ([`FromIncoming`]) selects the messages it runs for: [`message::Text`],
//! [`message::Image`], [`message::Click`], … or [`message::Incoming`] for every message.
//! The return type `R` ([`IntoReply`]) is a [`Reply`], a `String` or `&'static str` (text),
//! `()` or `None` (`success`), or a `Result` whose error is logged and answered `success`.
//! Routes are tried in order and the first match wins; a route after a catch-all, or a bad
//! regex, stops the bot at start-up ([`RouterError`]).
//!
//! ## Media replies
//!
//! `Reply::image("cat.jpg")` names a file under `media.assets_dir`; the [`media::MediaCache`]
//! uploads it on first use (checked against the upload limits first), reuses the `media_id`
//! while it lives and uploads again before it expires, one upload however many requests ask.
//! A [`MediaId`] is used as it is. Handlers reach the API through [`Ctx::api`]
//! ([`client::Client`]: download, customer-service sends, typing).
//!
//! ## Errors and the 5-second rule
//!
//! Once a message has parsed, WeChat always gets 200: a handler error or panic is logged and
//! answered `success`, so WeChat neither retries nor shows the user an error. A repeated
//! delivery never runs the handler again: it gets the first delivery's reply. A reply not
//! ready by `server.reply_deadline_ms` is answered `success` and sent through the
//! customer-service API when ready, exactly once.
//!
//! ## Testing your bot
//!
//! [`testing::TestBot`] drives the same logic as the HTTP endpoint with signed (or, in safe
//! mode, encrypted) requests; [`emulator::Emulator`] is a real local server playing the WeChat
//! API, with scripted failures. `wxbot dev` ([`dev`]) puts the bot, the emulator and a chat
//! page in one process.
//!
//! ## Configuration
//!
//! [`Config`]: `wxbot.toml`, overridden by `WXBOT_<SECTION>__<KEY>` variables; `account.mode`
//! selects plain, compatible or safe ([`crypto`]) message encryption.

mod callback;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod dev;
pub mod emulator;
pub mod endpoint;
pub mod media;
pub mod message;
pub mod prelude;
pub mod reply;
pub mod signature;
pub mod store;
pub mod testing;

mod bot;
mod clock;
mod error;
mod ids;
mod logs;
mod router;
mod secret;
mod xml;

pub use bot::{Answer, Bot};
pub use callback::{CallbackError, CallbackQuery, Handled};
pub use config::{Config, ConfigError};
pub use error::{Error, Result};
pub use ids::{MediaId, MediaKind, MsgId, OpenId};
pub use reply::Reply;
pub use router::{Ctx, FromIncoming, Handler, HandlerError, IntoReply, Router, RouterError};
pub use secret::Secret;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
