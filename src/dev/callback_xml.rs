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
mod tests;
