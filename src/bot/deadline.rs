//! The reply race (WeChat waits 5 s for an answer): a message's job against
//! `received + reply_deadline_ms`.
//!
//! Whichever finishes first decides the message's [`Verdict`], once: the reply
//! (every delivery answers it) or the deadline (every delivery answers `success`, and the
//! reply, once ready, is handed back to be sent through customer service, once). The
//! [`Inflight`] count lets a shutdown wait for those late replies.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::dedup::{Decision, Verdict};
use super::job::{Job, Ready};
use super::{Answer, Bot};
use crate::message::Incoming;

/// Races `job` against `deadline` and decides the message's verdict by whichever comes first.
/// Returns the reply when it came after the deadline: the caller sends it through customer
/// service.
/// `deferred` runs when the deadline wins (the bot counts it).
pub(crate) async fn race(
    mut job: Job,
    decision: &Decision,
    deadline: Instant,
    deferred: impl FnOnce(),
) -> Option<Ready> {
    tokio::select! {
        biased;
        done = &mut job => {
            decision.decide(Verdict::of(done.map(|ready| ready.reply)));
            None
        }
        () = tokio::time::sleep_until(deadline) => {
            decision.decide(Verdict::Deferred);
            deferred();
            job.await
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// Runs `job` in a task, not in this request's future: it outlives a dropped connection.
    /// Under `"customer_service"` it races the deadline, and a late reply goes out through
    /// customer service (the typing indicator meanwhile, when configured); under `"retries"`
    /// it runs to its end ([`Bot::run_held`]). The verdict is published as soon as it is
    /// decided, when other instances share the store.
    pub(super) fn spawn_job(&self, job: Job, parts: Race, guard: InflightGuard) {
        let bot = self.clone();
        let task = async move {
            let _guard = guard;
            let Race {
                decision,
                message,
                received,
                shared,
            } = parts;
            let slot = decision.slot();
            let publish = async {
                if let Some(name) = &shared {
                    let answer = Answer::of(slot.settled().await, &message.header);
                    bot.publish(name, &answer).await;
                }
            };
            let work = async {
                if bot.holds_late_replies() {
                    bot.run_held(job, &decision, &message, shared.as_deref())
                        .await;
                    return None;
                }
                let deadline =
                    received + Duration::from_millis(bot.config().server.reply_deadline_ms);
                let deferred = || bot.metrics().deadline_fallback();
                tokio::select! {
                    late = race(job, &decision, deadline, deferred) => late,
                    never = bot.typing_when_slow(&message, received) => match never {},
                }
            };
            let (late, ()) = tokio::join!(work, publish);
            if let Some(late) = late {
                bot.send_late(&message, late).await;
            }
        };
        self.spawn(task);
    }

    /// Runs `task` on the runtime `serve` named, which outlives the HTTP workers; else on
    /// this one. The task keeps the caller's span (the request's, with its id), so what it logs, a late
    /// reply's send among it, is tied to the request that started it.
    pub(super) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let task = task.instrument(tracing::Span::current());
        match self.inner.background.get() {
            Some(runtime) => drop(runtime.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }

    /// Shows "typing…" to the sender once the job has run `server.typing_after_ms` (when set),
    /// once; then waits forever, for the job's race to end it.
    async fn typing_when_slow(&self, message: &Incoming, received: Instant) -> Infallible {
        let after = self.config().server.typing_after_ms;
        if after > 0 {
            tokio::time::sleep_until(received + Duration::from_millis(after)).await;
            let user = &message.header.from;
            if let Err(err) = self.client().typing(user, true).await {
                tracing::debug!("typing indicator not shown: {err}");
            }
        }
        std::future::pending().await
    }
}

/// What a message's job needs besides itself.
pub(super) struct Race {
    pub(super) decision: Decision,
    pub(super) message: Arc<Incoming>,
    pub(super) received: Instant,
    /// The message's name in the store, when other instances share it.
    pub(super) shared: Option<String>,
}

/// How many messages still have a job running in the background.
#[derive(Debug, Default)]
pub(crate) struct Inflight {
    count: AtomicUsize,
    idle: Notify,
}

/// Held while a message's job runs in the background.
#[derive(Debug)]
pub(crate) struct InflightGuard(Arc<Inflight>);

impl Inflight {
    /// Counts one background job until the guard drops.
    pub(crate) fn enter(self: &Arc<Self>) -> InflightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InflightGuard(Arc::clone(self))
    }

    /// Waits until no job runs, or `limit` passes; returns how many were still running.
    pub(crate) async fn drain(&self, limit: Duration) -> usize {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.count.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Reply;

    fn ready(text: &str) -> Ready {
        Ready {
            reply: Reply::text(text),
            original: None,
            xml: String::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn work_first_replies_and_returns_nothing_to_send() {
        let decision = Decision::alone();
        let job: Job = Box::pin(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some(ready("quick"))
        });
        let late = race(
            job,
            &decision,
            Instant::now() + Duration::from_millis(4500),
            || (),
        )
        .await;
        assert!(late.is_none());
        assert_eq!(
            decision.slot().settled().await,
            Verdict::Replied(Reply::text("quick"))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_first_defers_then_hands_back_the_reply() {
        let decision = Decision::alone();
        let slot = decision.slot();
        let start = Instant::now();
        let job: Job = Box::pin(async {
            tokio::time::sleep(Duration::from_secs(6)).await;
            Some(ready("late"))
        });
        let racing = tokio::spawn(async move {
            race(job, &decision, start + Duration::from_millis(4500), || ()).await
        });
        assert_eq!(slot.settled().await, Verdict::Deferred);
        assert_eq!(start.elapsed(), Duration::from_millis(4500));
        let late = racing.await.unwrap().expect("the late reply");
        assert_eq!(late.reply, Reply::text("late"));
        assert_eq!(slot.settled().await, Verdict::Deferred, "decided once");
    }

    #[tokio::test(start_paused = true)]
    async fn no_reply_in_time_is_ack() {
        let decision = Decision::alone();
        let late = race(
            Box::pin(async { None }),
            &decision,
            Instant::now() + Duration::from_secs(1),
            || (),
        )
        .await;
        assert!(late.is_none());
        assert_eq!(decision.slot().settled().await, Verdict::Ack);
    }

    #[tokio::test(start_paused = true)]
    async fn drain_waits_for_guards_within_the_limit() {
        let inflight = Arc::new(Inflight::default());
        let guard = inflight.enter();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(guard);
        });
        assert_eq!(inflight.drain(Duration::from_secs(5)).await, 0);
        release.await.unwrap();
        let _stuck = inflight.enter();
        assert_eq!(
            inflight.drain(Duration::from_secs(1)).await,
            1,
            "reports what it abandons"
        );
    }
}
