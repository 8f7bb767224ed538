//! Middleware and the error hook: [`Router::around`] wraps the routes above it in a function
//! that runs before and after their handler (or instead of it), and [`Router::on_error`]
//! may answer the user when a handler fails or panics.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::context::Ctx;
use super::extract::{HandlerError, IntoReply};
use super::handler::HandlerFuture;
use super::{Route, Router};
use crate::message::Incoming;
use crate::reply::Reply;

/// What a handler's call comes to: a reply, no reply (`success`), or an error.
pub type HandlerResult = Result<Option<Reply>, HandlerError>;

/// The rest of a route's chain, handed to a middleware: the handler, and any middleware
/// inside this one. Run it to go on; drop it to answer without the handler.
pub struct Next {
    inner: HandlerFuture,
}

impl Next {
    /// Runs the rest of the chain; its result is the middleware's to return, change or replace.
    pub async fn run(self) -> HandlerResult {
        self.inner.await
    }
}

impl fmt::Debug for Next {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

/// A middleware, erased: the context and the rest of the chain to a new call.
pub(super) type Layer<S> = Arc<dyn Fn(Ctx<S>, Next) -> HandlerFuture + Send + Sync>;

/// Why a handler gave no reply: its error, or its panic.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure {
    /// The handler returned an error (or its reply could not be sent: a media file refused).
    Error(String),
    /// The handler panicked; the panic's message.
    Panic(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Error(error) => write!(f, "{error}"),
            Self::Panic(message) => write!(f, "handler panicked: {message}"),
        }
    }
}

/// The error hook: the failed message and why, to a reply for the user (or none).
pub(crate) type ErrorHook = Arc<dyn Fn(&Incoming, &Failure) -> Option<Reply> + Send + Sync>;

impl<S: Clone + Send + Sync + 'static> Router<S> {
    /// Wraps every route added so far in `middleware`, which gets the message's [`Ctx`] and
    /// the [`Next`] step: it may act before (`next.run().await`) and after it, change the
    /// result, or answer alone without running the handler (an admin check, a rate limit).
    /// Routes added after it are not wrapped, so `around` also makes groups; the last
    /// `around` is the outermost.
    ///
    /// ```
    /// use wxbot::prelude::*;
    ///
    /// const ADMINS: &[&str] = &["o_admin"];
    ///
    /// async fn admins_only(ctx: Ctx, next: Next) -> HandlerResult {
    ///     if ADMINS.contains(&ctx.sender().as_str()) {
    ///         next.run().await
    ///     } else {
    ///         Ok(Some(Reply::text("admins only")))
    ///     }
    /// }
    /// # async fn stats(_: Text) -> &'static str { "42 users" }
    /// # async fn echo(text: Text) -> String { text.content }
    ///
    /// let router = Router::new()
    ///     .text_exact("stats", stats)
    ///     .around(admins_only) // wraps `stats` only
    ///     .on(echo);
    /// # let _ = router;
    /// ```
    #[must_use]
    pub fn around<F, Fut, R>(mut self, middleware: F) -> Self
    where
        F: Fn(Ctx<S>, Next) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoReply,
    {
        let layer: Layer<S> = Arc::new(move |ctx, next| {
            let call = middleware(ctx, next);
            Box::pin(async move { call.await.into_reply() })
        });
        for route in &mut self.routes {
            route.layers.push(Arc::clone(&layer));
        }
        self
    }

    /// Answers the user with `hook`'s reply when a handler fails or panics, instead of the
    /// bare `success` (the failure is logged either way). `None` keeps `success`.
    ///
    /// ```
    /// use wxbot::prelude::*;
    ///
    /// let router = Router::new().on_error(|_message, _failure| Some(Reply::text("sorry, try again")));
    /// # let _ = router;
    /// ```
    #[must_use]
    pub fn on_error(
        mut self,
        hook: impl Fn(&Incoming, &Failure) -> Option<Reply> + Send + Sync + 'static,
    ) -> Self {
        self.on_error = Some(Arc::new(hook));
        self
    }

    /// The error hook's reply to `failure` of `message`, if there is a hook and it answers.
    pub(crate) fn error_reply(&self, message: &Incoming, failure: &Failure) -> Option<Reply> {
        self.on_error
            .as_ref()
            .and_then(|hook| hook(message, failure))
    }
}

impl<S: Clone> Route<S> {
    /// Starts this route's handler for `ctx`, wrapped in its middleware (first added,
    /// innermost); `None` when the handler's argument does not take the message.
    pub(super) fn start(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        let handler = (self.call)(ctx)?;
        let wrapped = self
            .layers
            .iter()
            .fold(handler, |inner, layer| layer(ctx.clone(), Next { inner }));
        Some(wrapped)
    }
}
