//! The emulator's memory of the platform around the messages: the custom menu, QR codes,
//! template and subscription messages, and users. Kept under `state.rs`'s one lock, as
//! everything else.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::State;
use crate::clock::unix_now;
use crate::emulator::record::{QrCode, User};

/// WeChat's template msgids are nine or ten digits; the first one looks the part.
const FIRST_MSGID: u64 = 200_163_836;

/// What the platform APIs remember.
#[derive(Debug)]
pub(super) struct Platform {
    /// The menu as created (`{"button": [...]}`).
    menu: Option<Value>,
    qr_codes: Vec<QrCode>,
    /// Users a test or an API call set; anyone else is a follower of whom nothing is known.
    users: HashMap<String, User>,
    /// When the emulator started: the follow time of users it knows nothing of.
    started: u64,
    /// Template id → title, once a test names the templates; until then any id is known.
    known_templates: Option<HashMap<String, String>>,
    /// Accepted template messages, each with its `msgid`.
    templates: Vec<Value>,
    /// How many of `templates` `next_template` has returned.
    templates_taken: usize,
    subscribe_messages: Vec<Value>,
    next_msgid: u64,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            menu: None,
            qr_codes: Vec::new(),
            users: HashMap::new(),
            started: unix_now(),
            known_templates: None,
            templates: Vec::new(),
            templates_taken: 0,
            subscribe_messages: Vec::new(),
            next_msgid: FIRST_MSGID,
        }
    }
}

impl State {
    pub(in crate::emulator) fn set_menu(&self, menu: Value) {
        self.lock().platform.menu = Some(menu);
    }

    pub(in crate::emulator) fn menu(&self) -> Option<Value> {
        self.lock().platform.menu.clone()
    }

    pub(in crate::emulator) fn delete_menu(&self) {
        self.lock().platform.menu = None;
    }

    /// Keeps a new code; `make` gets its number (1 for the first) and makes it.
    pub(in crate::emulator) fn add_qr_code(&self, make: impl FnOnce(usize) -> QrCode) -> QrCode {
        let mut inner = self.lock();
        let code = make(inner.platform.qr_codes.len() + 1);
        inner.platform.qr_codes.push(code.clone());
        code
    }

    pub(in crate::emulator) fn qr_codes(&self) -> Vec<QrCode> {
        self.lock().platform.qr_codes.clone()
    }

    pub(in crate::emulator) fn qr_code(&self, ticket: &str) -> Option<QrCode> {
        let inner = self.lock();
        let codes = &inner.platform.qr_codes;
        codes.iter().find(|code| code.ticket == ticket).cloned()
    }

    /// The user `openid`, as stored or a follower of whom nothing is known.
    pub(in crate::emulator) fn user(&self, openid: &str) -> User {
        let inner = self.lock();
        inner
            .platform
            .users
            .get(openid)
            .cloned()
            .unwrap_or_else(|| User {
                subscribe_time: inner.platform.started,
                ..User::default()
            })
    }

    pub(in crate::emulator) fn set_user(&self, openid: &str, mut user: User) {
        if user.subscribe_time == 0 {
            user.subscribe_time = unix_now();
        }
        self.lock().platform.users.insert(openid.to_owned(), user);
    }

    /// Follows or unfollows; a new follow is timed now, and a user who stays as they are is
    /// left alone.
    pub(in crate::emulator) fn set_following(&self, openid: &str, following: bool) {
        let mut user = self.user(openid);
        if user.subscribe != following {
            user.subscribe = following;
            user.subscribe_time = if following { unix_now() } else { 0 };
            self.lock().platform.users.insert(openid.to_owned(), user);
        }
    }

    pub(in crate::emulator) fn add_template(&self, template_id: &str, title: &str) {
        let mut inner = self.lock();
        let known = inner.platform.known_templates.get_or_insert_default();
        known.insert(template_id.to_owned(), title.to_owned());
    }

    /// Whether `template_id` may be sent: any id until a test names the templates.
    pub(in crate::emulator) fn knows_template(&self, template_id: &str) -> bool {
        let inner = self.lock();
        let known = inner.platform.known_templates.as_ref();
        known.is_none_or(|known| known.contains_key(template_id))
    }

    pub(in crate::emulator) fn template_title(&self, template_id: &str) -> Option<String> {
        let inner = self.lock();
        let known = inner.platform.known_templates.as_ref()?;
        known.get(template_id).cloned()
    }

    /// Records an accepted template message under a new msgid, which it answers, and wakes
    /// `next_template` waiters.
    pub(in crate::emulator) fn push_template(&self, mut message: Value) -> u64 {
        let msgid = {
            let mut inner = self.lock();
            let msgid = inner.platform.take_msgid();
            message["msgid"] = json!(msgid);
            inner.platform.templates.push(message);
            msgid
        };
        self.sent_arrived.notify_waiters();
        msgid
    }

    pub(in crate::emulator) fn templates(&self) -> Vec<Value> {
        self.lock().platform.templates.clone()
    }

    pub(in crate::emulator) fn take_next_template(&self) -> Option<Value> {
        let mut inner = self.lock();
        let platform = &mut inner.platform;
        let message = platform.templates.get(platform.templates_taken)?.clone();
        platform.templates_taken += 1;
        Some(message)
    }

    /// Records an accepted subscription message under a new msgid, which it answers.
    pub(in crate::emulator) fn push_subscribe_message(&self, mut message: Value) -> u64 {
        let mut inner = self.lock();
        let msgid = inner.platform.take_msgid();
        message["msgid"] = json!(msgid);
        inner.platform.subscribe_messages.push(message);
        msgid
    }

    pub(in crate::emulator) fn subscribe_messages(&self) -> Vec<Value> {
        self.lock().platform.subscribe_messages.clone()
    }
}

impl Platform {
    fn take_msgid(&mut self) -> u64 {
        let msgid = self.next_msgid;
        self.next_msgid += 1;
        msgid
    }
}
