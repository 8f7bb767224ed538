//! [`Ctx`]: what a handler may ask for besides its message.
//!
//! The bot builds one per routed message and lends it the account's API client as an opaque
//! value: routing never sees the client, and `Ctx::api` (with the client, in `client.rs`)
//! is the one place that knows what is inside.

use std::any::Any;
use std::sync::Arc;

use super::session::Sessions;
use crate::ids::OpenId;
use crate::message::{Header, Incoming};

/// What the bot lends every [`Ctx`] besides the message and the state, as things routing
/// cannot name (they live in layers above it): the API client, kept opaque, and the sessions.
pub(crate) struct Lent {
    /// The account's API client (`Ctx::api`, in `client.rs`, knows what is inside).
    pub(crate) client: Arc<dyn Any + Send + Sync>,
    /// Where [`Session`](super::Session)s are kept.
    pub(crate) sessions: Arc<dyn Sessions>,
}

/// The context of one message: its header, its sender, the bot's shared state.
///
/// Cheap to clone (an `Arc` and the state's own clone). Take it as a handler's first argument:
///
/// ```
/// use wxbot::prelude::*;
///
/// #[derive(Clone, Default)]
/// struct Greeting(std::sync::Arc<str>);
///
/// async fn hello(ctx: Ctx<Greeting>, _: Text) -> String {
///     format!("{} {}", ctx.state().0, ctx.sender())
/// }
///
/// let router = Router::with_state(Greeting("hello".into())).on(hello);
/// # let _ = router;
/// ```
#[derive(Clone)]
pub struct Ctx<S = ()> {
    message: Arc<Incoming>,
    state: S,
    lent: Arc<Lent>,
}

impl<S> Ctx<S> {
    /// The context of `message`, with the router's `state` and what the bot lends.
    pub(crate) fn new(message: Arc<Incoming>, state: S, lent: Arc<Lent>) -> Self {
        Self {
            message,
            state,
            lent,
        }
    }

    /// The API client the bot lent this context, opaque (see [`Lent`]).
    pub(crate) fn lent(&self) -> &(dyn Any + Send + Sync) {
        &*self.lent.client
    }

    /// The sessions the bot lent this context.
    pub(crate) fn sessions(&self) -> Arc<dyn Sessions> {
        Arc::clone(&self.lent.sessions)
    }

    /// The message's header.
    pub fn header(&self) -> &Header {
        &self.message.header
    }

    /// Who sent the message.
    pub fn sender(&self) -> &OpenId {
        &self.message.header.from
    }

    /// The whole message.
    pub fn message(&self) -> &Incoming {
        &self.message
    }

    /// The state given to [`Router::with_state`](crate::Router::with_state).
    pub fn state(&self) -> &S {
        &self.state
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for Ctx<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("message", &self.message)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
