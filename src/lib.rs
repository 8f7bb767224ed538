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
//!     wxbot::run(|| Router::new().text_exact("ping", pong).on(echo))
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
//! Routes are tried in order and the first match wins; a route that can never run (after a
//! catch-all, or hidden by a wider route on the same type), or a bad regex, stops the bot at
//! start-up ([`RouterError`]).
//!
//! ## Media replies
//!
//! `Reply::image("cat.jpg")` names a file under `media.assets_dir`; the [`MediaCache`]
//! uploads it on first use (checked against the upload limits first), reuses the `media_id`
//! while it lives and uploads again before it expires, one upload however many requests ask.
//! A [`MediaId`] is used as it is. Handlers reach the API through [`Ctx::api`]
//! ([`Client`]: download, customer-service sends, typing).
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
//! [`testing::TestBot`] drives the HTTP endpoint itself, in process, with signed (or, in safe
//! mode, encrypted) requests; [`emulator::Emulator`] is a real local server playing the WeChat
//! API, with scripted failures. `wxbot dev` ([`dev`]) puts the bot, the emulator and a chat
//! page in one process.
//!
//! ## Configuration
//!
//! [`Config`]: `wxbot.toml`, overridden by `WXBOT_<SECTION>__<KEY>` variables; `account.mode`
//! selects plain, compatible or safe ([`crypto`]) message encryption.

//!
//! ## Features
//!
//! All on by default: `cli` ([`run`]: the `serve` and `dev` commands), `dev` (the playground),
//! `emulator` (a local WeChat API), `testing` (the test kit). An app that mounts the endpoint
//! in its own server needs none of them (`default-features = false`).

// Public namespaces: what a bot author names by path.
pub mod config;
pub mod crypto;
#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod endpoint;
pub mod message;
pub mod prelude;
pub mod reply;
#[cfg(feature = "testing")]
pub mod testing;

// The engine room, in layers (ARCHITECTURE.md); what users need is re-exported below.
mod bot;
mod callback;
#[cfg(feature = "cli")]
mod cli;
mod client;
mod clock;
mod error;
mod ids;
#[cfg(feature = "cli")]
mod logs;
mod media;
mod router;
mod secret;
#[cfg(feature = "cli")]
mod shutdown;
mod signature;
mod store;
mod xml;

pub use bot::{Answer, Bot};
pub use callback::{CallbackError, CallbackQuery, Handled};
#[cfg(feature = "cli")]
pub use cli::main as run;
pub use client::{ApiError, Client, ClientError, Downloaded, SendError, Uploaded};
pub use config::{Config, ConfigError};
pub use error::{Error, Result};
pub use ids::{MediaId, MediaKind, MsgId, OpenId};
pub use media::{LimitError, MediaCache, MediaError};
pub use reply::Reply;
pub use router::{
    Ctx, Failure, FromIncoming, Handler, HandlerError, HandlerResult, IntoReply, Next, Router,
    RouterError, Session, SessionState,
};
pub use secret::Secret;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
