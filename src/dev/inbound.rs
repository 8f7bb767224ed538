//! What the page sends, written as the callback XML WeChat would POST: field names and order
//! of WeChat's "receiving messages" and "receiving events" documents, strings in CDATA,
//! numbers bare.

use std::fmt::Write as _;

use serde::Deserialize;

use crate::xml::cdata_field;

/// A message or event from the page's user, as the page's API takes it (JSON, `"type"` first).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Message {
    /// A text message.
    Text { content: String },
    /// An image the page uploaded first.
    Image { media_id: String },
    /// A voice message; WeChat adds `Recognition` when speech recognition is on.
    Voice {
        media_id: String,
        #[serde(default)]
        recognition: Option<String>,
    },
    /// A video; the upload answer gives its cover.
    Video {
        media_id: String,
        #[serde(default)]
        thumb_media_id: Option<String>,
    },
    /// A location: latitude (`Location_X`), longitude (`Location_Y`), map scale, label.
    Location {
        x: String,
        y: String,
        #[serde(default = "default_scale")]
        scale: u32,
        #[serde(default)]
        label: String,
    },
    /// A shared link.
    Link {
        title: String,
        #[serde(default)]
        description: String,
        url: String,
    },
    /// A follow, through QR scene `scene` when given.
    Subscribe {
        #[serde(default)]
        scene: Option<String>,
    },
    /// An unfollow.
    Unsubscribe,
    /// A follower scanning a QR code with scene `key`.
    Scan { key: String },
    /// A click on a menu button with key `key`.
    Click { key: String },
    /// A click on a menu link to `url`.
    View { url: String },
}

/// The header fields of one message.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head<'a> {
    /// The account (`ToUserName`).
    pub(super) to: &'a str,
    /// The user's openid (`FromUserName`).
    pub(super) from: &'a str,
    pub(super) create_time: u64,
    /// Messages carry one; events do not.
    pub(super) msg_id: u64,
}

/// What a media message says about its file besides the id.
#[derive(Debug, Clone, Default)]
pub(super) struct MediaInfo {
    /// Where an image message's picture can be fetched (`PicUrl`).
    pub(super) pic_url: String,
    /// A voice message's `Format`: `amr` or `mp3`.
    pub(super) voice_format: &'static str,
}

fn default_scale() -> u32 {
    15
}

impl Message {
    /// Whether WeChat sends this as an event (no `MsgId`).
    pub(super) fn is_event(&self) -> bool {
        matches!(
            self,
            Self::Subscribe { .. }
                | Self::Unsubscribe
                | Self::Scan { .. }
                | Self::Click { .. }
                | Self::View { .. }
        )
    }

    /// The media ids it refers to, which must exist in the emulator.
    pub(super) fn media_ids(&self) -> Vec<&str> {
        match self {
            Self::Image { media_id } | Self::Voice { media_id, .. } => vec![media_id],
            Self::Video {
                media_id,
                thumb_media_id,
            } => std::iter::once(media_id.as_str())
                .chain(thumb_media_id.as_deref())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Why WeChat's client would not send this, in words for the page; `Ok` when it would.
    pub(super) fn check(&self) -> Result<(), String> {
        let required = |value: &str, what: &str| {
            if value.trim().is_empty() {
                Err(format!("{what} is empty"))
            } else {
                Ok(())
            }
        };
        match self {
            Self::Text { content } => required(content, "the message"),
            Self::Image { media_id } | Self::Voice { media_id, .. } => {
                required(media_id, "media_id")
            }
            Self::Video { media_id, .. } => required(media_id, "media_id"),
            Self::Location { x, y, .. } => check_coordinates(x, y),
            Self::Link { title, url, .. } => {
                required(title, "the link's title")?;
                required(url, "the link's URL")
            }
            Self::Subscribe { scene: Some(scene) } => required(scene, "the QR scene"),
            Self::Subscribe { scene: None } | Self::Unsubscribe => Ok(()),
            Self::Scan { key } => required(key, "the QR scene"),
            Self::Click { key } => required(key, "the menu key"),
            Self::View { url } => required(url, "the menu link's URL"),
        }
    }

    /// The callback body.
    pub(super) fn xml(&self, head: &Head<'_>, media: &MediaInfo) -> String {
        let mut xml = String::with_capacity(512);
        xml.push_str("<xml>");
        cdata_field(&mut xml, "ToUserName", head.to);
        cdata_field(&mut xml, "FromUserName", head.from);
        number(&mut xml, "CreateTime", head.create_time);
        match self {
            Self::Text { content } => {
                cdata_field(&mut xml, "MsgType", "text");
                cdata_field(&mut xml, "Content", content);
            }
            Self::Image { media_id } => {
                cdata_field(&mut xml, "MsgType", "image");
                cdata_field(&mut xml, "PicUrl", &media.pic_url);
                cdata_field(&mut xml, "MediaId", media_id);
            }
            Self::Voice {
                media_id,
                recognition,
            } => {
                cdata_field(&mut xml, "MsgType", "voice");
                cdata_field(&mut xml, "MediaId", media_id);
                cdata_field(&mut xml, "Format", media.voice_format);
                if let Some(said) = recognition.as_deref().filter(|said| !said.is_empty()) {
                    cdata_field(&mut xml, "Recognition", said);
                }
            }
            Self::Video {
                media_id,
                thumb_media_id,
            } => {
                cdata_field(&mut xml, "MsgType", "video");
                cdata_field(&mut xml, "MediaId", media_id);
                cdata_field(
                    &mut xml,
                    "ThumbMediaId",
                    thumb_media_id.as_deref().unwrap_or(""),
                );
            }
            Self::Location { x, y, scale, label } => {
                cdata_field(&mut xml, "MsgType", "location");
                // Bare numbers, as WeChat writes them; `check` made sure they are numbers.
                let _ = write!(xml, "<Location_X>{}</Location_X>", x.trim());
                let _ = write!(xml, "<Location_Y>{}</Location_Y>", y.trim());
                number(&mut xml, "Scale", u64::from(*scale));
                cdata_field(&mut xml, "Label", label);
            }
            Self::Link {
                title,
                description,
                url,
            } => {
                cdata_field(&mut xml, "MsgType", "link");
                cdata_field(&mut xml, "Title", title);
                cdata_field(&mut xml, "Description", description);
                cdata_field(&mut xml, "Url", url);
            }
            event => {
                event.event_fields(&mut xml);
                xml.push_str("</xml>");
                return xml;
            }
        }
        number(&mut xml, "MsgId", head.msg_id);
        xml.push_str("</xml>");
        xml
    }

    fn event_fields(&self, xml: &mut String) {
        cdata_field(xml, "MsgType", "event");
        // A made-up ticket: it only lets the bot exchange the QR code for its picture.
        const TICKET: &str = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL3BsYXlncm91bmQ";
        match self {
            Self::Subscribe { scene } => {
                cdata_field(xml, "Event", "subscribe");
                if let Some(scene) = scene {
                    cdata_field(xml, "EventKey", &format!("qrscene_{scene}"));
                    cdata_field(xml, "Ticket", TICKET);
                }
            }
            Self::Unsubscribe => {
                cdata_field(xml, "Event", "unsubscribe");
                cdata_field(xml, "EventKey", "");
            }
            Self::Scan { key } => {
                cdata_field(xml, "Event", "SCAN");
                cdata_field(xml, "EventKey", key);
                cdata_field(xml, "Ticket", TICKET);
            }
            Self::Click { key } => {
                cdata_field(xml, "Event", "CLICK");
                cdata_field(xml, "EventKey", key);
            }
            Self::View { url } => {
                cdata_field(xml, "Event", "VIEW");
                cdata_field(xml, "EventKey", url);
            }
            _ => {}
        }
    }
}

/// Latitude in [-90, 90] and longitude in [-180, 180], as decimal numbers.
fn check_coordinates(x: &str, y: &str) -> Result<(), String> {
    let parse = |value: &str, what: &str, limit: f64| match value.trim().parse::<f64>() {
        Ok(number) if number.is_finite() && number.abs() <= limit => Ok(()),
        _ => Err(format!(
            "the {what} must be a number between -{limit} and {limit}, not {value:?}"
        )),
    };
    parse(x, "latitude", 90.0)?;
    parse(y, "longitude", 180.0)
}

fn number(xml: &mut String, tag: &str, value: u64) {
    let _ = write!(xml, "<{tag}>{value}</{tag}>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Kind, parse};

    const HEAD: Head<'static> = Head {
        to: "gh_a",
        from: "o_u",
        create_time: 1_700_000_000,
        msg_id: 42,
    };

    fn message(json: &str) -> Message {
        serde_json::from_str(json).expect("message")
    }

    #[test]
    fn every_kind_parses_back_as_itself() {
        let cases = [
            (r#"{"type":"text","content":"a ]]> <b> 😀\nc"}"#, "text"),
            (r#"{"type":"image","media_id":"m1"}"#, "image"),
            (
                r#"{"type":"voice","media_id":"m1","recognition":"hi"}"#,
                "voice",
            ),
            (
                r#"{"type":"video","media_id":"m1","thumb_media_id":"t"}"#,
                "video",
            ),
            (
                r#"{"type":"location","x":"23.134521","y":"113.358803","label":"L"}"#,
                "location",
            ),
            (
                r#"{"type":"link","title":"T","url":"https://example.com"}"#,
                "link",
            ),
            (r#"{"type":"subscribe","scene":"42"}"#, "event"),
            (r#"{"type":"unsubscribe"}"#, "event"),
            (r#"{"type":"scan","key":"42"}"#, "event"),
            (r#"{"type":"click","key":"K"}"#, "event"),
            (r#"{"type":"view","url":"https://example.com"}"#, "event"),
        ];
        for (json, msg_type) in cases {
            let message = message(json);
            assert_eq!(message.check(), Ok(()), "{json}");
            let media = MediaInfo {
                pic_url: "http://127.0.0.1/media/m1".to_owned(),
                voice_format: "amr",
            };
            let xml = message.xml(&HEAD, &media);
            let parsed = parse(xml.as_bytes()).unwrap_or_else(|err| panic!("{json}: {err}"));
            assert_eq!(parsed.header.msg_type, msg_type, "{xml}");
            assert!(!matches!(parsed.kind, Kind::Unknown { .. }), "{xml}");
            assert_eq!(parsed.header.msg_id.is_some(), !message.is_event(), "{xml}");
        }
        let text = message(r#"{"type":"text","content":"a ]]> <b> 😀\nc"}"#);
        let parsed = parse(text.xml(&HEAD, &MediaInfo::default()).as_bytes()).expect("text");
        assert!(matches!(parsed.kind, Kind::Text(t) if t.content == "a ]]> <b> 😀\nc"));
    }

    #[test]
    fn refuses_what_wechat_would_not_send() {
        assert!(
            message(r#"{"type":"text","content":"  "}"#)
                .check()
                .is_err()
        );
        let far = message(r#"{"type":"location","x":"91","y":"0"}"#).check();
        assert!(far.unwrap_err().contains("latitude"));
        let nan = message(r#"{"type":"location","x":"1","y":"east"}"#).check();
        assert!(nan.unwrap_err().contains("longitude"));
        assert!(message(r#"{"type":"click","key":""}"#).check().is_err());
    }
}
