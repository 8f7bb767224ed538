//! [`Router`]: ordered routes, first match wins.
//!
//! A route is a filter (any message, exact text, text prefix, regex, event key) and a handler
//! whose argument type filters too. Routes are tried top to bottom; the first whose filter
//! and argument both accept the message runs. Nothing matched means `success`.

mod context;
mod extract;
mod handler;
mod layer;
mod session;

use std::any::TypeId;

use regex::Regex;

pub use context::Ctx;
pub(crate) use context::Lent;
pub use extract::{FromIncoming, HandlerError, IntoReply};
pub use handler::Handler;
pub(crate) use handler::HandlerFuture;
use layer::{ErrorHook, Layer};
pub use layer::{Failure, HandlerResult, Next};
pub(crate) use session::{BoxFuture, Closing, Opened, Sessions};
pub use session::{Session, SessionState};

use crate::message::Incoming;

/// Configuration mistakes found when the router is built: routes that can never run, bad
/// regexes. The bot refuses to start with them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("router: {}", .problems.join("; "))]
pub struct RouterError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

/// The bot's routes, read top to bottom.
///
/// ```
/// use wxbot::prelude::*;
///
/// async fn pong(_: Text) -> &'static str { "pong" }
/// async fn clicked(click: Click) -> String { format!("click {}", click.event_key) }
/// async fn echo(text: Text) -> String { text.content }
///
/// let router = Router::new()
///     .text_exact("ping", pong)
///     .on(clicked)   // every CLICK event: the argument's type is the filter
///     .on(echo);     // any other text
/// assert!(router.check().is_ok());
/// ```
pub struct Router<S = ()> {
    state: S,
    routes: Vec<Route<S>>,
    problems: Vec<String>,
    /// Answers a failed handler's user (see [`Router::on_error`]).
    on_error: Option<ErrorHook>,
}

struct Route<S> {
    filter: Filter,
    label: String,
    catch_all: bool,
    /// The handler's message type (see [`Handler::argument`]).
    argument: TypeId,
    call: ErasedHandler<S>,
    /// The middleware wrapping it, innermost first (see [`Router::around`]).
    layers: Vec<Layer<S>>,
}

/// A handler behind one signature: extract, and start the call if the message fits.
type ErasedHandler<S> = Box<dyn Fn(&Ctx<S>) -> Option<HandlerFuture> + Send + Sync>;

enum Filter {
    Any,
    TextExact(String),
    TextPrefix(String),
    TextRegex(Regex),
    EventKey(String),
    EventKeyRegex(Regex),
    /// A follow through the scene (`qrscene_<scene>`) or a follower's scan of it.
    QrScene(String),
}

impl Filter {
    fn accepts(&self, msg: &Incoming) -> bool {
        match self {
            Self::Any => true,
            Self::TextExact(want) => msg.text() == Some(want.as_str()),
            Self::TextPrefix(prefix) => msg.text().is_some_and(|t| t.starts_with(prefix.as_str())),
            Self::TextRegex(re) => msg.text().is_some_and(|t| re.is_match(t)),
            Self::EventKey(key) => msg.event().and_then(|ev| ev.key()) == Some(key.as_str()),
            Self::EventKeyRegex(re) => msg
                .event()
                .and_then(|ev| ev.key())
                .is_some_and(|k| re.is_match(k)),
            Self::QrScene(scene) => {
                let key = msg.event().and_then(|ev| ev.key()).unwrap_or_default();
                match msg.header.event.as_deref() {
                    Some("subscribe") => key.strip_prefix("qrscene_") == Some(scene.as_str()),
                    Some("SCAN") => key == scene,
                    _ => false,
                }
            }
        }
    }

    /// Whether every message `later` accepts is accepted by `self` too. Conservative: `false`
    /// unless it is certain (two regexes are compared only as written).
    fn covers(&self, later: &Self) -> bool {
        match (self, later) {
            (Self::Any, _) => true,
            (Self::TextExact(a), Self::TextExact(b)) => a == b,
            (Self::TextPrefix(p), Self::TextExact(t) | Self::TextPrefix(t)) => {
                t.starts_with(p.as_str())
            }
            (Self::TextRegex(a), Self::TextRegex(b)) => a.as_str() == b.as_str(),
            (Self::EventKey(a), Self::EventKey(b)) | (Self::QrScene(a), Self::QrScene(b)) => a == b,
            (Self::EventKeyRegex(a), Self::EventKeyRegex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Router<()> {
    /// An empty router without shared state.
    pub fn new() -> Self {
        Self::with_state(())
    }
}

impl Default for Router<()> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Router<S> {
    /// An empty router whose handlers can read `state` through [`Ctx::state`].
    pub fn with_state(state: S) -> Self {
        Self {
            state,
            routes: Vec::new(),
            problems: Vec::new(),
            on_error: None,
        }
    }

    /// Runs `handler` for every message its argument type accepts.
    #[must_use]
    pub fn on<A>(self, handler: impl Handler<A, S>) -> Self {
        self.push(Filter::Any, "on", handler)
    }

    /// Runs `handler` for text messages equal to `text`.
    #[must_use]
    pub fn text_exact<A>(self, text: impl Into<String>, handler: impl Handler<A, S>) -> Self {
        self.push(Filter::TextExact(text.into()), "text_exact", handler)
    }

    /// Runs `handler` for text messages starting with `prefix`.
    #[must_use]
    pub fn text_prefix<A>(self, prefix: impl Into<String>, handler: impl Handler<A, S>) -> Self {
        self.push(Filter::TextPrefix(prefix.into()), "text_prefix", handler)
    }

    /// Runs `handler` for text messages matching `pattern`; a bad pattern stops the start-up.
    #[must_use]
    pub fn text_regex<A>(self, pattern: &str, handler: impl Handler<A, S>) -> Self {
        self.regex(pattern, Filter::TextRegex, "text_regex", handler)
    }

    /// Runs `handler` for events whose `EventKey` matches `pattern` (`^ORDER_\d+$` for a menu
    /// of orders); a bad pattern stops the start-up.
    #[must_use]
    pub fn event_key_regex<A>(self, pattern: &str, handler: impl Handler<A, S>) -> Self {
        self.regex(pattern, Filter::EventKeyRegex, "event_key_regex", handler)
    }

    /// Runs `handler` when a QR code of `scene` is scanned: a follow through it (`subscribe`,
    /// `EventKey` `qrscene_<scene>`) and a follower's scan (`SCAN`, `EventKey` `<scene>`).
    /// Take [`Event`](crate::message::Event) (or [`Incoming`]) to receive both.
    #[must_use]
    pub fn qr_scene<A>(self, scene: impl Into<String>, handler: impl Handler<A, S>) -> Self {
        self.push(Filter::QrScene(scene.into()), "qr_scene", handler)
    }

    fn regex<A>(
        mut self,
        pattern: &str,
        filter: fn(Regex) -> Filter,
        how: &str,
        handler: impl Handler<A, S>,
    ) -> Self {
        match Regex::new(pattern) {
            Ok(re) => self.push(filter(re), how, handler),
            Err(err) => {
                let n = self.routes.len() + 1;
                self.problems
                    .push(format!("route {n}: bad regex {pattern:?}: {err}"));
                self
            }
        }
    }

    /// Runs `handler` for events whose `EventKey` equals `key` (menu keys, QR scenes, URLs).
    #[must_use]
    pub fn event_key<A>(self, key: impl Into<String>, handler: impl Handler<A, S>) -> Self {
        self.push(Filter::EventKey(key.into()), "event_key", handler)
    }

    /// The configuration mistakes found while building, if any.
    pub fn check(&self) -> Result<(), RouterError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(RouterError {
            problems: self.problems.clone(),
        })
    }

    fn push<A, H: Handler<A, S>>(mut self, filter: Filter, how: &str, handler: H) -> Self {
        let label = format!("{how}({})", std::any::type_name::<H>());
        let argument = H::argument();
        if let Some(problem) = self.hidden(&filter, argument, &label) {
            self.problems.push(problem);
        }
        let catch_all = H::CATCH_ALL && matches!(filter, Filter::Any);
        let call = Box::new(move |ctx: &Ctx<S>| handler.call(ctx));
        self.routes.push(Route {
            filter,
            label,
            catch_all,
            argument,
            call,
            layers: Vec::new(),
        });
        self
    }

    /// Why a new route could never run, if an earlier one takes every message it could take:
    /// a catch-all, or a route on the same message type whose filter is as wide or wider
    /// (`.on(any_click)` before `.event_key("HELP", help)` on `Click`).
    fn hidden(&self, filter: &Filter, argument: TypeId, label: &str) -> Option<String> {
        let n = self.routes.len() + 1;
        let (i, earlier) = self.routes.iter().enumerate().find(|(_, route)| {
            route.catch_all || route.argument == argument && route.filter.covers(filter)
        })?;
        let what = if earlier.catch_all {
            "the catch-all route"
        } else {
            "route"
        };
        Some(format!(
            "route {n} {label} comes after {what} {} {} and can never run (the earlier route \
             takes every message it could take)",
            i + 1,
            earlier.label,
        ))
    }

    /// The state handed to every [`Ctx`].
    pub(crate) fn state(&self) -> &S {
        &self.state
    }

    /// The first route that accepts the context's message, started; `None` when no route
    /// does. Pure: extractors and the synchronous start of a handler run, nothing else.
    pub(crate) fn route(&self, ctx: &Ctx<S>) -> Option<HandlerFuture> {
        self.routes
            .iter()
            .filter(|route| route.filter.accepts(ctx.message()))
            .find_map(|route| route.start(ctx))
    }
}

impl<S> std::fmt::Debug for Router<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let labels: Vec<&str> = self
            .routes
            .iter()
            .map(|route| route.label.as_str())
            .collect();
        f.debug_struct("Router")
            .field("routes", &labels)
            .finish_non_exhaustive()
    }
}
