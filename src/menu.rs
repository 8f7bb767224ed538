//! The account's custom menu, checked: [`Menu::check`] turns the config's `[menu]` into
//! buttons that keep WeChat's rules (three buttons, five to a sub-menu, names and keys within
//! their byte limits, the fields each type needs), or names every button that breaks one.
//! [`Menu::to_json`] is the body of `POST /cgi-bin/menu/create`. No I/O.

use serde_json::{Value, json};

use crate::config::MenuConfig;

/// At most this many buttons on the bar.
pub const MAX_BUTTONS: usize = 3;
/// At most this many buttons in one sub-menu.
pub const MAX_SUB_BUTTONS: usize = 5;
/// A bar button's name, in UTF-8 bytes as WeChat counts them (4 Chinese characters show).
pub const MAX_NAME_BYTES: usize = 16;
/// A sub-menu button's name, in bytes.
pub const MAX_SUB_NAME_BYTES: usize = 60;
/// A `key`, in bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// A `url`, in bytes.
pub const MAX_URL_BYTES: usize = 1024;

/// A menu that keeps WeChat's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    buttons: Vec<Button>,
}

/// A button on the bar: an action, or a sub-menu of up to five.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Button {
    /// A button that acts when tapped.
    Action(Entry),
    /// A button that opens a sub-menu.
    SubMenu {
        /// Its label.
        name: String,
        /// The sub-menu's buttons.
        entries: Vec<Entry>,
    },
}

/// A button that acts: its label and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The label.
    pub name: String,
    /// What a tap does.
    pub action: Action,
}

/// What a tap does, with the fields that type needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `type = "<kind>"` with a `key`: `click`, `scancode_push`, `scancode_waitmsg`,
    /// `pic_sysphoto`, `pic_photo_or_album`, `pic_weixin`, `location_select`; WeChat sends
    /// the matching event with the key.
    Keyed {
        /// The `type`.
        kind: KeyedKind,
        /// The `key` the event carries.
        key: String,
    },
    /// `view`: opens `url`.
    View {
        /// The page.
        url: String,
    },
    /// `miniprogram`: opens a mini program's page (`url` for clients without them).
    Miniprogram {
        /// The fallback page.
        url: String,
        /// The mini program's appid.
        appid: String,
        /// Its page.
        pagepath: String,
    },
    /// `article_id` (or `article_view_limited`): a published article.
    Article {
        /// Whether it is `article_view_limited`.
        limited: bool,
        /// The article.
        article_id: String,
    },
    /// `media_id` (or `view_limited`): a permanent material.
    Media {
        /// Whether it is `view_limited`.
        limited: bool,
        /// The material.
        media_id: String,
    },
}

/// The button types that send an event with their key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum KeyedKind {
    Click,
    ScancodePush,
    ScancodeWaitmsg,
    PicSysphoto,
    PicPhotoOrAlbum,
    PicWeixin,
    LocationSelect,
}

impl KeyedKind {
    const ALL: [Self; 7] = [
        Self::Click,
        Self::ScancodePush,
        Self::ScancodeWaitmsg,
        Self::PicSysphoto,
        Self::PicPhotoOrAlbum,
        Self::PicWeixin,
        Self::LocationSelect,
    ];

    /// The kind WeChat spells `name`.
    fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The `type` as WeChat spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Click => "click",
            Self::ScancodePush => "scancode_push",
            Self::ScancodeWaitmsg => "scancode_waitmsg",
            Self::PicSysphoto => "pic_sysphoto",
            Self::PicPhotoOrAlbum => "pic_photo_or_album",
            Self::PicWeixin => "pic_weixin",
            Self::LocationSelect => "location_select",
        }
    }
}

/// Every rule a menu breaks, each naming its button (`menu.button[1].sub_button[0] "Site"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("; "))]
pub struct MenuError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

mod check;

impl Menu {
    /// The menu `config` describes, if it keeps WeChat's rules; else every problem.
    pub fn check(config: &MenuConfig) -> Result<Self, MenuError> {
        check::menu(config)
    }

    /// The buttons, left to right.
    pub fn buttons(&self) -> &[Button] {
        &self.buttons
    }

    /// Every `click` key, with the name of its button.
    pub fn click_keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries().filter_map(|entry| match &entry.action {
            Action::Keyed {
                kind: KeyedKind::Click,
                key,
            } => Some((entry.name.as_str(), key.as_str())),
            _ => None,
        })
    }

    /// Every button that acts, on the bar or in a sub-menu.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.buttons.iter().flat_map(|button| match button {
            Button::Action(entry) => std::slice::from_ref(entry),
            Button::SubMenu { entries, .. } => entries.as_slice(),
        })
    }

    /// WeChat's JSON: the body of `POST /cgi-bin/menu/create`.
    pub fn to_json(&self) -> Value {
        let buttons: Vec<Value> = self
            .buttons
            .iter()
            .map(|button| match button {
                Button::Action(entry) => entry_json(entry),
                Button::SubMenu { name, entries } => json!({
                    "name": name,
                    "sub_button": entries.iter().map(entry_json).collect::<Vec<_>>(),
                }),
            })
            .collect();
        json!({ "button": buttons })
    }
}

fn entry_json(entry: &Entry) -> Value {
    let name = &entry.name;
    match &entry.action {
        Action::Keyed { kind, key } => json!({"type": kind.as_str(), "name": name, "key": key}),
        Action::View { url } => json!({"type": "view", "name": name, "url": url}),
        Action::Miniprogram {
            url,
            appid,
            pagepath,
        } => {
            json!({"type": "miniprogram", "name": name, "url": url, "appid": appid, "pagepath": pagepath})
        }
        Action::Article {
            limited,
            article_id,
        } => {
            let kind = if *limited {
                "article_view_limited"
            } else {
                "article_id"
            };
            json!({"type": kind, "name": name, "article_id": article_id})
        }
        Action::Media { limited, media_id } => {
            let kind = if *limited { "view_limited" } else { "media_id" };
            json!({"type": kind, "name": name, "media_id": media_id})
        }
    }
}

#[cfg(test)]
mod tests;
