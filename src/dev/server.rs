//! The playground's actix app: the page, its API, the media it shows, the event stream, and
//! the bot's real callback endpoint, all on one port.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use super::shared::Shared;
use super::{api, media, page, stream};
use crate::bot::Bot;
use crate::config::ConfigError;
use crate::endpoint;

/// The paths the page owns; the callback may not sit on one of them.
const RESERVED: &[&str] = &["/api", "/media", "/static"];

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
            .route("/api/account", web::post().to(api::account))
            .route("/api/menu", web::get().to(api::platform::menu))
            .route("/api/qrcodes", web::get().to(api::platform::qr_codes))
            .route(
                "/api/template/finish",
                web::post().to(api::platform::finish_template),
            )
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
