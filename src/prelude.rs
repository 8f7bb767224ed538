//! What a handler author imports: `use wxbot::prelude::*;`.

pub use crate::ids::{MediaId, MsgId, OpenId};
pub use crate::message::{
    Click, Coord, Event, Header, Image, Incoming, KfSession, Kind, Link, Location, LocationReport,
    LocationSelect, MassSendJobFinish, Pictures, PublishJobFinish, Scan, ScanCode, Subscribe,
    SubscribeMsg, SubscribeMsgItem, TemplateSendJobFinish, Text, Unknown, Video, View,
    ViewMiniprogram, Voice,
};
pub use crate::reply::{Article, MediaSource, Reply};
pub use crate::router::{
    Ctx, Failure, FromIncoming, HandlerError, HandlerResult, IntoReply, Next, Router, Session,
};
