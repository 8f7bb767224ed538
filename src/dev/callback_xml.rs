//! The page's messages written as the callback XML WeChat would POST: field names and order
//! of WeChat's "receiving messages" and "receiving events" documents, strings in CDATA,
//! numbers bare.

use std::fmt::Write as _;

use super::inbound::Message;
use crate::xml::cdata_field;

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

impl Message {
    /// The callback body.
    pub(super) fn xml(&self, head: &Head<'_>, media: &MediaInfo) -> String {
        let mut xml = String::with_capacity(512);
        xml.push_str("<xml>");
        cdata_field(&mut xml, "ToUserName", head.to);
        cdata_field(&mut xml, "FromUserName", head.from);
        number(&mut xml, "CreateTime", head.create_time);
        if self.is_event() {
            self.event_fields(&mut xml);
        } else {
            self.message_fields(&mut xml, media);
            number(&mut xml, "MsgId", head.msg_id);
        }
        xml.push_str("</xml>");
        xml
    }

    /// `MsgType` and the fields of a message (not an event), in WeChat's order.
    fn message_fields(&self, xml: &mut String, media: &MediaInfo) {
        match self {
            Self::Text { content } => {
                cdata_field(xml, "MsgType", "text");
                cdata_field(xml, "Content", content);
            }
            Self::Image { media_id } => {
                cdata_field(xml, "MsgType", "image");
                cdata_field(xml, "PicUrl", &media.pic_url);
                cdata_field(xml, "MediaId", media_id);
            }
            Self::Voice {
                media_id,
                recognition,
            } => {
                cdata_field(xml, "MsgType", "voice");
                cdata_field(xml, "MediaId", media_id);
                cdata_field(xml, "Format", media.voice_format);
                if let Some(said) = recognition.as_deref().filter(|said| !said.is_empty()) {
                    cdata_field(xml, "Recognition", said);
                }
            }
            Self::Video {
                media_id,
                thumb_media_id,
            } => {
                cdata_field(xml, "MsgType", "video");
                cdata_field(xml, "MediaId", media_id);
                cdata_field(xml, "ThumbMediaId", thumb_media_id.as_deref().unwrap_or(""));
            }
            Self::Location { x, y, scale, label } => {
                cdata_field(xml, "MsgType", "location");
                // Bare numbers, as WeChat writes them; `check` made sure they are numbers.
                let _ = write!(xml, "<Location_X>{}</Location_X>", x.trim());
                let _ = write!(xml, "<Location_Y>{}</Location_Y>", y.trim());
                number(xml, "Scale", u64::from(*scale));
                cdata_field(xml, "Label", label);
            }
            Self::Link {
                title,
                description,
                url,
            } => {
                cdata_field(xml, "MsgType", "link");
                cdata_field(xml, "Title", title);
                cdata_field(xml, "Description", description);
                cdata_field(xml, "Url", url);
            }
            // Events are written by `event_fields`.
            _ => {}
        }
    }

    /// `MsgType` `event` and the fields of an event, in WeChat's order.
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
            // Messages are written by `message_fields`.
            _ => {}
        }
    }
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
}
