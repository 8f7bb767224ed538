//! [`Ctx`]: what a handler may ask for besides its message.

use std::sync::Arc;

use crate::client::Client;
use crate::ids::OpenId;
use crate::message::{Header, Incoming};

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
#[derive(Debug, Clone)]
pub struct Ctx<S = ()> {
    message: Arc<Incoming>,
    state: S,
    api: Client,
}

impl<S> Ctx<S> {
    pub(crate) fn new(message: Arc<Incoming>, state: S, api: Client) -> Self {
        Self {
            message,
            state,
            api,
        }
    }

    /// The account's WeChat API client: media download, customer-service sends, typing.
    pub fn api(&self) -> &Client {
        &self.api
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
