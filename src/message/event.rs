//! Events: follows, scans, menu actions, job reports, subscription messages, customer service.

mod fields;

use super::Unknown;
use super::content::Coord;
use crate::ids::MsgId;

/// An `event` message. Event names compare case-insensitively, as WeChat's own spelling varies.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `subscribe`: a follow, possibly through a parametric QR code.
    Subscribe(Subscribe),
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: a follower scanned a parametric QR code.
    Scan(Scan),
    /// `LOCATION`: the periodic location report.
    Location(LocationReport),
    /// `CLICK`: a menu button with a key.
    Click(Click),
    /// `VIEW`: a menu button that opens a URL.
    View(View),
    /// `scancode_push`: the menu's scanner, result pushed to the page.
    ScancodePush(ScanCode),
    /// `scancode_waitmsg`: the menu's scanner, waiting for the account's answer.
    ScancodeWaitmsg(ScanCode),
    /// `pic_sysphoto`: photos taken from the menu.
    PicSysphoto(Pictures),
    /// `pic_photo_or_album`: photos or album pictures sent from the menu.
    PicPhotoOrAlbum(Pictures),
    /// `pic_weixin`: pictures from the WeChat album sent from the menu.
    PicWeixin(Pictures),
    /// `location_select`: a location picked from the menu.
    LocationSelect(LocationSelect),
    /// `view_miniprogram`: a menu button that opens a mini program.
    ViewMiniprogram(ViewMiniprogram),
    /// `TEMPLATESENDJOBFINISH`: the outcome of a template message.
    TemplateSendJobFinish(TemplateSendJobFinish),
    /// `MASSSENDJOBFINISH`: the outcome of a mass send.
    MassSendJobFinish(MassSendJobFinish),
    /// `subscribe_msg_popup_event`: the user answered a subscription-message prompt.
    SubscribeMsgPopup(SubscribeMsg),
    /// `subscribe_msg_change_event`: the user changed subscription-message settings.
    SubscribeMsgChange(SubscribeMsg),
    /// `subscribe_msg_sent_event`: the outcome of a subscription message.
    SubscribeMsgSent(SubscribeMsg),
    /// `PUBLISHJOBFINISH`: the outcome of a publish job.
    PublishJobFinish(PublishJobFinish),
    /// `kf_create_session`: a customer-service agent took the conversation.
    KfCreateSession(KfSession),
    /// `kf_close_session`: an agent closed the conversation.
    KfCloseSession(KfSession),
    /// `kf_switch_session`: the conversation moved between agents.
    KfSwitchSession(KfSession),
    /// An event this version does not know, kept whole.
    Unknown(Unknown),
}

/// A follow (`subscribe`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Subscribe {
    /// `EventKey`: `qrscene_<scene>` when the follow came through a parametric QR code.
    pub event_key: Option<String>,
    /// `Ticket` of that QR code.
    pub ticket: Option<String>,
}

impl Subscribe {
    /// The QR scene, with the `qrscene_` prefix stripped, when the follow came through one.
    pub fn scene(&self) -> Option<&str> {
        self.event_key.as_deref()?.strip_prefix("qrscene_")
    }
}

/// A scan of a parametric QR code by a follower (`SCAN`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Scan {
    /// `EventKey`: the scene.
    pub event_key: String,
    /// `Ticket` of the QR code.
    pub ticket: Option<String>,
}

/// The periodic location report (`LOCATION`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LocationReport {
    /// `Latitude`.
    pub latitude: Coord,
    /// `Longitude`.
    pub longitude: Coord,
    /// `Precision`.
    pub precision: Coord,
}

/// A menu click (`CLICK`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Click {
    /// `EventKey`: the button's key.
    pub event_key: String,
}

/// A menu link (`VIEW`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct View {
    /// `EventKey`: the URL opened.
    pub url: String,
    /// `MenuId`: the personalised menu's id, when any.
    pub menu_id: Option<String>,
}

/// The menu's scanner (`scancode_push`, `scancode_waitmsg`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ScanCode {
    /// `EventKey`: the button's key.
    pub event_key: String,
    /// `ScanCodeInfo/ScanType`: `qrcode`, `barcode`, …
    pub scan_type: String,
    /// `ScanCodeInfo/ScanResult`: what the code holds.
    pub scan_result: String,
}

/// Pictures sent from the menu (`pic_sysphoto`, `pic_photo_or_album`, `pic_weixin`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Pictures {
    /// `EventKey`: the button's key.
    pub event_key: String,
    /// `SendPicsInfo/Count`.
    pub count: u32,
    /// Every `PicMd5Sum` under `SendPicsInfo/PicList`, in order.
    pub md5s: Vec<String>,
}

/// A location picked from the menu (`location_select`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LocationSelect {
    /// `EventKey`: the button's key.
    pub event_key: String,
    /// `SendLocationInfo/Location_X`.
    pub x: Coord,
    /// `SendLocationInfo/Location_Y`.
    pub y: Coord,
    /// `SendLocationInfo/Scale`.
    pub scale: Coord,
    /// `SendLocationInfo/Label`.
    pub label: String,
    /// `SendLocationInfo/Poiname`.
    pub poiname: Option<String>,
}

/// A menu button that opens a mini program (`view_miniprogram`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ViewMiniprogram {
    /// `EventKey`: the page path opened.
    pub page_path: String,
    /// `MenuId`.
    pub menu_id: Option<String>,
}

/// The outcome of a template message (`TEMPLATESENDJOBFINISH`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TemplateSendJobFinish {
    /// `MsgID` of the template message.
    pub msg_id: Option<MsgId>,
    /// `Status`: `success`, `failed:user block`, …
    pub status: String,
}

/// The outcome of a mass send (`MASSSENDJOBFINISH`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MassSendJobFinish {
    /// `MsgID` of the mass send.
    pub msg_id: Option<MsgId>,
    /// `Status`: `send success`, `send fail`, `err(…)`.
    pub status: String,
    /// `TotalCount`.
    pub total_count: u64,
    /// `FilterCount`.
    pub filter_count: u64,
    /// `SentCount`.
    pub sent_count: u64,
    /// `ErrorCount`.
    pub error_count: u64,
}

/// Subscription-message events: each `List` element is one [`SubscribeMsgItem`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SubscribeMsg {
    /// The templates concerned, one per `List`.
    pub items: Vec<SubscribeMsgItem>,
}

/// One `List` of a subscription-message event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SubscribeMsgItem {
    /// `TemplateId`.
    pub template_id: String,
    /// `SubscribeStatusString`: `accept` or `reject` (popup and change events).
    pub status: Option<String>,
    /// `PopupScene` (popup events).
    pub popup_scene: Option<String>,
    /// `MsgID` (sent events).
    pub msg_id: Option<MsgId>,
    /// `ErrorCode` (sent events).
    pub error_code: Option<String>,
    /// `ErrorStatus` (sent events).
    pub error_status: Option<String>,
}

/// The outcome of a publish job (`PUBLISHJOBFINISH`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PublishJobFinish {
    /// `PublishEventInfo/publish_id`.
    pub publish_id: String,
    /// `PublishEventInfo/publish_status`: 0 is success.
    pub status: String,
    /// `PublishEventInfo/article_id`, on success.
    pub article_id: Option<String>,
    /// Every `article_url` published, in order.
    pub article_urls: Vec<String>,
    /// Every `fail_idx`: the articles that failed.
    pub fail_idx: Vec<String>,
}

/// A customer-service session event (`kf_create_session`, `kf_close_session`,
/// `kf_switch_session`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KfSession {
    /// `KfAccount` (create and close).
    pub kf_account: Option<String>,
    /// `FromKfAccount` (switch).
    pub from_kf_account: Option<String>,
    /// `ToKfAccount` (switch).
    pub to_kf_account: Option<String>,
}

impl Event {
    /// The `EventKey` of the events that carry one (menu keys, QR scenes, URLs).
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Subscribe(ev) => ev.event_key.as_deref(),
            Self::Scan(Scan { event_key, .. })
            | Self::Click(Click { event_key })
            | Self::ScancodePush(ScanCode { event_key, .. })
            | Self::ScancodeWaitmsg(ScanCode { event_key, .. })
            | Self::PicSysphoto(Pictures { event_key, .. })
            | Self::PicPhotoOrAlbum(Pictures { event_key, .. })
            | Self::PicWeixin(Pictures { event_key, .. })
            | Self::LocationSelect(LocationSelect { event_key, .. })
            | Self::View(View { url: event_key, .. })
            | Self::ViewMiniprogram(ViewMiniprogram {
                page_path: event_key,
                ..
            }) => Some(event_key),
            Self::Unknown(unknown) => unknown.get("EventKey"),
            _ => None,
        }
    }
}
