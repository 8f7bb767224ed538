//! Events from the walked XML: one flat table from the `Event` name to its fields.

use super::{
    Click, Event, KfSession, LocationReport, LocationSelect, MassSendJobFinish, Pictures,
    PublishJobFinish, Scan, ScanCode, Subscribe, SubscribeMsg, SubscribeMsgItem,
    TemplateSendJobFinish, View, ViewMiniprogram,
};
use crate::ids::MsgId;
use crate::message::Unknown;
use crate::message::content::Coord;
use crate::xml::Fields;

impl Event {
    pub(in crate::message) fn from_fields(name: &str, f: &Fields<'_>, xml: &str) -> Self {
        let key = || f.string("EventKey");
        let coord = |name| Coord(f.string(name));
        let number = |name| {
            f.get(name)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_default()
        };
        let msg_id = || crate::message::header::msg_id(f);
        let scan_code = || ScanCode {
            event_key: key(),
            scan_type: f.string("ScanType"),
            scan_result: f.string("ScanResult"),
        };
        let pictures = || Pictures {
            event_key: key(),
            count: number("Count") as u32,
            md5s: f.all("PicMd5Sum"),
        };
        let subscribe_msg = || SubscribeMsg {
            items: f.groups("List").iter().map(item).collect(),
        };
        let kf = || KfSession {
            kf_account: f.opt("KfAccount"),
            from_kf_account: f.opt("FromKfAccount"),
            to_kf_account: f.opt("ToKfAccount"),
        };
        match name.to_ascii_lowercase().as_str() {
            "subscribe" => Self::Subscribe(Subscribe {
                event_key: f.opt("EventKey"),
                ticket: f.opt("Ticket"),
            }),
            "unsubscribe" => Self::Unsubscribe,
            "scan" => Self::Scan(Scan {
                event_key: key(),
                ticket: f.opt("Ticket"),
            }),
            "location" => Self::Location(LocationReport {
                latitude: coord("Latitude"),
                longitude: coord("Longitude"),
                precision: coord("Precision"),
            }),
            "click" => Self::Click(Click { event_key: key() }),
            "view" => Self::View(View {
                url: key(),
                menu_id: f.opt("MenuId"),
            }),
            "scancode_push" => Self::ScancodePush(scan_code()),
            "scancode_waitmsg" => Self::ScancodeWaitmsg(scan_code()),
            "pic_sysphoto" => Self::PicSysphoto(pictures()),
            "pic_photo_or_album" => Self::PicPhotoOrAlbum(pictures()),
            "pic_weixin" => Self::PicWeixin(pictures()),
            "location_select" => Self::LocationSelect(LocationSelect {
                event_key: key(),
                x: coord("Location_X"),
                y: coord("Location_Y"),
                scale: coord("Scale"),
                label: f.string("Label"),
                poiname: f.opt("Poiname"),
            }),
            "view_miniprogram" => Self::ViewMiniprogram(ViewMiniprogram {
                page_path: key(),
                menu_id: f.opt("MenuId"),
            }),
            "templatesendjobfinish" => Self::TemplateSendJobFinish(TemplateSendJobFinish {
                msg_id: msg_id(),
                status: f.string("Status"),
            }),
            "masssendjobfinish" => Self::MassSendJobFinish(MassSendJobFinish {
                msg_id: msg_id(),
                status: f.string("Status"),
                total_count: number("TotalCount"),
                filter_count: number("FilterCount"),
                sent_count: number("SentCount"),
                error_count: number("ErrorCount"),
            }),
            "subscribe_msg_popup_event" => Self::SubscribeMsgPopup(subscribe_msg()),
            "subscribe_msg_change_event" => Self::SubscribeMsgChange(subscribe_msg()),
            "subscribe_msg_sent_event" => Self::SubscribeMsgSent(subscribe_msg()),
            "publishjobfinish" => Self::PublishJobFinish(PublishJobFinish {
                publish_id: f.string("publish_id"),
                status: f.string("publish_status"),
                article_id: f.opt("article_id"),
                article_urls: f.all("article_url"),
                fail_idx: f.all("fail_idx"),
            }),
            "kf_create_session" => Self::KfCreateSession(kf()),
            "kf_close_session" => Self::KfCloseSession(kf()),
            "kf_switch_session" => Self::KfSwitchSession(kf()),
            _ => Self::Unknown(Unknown::new(f, xml)),
        }
    }
}

impl Event {
    /// The event's name as the parser matches it (lower case), `"unknown"` for
    /// one this version does not know: a label for metrics, never more than this table.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Subscribe(_) => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Scan(_) => "scan",
            Self::Location(_) => "location",
            Self::Click(_) => "click",
            Self::View(_) => "view",
            Self::ScancodePush(_) => "scancode_push",
            Self::ScancodeWaitmsg(_) => "scancode_waitmsg",
            Self::PicSysphoto(_) => "pic_sysphoto",
            Self::PicPhotoOrAlbum(_) => "pic_photo_or_album",
            Self::PicWeixin(_) => "pic_weixin",
            Self::LocationSelect(_) => "location_select",
            Self::ViewMiniprogram(_) => "view_miniprogram",
            Self::TemplateSendJobFinish(_) => "templatesendjobfinish",
            Self::MassSendJobFinish(_) => "masssendjobfinish",
            Self::SubscribeMsgPopup(_) => "subscribe_msg_popup_event",
            Self::SubscribeMsgChange(_) => "subscribe_msg_change_event",
            Self::SubscribeMsgSent(_) => "subscribe_msg_sent_event",
            Self::PublishJobFinish(_) => "publishjobfinish",
            Self::KfCreateSession(_) => "kf_create_session",
            Self::KfCloseSession(_) => "kf_close_session",
            Self::KfSwitchSession(_) => "kf_switch_session",
            Self::Unknown(_) => "unknown",
        }
    }

    /// A report of a bulk job (template message, mass send, publish, subscription message
    /// sent): WeChat pushes thousands a second after a big send, and the user sees none.
    pub fn is_job_report(&self) -> bool {
        matches!(
            self,
            Self::TemplateSendJobFinish(_)
                | Self::MassSendJobFinish(_)
                | Self::PublishJobFinish(_)
                | Self::SubscribeMsgSent(_)
        )
    }
}

fn item(f: &Fields<'_>) -> SubscribeMsgItem {
    SubscribeMsgItem {
        template_id: f.string("TemplateId"),
        status: f.opt("SubscribeStatusString"),
        popup_scene: f.opt("PopupScene"),
        msg_id: f.non_empty("MsgID").map(MsgId::from),
        error_code: f.opt("ErrorCode"),
        error_status: f.opt("ErrorStatus"),
    }
}
