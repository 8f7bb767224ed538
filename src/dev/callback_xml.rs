//! The page's messages written as the callback XML WeChat would POST: field names and order
//! of WeChat's "receiving messages" and "receiving events" documents (the menu's events with
//! their nested `ScanCodeInfo`, `SendPicsInfo` and `SendLocationInfo`), strings in CDATA,
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
        // A made-up ticket, for a scene no QR code of the API's has: it only lets the bot
        // exchange the code for its picture.
        const TICKET: &str = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL3BsYXlncm91bmQ";
        match self {
            Self::Subscribe { scene, ticket } => {
                cdata_field(xml, "Event", "subscribe");
                if let Some(scene) = scene {
                    cdata_field(xml, "EventKey", &format!("qrscene_{scene}"));
                    cdata_field(xml, "Ticket", ticket.as_deref().unwrap_or(TICKET));
                }
            }
            Self::Unsubscribe => {
                cdata_field(xml, "Event", "unsubscribe");
                cdata_field(xml, "EventKey", "");
            }
            Self::Scan { key, ticket } => {
                cdata_field(xml, "Event", "SCAN");
                cdata_field(xml, "EventKey", key);
                cdata_field(xml, "Ticket", ticket.as_deref().unwrap_or(TICKET));
            }
            Self::Click { key } => {
                cdata_field(xml, "Event", "CLICK");
                cdata_field(xml, "EventKey", key);
            }
            Self::View { url } => {
                cdata_field(xml, "Event", "VIEW");
                cdata_field(xml, "EventKey", url);
            }
            Self::ViewMiniprogram { pagepath } => {
                cdata_field(xml, "Event", "view_miniprogram");
                cdata_field(xml, "EventKey", pagepath);
            }
            menu => menu.menu_event_fields(xml),
        }
    }

    /// `Event`, `EventKey` and the details of the menu's scanner, picture and location
    /// buttons, as WeChat nests them.
    fn menu_event_fields(&self, xml: &mut String) {
        let (event, key) = match self {
            Self::ScancodePush(scan) => ("scancode_push", &scan.key),
            Self::ScancodeWaitmsg(scan) => ("scancode_waitmsg", &scan.key),
            Self::PicSysphoto(pics) => ("pic_sysphoto", &pics.key),
            Self::PicPhotoOrAlbum(pics) => ("pic_photo_or_album", &pics.key),
            Self::PicWeixin(pics) => ("pic_weixin", &pics.key),
            Self::LocationSelect(picked) => ("location_select", &picked.key),
            // Messages and the other events are written by their own arms.
            _ => return,
        };
        cdata_field(xml, "Event", event);
        cdata_field(xml, "EventKey", key);
        match self {
            Self::ScancodePush(scan) | Self::ScancodeWaitmsg(scan) => {
                xml.push_str("<ScanCodeInfo>");
                cdata_field(xml, "ScanType", &scan.scan_type);
                cdata_field(xml, "ScanResult", &scan.result);
                xml.push_str("</ScanCodeInfo>");
            }
            Self::PicSysphoto(pics) | Self::PicPhotoOrAlbum(pics) | Self::PicWeixin(pics) => {
                let md5 = pics.md5.clone().unwrap_or_else(made_up_md5);
                xml.push_str("<SendPicsInfo><Count>1</Count><PicList><item>");
                cdata_field(xml, "PicMd5Sum", &md5.to_ascii_lowercase());
                xml.push_str("</item></PicList></SendPicsInfo>");
            }
            Self::LocationSelect(picked) => {
                xml.push_str("<SendLocationInfo>");
                cdata_field(xml, "Location_X", picked.x.trim());
                cdata_field(xml, "Location_Y", picked.y.trim());
                cdata_field(xml, "Scale", &picked.scale.to_string());
                cdata_field(xml, "Label", &picked.label);
                cdata_field(xml, "Poiname", &picked.poiname);
                xml.push_str("</SendLocationInfo>");
            }
            _ => {}
        }
    }
}

/// 32 hex digits, as a picture's MD5 looks: the page sends no file with a menu picture.
fn made_up_md5() -> String {
    let half = || getrandom::u64().unwrap_or_default();
    format!("{:016x}{:016x}", half(), half())
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
            (
                r#"{"type":"view_miniprogram","pagepath":"pages/a"}"#,
                "event",
            ),
            (
                r#"{"type":"scancode_push","key":"K","result":"1"}"#,
                "event",
            ),
            (
                r#"{"type":"scancode_waitmsg","key":"K","result":"r"}"#,
                "event",
            ),
            (r#"{"type":"pic_sysphoto","key":"K"}"#, "event"),
            (r#"{"type":"pic_photo_or_album","key":"K"}"#, "event"),
            (
                r#"{"type":"pic_weixin","key":"K","md5":"1B5F7C23B5BF75682A53E7B6D163E185"}"#,
                "event",
            ),
            (
                r#"{"type":"location_select","key":"K","x":"23","y":"113","label":"L"}"#,
                "event",
            ),
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
    fn menu_events_carry_their_nested_fields() {
        use crate::message::Event;
        let xml = |json: &str| message(json).xml(&HEAD, &MediaInfo::default());
        let scan = xml(r#"{"type":"scancode_waitmsg","key":"K","result":"hello"}"#);
        let Kind::Event(Event::ScancodeWaitmsg(scan)) = parse(scan.as_bytes()).expect("scan").kind
        else {
            panic!("not a scan");
        };
        assert_eq!(
            (scan.event_key.as_str(), scan.scan_type.as_str()),
            ("K", "qrcode")
        );
        assert_eq!(scan.scan_result, "hello");
        let pics = xml(r#"{"type":"pic_weixin","key":"P"}"#);
        let Kind::Event(Event::PicWeixin(pics)) = parse(pics.as_bytes()).expect("pics").kind else {
            panic!("not pictures");
        };
        assert_eq!(pics.count, 1);
        assert!(
            pics.md5s.len() == 1 && pics.md5s[0].len() == 32,
            "{:?}",
            pics.md5s
        );
        let json = r#"{"type":"location_select","key":"L","x":"23.1","y":"113.3","label":"Here"}"#;
        let Kind::Event(Event::LocationSelect(picked)) =
            parse(xml(json).as_bytes()).expect("loc").kind
        else {
            panic!("not a location");
        };
        assert_eq!(
            (picked.event_key.as_str(), picked.label.as_str()),
            ("L", "Here")
        );
        assert_eq!(picked.scale.to_string(), "15");
    }
}
