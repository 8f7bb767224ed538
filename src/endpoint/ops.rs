//! The operator's endpoints: `GET /healthz` (the process serves), `GET /readyz` (the store
//! answers and an access token is at hand) and `GET /metrics` (Prometheus text). None needs a
//! signature, and none reveals configuration.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};

use crate::bot::{Bot, NotReady};

/// Mounts `/healthz`, `/readyz` and `/metrics` for `bot`: on the callback's app unless
/// `server.ops_bind` names an address of their own (then `serve` runs them there).
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use wxbot::prelude::*;
/// use wxbot::{Bot, Config, endpoint};
///
/// async fn echo(text: Text) -> String { text.content }
///
/// # async fn run() -> std::io::Result<()> {
/// let bot = Bot::new(&Config::load(None).expect("config"), Router::new().on(echo)).expect("bot");
/// HttpServer::new(move || {
///     App::new()
///         .configure(endpoint::configure(bot.clone()))
///         .configure(endpoint::ops(bot.clone()))
/// })
/// .bind("127.0.0.1:8080")?
/// .run()
/// .await
/// # }
/// ```
pub fn configure<S: Clone + Send + Sync + 'static>(
    bot: Bot<S>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let ready = bot.clone();
        cfg.route("/healthz", web::get().to(healthz))
            .route(
                "/readyz",
                web::get().to(move || {
                    let bot = ready.clone();
                    async move { readyz(&bot).await }
                }),
            )
            .route(
                "/metrics",
                web::get().to(move || {
                    let text = bot.render_metrics();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/plain; version=0.0.4; charset=utf-8")
                            .body(text)
                    }
                }),
            );
    }
}

/// Alive: the process answers HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body("ok")
}

/// Ready for traffic, or 503 naming what is missing (not how it is configured).
async fn readyz<S: Clone + Send + Sync + 'static>(bot: &Bot<S>) -> HttpResponse {
    match bot.ready().await {
        Ok(()) => HttpResponse::Ok()
            .content_type(ContentType::plaintext())
            .body("ready"),
        Err(not_ready) => {
            let why = match not_ready {
                NotReady::Store(_) => "not ready: the store does not answer",
                NotReady::Token(_) => "not ready: no access token can be had",
            };
            HttpResponse::ServiceUnavailable()
                .content_type(ContentType::plaintext())
                .body(why)
        }
    }
}
