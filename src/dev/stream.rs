//! Customer-service messages to the page as they arrive: one task reads the emulator's sends
//! and publishes each as a server-sent event (`text/event-stream`, event `custom`) to every
//! open page.
//!
//! A page that reconnects sends `Last-Event-ID` (browsers do it by themselves) and gets what
//! it missed; a fresh page starts with what arrives from then on, as a chat opened anew would.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use serde_json::json;
use tokio::sync::broadcast;

use super::server::Shared;
use super::view;
use crate::emulator::Emulator;

/// A comment line this often keeps proxies from closing an idle stream, and lets the server
/// notice a page that went away.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Messages a slow page may fall behind by before it skips some (it then reloads them).
const BACKLOG: usize = 256;

/// One published message: its id and its `data:` line.
#[derive(Debug, Clone)]
struct Event {
    id: u64,
    data: Arc<str>,
}

/// Every published message, and the channel live pages listen on.
#[derive(Debug)]
pub(super) struct Hub {
    history: Mutex<Vec<Event>>,
    live: broadcast::Sender<Event>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            history: Mutex::new(Vec::new()),
            live: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Hub {
    fn publish(&self, message: &serde_json::Value, view: &view::View) {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let id = history.len() as u64 + 1;
        let data = json!({ "id": id, "view": view, "json": message }).to_string();
        let event = Event {
            id,
            data: data.into(),
        };
        history.push(event.clone());
        // Published under the lock, so a subscriber sees each event once: in its history
        // snapshot or on the channel, never both, never neither.
        let _ = self.live.send(event);
    }

    /// The events after `after`, and a receiver for the ones to come.
    fn subscribe(&self, after: Option<u64>) -> (Vec<Event>, broadcast::Receiver<Event>) {
        let history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let missed = match after {
            Some(after) => history
                .iter()
                .filter(|event| event.id > after)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        (missed, self.live.subscribe())
    }
}

/// Reads the emulator's customer-service messages for as long as the playground runs.
pub(super) async fn forward(emulator: Emulator, hub: Arc<Hub>) {
    loop {
        let message = emulator.next_sent().await;
        let view = view::custom(&message, &emulator);
        hub.publish(&message, &view);
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
        first.push_str(&frame(event));
    }
    let head = stream::once(async move { Ok::<_, Infallible>(Bytes::from(first)) });
    let tail = stream::unfold(live, |mut live| async move {
        loop {
            let chunk = tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => frame(&event),
                    // Fell BACKLOG messages behind: skip them rather than end the stream.
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

fn frame(event: &Event) -> String {
    format!("id: {}\nevent: custom\ndata: {}\n\n", event.id, event.data)
}
