//! Incoming messages: the typed form of WeChat's callback XML, and [`parse`].
//!
//! A message is a [`Header`] (the four fields every callback carries, plus `Event` and `MsgId`)
//! and a [`Kind`]. Kinds WeChat adds later parse as [`Unknown`], with the raw XML and every
//! field kept, so a new WeChat feature never breaks a bot.

mod content;
mod event;
mod header;
#[cfg(test)]
mod tests;

pub use content::{Coord, Image, Link, Location, Text, Video, Voice};
pub use event::{
    Click, Event, KfSession, LocationReport, LocationSelect, MassSendJobFinish, Pictures,
    PublishJobFinish, Scan, ScanCode, Subscribe, SubscribeMsg, SubscribeMsgItem,
    TemplateSendJobFinish, View, ViewMiniprogram,
};
pub use header::Header;

pub use crate::xml::XmlError;

use crate::xml::{self, Fields};

/// Why a callback body is not a WeChat message (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not an acceptable XML document.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A required header field is missing or empty.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A numeric header field that is not a number.
    #[error("{field} is not a number: {value:?}")]
    NotANumber {
        /// The field's XML name.
        field: &'static str,
        /// What it held.
        value: String,
    },
}

/// A parsed callback: who sent what, when.
///
/// ```
/// use wxbot::message::{parse, Kind};
///
/// let msg = parse(b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
///     <FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>1700000000</CreateTime>\
///     <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
///     <MsgId>1234567890123456</MsgId></xml>").unwrap();
/// assert_eq!(msg.header.from, "o_user");
/// assert!(matches!(&msg.kind, Kind::Text(t) if t.content == "hi"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Incoming {
    /// The fields every message carries.
    pub header: Header,
    /// What the message is.
    pub kind: Kind,
}

/// What a message is: a content kind, an event, or something this version does not know.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Kind {
    /// `text`.
    Text(Text),
    /// `image`.
    Image(Image),
    /// `voice`, with speech recognition when the account enabled it.
    Voice(Voice),
    /// `video`.
    Video(Video),
    /// `shortvideo`.
    ShortVideo(Video),
    /// `location`, a location the user chose to send.
    Location(Location),
    /// `link`.
    Link(Link),
    /// `event`: follows, menu clicks, scans, job reports, …
    Event(Event),
    /// A message type this version does not know.
    Unknown(Unknown),
}

/// A message or event this version does not know, kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unknown {
    /// Every leaf field as `(name, value)`, in document order.
    pub fields: Vec<(String, String)>,
    /// The XML as received (decrypted, in safe mode).
    pub raw: Box<str>,
}

impl Unknown {
    /// The first field named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn new(fields: &Fields<'_>, xml: &str) -> Self {
        let fields = fields
            .leaves
            .iter()
            .map(|leaf| (leaf.name.to_owned(), leaf.value.clone().into_owned()))
            .collect();
        Self {
            fields,
            raw: xml.into(),
        }
    }
}

/// Parses a callback body (plaintext XML) into an [`Incoming`].
///
/// Only the header is required: a body that does not fit its kind becomes [`Kind::Unknown`]
/// rather than an error, since a parsed message must never be answered with a 4xx.
pub fn parse(body: &[u8]) -> Result<Incoming, ParseError> {
    let xml = xml::utf8(body)?;
    let fields = xml::scan(xml)?;
    let header = Header::from_fields(&fields)?;
    let known = match header.msg_type.as_str() {
        "text" => Text::from_fields(&fields).map(Kind::Text),
        "image" => Image::from_fields(&fields).map(Kind::Image),
        "voice" => Voice::from_fields(&fields).map(Kind::Voice),
        "video" => Video::from_fields(&fields).map(Kind::Video),
        "shortvideo" => Video::from_fields(&fields).map(Kind::ShortVideo),
        "location" => Location::from_fields(&fields).map(Kind::Location),
        "link" => Link::from_fields(&fields).map(Kind::Link),
        "event" => Some(Kind::Event(Event::from_fields(
            header.event.as_deref().unwrap_or_default(),
            &fields,
            xml,
        ))),
        _ => None,
    };
    let kind = known.unwrap_or_else(|| {
        tracing::debug!(msg_type = %header.msg_type, "message kept as Unknown");
        Kind::Unknown(Unknown::new(&fields, xml))
    });
    Ok(Incoming { header, kind })
}

impl Incoming {
    /// The text of a `text` message.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Text(text) => Some(&text.content),
            _ => None,
        }
    }

    /// The `MsgType` and, for events, the event's name, as labels from a fixed table
    /// ([`Event::name`]; `"unknown"` for a type this version does not know).
    pub fn type_names(&self) -> (&'static str, &'static str) {
        match &self.kind {
            Kind::Text(_) => ("text", ""),
            Kind::Image(_) => ("image", ""),
            Kind::Voice(_) => ("voice", ""),
            Kind::Video(_) => ("video", ""),
            Kind::ShortVideo(_) => ("shortvideo", ""),
            Kind::Location(_) => ("location", ""),
            Kind::Link(_) => ("link", ""),
            Kind::Event(event) => ("event", event.name()),
            Kind::Unknown(_) => ("unknown", ""),
        }
    }

    /// The event, when the message is one.
    pub fn event(&self) -> Option<&Event> {
        match &self.kind {
            Kind::Event(event) => Some(event),
            _ => None,
        }
    }
}
