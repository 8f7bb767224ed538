//! [`Handler`]: the two shapes a handler function may take, erased behind one boxed call.

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;

use super::context::Ctx;
use super::extract::{FromIncoming, HandlerError, IntoReply};
use super::session::{Session, SessionState, with_session};
use crate::reply::Reply;

/// The future a matched handler runs: its reply, no reply, or its error.
pub(crate) type HandlerFuture =
    Pin<Box<dyn Future<Output = Result<Option<Reply>, HandlerError>> + Send>>;

/// An async function the router can call: `async fn(M) -> R` or `async fn(Ctx<S>, M) -> R`,
/// where `M: FromIncoming` selects and extracts the message and `R: IntoReply` is the answer;
/// either may take the sender's [`Session<T>`] before `M`.
///
/// ```
/// use wxbot::prelude::*;
///
/// async fn echo(text: Text) -> String { text.content }
/// async fn who(ctx: Ctx, _: Text) -> String { ctx.sender().to_string() }
///
/// let _ = Router::new().text_exact("who", who).on(echo);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a wxbot handler",
    label = "not a handler",
    note = "a handler is `async fn(M) -> R` or `async fn(Ctx<S>, M) -> R`, optionally with a \
            `Session<T>` before `M`, where `M: FromIncoming` \
            (Text, Image, Click, Subscribe, Incoming, …) and `R: IntoReply` \
            (Reply, String, &'static str, (), Option<_>, Result<_, E>)"
)]
pub trait Handler<Args, S>: Send + Sync + 'static {
    /// Whether the handler's argument accepts every message.
    #[doc(hidden)]
    const CATCH_ALL: bool;

    /// The type of the handler's message argument: two routes taking the same type see the
    /// same messages, which is how a route hidden by an earlier one is found at start-up.
    #[doc(hidden)]
    fn argument() -> TypeId;

    /// Extracts the argument and starts the call; `None` when the message does not fit.
    #[doc(hidden)]
    fn call(&self, ctx: &Ctx<S>) -> Option<HandlerFuture>;
}

impl<F, Fut, M, R, S> Handler<(M,), S> for F
where
    F: Fn(M) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    M: FromIncoming + 'static,
    R: IntoReply,
{
    const CATCH_ALL: bool = M::ACCEPTS_ALL;

    fn argument() -> TypeId {
        TypeId::of::<M>()
    }

    fn call(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        let fut = self(M::from_incoming(ctx.message())?);
        Some(Box::pin(async move { fut.await.into_reply() }))
    }
}

impl<F, Fut, M, R, S> Handler<(Ctx<S>, M), S> for F
where
    F: Fn(Ctx<S>, M) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    M: FromIncoming + 'static,
    R: IntoReply,
    S: Clone,
{
    const CATCH_ALL: bool = M::ACCEPTS_ALL;

    fn argument() -> TypeId {
        TypeId::of::<M>()
    }

    fn call(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        let fut = self(ctx.clone(), M::from_incoming(ctx.message())?);
        Some(Box::pin(async move { fut.await.into_reply() }))
    }
}

impl<F, Fut, T, M, R, S> Handler<(Session<T>, M), S> for F
where
    F: Fn(Session<T>, M) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    T: SessionState,
    M: FromIncoming + Send + 'static,
    R: IntoReply,
{
    const CATCH_ALL: bool = M::ACCEPTS_ALL;

    fn argument() -> TypeId {
        TypeId::of::<M>()
    }

    fn call(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        let message = M::from_incoming(ctx.message())?;
        let handler = self.clone();
        Some(with_session(ctx, move |session| handler(session, message)))
    }
}

impl<F, Fut, T, M, R, S> Handler<(Ctx<S>, Session<T>, M), S> for F
where
    F: Fn(Ctx<S>, Session<T>, M) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    T: SessionState,
    M: FromIncoming + Send + 'static,
    R: IntoReply,
    S: Clone + Send + 'static,
{
    const CATCH_ALL: bool = M::ACCEPTS_ALL;

    fn argument() -> TypeId {
        TypeId::of::<M>()
    }

    fn call(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        let message = M::from_incoming(ctx.message())?;
        let (handler, owned) = (self.clone(), ctx.clone());
        Some(with_session(ctx, move |session| {
            handler(owned, session, message)
        }))
    }
}
