//! The task that sends one thread's lots, and what its early end leaves behind.

use std::sync::Arc;

use super::{Link, Outbox, Sender, Start, WRITE_WITHIN};

impl Link {
    /// Starts a sender for `outbox`, as queueing said (`start`).
    pub(super) fn start(self: &Arc<Self>, outbox: Arc<Outbox>, start: Start) {
        let role = match start {
            Start::None => return,
            Start::Now => Sender::Sending,
            Start::Within => Sender::Waiting,
        };
        let mut sender = Armed {
            link: Arc::clone(self),
            outbox,
            role: Some(role),
        };
        tokio::spawn(async move {
            if role == Sender::Waiting {
                tokio::time::sleep(WRITE_WITHIN).await;
                if !sender.outbox.waited() {
                    // An ask started a sender meanwhile, which takes the writes too.
                    sender.disarm();
                    return;
                }
                sender.role = Some(Sender::Sending);
            }
            loop {
                // Once round the worker's queue first (tokio polls its sockets too): the
                // requests ready by then join the lot.
                tokio::task::yield_now().await;
                let Some(lot) = sender.outbox.next_lot() else {
                    sender.disarm();
                    return;
                };
                sender.link.flush(lot).await;
            }
        });
    }
}

/// A sender's task, armed while it is the outbox's sender (`role`). Dropped armed (its
/// runtime stopped, or it panicked), it fails what is queued (asks answered `Down`, writes
/// counted lost) and leaves no sender, so the next ask starts one: nobody waits on a sender
/// that is gone.
struct Armed {
    link: Arc<Link>,
    outbox: Arc<Outbox>,
    role: Option<Sender>,
}

impl Armed {
    /// The task is no longer the sender: its end leaves nothing behind.
    fn disarm(&mut self) {
        self.role = None;
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        let Some(role) = self.role.take() else {
            return;
        };
        if let Some(lot) = self.outbox.abandon(role) {
            self.link.fail(lot.entries);
        }
    }
}
