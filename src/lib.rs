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
//! A whole bot, `examples/echo.rs`:
//!
#![doc = concat!("```no_run\n", include_str!("../examples/echo.rs"), "```")]
//!
#![doc = include_str!("guide.md")]

// Public namespaces: what a bot author names by path.
pub mod config;
pub mod crypto;
#[cfg(feature = "dev")]
pub mod dev;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod endpoint;
pub mod menu;
pub mod message;
pub mod prelude;

/// The platform APIs around the bot, called on [`Client`] (in a handler, [`Ctx::api`]):
/// the custom menu ([`menu`] checks it), QR codes with scenes, template and subscription
/// messages, user info.
pub mod platform {
    pub use crate::client::{
        Field, MAX_PERMANENT_SCENE, MAX_QR_EXPIRE, MAX_SCENE_BYTES, MiniProgram, QrCode, Scene,
        SubscribeMessage, TemplateMessage, UserInfo,
    };
}
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
mod metrics;
mod router;
mod secret;
#[cfg(feature = "cli")]
mod shutdown;
mod signature;
mod store;
mod xml;

pub use bot::{Answer, Bot, NotReady};
pub use callback::{CallbackError, CallbackQuery, Handled};
#[cfg(feature = "cli")]
pub use cli::App;
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
