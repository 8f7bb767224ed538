//! `[menu]`: the account's custom menu as written in the config, WeChat's JSON as TOML
//! (`[[menu.button]]`, `[[menu.button.sub_button]]`). Read as it is written; the rules
//! (how many buttons, how long a name, which fields a type needs) are checked by
//! `wxbot::menu::Menu::check`, which names the button that breaks one.

use serde::{Deserialize, Serialize};

/// `[menu]`: up to three buttons, each an action or a sub-menu.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MenuConfig {
    /// `[[menu.button]]`, in order from the left.
    pub button: Vec<ButtonConfig>,
}

/// One `[[menu.button]]` or `[[menu.button.sub_button]]`, as written: which fields it needs
/// depends on its `type`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ButtonConfig {
    /// `type`: `click`, `view`, `scancode_push`, … ; none for a button that opens a sub-menu.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The label.
    pub name: String,
    /// The key a `click` (and the scancode, pic and location types) sends with its event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The page a `view` opens (and a `miniprogram`'s fallback for old clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A `miniprogram`'s appid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// A `miniprogram`'s page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    /// An `article_id` or `article_view_limited` button's published article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// A `media_id` or `view_limited` button's permanent material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// The buttons of its sub-menu, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sub_button: Vec<Self>,
}
