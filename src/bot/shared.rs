//! WeChat's retries across instances that share a Redis: a retry may land on another
//! instance than the first delivery did.
//!
//! After the in-process claim (same-instance retries never get here), the first delivery
//! claims the message in the store for its instance, runs it, and publishes its answer (the
//! reply XML, or `success` — also when the reply missed the deadline and goes out by customer
//! service from the owner, once). A delivery that finds the message claimed elsewhere waits
//! for that answer, up to its own deadline, and answers `success` if it does not come. When
//! the store fails, each instance decides alone, as with `memory`.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::dedup::{Decision, Verdict};
use super::detach::Detach;
use super::late::Arbiter;
use super::{Answer, Bot};
use crate::message::{Header, Incoming};
use crate::router::HandlerFuture;
use crate::store::{Backoff, Claimed};

/// A claim outlives its deadline by this much: an owner that dies mid-message frees it for
/// WeChat's next retry instead of blocking the message for the whole dedupe TTL.
const CLAIM_SLACK: Duration = Duration::from_secs(5);
/// The first pause between two looks at another instance's answer; doubles up to 200 ms.
const FIRST_POLL: Duration = Duration::from_millis(10);
const LONGEST_POLL: Duration = Duration::from_millis(200);

const PENDING: &str = "pending ";
const SUCCESS: &str = "success";
const REPLY: &str = "reply ";

/// The store's name for a message's dedupe key (its fields joined by `:`).
pub(super) fn message_name(key: &str) -> String {
    let mut name = String::with_capacity(4 + key.len());
    name.push_str("msg:");
    // Both separators are one byte: the key's length is the name's.
    for (i, field) in key.split('\u{1f}').enumerate() {
        if i > 0 {
            name.push(':');
        }
        name.push_str(field);
    }
    name
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// Claims the message `name` for this instance, and takes a reply waiting for its sender,
    /// if any, to answer it with (one round trip while no reply waits for anyone). A store
    /// that fails, or does not answer by the deadline, leaves this instance the owner.
    pub(super) async fn claim_across(
        &self,
        name: &str,
        header: &Header,
        deadline: Instant,
    ) -> Claimed {
        let store = &self.inner.store;
        let pending = [PENDING, store.instance()].concat();
        // Under "retries" the owner decides only when its job ends: the claim must outlive
        // WeChat's last delivery, or another instance would take the message up again.
        let ttl = if self.holds_late_replies() {
            Duration::from_secs(self.config().server.dedup_ttl_secs)
        } else {
            deadline.saturating_duration_since(Instant::now()) + CLAIM_SLACK
        };
        let waiting = Self::pending_for(header);
        let claim = store.take_or_claim(waiting.as_deref(), name, &pending, ttl);
        match tokio::time::timeout_at(deadline, claim).await {
            Ok(Ok(claimed)) => claimed,
            Ok(Err(_)) | Err(_) => Claimed::Mine,
        }
    }

    /// Publishes the owner's answer to the message `name`, for retries on other instances,
    /// and returns once it is written: for a job's task, which the shutdown waits for.
    pub(super) async fn publish(&self, name: &str, answer: &Answer) {
        let (name, value, ttl) = self.published(name, answer);
        self.inner.store.put(name, &value, ttl).await;
    }

    /// Publishes as [`Bot::publish`] does, from a request, which does not wait for the write:
    /// it leaves with this worker's next claims, or on its own a moment later (read only by
    /// an instance that gets WeChat's retry, seconds from now).
    async fn publish_soon(&self, name: &str, answer: &Answer) {
        let (name, value, ttl) = self.published(name, answer);
        self.inner.store.put_later(name, &value, ttl).await;
    }

    fn published<'n>(&self, name: &'n str, answer: &Answer) -> (&'n str, String, Duration) {
        let value = match answer {
            Answer::Reply(xml) => [REPLY, xml].concat(),
            Answer::Success => SUCCESS.to_owned(),
        };
        let ttl = Duration::from_secs(self.config().server.dedup_ttl_secs);
        (name, value, ttl)
    }

    /// Answers a message when instances share the store: claims it, then the owner runs the
    /// job and publishes its answer, and a delivery of a message another instance owns takes
    /// that instance's answer; the verdict is decided for this instance's repeats too. It runs
    /// in the request, [detached](Detach) should the request be dropped, so a claim is never
    /// left without a worker.
    pub(super) async fn dispatch_shared(
        &self,
        message: Arc<Incoming>,
        handler: HandlerFuture,
        decision: Decision,
        name: String,
        received: Instant,
    ) -> Answer {
        let bot = self.clone();
        // Counted, so a shutdown waits for it, detached or not.
        let guard = self.inner.inflight.enter();
        let work = async move {
            let _guard = guard;
            let deadline = received + Duration::from_millis(bot.config().server.reply_deadline_ms);
            match bot.claim_across(&name, &message.header, deadline).await {
                Claimed::Waiting(xml) => {
                    let answer = bot.pending_taken(xml);
                    decision.decide(Verdict::Relayed(answer.clone()));
                    bot.publish_soon(&name, &answer).await;
                    answer
                }
                Claimed::Taken => {
                    // Another instance has (or had) this message: a repeat, across instances.
                    bot.metrics().dedupe_replay();
                    let elsewhere = bot.answer_elsewhere(&name, received, &message.header);
                    let answer = Box::pin(elsewhere).await;
                    decision.decide(Verdict::Relayed(answer.clone()));
                    answer
                }
                Claimed::Mine => bot.own(message, handler, decision, name, received).await,
            }
        };
        // Should the request be dropped, the rest runs where late work does: on the runtime
        // that outlives the workers.
        Detach::new(work, self.inner.background.get().cloned()).await
    }

    /// Runs a message this instance owns across instances: its answer, published from here
    /// when the job finishes in place (by the job's task otherwise).
    async fn own(
        &self,
        message: Arc<Incoming>,
        handler: HandlerFuture,
        decision: Decision,
        name: String,
        received: Instant,
    ) -> Answer {
        let slot = decision.slot();
        let start = self.start(&message, handler, decision, received, Some(name.clone()));
        if let Some(answer) = start {
            self.publish_soon(&name, &answer).await;
            return answer;
        }
        // The first delivery as far as this instance knows.
        let first = self.holds_late_replies().then_some(1);
        let verdict = self.verdict(&slot, first, received, &message.header, Some(&name));
        Box::pin(verdict).await
    }

    /// The answer to a delivery of a message another instance owns: the owner's answer,
    /// waited for up to this delivery's deadline (under `"retries"`, held as the owner's own
    /// deliveries are); `success` when it does not come in time.
    pub(super) async fn answer_elsewhere(
        &self,
        name: &str,
        received: Instant,
        header: &Header,
    ) -> Answer {
        if self.holds_late_replies() {
            let n = self.delivery_number(Arbiter::Shared(name)).await;
            let owner = self.answer_of_owner(name);
            return self
                .hold(owner, n, received, header, Arbiter::Shared(name))
                .await;
        }
        let deadline = received + Duration::from_millis(self.config().server.reply_deadline_ms);
        match tokio::time::timeout_at(deadline, self.answer_of_owner(name)).await {
            Ok(answer) => answer,
            Err(_) => {
                tracing::warn!(
                    name = %crate::store::shown(name),
                    "another instance's reply did not come in time; answered success"
                );
                Answer::Success
            }
        }
    }

    /// The answer another instance published for `name`, polled for until it is there (or
    /// gone: the claim expired, or the store failed, which is `success`).
    async fn answer_of_owner(&self, name: &str) -> Answer {
        let mut backoff = Backoff::new(FIRST_POLL, LONGEST_POLL);
        loop {
            let value = self.inner.store.get(name).await;
            match value.as_deref() {
                Some(value) if value.starts_with(PENDING) => {}
                Some(value) => return decode(name, value),
                None => return Answer::Success,
            }
            backoff.pause().await;
        }
    }
}

fn decode(name: &str, value: &str) -> Answer {
    if let Some(xml) = value.strip_prefix(REPLY) {
        return Answer::Reply(xml.to_owned());
    }
    if value != SUCCESS {
        tracing::warn!(name, "store: undecodable message outcome, answered success");
    }
    Answer::Success
}
