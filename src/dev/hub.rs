//! Every customer-service and template message the playground has published, and the channel open pages
//! listen on: `stream.rs` publishes into it and serves it as server-sent events.

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::json;
use tokio::sync::broadcast;

use super::view::View;

/// Messages a slow page may fall behind by before it skips some (it then reloads them).
const BACKLOG: usize = 256;

/// One published message: its id, its event type and its `data:` line.
#[derive(Debug, Clone)]
pub(super) struct Event {
    id: u64,
    kind: &'static str,
    data: Arc<str>,
}

impl Event {
    /// The event as the stream carries it.
    pub(super) fn frame(&self) -> String {
        format!(
            "id: {}\nevent: {}\ndata: {}\n\n",
            self.id, self.kind, self.data
        )
    }
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
    /// Keeps `message` (a customer-service or template message's JSON, event type `kind`:
    /// `custom` or `template`) with its `view`, and sends it to every live page.
    pub(super) fn publish(&self, kind: &'static str, message: &serde_json::Value, view: &View) {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let id = history.len() as u64 + 1;
        let data = json!({ "id": id, "view": view, "json": message }).to_string();
        let event = Event {
            id,
            kind,
            data: data.into(),
        };
        history.push(event.clone());
        // Published under the lock, so a subscriber sees each event once: in its history
        // snapshot or on the channel, never both, never neither.
        let _ = self.live.send(event);
    }

    /// The events after `after`, and a receiver for the ones to come.
    pub(super) fn subscribe(&self, after: Option<u64>) -> (Vec<Event>, broadcast::Receiver<Event>) {
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
