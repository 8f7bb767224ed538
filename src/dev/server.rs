//! The playground's actix app: the page, its API, the media it shows, the event stream, and
//! the bot's real callback endpoint, all on one port.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use super::stream::Hub;
use super::{api, media, page, stream};
use crate::bot::Bot;
use crate::clock::unix_now;
use crate::config::{Config, ConfigError, MediaConfig, Mode};
use crate::emulator::{Emulator, Pusher};
use crate::endpoint;
use crate::ids::MediaKind;

/// The paths the page owns; the callback may not sit on one of them.
const RESERVED: &[&str] = &["/api", "/media", "/static"];

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
    /// The `ThumbMediaId` of uploaded videos.
    pub(super) video_thumb: String,
    hub: Arc<Hub>,
    msg_ids: AtomicU64,
}

impl Shared {
    pub(super) fn new(
        config: &Config,
        emulator: Emulator,
        pusher: Pusher,
        key_made_up: bool,
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
            video_thumb,
            hub: Arc::new(Hub::default()),
            msg_ids: AtomicU64::new(first_id),
        })
    }

    /// The stream of customer-service messages.
    pub(super) fn hub(&self) -> Arc<Hub> {
        Arc::clone(&self.hub)
    }

    /// A fresh `MsgId`.
    pub(super) fn next_msg_id(&self) -> u64 {
        self.msg_ids.fetch_add(1, Ordering::Relaxed)
    }
}

/// Refuses a callback path the page's routes would shadow, as a configuration error (exit 2).
pub(super) fn check_path(path: &str) -> Result<(), ConfigError> {
    let taken = path == "/"
        || RESERVED
            .iter()
            .any(|reserved| path == *reserved || path.starts_with(&format!("{reserved}/")));
    if taken {
        return Err(ConfigError {
            problems: vec![format!(
                "server.path {path:?} is taken by the playground's page (/, /api, /media, /static)"
            )],
        });
    }
    Ok(())
}

/// Builds the server on `listener`. It runs once polled; stopping it is the caller's.
pub(super) fn run<S: Clone + Send + Sync + 'static>(
    listener: TcpListener,
    shared: web::Data<Shared>,
    bot: Bot<S>,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/", web::get().to(page::index))
            .route("/static/{file}", web::get().to(page::asset))
            .route("/media/{id}", web::get().to(media::file))
            .route("/api/info", web::get().to(api::info))
            .route("/api/send", web::post().to(api::send))
            .route("/api/media", web::post().to(media::upload))
            .route("/api/events", web::get().to(stream::events))
            // The same wiring as `wxbot serve`: the page reaches the bot over HTTP, as WeChat.
            .configure(endpoint::configure(bot.clone()))
            .default_service(web::to(api::not_found))
    })
    // A page, a bot and a few event streams: two workers are plenty.
    .workers(2)
    // Ctrl-C belongs to `wxbot dev`, which stops the playground and the emulator together.
    .disable_signals()
    // Event streams never end by themselves; a stop must not wait for them.
    .shutdown_timeout(1)
    .listen(listener)?;
    Ok(server.run())
}
