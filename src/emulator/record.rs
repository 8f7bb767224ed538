//! What the emulator hands back to a test: the [`Call`]s it received, the media ([`Upload`])
//! and [`QrCode`]s it stores, the [`User`]s it knows and the [`Callback`]s it makes for the
//! bot. Keeping them is `state.rs`'s job.

use std::fmt;

use crate::ids::MediaKind;
use crate::xml::cdata_field;

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body's length in bytes.
    pub body_len: usize,
}

impl Call {
    /// The first value of the query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        first_param(&self.query, key)
    }
}

/// The first value of `key` among decoded query pairs.
pub(super) fn first_param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

/// A stored media file: uploaded through the API, or put by
/// [`Emulator::put_media`](super::Emulator::put_media).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// Its kind.
    pub kind: MediaKind,
    /// The id the emulator gave it.
    pub media_id: String,
    /// The filename of its multipart part, as sent.
    pub filename: String,
    /// The Content-Type of its multipart part (`application/octet-stream` when none was sent).
    pub content_type: String,
    /// The file itself.
    pub bytes: Vec<u8>,
    /// When it was stored, in Unix seconds (`created_at` of the upload answer).
    pub created_at: u64,
}

impl fmt::Debug for Upload {
    // The bytes would drown a test failure; their length says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("kind", &self.kind)
            .field("media_id", &self.media_id)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A QR code `/cgi-bin/qrcode/create` made (see [`Emulator::qr_codes`](super::Emulator::qr_codes)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QrCode {
    /// The ticket, which `/cgi-bin/showqrcode?ticket=…` exchanges for the image.
    pub ticket: String,
    /// What the code encodes: `http://weixin.qq.com/q/…`.
    pub url: String,
    /// `QR_SCENE`, `QR_STR_SCENE`, `QR_LIMIT_SCENE` or `QR_LIMIT_STR_SCENE`.
    pub action_name: String,
    /// The scene: a `scene_id` in decimal, or the `scene_str`.
    pub scene: String,
    /// How long a temporary code lives; `None` for a permanent one.
    pub expire_seconds: Option<u64>,
    /// When it was made, in Unix seconds.
    pub created_at: u64,
}

impl QrCode {
    /// Whether the code still works at `now` (Unix seconds): permanent codes always do.
    pub fn is_live(&self, now: u64) -> bool {
        self.expire_seconds
            .is_none_or(|secs| now < self.created_at.saturating_add(secs))
    }
}

/// A user as `/cgi-bin/user/info` describes them (see
/// [`Emulator::set_user`](super::Emulator::set_user)). There is no nickname or avatar: WeChat
/// stopped returning them on 2021-12-27.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// Whether they follow the account; someone who does not is only `{"subscribe": 0,
    /// "openid": …}`.
    pub subscribe: bool,
    /// Their client's language, `zh_CN` by default.
    pub language: String,
    /// When they last followed, Unix seconds; 0 is filled in with the time it is stored.
    pub subscribe_time: u64,
    /// Their unionid, when the account is bound to the open platform.
    pub unionid: Option<String>,
    /// The account's note on them.
    pub remark: String,
    /// The old group id, always 0 today.
    pub groupid: u64,
    /// Their tags.
    pub tagid_list: Vec<u64>,
    /// How they followed: `ADD_SCENE_QR_CODE`, `ADD_SCENE_SEARCH`, … (`ADD_SCENE_OTHERS` by
    /// default).
    pub subscribe_scene: String,
    /// The numeric QR scene they followed through, else 0.
    pub qr_scene: u64,
    /// The string QR scene they followed through, else empty.
    pub qr_scene_str: String,
}

impl Default for User {
    /// A follower of whom nothing else is known.
    fn default() -> Self {
        Self {
            subscribe: true,
            language: "zh_CN".to_owned(),
            subscribe_time: 0,
            unionid: None,
            remark: String::new(),
            groupid: 0,
            tagid_list: Vec::new(),
            subscribe_scene: "ADD_SCENE_OTHERS".to_owned(),
            qr_scene: 0,
            qr_scene_str: String::new(),
        }
    }
}

/// A callback WeChat would POST to the bot: the user it concerns and its XML. Deliver it with
/// a [`Pusher`](super::Pusher): `pusher.push(&callback.openid, &callback.xml)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Callback {
    /// The user's openid (`FromUserName`), for the callback's query.
    pub openid: String,
    /// The callback XML.
    pub xml: String,
}

impl Callback {
    /// `TEMPLATESENDJOBFINISH` to `account` (`ToUserName`) for the template message `msgid`
    /// sent to `openid`, with its `Status` (`success`, `failed:user block`, …).
    pub(super) fn template_job_finished(
        account: &str,
        openid: &str,
        msgid: u64,
        status: &str,
        create_time: u64,
    ) -> Self {
        let mut xml = String::from("<xml>");
        cdata_field(&mut xml, "ToUserName", account);
        cdata_field(&mut xml, "FromUserName", openid);
        xml.push_str(&format!("<CreateTime>{create_time}</CreateTime>"));
        cdata_field(&mut xml, "MsgType", "event");
        cdata_field(&mut xml, "Event", "TEMPLATESENDJOBFINISH");
        xml.push_str(&format!("<MsgID>{msgid}</MsgID>"));
        cdata_field(&mut xml, "Status", status);
        xml.push_str("</xml>");
        Self {
            openid: openid.to_owned(),
            xml,
        }
    }
}
