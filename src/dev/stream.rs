//! Customer-service and template messages to the page as they arrive: one task reads the
//! emulator's sends and publishes each in the [`Hub`], which every open page reads as
//! server-sent events (`text/event-stream`, event `custom` or `template`).
//!
//! A page that reconnects sends `Last-Event-ID` (browsers do it by themselves) and gets what
//! it missed; a fresh page starts with what arrives from then on, as a chat opened anew would.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use tokio::sync::broadcast;

use super::hub::Hub;
use super::shared::Shared;
use super::view;
use crate::emulator::Emulator;

/// A comment line this often keeps proxies from closing an idle stream, and lets the server
/// notice a page that went away.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Reads the emulator's customer-service and template messages for as long as the
/// playground runs.
pub(super) async fn forward(emulator: Emulator, hub: Arc<Hub>) {
    loop {
        // Both waits are cancel-safe: a message is taken only as its wait returns it.
        tokio::select! {
            message = emulator.next_sent() => {
                hub.publish("custom", &message, &view::custom(&message, &emulator));
            }
            message = emulator.next_template() => {
                hub.publish("template", &message, &view::template(&message, &emulator));
            }
        }
    }
}

/// `GET /api/events`: the event stream.
pub(super) async fn events(req: HttpRequest, shared: Data<Shared>) -> HttpResponse {
    let after = req
        .headers()
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());
    let (missed, live) = shared.hub().subscribe(after);
    // The first chunk tells the browser how soon to reconnect, and the page that it listens.
    let mut first = String::from("retry: 1000\nevent: ready\ndata: {}\n\n");
    for event in &missed {
        first.push_str(&event.frame());
    }
    let head = stream::once(async move { Ok::<_, Infallible>(Bytes::from(first)) });
    let tail = stream::unfold(live, |mut live| async move {
        loop {
            let chunk = tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => event.frame(),
                    // Fell the hub's backlog behind: skip, rather than end the stream.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep(KEEP_ALIVE) => ": keep-alive\n\n".to_owned(),
            };
            return Some((Ok::<_, Infallible>(Bytes::from(chunk)), live));
        }
    });
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .streaming(futures_util::StreamExt::chain(head, tail))
}
