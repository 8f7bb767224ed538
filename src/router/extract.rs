//! [`FromIncoming`] and [`IntoReply`]: the two ends of a handler.

use crate::message::{
    Click, Event, Header, Image, Incoming, KfSession, Kind, Link, Location, LocationReport,
    LocationSelect, MassSendJobFinish, Pictures, PublishJobFinish, Scan, ScanCode, Subscribe,
    SubscribeMsg, TemplateSendJobFinish, Text, Video, View, ViewMiniprogram, Voice,
};
use crate::reply::{MusicReply, Reply, VideoReply};

/// The error type of handlers: anything that is an error, so `?` works on every result.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Projects a message into a handler's argument; `None` means "this route does not apply".
///
/// The argument type is a filter: a handler taking [`Image`] runs for images only. Implement
/// it for your own types to parse commands:
///
/// ```
/// use wxbot::prelude::*;
///
/// struct Weather { city: String }
///
/// impl FromIncoming for Weather {
///     fn from_incoming(msg: &Incoming) -> Option<Self> {
///         let city = msg.text()?.strip_prefix("weather ")?;
///         Some(Self { city: city.trim().to_owned() })
///     }
/// }
///
/// async fn weather(w: Weather) -> String {
///     format!("sunny in {}", w.city)
/// }
/// # let _ = Router::new().on(weather);
/// ```
pub trait FromIncoming: Sized {
    /// `Some` when the message is of this kind.
    fn from_incoming(msg: &Incoming) -> Option<Self>;

    /// Whether every message converts (only [`Incoming`]): such a route must come last.
    #[doc(hidden)]
    const ACCEPTS_ALL: bool = false;
}

impl FromIncoming for Incoming {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        Some(msg.clone())
    }
    const ACCEPTS_ALL: bool = true;
}

impl FromIncoming for Header {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        Some(msg.header.clone())
    }
    const ACCEPTS_ALL: bool = true;
}

impl FromIncoming for Event {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        msg.event().cloned()
    }
}

impl FromIncoming for Video {
    fn from_incoming(msg: &Incoming) -> Option<Self> {
        match &msg.kind {
            Kind::Video(video) | Kind::ShortVideo(video) => Some(video.clone()),
            _ => None,
        }
    }
}

macro_rules! from_kind {
    ($($ty:ident => $variant:ident),* $(,)?) => {$(
        impl FromIncoming for $ty {
            fn from_incoming(msg: &Incoming) -> Option<Self> {
                match &msg.kind {
                    Kind::$variant(value) => Some(value.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

from_kind!(Text => Text, Image => Image, Voice => Voice, Location => Location, Link => Link);

macro_rules! from_event {
    ($($ty:ident => $($variant:ident)|+),* $(,)?) => {$(
        impl FromIncoming for $ty {
            fn from_incoming(msg: &Incoming) -> Option<Self> {
                match msg.event()? {
                    $(Event::$variant(value))|+ => Some(value.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

from_event!(
    Subscribe => Subscribe,
    Scan => Scan,
    LocationReport => Location,
    Click => Click,
    View => View,
    ScanCode => ScancodePush | ScancodeWaitmsg,
    Pictures => PicSysphoto | PicPhotoOrAlbum | PicWeixin,
    LocationSelect => LocationSelect,
    ViewMiniprogram => ViewMiniprogram,
    TemplateSendJobFinish => TemplateSendJobFinish,
    MassSendJobFinish => MassSendJobFinish,
    SubscribeMsg => SubscribeMsgPopup | SubscribeMsgChange | SubscribeMsgSent,
    PublishJobFinish => PublishJobFinish,
    KfSession => KfCreateSession | KfCloseSession | KfSwitchSession,
);

/// Anything a handler may return: a reply, nothing (`success`), or an error.
///
/// `()` and `None` answer `success`; `String` and `&'static str` are text replies;
/// `Result<R, E>` fails with any error type.
pub trait IntoReply {
    /// The reply, `None` for no reply, or the handler's error.
    fn into_reply(self) -> Result<Option<Reply>, HandlerError>;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(Some(self))
    }
}

impl IntoReply for VideoReply {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(Some(self.into()))
    }
}

impl IntoReply for MusicReply {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(Some(self.into()))
    }
}

impl IntoReply for String {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(Some(Reply::Text(self)))
    }
}

impl IntoReply for &'static str {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(Some(Reply::Text(self.to_owned())))
    }
}

impl IntoReply for () {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        Ok(None)
    }
}

impl<R: IntoReply> IntoReply for Option<R> {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        self.map_or(Ok(None), IntoReply::into_reply)
    }
}

impl<R: IntoReply, E: Into<HandlerError>> IntoReply for Result<R, E> {
    fn into_reply(self) -> Result<Option<Reply>, HandlerError> {
        self.map_err(Into::into)?.into_reply()
    }
}
