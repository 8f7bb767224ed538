//! [`Detach`]: work run in place by the request that started it, which carries on in a task
//! of its own should the request be dropped first (its client gone, a worker stopping).
//!
//! The shared dispatch needs this: once a message is claimed across instances, its job must
//! run and its answer be published whatever happens to the request, or the other instances
//! would wait on a claim nobody works on. A task per message would promise that too, at the
//! price of a spawn, two wake-ups and a second rendering on every message; this costs nothing
//! unless a request is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::runtime::Handle;
use tracing::Instrument as _;
use tracing::instrument::Instrumented;

/// A future polled by its owner that, dropped before it is done, is spawned to finish on a
/// runtime of its own or the current one (and is dropped when there is none: the process is
/// going away).
pub(super) struct Detach<F: Future + Send + 'static>
where
    F::Output: Send,
{
    work: Option<Pin<Box<Instrumented<F>>>>,
    runtime: Option<Handle>,
}

impl<F: Future + Send + 'static> Detach<F>
where
    F::Output: Send,
{
    /// `work`, in the caller's span (a request's, with its id) wherever it finishes; on
    /// `runtime`, if given, should it be dropped.
    pub(super) fn new(work: F, runtime: Option<Handle>) -> Self {
        Self {
            work: Some(Box::pin(work.instrument(tracing::Span::current()))),
            runtime,
        }
    }
}

impl<F: Future + Send + 'static> Future for Detach<F>
where
    F::Output: Send,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(work) = self.work.as_mut() else {
            unreachable!("Detach polled after it finished");
        };
        let output = std::task::ready!(work.as_mut().poll(cx));
        self.work = None;
        Poll::Ready(output)
    }
}

impl<F: Future + Send + 'static> Drop for Detach<F>
where
    F::Output: Send,
{
    fn drop(&mut self) {
        // A future that panicked while polled must not be polled again.
        if std::thread::panicking() {
            return;
        }
        let runtime = self.runtime.take().or_else(|| Handle::try_current().ok());
        let (Some(work), Some(runtime)) = (self.work.take(), runtime) else {
            return;
        };
        drop(runtime.spawn(async move {
            work.await;
        }));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use futures_util::FutureExt as _;
    use tokio::sync::oneshot;

    use super::Detach;

    #[tokio::test]
    async fn work_finished_in_place_is_not_run_again() {
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let work = Detach::new(
            async move { counted.fetch_add(1, Ordering::SeqCst) + 41 },
            None,
        );
        assert_eq!(work.await, 41);
        tokio::task::yield_now().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn work_dropped_half_way_finishes_in_a_task() {
        let (go, wait) = oneshot::channel::<()>();
        let (done, finished) = oneshot::channel();
        let started = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&started);
        let work = async move {
            seen.store(true, Ordering::SeqCst);
            wait.await.ok();
            done.send("finished").ok();
        };
        let mut work = Detach::new(work, None);
        // Polled once (it starts and waits), then dropped, as a request whose client left.
        assert!((&mut work).now_or_never().is_none());
        assert!(started.load(Ordering::SeqCst));
        drop(work);
        go.send(()).ok();
        assert_eq!(finished.await, Ok("finished"));
    }
}
