//! Replies not ready by the deadline, besides the customer-service path: the `"retries"`
//! policy (hold each delivery so WeChat delivers again, answer a later delivery passively once
//! the reply is ready, and the last one with `session.pending_notice` if it is still not), the
//! replies that wait in the store for their user's next message, and the typing indicator.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::dedup::{Decision, Slot, Verdict};
use super::job::Job;
use super::{Answer, Bot};
use crate::clock::unix_now;
use crate::message::{Header, Incoming};
use crate::reply::{Reply, render};

/// WeChat delivers a message at most this many times.
const DELIVERIES: u32 = 3;
/// How long a delivery is held under `"retries"`: a little past WeChat's 5 s, after which it
/// has stopped listening and delivers again.
const HOLD: Duration = Duration::from_millis(5500);

/// The store's name for the reply waiting for `user`.
fn pending_name(user: &str) -> String {
    format!("pending:{user}")
}

/// Whether a message can carry a passive reply the user sees: a message, or an event the
/// user triggered in the chat.
fn takes_a_reply(header: &Header) -> bool {
    header
        .event
        .as_deref()
        .is_none_or(|event| matches!(event, "subscribe" | "SCAN" | "CLICK"))
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// The reply waiting for the sender of `message`, taken once (across instances too): the
    /// passive answer to this message, which is then not routed.
    pub(super) async fn take_pending(&self, message: &Incoming) -> Option<Answer> {
        let inner = &self.inner;
        // In memory, only after this process kept one: nothing to look up on the hot path.
        let possible = inner.store.is_persistent() || inner.pending.load(Ordering::Relaxed) > 0;
        if !possible || !takes_a_reply(&message.header) {
            return None;
        }
        let name = pending_name(message.header.from.as_str());
        let xml = inner.store.get(&name).await?;
        if !inner.store.delete_if(&name, &xml).await {
            return None;
        }
        // Saturating: another process may have kept it.
        let _ = (inner.pending)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        tracing::info!("a late reply went out as the answer to the user's next message");
        Some(Answer::Reply(xml))
    }

    /// Keeps `xml` for the next message of the user `header` is from.
    pub(super) async fn keep_pending(&self, header: &Header, xml: &str) {
        let inner = &self.inner;
        let ttl = Duration::from_secs(self.config().session.pending_ttl_secs);
        inner.pending.fetch_add(1, Ordering::Relaxed);
        let name = pending_name(header.from.as_str());
        inner.store.put(&name, xml, ttl).await;
        tracing::info!(
            msg_type = %header.msg_type,
            msg_id = header.msg_id.as_ref().map(|id| id.as_str()),
            "late reply kept for the user's next message"
        );
    }

    /// Under `"retries"`: the answer to delivery number `n` of a message received at
    /// `received`. The verdict when it comes in time; else an early delivery is held until
    /// WeChat has stopped listening (it delivers again), and the last one answers the pending
    /// notice at its deadline, the reply then waiting for the user's next message.
    pub(super) async fn hold(
        &self,
        slot: &Slot,
        n: u32,
        received: Instant,
        header: &Header,
    ) -> Answer {
        let last = n >= DELIVERIES;
        let until = if last {
            received + Duration::from_millis(self.config().server.reply_deadline_ms)
        } else {
            received + HOLD
        };
        if let Ok(verdict) = tokio::time::timeout_at(until, slot.settled()).await {
            return Answer::of(verdict, header);
        }
        if !last {
            return Answer::Success;
        }
        if !slot.give_up() {
            // The job finished just now: its verdict is there.
            return Answer::of(slot.settled().await, header);
        }
        let notice = Reply::text(self.config().session.pending_notice.clone());
        render(header, &notice, unix_now()).map_or(Answer::Success, Answer::Reply)
    }

    /// Under `"retries"`: the job's task, with no deadline. Its verdict is decided when it
    /// finishes; if the last delivery gave up first, the reply waits for the user.
    pub(super) async fn run_held(&self, job: Job, decision: &Decision, message: &Incoming) {
        let ready = job.await;
        let xml = ready.as_ref().map(|ready| ready.xml.clone());
        decision.decide(Verdict::of(ready.map(|ready| ready.reply)));
        if decision.slot().finished_after_notice()
            && let Some(xml) = xml
        {
            self.keep_pending(&message.header, &xml).await;
        }
    }
}
