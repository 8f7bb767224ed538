//! What the emulator remembers: the requests it received, issued tokens, stored media, sent
//! messages and queued faults; `state/platform.rs` adds the menu, QR codes, notifications and
//! users. Answering requests is `api.rs`'s job.
//!
//! Everything sits behind one `std` mutex that is never held across an `.await`: every
//! method here is synchronous, and waiting for a send goes through a `Notify`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use super::record::{Call, Upload};
use super::script::{AccountKind, Fault};
use crate::clock::unix_now;
use crate::ids::MediaKind;

mod platform;

/// WeChat's `expires_in` for access tokens: two hours.
const DEFAULT_TOKEN_TTL: u64 = 7200;

/// How a request's `access_token` fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenCheck {
    Valid,
    Missing,
    Unknown,
    Expired,
}

/// The emulator's memory, shared by the server and every [`super::Emulator`] clone.
#[derive(Debug)]
pub(super) struct State {
    pub(super) appid: String,
    pub(super) secret: String,
    pub(super) base_url: String,
    inner: Mutex<Inner>,
    sent_arrived: Notify,
}

#[derive(Debug)]
struct Inner {
    calls: Vec<Call>,
    unexpected: Vec<String>,
    script: HashMap<String, VecDeque<Fault>>,
    account_kind: AccountKind,
    token_ttl: u64,
    /// Token → when it stops working; `None` never (a TTL past `Instant`'s range).
    tokens: HashMap<String, Option<Instant>>,
    /// The token `/cgi-bin/stable_token` hands out until it expires or is force-refreshed.
    stable: Option<String>,
    issued: u64,
    media: HashMap<String, Upload>,
    /// Media ids of API uploads, in order (put media is stored but not listed).
    uploads: Vec<String>,
    sent: Vec<Value>,
    /// How many of `sent` `next_sent` has returned.
    sent_taken: usize,
    typing: Vec<Value>,
    platform: platform::Platform,
}

impl State {
    pub(super) fn new(appid: &str, secret: &str, base_url: String) -> Self {
        let inner = Inner {
            calls: Vec::new(),
            unexpected: Vec::new(),
            script: HashMap::new(),
            account_kind: AccountKind::default(),
            token_ttl: DEFAULT_TOKEN_TTL,
            tokens: HashMap::new(),
            stable: None,
            issued: 0,
            media: HashMap::new(),
            uploads: Vec::new(),
            sent: Vec::new(),
            sent_taken: 0,
            typing: Vec::new(),
            platform: platform::Platform::default(),
        };
        Self {
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            base_url,
            inner: Mutex::new(inner),
            sent_arrived: Notify::new(),
        }
    }

    /// A panic elsewhere (a failing test assertion) must not turn every later request into a
    /// second panic, so a poisoned lock is used as is: each method leaves `Inner` consistent.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn record(&self, call: Call) {
        self.lock().calls.push(call);
    }

    pub(super) fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub(super) fn count(&self, path: &str) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|call| call.path == path)
            .count()
    }

    pub(super) fn note_unexpected(&self, request: String) {
        self.lock().unexpected.push(request);
    }

    pub(super) fn unexpected(&self) -> Vec<String> {
        self.lock().unexpected.clone()
    }

    pub(super) fn push_fault(&self, path: &str, fault: Fault) {
        self.lock()
            .script
            .entry(path.to_owned())
            .or_default()
            .push_back(fault);
    }

    pub(super) fn take_fault(&self, path: &str) -> Option<Fault> {
        self.lock().script.get_mut(path)?.pop_front()
    }

    pub(super) fn set_account_kind(&self, kind: AccountKind) {
        self.lock().account_kind = kind;
    }

    pub(super) fn account_kind(&self) -> AccountKind {
        self.lock().account_kind
    }

    pub(super) fn set_token_ttl(&self, secs: u64) {
        self.lock().token_ttl = secs;
    }

    pub(super) fn expire_tokens(&self) {
        let now = Instant::now();
        for expires_at in self.lock().tokens.values_mut() {
            *expires_at = Some(now);
        }
    }

    /// A new token and its `expires_in`. Earlier tokens keep working until they expire, as
    /// WeChat's overlap after a refresh does (the old token stays valid for a few minutes).
    pub(super) fn issue_token(&self) -> (String, u64) {
        let mut inner = self.lock();
        inner.issued += 1;
        let token = format!("emu-token-{}", inner.issued);
        let ttl = inner.token_ttl;
        let expires_at = Instant::now().checked_add(Duration::from_secs(ttl));
        inner.tokens.insert(token.clone(), expires_at);
        (token, ttl)
    }

    /// `/cgi-bin/stable_token`: the current stable token while it is valid, unless
    /// `force_refresh`; otherwise a new one.
    pub(super) fn stable_token(&self, force_refresh: bool) -> (String, u64) {
        if !force_refresh {
            let inner = self.lock();
            let now = Instant::now();
            if let Some(token) = &inner.stable
                && let Some(expires_at) = inner.tokens.get(token)
            {
                let left = expires_at.map_or(inner.token_ttl, |at| {
                    // Rounded up, so a token with any time left never claims 0 seconds.
                    let left = at.saturating_duration_since(now);
                    left.as_secs() + u64::from(left.subsec_nanos() > 0)
                });
                if left > 0 {
                    return (token.clone(), left);
                }
            }
        }
        let (token, ttl) = self.issue_token();
        self.lock().stable = Some(token.clone());
        (token, ttl)
    }

    pub(super) fn check_token(&self, token: Option<&str>) -> TokenCheck {
        let Some(token) = token.filter(|token| !token.is_empty()) else {
            return TokenCheck::Missing;
        };
        match self.lock().tokens.get(token) {
            None => TokenCheck::Unknown,
            Some(Some(expires_at)) if Instant::now() >= *expires_at => TokenCheck::Expired,
            Some(_) => TokenCheck::Valid,
        }
    }

    /// Stores media under a new id; `uploaded` lists it in [`Self::uploads`].
    pub(super) fn store_media(
        &self,
        kind: MediaKind,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
        uploaded: bool,
    ) -> Upload {
        let mut inner = self.lock();
        let media_id = format!("emu-{}-{}", kind.as_str(), inner.media.len() + 1);
        let upload = Upload {
            kind,
            media_id: media_id.clone(),
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
            created_at: unix_now(),
        };
        inner.media.insert(media_id.clone(), upload.clone());
        if uploaded {
            inner.uploads.push(media_id);
        }
        upload
    }

    pub(super) fn media(&self, media_id: &str) -> Option<Upload> {
        self.lock().media.get(media_id).cloned()
    }

    pub(super) fn uploads(&self) -> Vec<Upload> {
        let inner = self.lock();
        inner
            .uploads
            .iter()
            .filter_map(|id| inner.media.get(id).cloned())
            .collect()
    }

    /// Records a customer-service message and wakes `next_sent` waiters.
    pub(super) fn push_sent(&self, message: Value) {
        self.lock().sent.push(message);
        self.sent_arrived.notify_waiters();
    }

    pub(super) fn sent(&self) -> Vec<Value> {
        self.lock().sent.clone()
    }

    pub(super) fn take_next_sent(&self) -> Option<Value> {
        let mut inner = self.lock();
        let message = inner.sent.get(inner.sent_taken)?.clone();
        inner.sent_taken += 1;
        Some(message)
    }

    /// Resolves at the next [`Self::push_sent`] after it is enabled or first polled.
    pub(super) fn sent_arrived(&self) -> Notified<'_> {
        self.sent_arrived.notified()
    }

    pub(super) fn push_typing(&self, command: Value) {
        self.lock().typing.push(command);
        self.sent_arrived.notify_waiters();
    }

    pub(super) fn typing(&self) -> Vec<Value> {
        self.lock().typing.clone()
    }
}
