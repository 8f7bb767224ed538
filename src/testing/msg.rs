//! [`Msg`]: a message or event as WeChat sends it, built in one line, no XML by hand.
//!
//! The messages and the common events are built here; the menu's rarer events, job reports,
//! subscription messages and customer-service sessions in [`events`].

mod events;
mod field;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use field::{Field, group, number, push_element, push_field, replace, text};

/// Numbers the messages built here, so each is a new message to the dedupe table.
static NEXT_ID: AtomicU64 = AtomicU64::new(1_000_000);

/// A message or event from a user to the account, as WeChat delivers it. Every builder makes
/// a new message (its own `MsgId`); send the same `Msg` twice to play a WeChat retry.
///
/// ```
/// use wxbot::testing::Msg;
///
/// let text = Msg::text("ping").from("o_alice");
/// let click = Msg::click("MENU_HELP");
/// assert!(text.xml().contains("<Content><![CDATA[ping]]></Content>"));
/// assert!(click.xml().contains("<Event><![CDATA[CLICK]]></Event>"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    to: String,
    from: String,
    create_time: u64,
    msg_type: &'static str,
    /// `Event` for events, which carry no `MsgId`.
    event: Option<&'static str>,
    msg_id: Option<u64>,
    fields: Vec<Field>,
}

impl Msg {
    fn message(msg_type: &'static str, fields: Vec<(&'static str, String)>) -> Self {
        let fields = fields.into_iter().map(|(name, value)| text(name, value));
        Self::message_of(msg_type, fields.collect())
    }

    fn message_of(msg_type: &'static str, fields: Vec<Field>) -> Self {
        Self {
            to: "gh_test_account".to_owned(),
            from: "o_test_user".to_owned(),
            create_time: 1_700_000_000,
            msg_type,
            event: None,
            msg_id: Some(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            fields,
        }
    }

    fn event(event: &'static str, fields: Vec<(&'static str, String)>) -> Self {
        let fields = fields.into_iter().map(|(name, value)| text(name, value));
        Self::event_of(event, fields.collect())
    }

    fn event_of(event: &'static str, fields: Vec<Field>) -> Self {
        // Events are told apart by sender, time, event and key: a new time, a new event.
        let create_time = 1_700_000_000 + NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self {
            msg_type: "event",
            event: Some(event),
            msg_id: None,
            create_time,
            ..Self::message_of("event", fields)
        }
    }

    /// A text message.
    pub fn text(content: impl Into<String>) -> Self {
        Self::message("text", vec![("Content", content.into())])
    }

    /// An image the user sent (`media_id` for download, and its URL).
    pub fn image(media_id: impl Into<String>) -> Self {
        let media_id = media_id.into();
        let url = format!("https://mmbiz.example/{media_id}.jpg");
        Self::message("image", vec![("PicUrl", url), ("MediaId", media_id)])
    }

    /// A voice message (AMR), without speech recognition; add it with
    /// `.with("Recognition", "…")`.
    pub fn voice(media_id: impl Into<String>) -> Self {
        let fields = vec![("MediaId", media_id.into()), ("Format", "amr".to_owned())];
        Self::message("voice", fields)
    }

    /// A video message.
    pub fn video(media_id: impl Into<String>, thumb_media_id: impl Into<String>) -> Self {
        let fields = vec![
            ("MediaId", media_id.into()),
            ("ThumbMediaId", thumb_media_id.into()),
        ];
        Self::message("video", fields)
    }

    /// A location the user chose to send.
    pub fn location(x: f64, y: f64, scale: u32, label: impl Into<String>) -> Self {
        let fields = vec![
            ("Location_X", x.to_string()),
            ("Location_Y", y.to_string()),
            ("Scale", scale.to_string()),
            ("Label", label.into()),
        ];
        Self::message("location", fields)
    }

    /// A link the user shared.
    pub fn link(
        title: impl Into<String>,
        description: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        let fields = vec![
            ("Title", title.into()),
            ("Description", description.into()),
            ("Url", url.into()),
        ];
        Self::message("link", fields)
    }

    /// A follow.
    pub fn subscribe() -> Self {
        Self::event("subscribe", vec![("EventKey", String::new())])
    }

    /// A follow through a QR code of `scene`.
    pub fn subscribe_via(scene: impl Into<String>) -> Self {
        let key = format!("qrscene_{}", scene.into());
        Self::event(
            "subscribe",
            vec![("EventKey", key), ("Ticket", "TICKET".to_owned())],
        )
    }

    /// An unfollow.
    pub fn unsubscribe() -> Self {
        Self::event("unsubscribe", vec![("EventKey", String::new())])
    }

    /// A follower scanning a QR code of `scene`.
    pub fn scan(scene: impl Into<String>) -> Self {
        Self::event(
            "SCAN",
            vec![("EventKey", scene.into()), ("Ticket", "TICKET".to_owned())],
        )
    }

    /// A click on a menu button with `key`.
    pub fn click(key: impl Into<String>) -> Self {
        Self::event("CLICK", vec![("EventKey", key.into())])
    }

    /// A click on a menu link to `url`.
    pub fn view(url: impl Into<String>) -> Self {
        Self::event("VIEW", vec![("EventKey", url.into())])
    }

    /// The periodic location report of a follower who allowed it.
    pub fn location_report(latitude: f64, longitude: f64, precision: f64) -> Self {
        let fields = vec![
            ("Latitude", latitude.to_string()),
            ("Longitude", longitude.to_string()),
            ("Precision", precision.to_string()),
        ];
        Self::event("LOCATION", fields)
    }

    /// From the user `openid` (default `o_test_user`).
    #[must_use]
    pub fn from(mut self, openid: impl Into<String>) -> Self {
        self.from = openid.into();
        self
    }

    /// To the account `account` (default `gh_test_account`).
    #[must_use]
    pub fn to(mut self, account: impl Into<String>) -> Self {
        self.to = account.into();
        self
    }

    /// Sent at `create_time`, Unix seconds.
    #[must_use]
    pub fn at(mut self, create_time: u64) -> Self {
        self.create_time = create_time;
        self
    }

    /// With one more field, or another value for one it has, at any depth (`Recognition`,
    /// `MenuId`, `Poiname`, …): the first of that name.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        if let Err(value) = replace(&mut self.fields, name, value) {
            self.fields.push(text(name, value));
        }
        self
    }

    /// The XML WeChat would POST.
    pub fn xml(&self) -> String {
        let mut xml = String::from("<xml>");
        push_field(&mut xml, "ToUserName", &self.to);
        push_field(&mut xml, "FromUserName", &self.from);
        xml.push_str(&format!("<CreateTime>{}</CreateTime>", self.create_time));
        push_field(&mut xml, "MsgType", self.msg_type);
        if let Some(event) = self.event {
            push_field(&mut xml, "Event", event);
        }
        for field in &self.fields {
            push_element(&mut xml, field);
        }
        if let Some(id) = self.msg_id {
            xml.push_str(&format!("<MsgId>{id}</MsgId>"));
        }
        xml.push_str("</xml>");
        xml
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.xml())
    }
}
