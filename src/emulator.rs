#![doc = include_str!("emulator/guide.md")]

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
pub use record::{Call, Callback, QrCode, Upload, User};

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
        self.wait_for(State::take_next_sent).await
    }

    /// Every accepted `/cgi-bin/message/custom/typing` body, in order.
    pub fn typing(&self) -> Vec<serde_json::Value> {
        self.state.typing()
    }

    /// The first typing command the emulator accepted, waited for until there is one.
    pub async fn first_typing(&self) -> serde_json::Value {
        self.wait_for(|state| state.typing().into_iter().next())
            .await
    }

    /// The custom menu as `/cgi-bin/menu/create` accepted it (`{"button": [...]}`, fields
    /// WeChat does not know left out; `/cgi-bin/menu/get` adds the empty `sub_button` lists),
    /// until `/cgi-bin/menu/delete`.
    pub fn menu(&self) -> Option<serde_json::Value> {
        self.state.menu()
    }

    /// Every QR code `/cgi-bin/qrcode/create` made, in order, expired or not.
    pub fn qr_codes(&self) -> Vec<QrCode> {
        self.state.qr_codes()
    }

    /// The scene of the QR code with `ticket` (a `scene_id` in decimal, or the `scene_str`).
    pub fn qr_scene(&self, ticket: &str) -> Option<String> {
        self.state.qr_code(ticket).map(|code| code.scene)
    }

    /// What `/cgi-bin/user/info` tells of `openid`: as set, else a follower of whom nothing
    /// else is known (everyone follows unless told otherwise).
    pub fn user(&self, openid: &str) -> User {
        self.state.user(openid)
    }

    /// Sets what `/cgi-bin/user/info` tells of `openid`, whether they follow included.
    pub fn set_user(&self, openid: &str, user: User) {
        self.state.set_user(openid, user);
    }

    /// Makes `openid` follow the account or not. Someone who does not follow is refused
    /// template messages (43004) and is only `{"subscribe": 0, "openid": …}` to user info.
    pub fn set_following(&self, openid: &str, following: bool) {
        self.state.set_following(openid, following);
    }

    /// Names a template the account has, with its title (which `wxbot dev` shows). Until the
    /// first is named any non-empty `template_id` is accepted; from then on others get 40037.
    pub fn add_template(&self, template_id: &str, title: &str) {
        self.state.add_template(template_id, title);
    }

    /// The title of a template named by [`add_template`](Self::add_template).
    pub fn template_title(&self, template_id: &str) -> Option<String> {
        self.state.template_title(template_id)
    }

    /// Every accepted template message (its JSON body, with the `msgid` it was answered), in
    /// order.
    pub fn templates(&self) -> Vec<serde_json::Value> {
        self.state.templates()
    }

    /// The next template message not yet returned by `next_template`, waited for as
    /// [`next_sent`](Self::next_sent) waits.
    pub async fn next_template(&self) -> serde_json::Value {
        self.wait_for(State::take_next_template).await
    }

    /// Every accepted subscription message (`/cgi-bin/message/subscribe/bizsend`'s body, with
    /// a `msgid`), in order.
    pub fn subscribe_messages(&self) -> Vec<serde_json::Value> {
        self.state.subscribe_messages()
    }

    /// The `TEMPLATESENDJOBFINISH` event WeChat sends `account` (the bot's original id,
    /// `gh_…`) once the template message `msgid` is delivered, with its `status` (`success`,
    /// `failed:user block`, `failed: system failed`); `None` for a msgid never answered.
    pub fn template_job_finished(
        &self,
        msgid: u64,
        account: &str,
        status: &str,
    ) -> Option<Callback> {
        let sent = self.state.templates();
        let message = sent.iter().find(|message| message["msgid"] == msgid)?;
        let openid = message["touser"].as_str().unwrap_or_default();
        let now = crate::clock::unix_now();
        Some(Callback::template_job_finished(
            account, openid, msgid, status, now,
        ))
    }

    /// Requests for paths or methods the emulator does not know, described as
    /// `"GET /cgi-bin/nope?x=1"`, in order.
    pub fn unexpected(&self) -> Vec<String> {
        self.state.unexpected()
    }

    /// What `take` finds, waited for: it is asked again after every send, typing command and
    /// template message.
    async fn wait_for<T>(&self, take: impl Fn(&State) -> Option<T>) -> T {
        loop {
            let arrived = self.state.sent_arrived();
            let mut arrived = std::pin::pin!(arrived);
            // Registered before the check, so a send landing in between still wakes us.
            arrived.as_mut().enable();
            if let Some(found) = take(&self.state) {
                return found;
            }
            arrived.await;
        }
    }
}
