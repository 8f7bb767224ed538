//! The callback through the HTTP endpoint in process (actix's test service: no socket), with
//! and without the access log, so the log's own cost per request shows: the line is
//! formatted as `serve` formats it, into a sink rather than a pipe, so the figure is wxbot's
//! cost, not the terminal's.

use std::hint::black_box;

use actix_web::body::MessageBody as _;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::web::Bytes;
use tracing::subscriber::with_default;
use wxbot::prelude::*;
use wxbot::{Bot, endpoint, testing};

use crate::common::bench;

async fn echo(text: Text) -> String {
    text.content
}

/// The log formats measured, as `serve` installs them (level `info`, no colours).
#[derive(Clone, Copy)]
pub(crate) enum Log {
    /// No subscriber: the endpoint mounts no access log.
    Off,
    /// `server.log_format = "text"`.
    Text,
    /// `server.log_format = "json"`.
    Json,
}

/// One measure: text echoes through the endpoint under `log`.
pub(crate) fn measure(name: &str, log: Log) -> f64 {
    let config = testing::config();
    let bot = Bot::new(&config, Router::new().on(echo)).expect("bot");
    let uri = format!("{}?{}", config.server.path, testing::signed_query(&config));
    // Distinct MsgIds, as under real traffic.
    let bodies: Vec<Bytes> = (0..100_000)
        .map(|_| Bytes::from(testing::text_message("bench 你好")))
        .collect();
    let run = || {
        let system = actix_web::rt::System::new();
        // Mounted after the subscriber is in place: the endpoint decides then whether to log.
        let app = system.block_on(init_service(
            actix_web::App::new().configure(endpoint::configure(bot.clone())),
        ));
        let mut next = bodies.iter().cycle();
        bench(name, || {
            let body = next.next().expect("cycle").clone();
            let request = TestRequest::post().uri(&uri).set_payload(body);
            let response = system.block_on(call_service(&app, request.to_request()));
            assert!(response.status().is_success());
            black_box(response.into_body().try_into_bytes().is_ok())
        })
    };
    match log {
        Log::Off => run(),
        Log::Text => with_default(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(std::io::sink)
                .finish(),
            run,
        ),
        Log::Json => with_default(
            tracing_subscriber::fmt()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_max_level(tracing::Level::INFO)
                .with_writer(std::io::sink)
                .finish(),
            run,
        ),
    }
}
