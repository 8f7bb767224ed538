//! A message's [`Job`] — handler, media, rendering — making its reply [`Ready`], and the
//! customer-service send of a reply that missed the deadline.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt as _;

use super::Bot;
use crate::client::{ClientError, SendError};
use crate::clock::unix_now;
use crate::message::{Header, Incoming};
use crate::reply::{MediaSource, Reply, render};
use crate::router::{Failure, HandlerFuture};

/// A reply ready to go: resolved media, and its XML.
#[derive(Debug)]
pub(crate) struct Ready {
    /// The reply with every media file replaced by its id.
    pub(crate) reply: Reply,
    /// The handler's reply as it named its files, kept only when it named any: an expired id
    /// at send time is uploaded again from here.
    pub(crate) original: Option<Reply>,
    /// The passive reply XML.
    pub(crate) xml: String,
}

/// A message's job: handler, media, rendering; `None` when there is nothing to send.
pub(crate) type Job = Pin<Box<dyn Future<Output = Option<Ready>> + Send>>;

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// Runs the handler, resolves its media and renders the reply. A failure anywhere —
    /// error, panic, unresolvable media — is logged once, and answered with the router's
    /// error hook's reply, if it gives one, else not at all (`success`).
    pub(super) async fn run(self, message: Arc<Incoming>, handler: HandlerFuture) -> Option<Ready> {
        let started = std::time::Instant::now();
        // One future, not a timed wrapper around another, with the rare failure path boxed:
        // the job's future stays as small as the common path needs (it is moved per message).
        let ready = match AssertUnwindSafe(handler).catch_unwind().await {
            Ok(Ok(None)) => None,
            Ok(Ok(Some(reply))) => match self.make_ready(&message, reply).await {
                Ok(ready) => Some(ready),
                Err(failure) => Box::pin(self.failed(&message, Failure::Error(failure))).await,
            },
            Ok(Err(err)) => {
                let failure = Failure::Error(format!("handler failed: {err}"));
                Box::pin(self.failed(&message, failure)).await
            }
            Err(panic) => {
                let failure = Failure::Panic(panic_message(panic.as_ref()).to_owned());
                Box::pin(self.failed(&message, failure)).await
            }
        };
        let metrics = self.metrics();
        metrics.handler_time(started.elapsed());
        metrics.reply(
            ready
                .as_ref()
                .map_or("success", |ready| ready.reply.msg_type()),
        );
        ready
    }

    /// After a failure: the error hook's reply, made ready, or `None` (`success`); logged
    /// either way.
    async fn failed(&self, message: &Incoming, failure: Failure) -> Option<Ready> {
        let hook = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.inner.router.error_reply(message, &failure)
        }));
        let reply = match hook {
            Ok(Some(reply)) => reply,
            Ok(None) => {
                log_failure(&message.header, &failure, "success");
                return None;
            }
            Err(panic) => {
                let why = panic_message(panic.as_ref());
                log_failure(
                    &message.header,
                    &failure,
                    &format!("success (the error hook panicked: {why})"),
                );
                return None;
            }
        };
        match self.make_ready(message, reply).await {
            Ok(ready) => {
                log_failure(&message.header, &failure, "the error hook's reply");
                Some(ready)
            }
            Err(unsent) => {
                log_failure(
                    &message.header,
                    &failure,
                    &format!("success (the error hook's reply: {unsent})"),
                );
                None
            }
        }
    }

    /// The handler's reply made ready: rendered at once when it names no file; else its files
    /// resolved to ids first, in a boxed future (it may upload), so a text reply's job does
    /// not carry that future's bytes.
    async fn make_ready(&self, message: &Incoming, reply: Reply) -> Result<Ready, String> {
        if !names_files(&reply) {
            return rendered(&message.header, reply, None);
        }
        Box::pin(async move {
            let original = reply.clone();
            let reply = self
                .inner
                .media
                .resolve_reply(reply)
                .await
                .map_err(|err| err.to_string())?;
            rendered(&message.header, reply, Some(original))
        })
        .await
    }

    /// Sends a reply that missed the deadline through the customer-service API, once; an
    /// expired media id (40007) is uploaded again and the send retried once.
    pub(super) async fn send_late(&self, message: &Incoming, late: Ready) {
        let to = &message.header.from;
        let client = &self.inner.client;
        let mut result = client.send_reply(to, &late.reply).await;
        if let (Err(SendError::Client(ClientError::Api(err))), Some(original)) =
            (&result, late.original)
            && err.is_media_invalid()
        {
            tracing::info!("media id expired before the late send; uploading again");
            self.inner.media.forget(&late.reply).await;
            result = match self.inner.media.resolve_reply(original).await {
                Ok(reply) => client.send_reply(to, &reply).await,
                Err(err) => {
                    tracing::error!("late reply lost: {err}");
                    return;
                }
            };
        }
        let header = &message.header;
        let (msg_type, msg_id) = (
            &header.msg_type,
            header.msg_id.as_ref().map(|id| id.as_str()),
        );
        match result {
            Ok(()) => {
                tracing::info!(msg_type = %msg_type, msg_id, "late reply sent through customer service")
            }
            Err(err) => {
                // Not allowed to write now (no permission, or outside the 48-hour window): the
                // reply waits for the user's next message instead.
                let refused = matches!(&err, SendError::Client(ClientError::Api(api))
                    if api.is_outside_service_window() || api.is_unauthorized());
                if refused {
                    tracing::warn!(msg_type = %msg_type, msg_id, "late reply not sent: {err}");
                    self.keep_pending(header, &late.xml).await;
                } else {
                    tracing::error!(msg_type = %msg_type, msg_id, "late reply not sent: {err}");
                    tracing::debug!(openid = %to, reply = ?late.reply, "the reply that was not sent");
                }
            }
        }
    }
}

/// `reply` (its media already ids) with its XML.
fn rendered(header: &Header, reply: Reply, original: Option<Reply>) -> Result<Ready, String> {
    let xml =
        render(header, &reply, unix_now()).map_err(|err| format!("reply cannot be sent: {err}"))?;
    Ok(Ready {
        reply,
        original,
        xml,
    })
}

/// Whether the reply's media is a local file.
fn names_files(reply: &Reply) -> bool {
    reply
        .media()
        .is_some_and(|(_, media)| matches!(media, MediaSource::File(_)))
}

/// One line with the failure, the message's type and id, and what the user got instead.
fn log_failure(header: &Header, failure: &Failure, answered: &str) {
    tracing::error!(
        msg_type = %header.msg_type,
        msg_id = header.msg_id.as_ref().map(|id| id.as_str()),
        "{failure}; answered {answered}"
    );
}

pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::config::Config;
    use crate::message::{Text, parse};
    use crate::router::Router;

    async fn echo(text: Text) -> String {
        text.content
    }

    /// Every message's job is boxed, and a large future costs a large allocation and its copy
    /// on every message: a box of up to about 1 KB comes from glibc's per-thread cache, a
    /// larger one takes the allocator's slow path. A media upload's future once made each
    /// text reply's job 14 KB; only a reply naming a file carries it now, boxed.
    #[test]
    fn a_jobs_future_stays_small() {
        let mut config = Config::default();
        config.account.token = "token".into();
        let bot = super::Bot::new(&config, Router::new().on(echo)).expect("bot");
        let body = "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>\
            <CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content>\
            <MsgId>1</MsgId></xml>";
        let message = Arc::new(parse(body.as_bytes()).expect("parses"));
        let handler = bot.route(&message).expect("routed");
        let job = bot.clone().run(message, handler);
        let size = std::mem::size_of_val(&job);
        assert!(size <= 1024, "a job's future is {size} bytes");
    }
}
