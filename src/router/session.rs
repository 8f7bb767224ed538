//! [`Session<T>`]: a user's own state, read before the handler runs and written back after it.
//!
//! Routing stays pure: the router only knows the [`Sessions`] trait, which the bot lends every
//! [`Ctx`] (the store implements it, a layer above). A session handler's future opens the
//! session (which waits for the user's lock, so two messages from one user never interleave
//! their updates), runs the handler with the decoded state, and closes it: written when the
//! handler changed it, renewed when not, removed when it is back to `T::default()`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use super::context::Ctx;
use super::extract::IntoReply;
use super::handler::HandlerFuture;
use crate::ids::OpenId;

/// A boxed future, for the object-safe [`Sessions`].
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where sessions are kept: implemented by the store, lent to every [`Ctx`] by the bot.
pub(crate) trait Sessions: Send + Sync {
    /// Waits for `user`'s lock on the session `kind` and reads it.
    fn open<'a>(&'a self, user: &'a OpenId, kind: &'a str) -> BoxFuture<'a, Opened>;
    /// Writes the session back as `closing` says, and releases the lock.
    fn close(&self, opened: Opened, closing: Closing) -> BoxFuture<'_, ()>;
}

/// An open session: what was stored, and the store's own ticket (its key and lock).
pub(crate) struct Opened {
    /// The stored state, as JSON.
    pub(crate) raw: Option<String>,
    /// Whatever the store needs to close it.
    pub(crate) ticket: Box<dyn Any + Send>,
}

/// What becomes of a session when its handler is done.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Closing {
    /// Untouched: its silence timer starts again.
    Unchanged,
    /// Changed: this JSON is written.
    Save(String),
    /// Back to the default: nothing is kept.
    Remove,
}

/// What a session may hold: any serde type with a default (the state of a new user).
pub trait SessionState: Serialize + DeserializeOwned + Default + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Default + Send + 'static> SessionState for T {}

/// The sender's state of type `T`, for the length of one handler: take it as an argument
/// (after `Ctx`, if any, before the message) and read or change it through `*session`. It is
/// saved when the handler returns, if it changed; it expires after `session.ttl_secs` of
/// silence. Each type is a session of its own.
///
/// ```
/// use wxbot::prelude::*;
///
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// struct Counter { n: u32 }
///
/// async fn count(mut counter: Session<Counter>, _: Text) -> String {
///     counter.n += 1;
///     format!("count {}", counter.n)
/// }
/// # let _ = Router::new().text_exact("count", count);
/// ```
pub struct Session<T: SessionState> {
    value: T,
    /// Hands the state back to the session's owner when the handler drops it.
    back: Option<oneshot::Sender<T>>,
}

impl<T: SessionState> Session<T> {
    /// Starts over: the state becomes `T::default()`, and nothing is kept for the user.
    pub fn reset(&mut self) {
        self.value = T::default();
    }
}

impl<T: SessionState> Deref for Session<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: SessionState> DerefMut for Session<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: SessionState> Drop for Session<T> {
    fn drop(&mut self) {
        if let Some(back) = self.back.take() {
            let _ = back.send(std::mem::take(&mut self.value));
        }
    }
}

impl<T: SessionState + fmt::Debug> fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Session").field(&self.value).finish()
    }
}

/// The future of a session handler: open the session, run `call` with it, close it.
pub(super) fn with_session<S, T, Fut>(
    ctx: &Ctx<S>,
    call: impl FnOnce(Session<T>) -> Fut + Send + 'static,
) -> HandlerFuture
where
    T: SessionState,
    Fut: Future<Output: IntoReply> + Send + 'static,
{
    let sessions = ctx.sessions();
    let user = ctx.sender().clone();
    Box::pin(async move {
        let kind = std::any::type_name::<T>();
        let opened = sessions.open(&user, kind).await;
        let value = decode::<T>(opened.raw.as_deref(), kind);
        let (back, mut returned) = oneshot::channel();
        let session = Session {
            value,
            back: Some(back),
        };
        // Caught, so a panicking handler still releases the user's lock.
        let reply = AssertUnwindSafe(call(session))
            .catch_unwind()
            .await
            .map(IntoReply::into_reply);
        let closing = match (&reply, returned.try_recv()) {
            (Ok(_), Ok(value)) => closing(opened.raw.as_deref(), &value),
            (Ok(_), Err(_)) => {
                tracing::warn!(kind, "a Session outlived its handler: not saved");
                Closing::Unchanged
            }
            (Err(_), _) => Closing::Unchanged,
        };
        sessions.close(opened, closing).await;
        reply.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The stored state, or the default for a new user or a state that no longer decodes.
fn decode<T: SessionState>(raw: Option<&str>, kind: &str) -> T {
    let Some(raw) = raw else {
        return T::default();
    };
    serde_json::from_str(raw).unwrap_or_else(|err| {
        tracing::warn!(
            kind,
            "session: the stored state no longer decodes ({err}); starting over"
        );
        T::default()
    })
}

/// What to do with `value`, given what was stored before the handler ran.
fn closing<T: SessionState>(before: Option<&str>, value: &T) -> Closing {
    let Ok(after) = serde_json::to_string(value) else {
        tracing::warn!("session: the state does not serialize: not saved");
        return Closing::Unchanged;
    };
    if before == Some(after.as_str()) {
        return Closing::Unchanged;
    }
    let default = serde_json::to_string(&T::default()).ok();
    match (before, default == Some(after.clone())) {
        (None, true) => Closing::Unchanged,
        (Some(_), true) => Closing::Remove,
        (_, false) => Closing::Save(after),
    }
}
