//! `wxbot dev`: the local playground, no WeChat account needed.
//!
//! One process runs three things: the bot (your router behind the real callback endpoint,
//! [`crate::endpoint::configure`]), the WeChat API emulator ([`crate::emulator::Emulator`]) as
//! its `api.base_url`, and a chat page where you play a WeChat user. Every message the page
//! sends is written as WeChat's XML, signed (and in safe or compatible mode encrypted) as
//! WeChat does it and POSTed to the callback over HTTP with WeChat's delivery rules
//! ([`crate::emulator::Pusher`]: a 5-second cut-off, up to three deliveries of the same
//! message). Replies come back opened and rendered as WeChat shows them, and
//! messages the bot sends later through the customer-service API reach the page as they
//! arrive (server-sent events). The page's account-type picker makes the emulator a verified
//! service account or an unverified subscription account (customer service refused with
//! 48001), so both of `server.late_reply`'s paths can be tried. The account's menu (the
//! config's `[menu]`, or one pushed to the emulator) sits under the chat as WeChat draws it,
//! each button sending its event; follows and scans can go through the bot's QR codes; and
//! template messages the bot sends show as cards, whose job report the page can send back.
//!
//! This module owns the wiring and the page; the bot's logic, the emulator and WeChat's side
//! of the callback live in their own modules. The page itself is `chat.html`, `chat.css`,
//! `platform.css`, `render.js`, `chat.js` and `platform.js`, embedded: no build step, nothing
//! from the network.
//!
//! Files, lowest first; each uses only files listed before it (`tests/it/layers.rs` keeps it
//! so):
//!
//! 1. `account.rs`: makes up what the account lacks, and picks the bot's mode.
//! 2. `inbound.rs`: the page's messages, and whether WeChat's client would send them.
//! 3. `callback_xml.rs`: those messages written as WeChat's callback XML.
//! 4. `view.rs`: replies and customer-service messages as the page draws them; template
//!    messages in `view/template.rs`.
//! 5. `error.rs`: how the page's API refuses.
//! 6. `page.rs`: serves the embedded page.
//! 7. `hub.rs`: the customer-service and template messages published, and the channel
//!    pages listen on.
//! 8. `shared.rs`: what the handlers share (emulator, pusher, settings, hub).
//! 9. `stream.rs`: customer-service and template messages as server-sent events.
//! 10. `api.rs`: the page's API (send a message, read the settings, pick the account type);
//!     the menu, QR codes and template job reports in `api/platform.rs`.
//! 11. `media.rs`: the page's uploads, and the media it shows.
//! 12. `server.rs`: the actix app, handlers and the bot's callback on one port.
//! 13. `playground.rs`: [`Playground`] starts it all and stops it.
//! 14. `cli.rs`: the `wxbot dev` command.
//!
//! This file only declares them and re-exports; none of them imports from it.
//!
//! ```no_run
//! use wxbot::dev::{Options, Playground};
//! use wxbot::prelude::*;
//!
//! async fn pong(_: Text) -> &'static str { "pong" }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> wxbot::Result<()> {
//! let router = Router::new().text_exact("ping", pong);
//! let playground = Playground::start(wxbot::Config::default(), router, &Options::default())?;
//! println!("open {}", playground.url());
//! tokio::signal::ctrl_c().await?;
//! playground.stop().await;
//! # Ok(())
//! # }
//! ```

mod account;
mod api;
mod callback_xml;
#[cfg(feature = "cli")]
mod cli;
mod error;
mod hub;
mod inbound;
mod media;
mod page;
mod playground;
mod server;
mod shared;
mod stream;
mod view;

#[cfg(feature = "cli")]
pub(crate) use cli::main;
pub use playground::{DEFAULT_PORT, Options, Playground};
