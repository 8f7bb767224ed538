//! The WeChat API emulator: a real HTTP server on `127.0.0.1` that answers the API calls
//! wxbot makes (token, media upload and download, customer-service send, typing) the way
//! `api.weixin.qq.com` does, for the integration tests and `wxbot dev`.
//!
//! It plays the API side only: tokens (`/cgi-bin/token`, `/cgi-bin/stable_token`), temporary
//! media (`/cgi-bin/media/upload`, `/cgi-bin/media/get`) and customer-service messages
//! (`/cgi-bin/message/custom/send`, `/cgi-bin/message/custom/typing`). It records every request
//! so a test can assert counters ([`Emulator::count`]) as well as answers, and it can be
//! scripted to misbehave ([`Emulator::script`]) so retries and refreshes can be tested over real
//! HTTP. It plays a verified service account unless told otherwise
//! ([`Emulator::set_account_kind`]): an unverified subscription account is refused the
//! customer-service API with 48001, as WeChat refuses it. [`Pusher`] plays WeChat's other
//! side: it signs callbacks and POSTs them to a bot, delivering again after the 5-second
//! cut-off, as `wxbot dev` does for its chat page.
//!
//! A request the emulator does not know gets HTTP 404 with a JSON body naming it, and lands in
//! [`Emulator::unexpected`], so a test can fail on it (octocrab's `tests/mock_error.rs`).
//!
//! Files, lowest first; each uses only files listed before it (`tests/it/layers.rs` keeps it
//! so):
//!
//! 1. `record.rs`: the [`Call`]s and [`Upload`]s a test reads back.
//! 2. `multipart.rs`: reads uploads.
//! 3. `errcode.rs`: WeChat's error answer, which every API function may refuse with.
//! 4. `script.rs`: the scripted [`Fault`]s, and what each answers; the [`AccountKind`].
//! 5. `state.rs`: the memory: records, tokens, media, sent messages, queued faults.
//! 6. `request.rs`: a request as the API functions see it.
//! 7. `media.rs`: the temporary media API.
//! 8. `custom.rs`: the customer-service API.
//! 9. `api.rs`: the one handler: records, plays faults, routes, answers the token APIs.
//! 10. `server.rs`: the actix server on its own thread.
//! 11. `pushed.rs`: what pushing a message came to ([`Pushed`], each [`Delivery`]).
//! 12. `push.rs`: the [`Pusher`], WeChat's side of the callback.
//!
//! This file holds [`Emulator`], the handle on it all; none of them imports from it.
//!
//! ```
//! use wxbot::emulator::{Emulator, Fault};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start()?;
//! emulator.script("/cgi-bin/token", Fault::Errcode(-1, "system busy".to_owned()));
//!
//! let url = format!(
//!     "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
//!     emulator.base_url(),
//!     emulator.appid(),
//!     emulator.secret(),
//! );
//! let busy: serde_json::Value = reqwest::get(&url).await?.json().await?;
//! assert_eq!(busy["errcode"], -1);
//! let token: serde_json::Value = reqwest::get(&url).await?.json().await?;
//! assert_eq!(token["expires_in"], 7200);
//! assert_eq!(emulator.count("/cgi-bin/token"), 2);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

mod api;
mod custom;
mod errcode;
mod media;
mod multipart;
mod push;
mod pushed;
mod record;
mod request;
mod script;
mod server;
mod state;

pub use push::{CUTOFF, DELIVERIES, Pusher};
pub use pushed::{Delivery, Pushed};
pub use record::{Call, Upload};

pub use script::{AccountKind, Fault};

use crate::ids::MediaKind;
use state::State;

/// The appid of [`Emulator::start`]'s account (the test kit's configuration uses it too).
pub const APPID: &str = "wx0123456789abcdef";

/// The secret of [`Emulator::start`]'s account.
pub const SECRET: &str = "testsecret";

/// A running WeChat API emulator.
///
/// Cloning is cheap and every clone sees the same server; the server stops when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Emulator {
    state: Arc<State>,
    // Only its `Drop` matters: the last clone to go stops the server.
    _server: Arc<server::Running>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.state.base_url)
            .field("appid", &self.state.appid)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator for the test account: appid [`APPID`], secret
    /// [`SECRET`].
    ///
    /// The server listens on `127.0.0.1` on a free port, on its own thread with its own actix
    /// `System`, so it works under `#[tokio::test]`, `#[actix_web::test]` and inside another
    /// actix server. This returns once the port is bound; requests are served from then on.
    pub fn start() -> std::io::Result<Self> {
        Self::with_account(APPID, SECRET)
    }

    /// Starts an emulator whose `/cgi-bin/token` accepts `appid` and `secret`.
    pub fn with_account(appid: &str, secret: &str) -> std::io::Result<Self> {
        let (state, running) = server::start(appid, secret)?;
        Ok(Self {
            state,
            _server: Arc::new(running),
        })
    }

    /// The URL to use as `api.base_url`: `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The appid the token endpoints accept.
    pub fn appid(&self) -> &str {
        &self.state.appid
    }

    /// The secret the token endpoints accept.
    pub fn secret(&self) -> &str {
        &self.state.secret
    }

    /// Sets the kind of account played from now on (default
    /// [`AccountKind::VerifiedService`]). An [`AccountKind::UnverifiedSubscription`] has no
    /// customer-service permission: its sends and typing commands answer errcode 48001 and
    /// are not recorded in [`sent`](Self::sent) or [`typing`](Self::typing).
    pub fn set_account_kind(&self, kind: AccountKind) {
        self.state.set_account_kind(kind);
    }

    /// The kind of account played.
    pub fn account_kind(&self) -> AccountKind {
        self.state.account_kind()
    }

    /// Sets `expires_in` for tokens issued from now on (default 7200, as WeChat). A token
    /// lives exactly that long, so `0` issues tokens that already answer 42001.
    pub fn set_token_ttl(&self, secs: u64) {
        self.state.set_token_ttl(secs);
    }

    /// Expires every token issued so far: calls carrying one answer 42001.
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// Queues `fault` for the next request to `path` (no query string, e.g.
    /// `"/cgi-bin/media/upload"`). Several calls queue in order, one fault per request; once
    /// the queue is empty the path answers normally again.
    ///
    /// The request is recorded (in [`calls`](Self::calls)) before its fault is played.
    pub fn script(&self, path: &str, fault: Fault) {
        self.state.push_fault(path, fault);
    }

    /// Every request received, in order, whatever it was answered.
    pub fn calls(&self) -> Vec<Call> {
        self.state.calls()
    }

    /// How many requests were received for `path` (no query string).
    pub fn count(&self, path: &str) -> usize {
        self.state.count(path)
    }

    /// Every successful `/cgi-bin/media/upload`, in order.
    pub fn uploads(&self) -> Vec<Upload> {
        self.state.uploads()
    }

    /// Stores media as if a user had sent it (the `MediaId` of an inbound image or voice) and
    /// returns its media id, which `/cgi-bin/media/get` then serves. It is not an upload.
    pub fn put_media(
        &self,
        kind: MediaKind,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        self.state
            .store_media(kind, filename, content_type, bytes, false)
            .media_id
    }

    /// The media stored under `media_id`, uploaded or put.
    pub fn media(&self, media_id: &str) -> Option<Upload> {
        self.state.media(media_id)
    }

    /// Every accepted customer-service message (its JSON body), in order.
    pub fn sent(&self) -> Vec<serde_json::Value> {
        self.state.sent()
    }

    /// The next customer-service message not yet returned by `next_sent`, waiting for it to
    /// arrive if need be. Clones share one cursor: each message is returned once.
    ///
    /// It waits on a notification, not a timer, and runs on any async runtime; wrap it in a
    /// timeout in a test so a missing send fails instead of hanging.
    pub async fn next_sent(&self) -> serde_json::Value {
        loop {
            let arrived = self.state.sent_arrived();
            let mut arrived = std::pin::pin!(arrived);
            // Registered before the check, so a send landing in between still wakes us.
            arrived.as_mut().enable();
            if let Some(message) = self.state.take_next_sent() {
                return message;
            }
            arrived.await;
        }
    }

    /// Every accepted `/cgi-bin/message/custom/typing` body, in order.
    pub fn typing(&self) -> Vec<serde_json::Value> {
        self.state.typing()
    }

    /// The first typing command the emulator accepted, waited for until there is one.
    pub async fn first_typing(&self) -> serde_json::Value {
        loop {
            let arrived = self.state.sent_arrived();
            let mut arrived = std::pin::pin!(arrived);
            // Registered before the check, so a command landing in between still wakes us.
            arrived.as_mut().enable();
            if let Some(command) = self.state.typing().into_iter().next() {
                return command;
            }
            arrived.await;
        }
    }

    /// The custom menu as `/cgi-bin/menu/get` returns it (`{"button": [...]}`, every button
    /// with its `sub_button` list), once `/cgi-bin/menu/create` accepted one and until
    /// `/cgi-bin/menu/delete`.
    pub fn menu(&self) -> Option<serde_json::Value> {
        self.state.menu()
    }

    /// Requests for paths or methods the emulator does not know, described as
    /// `"GET /cgi-bin/nope?x=1"`, in order.
    pub fn unexpected(&self) -> Vec<String> {
        self.state.unexpected()
    }
}
