//! What the page's handlers share, built once before the server starts: the emulator, the
//! pusher that plays WeChat towards the bot, the account's settings and menu, the
//! customer-service and template [`Hub`], and the `MsgId`s handed out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::web;

use super::hub::Hub;
use crate::clock::unix_now;
use crate::config::{Config, LateReply, MediaConfig, Mode};
use crate::emulator::{Emulator, Pusher};
use crate::ids::MediaKind;
use crate::menu::Menu;

/// The cover of every video the page uploads: a WeChat video message carries a
/// `ThumbMediaId`, and the page has no way to make one.
const VIDEO_THUMB: &[u8] = include_bytes!("../../assets/demo-thumb.jpg");

/// The account's original id (`gh_…`), the `ToUserName` of every message.
pub(super) const ACCOUNT: &str = "gh_wxbot_playground";

/// What the page's handlers share, built once outside `HttpServer::new`.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) emulator: Emulator,
    pub(super) pusher: Pusher,
    /// The upload limits: files from the page obey the same `[media]` limits as the bot's.
    pub(super) media: MediaConfig,
    pub(super) callback_path: String,
    pub(super) appid: String,
    /// The bot's mode: compatible, or safe when the account says so.
    pub(super) mode: Mode,
    /// Whether the EncodingAESKey was made up for the playground.
    pub(super) key_made_up: bool,
    /// The bot's `server.late_reply`, shown beside the account-type picker.
    pub(super) late_reply: LateReply,
    /// The bot's `server.reply_deadline_ms`: when a reply counts as late.
    pub(super) reply_deadline_ms: u64,
    /// The `ThumbMediaId` of uploaded videos.
    pub(super) video_thumb: String,
    /// The config's `[menu]` as WeChat's JSON, when it has one that keeps WeChat's rules:
    /// the page draws it until the emulator holds a pushed menu.
    pub(super) menu: Option<serde_json::Value>,
    /// The account's name on the chat bar, and the messages the page suggests.
    pub(super) title: String,
    pub(super) suggestions: Vec<String>,
    hub: Arc<Hub>,
    msg_ids: AtomicU64,
}

impl Shared {
    pub(super) fn new(
        config: &Config,
        emulator: Emulator,
        pusher: Pusher,
        key_made_up: bool,
        (title, suggestions): (String, Vec<String>),
    ) -> web::Data<Self> {
        let video_thumb = emulator.put_media(
            MediaKind::Thumb,
            "video-thumb.jpg",
            "image/jpeg",
            VIDEO_THUMB.to_vec(),
        );
        // WeChat's MsgIds are 64-bit and unique per account; seconds × 10⁶ looks the part
        // and never repeats an id of an earlier run.
        let first_id = unix_now().saturating_mul(1_000_000);
        web::Data::new(Self {
            emulator,
            pusher,
            media: config.media.clone(),
            callback_path: config.server.path.clone(),
            appid: config.account.appid.clone(),
            mode: config.account.mode,
            key_made_up,
            late_reply: config.server.late_reply,
            reply_deadline_ms: config.server.reply_deadline_ms,
            video_thumb,
            menu: config_menu(config),
            title,
            suggestions,
            hub: Arc::new(Hub::default()),
            msg_ids: AtomicU64::new(first_id),
        })
    }

    /// The stream of customer-service and template messages.
    pub(super) fn hub(&self) -> Arc<Hub> {
        Arc::clone(&self.hub)
    }

    /// A fresh `MsgId`.
    pub(super) fn next_msg_id(&self) -> u64 {
        self.msg_ids.fetch_add(1, Ordering::Relaxed)
    }
}

/// The config's menu as WeChat's JSON; none without buttons, or when it breaks WeChat's
/// rules, as `wxbot menu push` would refuse it (the bot's start-up warning names how).
fn config_menu(config: &Config) -> Option<serde_json::Value> {
    if config.menu.button.is_empty() {
        return None;
    }
    match Menu::check(&config.menu) {
        Ok(menu) => Some(menu.to_json()),
        Err(_) => {
            // The bot has warned of each problem already, as it starts.
            tracing::info!("[menu] breaks WeChat's rules: the playground draws no menu");
            None
        }
    }
}
