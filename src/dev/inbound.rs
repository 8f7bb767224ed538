//! What the page sends: a message or event as the page's API takes it (the menu's events
//! among them), and whether WeChat's client would send it. Writing it as WeChat's XML is `callback_xml.rs`'s.

use serde::Deserialize;

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
    /// A follow, through QR scene `scene` when given (the code's `ticket`, when the API
    /// made it, is found by its scene unless given).
    Subscribe {
        #[serde(default)]
        scene: Option<String>,
        #[serde(default)]
        ticket: Option<String>,
    },
    /// An unfollow.
    Unsubscribe,
    /// A follower scanning a QR code with scene `key`.
    Scan {
        key: String,
        #[serde(default)]
        ticket: Option<String>,
    },
    /// A click on a menu button with key `key`.
    Click { key: String },
    /// A click on a menu link to `url`.
    View { url: String },
    /// A menu button opening a mini program's page.
    ViewMiniprogram { pagepath: String },
    /// The menu's scanner, its result pushed to the page.
    ScancodePush(ScanCode),
    /// The menu's scanner, waiting for the account's answer.
    ScancodeWaitmsg(ScanCode),
    /// A photo taken from the menu.
    PicSysphoto(Pictures),
    /// A photo or album picture sent from the menu.
    PicPhotoOrAlbum(Pictures),
    /// A picture from the WeChat album sent from the menu.
    PicWeixin(Pictures),
    /// A location picked from the menu.
    LocationSelect(Picked),
}

/// What the menu's scanner read: `ScanCodeInfo`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ScanCode {
    pub(super) key: String,
    /// `ScanResult`: what the code holds, as the user typed it.
    pub(super) result: String,
    /// `ScanType`: `qrcode` unless said otherwise (`barcode`).
    #[serde(default = "qrcode")]
    pub(super) scan_type: String,
}

/// The picture a menu button sent: `SendPicsInfo` with one `PicMd5Sum`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Pictures {
    pub(super) key: String,
    /// The picture's MD5, 32 hex digits; made up when not given.
    #[serde(default)]
    pub(super) md5: Option<String>,
}

/// The place a menu button picked: `SendLocationInfo`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Picked {
    pub(super) key: String,
    pub(super) x: String,
    pub(super) y: String,
    #[serde(default = "default_scale")]
    pub(super) scale: u32,
    #[serde(default)]
    pub(super) label: String,
    #[serde(default)]
    pub(super) poiname: String,
}

fn qrcode() -> String {
    "qrcode".to_owned()
}

fn default_scale() -> u32 {
    15
}

impl Message {
    /// Whether WeChat sends this as an event (no `MsgId`).
    pub(super) fn is_event(&self) -> bool {
        !matches!(
            self,
            Self::Text { .. }
                | Self::Image { .. }
                | Self::Voice { .. }
                | Self::Video { .. }
                | Self::Location { .. }
                | Self::Link { .. }
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
            Self::Subscribe {
                scene: Some(scene), ..
            } => required(scene, "the QR scene"),
            Self::Subscribe { scene: None, .. } | Self::Unsubscribe => Ok(()),
            Self::Scan { key, .. } => required(key, "the QR scene"),
            Self::Click { key } => required(key, "the menu key"),
            Self::View { url } => required(url, "the menu link's URL"),
            Self::ViewMiniprogram { pagepath } => required(pagepath, "the mini program's page"),
            Self::ScancodePush(scan) | Self::ScancodeWaitmsg(scan) => {
                required(&scan.key, "the menu key")?;
                required(&scan.result, "what the code holds")
            }
            Self::PicSysphoto(pics) | Self::PicPhotoOrAlbum(pics) | Self::PicWeixin(pics) => {
                required(&pics.key, "the menu key")?;
                let md5 = pics
                    .md5
                    .as_deref()
                    .unwrap_or("0123456789abcdef0123456789abcdef");
                let hex = md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit());
                hex.then_some(())
                    .ok_or_else(|| "the picture's md5 must be 32 hex digits".to_owned())
            }
            Self::LocationSelect(picked) => {
                required(&picked.key, "the menu key")?;
                check_coordinates(&picked.x, &picked.y)
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> Message {
        serde_json::from_str(json).expect("message")
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
