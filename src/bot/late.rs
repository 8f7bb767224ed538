//! Replies not ready by the deadline, besides the customer-service path: the `"retries"`
//! policy (hold each delivery so WeChat delivers again, answer a later delivery passively once
//! the reply is ready, and the last one with `session.pending_notice` if it is still not), the
//! replies that wait in the store for their user's next message, and the typing indicator.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::dedup::{Decision, Slot, Verdict};
use super::job::Job;
use super::{Answer, Bot};
use crate::clock::unix_now;
use crate::config::LateReply;
use crate::message::{Header, Incoming};
use crate::reply::{Reply, render};

/// WeChat delivers a message at most this many times.
const DELIVERIES: u32 = 3;
/// How long a delivery is held under `"retries"`: a little past WeChat's 5 s, after which it
/// has stopped listening and delivers again.
const HOLD: Duration = Duration::from_millis(5500);

/// How long the last delivery waits for a reply that was finished as it gave up.
const GRACE: Duration = Duration::from_millis(500);

/// What this process knows of the replies waiting in a store it does not share: how many it
/// kept (or found at start-up) and not yet handed out, and when the last of them expires. Once
/// none can be left, the hot path looks nothing up again.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    count: AtomicUsize,
    /// Unix seconds.
    until: AtomicU64,
}

impl Waiting {
    /// `count` replies an earlier run left, living at most `ttl` from now.
    pub(super) fn left(count: usize, ttl: Duration) -> Self {
        let waiting = Self::default();
        if count > 0 {
            waiting.count.store(count, Ordering::Relaxed);
            waiting
                .until
                .store(unix_now() + ttl.as_secs(), Ordering::Relaxed);
        }
        waiting
    }

    /// Whether a reply may still wait.
    fn may_hold(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0 && unix_now() < self.until.load(Ordering::Relaxed)
    }

    /// One more reply waits, for `ttl`.
    fn kept(&self, ttl: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.until
            .fetch_max(unix_now() + ttl.as_secs(), Ordering::Relaxed);
    }

    /// One reply was handed out (saturating: another process may have kept it).
    fn taken(&self) {
        let _ =
            (self.count).fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
}

/// The start of the store's names for replies waiting for their users.
pub(super) const PENDING: &str = "pending:";

/// The store's name for the reply waiting for `user`.
fn pending_name(user: &str) -> String {
    [PENDING, user].concat()
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
    /// Whether a reply may wait for the sender of `message`, who can take it. Only with a
    /// shared store (another instance may have kept it), or once this process kept one or
    /// found one an earlier run left (file), so the hot path of memory and file looks nothing
    /// up.
    pub(super) fn may_have_pending(&self, message: &Incoming) -> bool {
        let inner = &self.inner;
        let possible = inner.store.is_shared() || inner.pending.may_hold();
        possible && takes_a_reply(&message.header)
    }

    /// The reply waiting for the sender of `message`, taken once (across instances too): the
    /// passive answer to this message, which is then not routed.
    pub(super) async fn take_pending(&self, message: &Incoming) -> Option<Answer> {
        let inner = &self.inner;
        let name = pending_name(message.header.from.as_str());
        let xml = inner.store.get(&name).await?;
        if !inner.store.delete_if(&name, &xml).await {
            return None;
        }
        Some(self.pending_taken(xml))
    }

    /// A waiting reply was taken: it is this message's answer.
    pub(super) fn pending_taken(&self, xml: String) -> Answer {
        self.inner.pending.taken();
        tracing::info!("a late reply went out as the answer to the user's next message");
        Answer::Reply(xml)
    }

    /// The store's name for the reply that may wait for the sender of the message `header`
    /// heads, when that message can carry it.
    pub(super) fn pending_for(header: &Header) -> Option<String> {
        takes_a_reply(header).then(|| pending_name(header.from.as_str()))
    }

    /// Keeps `xml` for the next message of the user `header` is from.
    pub(super) async fn keep_pending(&self, header: &Header, xml: &str) {
        let inner = &self.inner;
        let ttl = Duration::from_secs(self.config().session.pending_ttl_secs);
        let name = pending_name(header.from.as_str());
        if inner.store.get(&name).await.is_some() {
            tracing::warn!("a late reply replaces an older one still waiting for the same user");
        } else {
            inner.pending.kept(ttl);
        }
        inner.store.put_waiting(&name, xml, ttl).await;
        tracing::info!(
            msg_type = %header.msg_type,
            msg_id = header.msg_id.as_ref().map(|id| id.as_str()),
            "late reply kept for the user's next message"
        );
    }

    /// Whether `server.late_reply` is `"retries"`.
    pub(super) fn holds_late_replies(&self) -> bool {
        self.config().server.late_reply == LateReply::Retries
    }

    /// The answer to a repeated delivery: the first delivery's verdict, waited for (under
    /// `"retries"`, held as the first was).
    pub(super) async fn repeat(
        &self,
        slot: &Slot,
        shared: Option<&str>,
        received: Instant,
        header: &Header,
    ) -> Answer {
        let n = if self.holds_late_replies() {
            let arbiter = shared.map_or(Arbiter::Local(slot), Arbiter::Shared);
            Some(self.delivery_number(arbiter).await)
        } else {
            None
        };
        self.verdict(slot, n, received, header, shared).await
    }

    /// The answer to delivery number `n` from the message's slot: the verdict once decided;
    /// under `"retries"` (`n` given), held as [`Bot::hold`] says.
    pub(super) async fn verdict(
        &self,
        slot: &Slot,
        n: Option<u32>,
        received: Instant,
        header: &Header,
        shared: Option<&str>,
    ) -> Answer {
        let settled = async { Answer::of(slot.settled().await, header) };
        let Some(n) = n else {
            return settled.await;
        };
        let arbiter = shared.map_or(Arbiter::Local(slot), Arbiter::Shared);
        self.hold(settled, n, received, header, arbiter).await
    }

    /// Under `"retries"`: the answer to delivery number `n` of a message received at
    /// `received`, given the future of its verdict. The verdict when it comes in time; else an
    /// early delivery is held until WeChat has stopped listening (it delivers again), and the
    /// last one answers the pending notice at its deadline, the reply then waiting for the
    /// user's next message.
    pub(super) async fn hold(
        &self,
        verdict: impl Future<Output = Answer>,
        n: u32,
        received: Instant,
        header: &Header,
        arbiter: Arbiter<'_>,
    ) -> Answer {
        let last = n >= DELIVERIES;
        let until = if last {
            received + Duration::from_millis(self.config().server.reply_deadline_ms)
        } else {
            received + HOLD
        };
        let mut verdict = std::pin::pin!(verdict);
        if let Ok(answer) = tokio::time::timeout_at(until, &mut verdict).await {
            return answer;
        }
        if !last {
            return Answer::Success;
        }
        if !self.give_up(arbiter).await {
            // The job finished just now: its answer is there, or about to be.
            let late = tokio::time::timeout(GRACE, verdict).await;
            return late.unwrap_or(Answer::Success);
        }
        self.metrics().deadline_fallback();
        let notice = Reply::text(self.config().session.pending_notice.clone());
        render(header, &notice, unix_now()).map_or(Answer::Success, Answer::Reply)
    }

    /// Under `"retries"`: the job's task, with no deadline. Its verdict is decided when it
    /// finishes; if the last delivery gave up first, the reply waits for the user.
    pub(super) async fn run_held(
        &self,
        job: Job,
        decision: &Decision,
        message: &Incoming,
        shared: Option<&str>,
    ) {
        let ready = job.await;
        let xml = ready.as_ref().map(|ready| ready.xml.clone());
        decision.decide(Verdict::of(ready.map(|ready| ready.reply)));
        let slot = decision.slot();
        let arbiter = shared.map_or(Arbiter::Local(&slot), Arbiter::Shared);
        if self.finished_after_notice(arbiter).await
            && let Some(xml) = xml
        {
            self.keep_pending(&message.header, &xml).await;
        }
    }

    /// The number of this delivery of the message, from 2 (the first delivery is the owner's).
    pub(super) async fn delivery_number(&self, arbiter: Arbiter<'_>) -> u32 {
        match arbiter {
            Arbiter::Local(slot) => slot.delivered(),
            Arbiter::Shared(name) => {
                for n in 2..DELIVERIES {
                    let claim = format!("{name}:delivery:{n}");
                    if self.put_marker(&claim, self.inner.store.instance()).await != Ok(false) {
                        return n;
                    }
                }
                DELIVERIES
            }
        }
    }

    /// The last delivery gives up waiting: whether it is the one to answer the pending notice
    /// (the job has not finished).
    async fn give_up(&self, arbiter: Arbiter<'_>) -> bool {
        match arbiter {
            Arbiter::Local(slot) => slot.give_up(),
            Arbiter::Shared(name) => {
                let marker = format!("{name}:late");
                self.put_marker(&marker, NOTICED).await != Ok(false)
            }
        }
    }

    /// The job finished: whether a delivery already gave up, so the reply must wait.
    async fn finished_after_notice(&self, arbiter: Arbiter<'_>) -> bool {
        match arbiter {
            Arbiter::Local(slot) => slot.finished_after_notice(),
            Arbiter::Shared(name) => {
                let marker = format!("{name}:late");
                // A store that fails: keep the reply (a duplicate beats a loss).
                self.put_marker(&marker, FINISHED).await != Ok(true)
            }
        }
    }

    /// Sets a marker of the message unless it is set; whether it did (an error when the
    /// store failed).
    async fn put_marker(&self, name: &str, value: &str) -> Result<bool, ()> {
        let ttl = Duration::from_secs(self.config().server.dedup_ttl_secs);
        let put = self.inner.store.put_if_absent(name, value, ttl).await;
        put.map_err(drop)
    }
}

/// Who settles a late reply's fate: the message's slot in this process, or the store when
/// other instances share it (its name there).
#[derive(Debug, Clone, Copy)]
pub(super) enum Arbiter<'a> {
    /// One instance: the dedupe slot.
    Local(&'a Slot),
    /// Instances sharing a store: markers under the message's name.
    Shared(&'a str),
}

const NOTICED: &str = "noticed";
const FINISHED: &str = "finished";
